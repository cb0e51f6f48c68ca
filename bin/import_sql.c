/*
 * bin/import_sql.c — the readers of `import flyway|dbmate|sqitch`: each
 * turns a project of plain SQL scripts into an ImpSet (import.h), in the
 * tool's order, each revision's parent the one before it (these histories
 * are linear).
 *
 * Flyway: PATH is a location, searched recursively like Flyway does, for
 *   V<version>__<description>.sql (versioned: a revision, ordered by version,
 *   numerically part by part), U<version>__<description>.sql (its undo: the
 *   downgrade) and <script>.sql.conf with executeInTransaction=false
 *   (transactional: false).  R__ repeatable scripts have no equivalent: they
 *   are listed and skipped.
 * dbmate: PATH is the migrations directory (db/migrations):
 *   <version>_<name>.sql with "-- migrate:up" and "-- migrate:down" sections
 *   ("transaction:false" after the marker: transactional: false), ordered by
 *   version as dbmate does (file names sorted).
 * Sqitch: PATH is the project directory (or its plan file): sqitch.plan,
 *   deploy/<change>.sql and revert/<change>.sql beside it.  A change's parent
 *   is the change before it in the plan; its "[requires]" become depends_on
 *   (the parent itself dropped); "!conflicts" are ignored.  Sqitch's
 *   BEGIN;/COMMIT; lines around a script are removed (a revision runs in the
 *   transaction pg_revisions opens); reworked changes (a name planned twice)
 *   and cross-project requirements are errors.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"

/* A description from a file name part: underscores become spaces. */
static char *
description(const char *s, size_t len)
{
	char	   *d = trimmed(s, len);

	for (char *p = d; *p; p++)
		if (*p == '_')
			*p = ' ';
	return d;
}

/* qsort comparator of C strings. */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * Compare two Flyway versions ("1.2", "1_10") part by part as numbers
 * (leading zeros ignored), like Flyway: 1.2 < 1.10, 1.2 = 1_2 = 1.02.
 */
int
flyway_version_cmp(const char *a, const char *b)
{
	while (*a || *b)
	{
		const char *ea, *eb;
		size_t		la, lb;

		while (*a == '0' && isdigit((unsigned char) a[1]))
			a++;
		while (*b == '0' && isdigit((unsigned char) b[1]))
			b++;
		for (ea = a; isdigit((unsigned char) *ea); ea++);
		for (eb = b; isdigit((unsigned char) *eb); eb++);
		la = (size_t) (ea - a);
		lb = (size_t) (eb - b);
		if (la == 0 && lb == 0)
			return 0;
		if (la == 0 || lb == 0)	/* 1.2 < 1.2.1 */
			return la == 0 ? -1 : 1;
		if (la != lb)
			return la < lb ? -1 : 1;
		if (memcmp(a, b, la) != 0)
			return memcmp(a, b, la);
		a = *ea ? ea + 1 : ea;
		b = *eb ? eb + 1 : eb;
	}
	return 0;
}

/* A Flyway script found in a location. */
typedef struct FlyScript
{
	char	   *path;
	char		prefix;			/* 'V' or 'U' */
	char	   *version;
	char	   *desc;
} FlyScript;

/* A growing array of Flyway scripts, plus the repeatable ones skipped. */
typedef struct FlyList
{
	FlyScript  *s;
	int			n, cap;
	char	  **skipped;
	int			nskipped;
} FlyList;

/*
 * Split a Flyway file name: prefix V or U, version ([0-9]+ parts joined by
 * "." or "_"), "__", description, ".sql".  False when it is not one.
 */
static bool
flyway_name(const char *name, char *prefix, char **version, char **desc)
{
	size_t		len = strlen(name);
	const char *sep = strstr(name, "__");
	bool		part = false;

	if (len < 5 || strcmp(name + len - 4, ".sql") != 0 || (name[0] != 'V' && name[0] != 'U') || sep == NULL)
		return false;
	for (const char *p = name + 1; p < sep; p++)
	{
		if (isdigit((unsigned char) *p))
			part = true;
		else if ((*p == '.' || *p == '_') && part)
			part = false;
		else
			return false;
	}
	if (!part)
		return false;
	*prefix = name[0];
	*version = xmalloc((size_t) (sep - name));
	memcpy(*version, name + 1, (size_t) (sep - name - 1));
	(*version)[sep - name - 1] = '\0';
	*desc = description(sep + 2, (size_t) (name + len - 4 - (sep + 2)));
	return true;
}

/* Collect the Flyway scripts under dir (recursively).  False on an unreadable directory. */
static bool
flyway_scan(const char *dir, FlyList *list)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	char	  **names = NULL;
	int			n = 0;
	bool		ok = true;

	if (d == NULL)
	{
		imp_error(dir, 0, "could not open the Flyway location: %s", strerror(errno));
		return false;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			imp_list_add(&names, &n, de->d_name);
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);
	for (int i = 0; i < n && ok; i++)
	{
		char	   *path = imp_path(dir, names[i]);
		struct stat st;
		char		prefix;
		char	   *version, *desc;

		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			ok = flyway_scan(path, list);
		else if (flyway_name(names[i], &prefix, &version, &desc))
		{
			if (list->n == list->cap)
			{
				FlyScript  *bigger = xmalloc(sizeof(FlyScript) * (list->cap ? list->cap * 2 : 64));

				if (list->n)
					memcpy(bigger, list->s, sizeof(FlyScript) * list->n);
				free(list->s);
				list->s = bigger;
				list->cap = list->cap ? list->cap * 2 : 64;
			}
			list->s[list->n].path = path;
			list->s[list->n].prefix = prefix;
			list->s[list->n].version = version;
			list->s[list->n].desc = desc;
			list->n++;
			continue;
		}
		else if (names[i][0] == 'R' && strncmp(names[i], "R__", 3) == 0)
			imp_list_add(&list->skipped, &list->nskipped, path);
		free(path);
	}
	return ok;
}

/* qsort comparator of Flyway scripts: by version, V before U. */
static int
cmp_fly(const void *a, const void *b)
{
	const FlyScript *x = a, *y = b;
	int			c = flyway_version_cmp(x->version, y->version);

	return c ? c : (int) y->prefix - (int) x->prefix;
}

/* True when PATH.conf says executeInTransaction=false (Flyway's script configuration). */
static bool
flyway_no_transaction(const char *path)
{
	char	   *conf = xmalloc(strlen(path) + 6);
	char	   *text;
	bool		off = false;

	sprintf(conf, "%s.conf", path);
	text = read_all(conf);
	if (text)
	{
		for (char *p = text; *p;)
		{
			char	   *nl = strchr(p, '\n');
			char	   *line = trimmed(p, nl ? (size_t) (nl - p) : strlen(p));
			char	   *eq = strchr(line, '=');

			if (eq)
			{
				char	   *key = trimmed(line, (size_t) (eq - line));
				char	   *val = trimmed(eq + 1, strlen(eq + 1));

				if (strcmp(key, "executeInTransaction") == 0 && strcasecmp(val, "false") == 0)
					off = true;
				free(key);
				free(val);
			}
			free(line);
			p = nl ? nl + 1 : p + strlen(p);
		}
		free(text);
	}
	free(conf);
	return off;
}

/* import flyway PATH.  Returns an exit code. */
int
import_flyway(const char *path, ImpSet *set)
{
	FlyList		list = {NULL, 0, 0, NULL, 0};
	const char *prev = NULL;

	if (!flyway_scan(path, &list))
		return EXIT_USAGE;
	if (list.n)
		qsort(list.s, list.n, sizeof(FlyScript), cmp_fly);
	for (int i = 0; i < list.n; i++)
	{
		FlyScript  *s = &list.s[i];
		ImpRev	   *r;
		char	   *id;

		if (i > 0 && flyway_version_cmp(s->version, list.s[i - 1].version) == 0 &&
			s->prefix == list.s[i - 1].prefix)
		{
			imp_error(s->path, 0, "version %s is also %s", s->version, list.s[i - 1].path);
			return EXIT_USAGE;
		}
		if (s->prefix == 'U')
		{
			if (i == 0 || flyway_version_cmp(s->version, list.s[i - 1].version) != 0)
			{
				imp_error(s->path, 0, "undo script of version %s, but no versioned script V%s__*.sql",
						  s->version, s->version);
				return EXIT_USAGE;
			}
			if ((set->revs[set->n - 1].downgrade = imp_read(s->path, "Flyway undo script")) == NULL)
				return EXIT_USAGE;
			continue;
		}
		id = import_id(IMPORT_FLYWAY, s->version);
		r = imp_add(set, id, s->path, 0);
		r->message = s->desc;
		if (prev)
			imp_list_add(&r->down, &r->ndown, prev);
		free(r->upgrade);
		if ((r->upgrade = imp_read(s->path, "Flyway script")) == NULL)
			return EXIT_USAGE;
		r->transactional = !flyway_no_transaction(s->path);
		prev = r->id;
	}
	for (int i = 0; i < list.nskipped; i++)
		fprintf(stderr, "pg_revisions: warning: %s is a repeatable Flyway script (R__): not imported; "
				"put its SQL in a new revision when it changes\n", list.skipped[i]);
	return EXIT_OK;
}

/*
 * If the line is a dbmate marker "-- migrate:up" or "-- migrate:down" (with
 * options after it), return 'u' or 'd' and set *notx when one option is
 * transaction:false; else 0.
 */
static int
dbmate_marker(const char *line, size_t len, bool *notx)
{
	char	   *t = trimmed(line, len);
	char	   *p = t;
	int			kind = 0;

	if (strncmp(p, "--", 2) == 0)
	{
		p += 2;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "migrate:up", 10) == 0 && (p[10] == '\0' || isspace((unsigned char) p[10])))
			kind = 'u';
		else if (strncmp(p, "migrate:down", 12) == 0 && (p[12] == '\0' || isspace((unsigned char) p[12])))
			kind = 'd';
		if (kind)
			*notx = strstr(p, "transaction:false") != NULL;
	}
	free(t);
	return kind;
}

/* Read one dbmate file into r (its sections); false after an error naming the file. */
static bool
dbmate_file(const char *path, ImpRev *r)
{
	char	   *text = imp_read(path, "dbmate migration");
	const char *up = NULL, *up_end = NULL, *down = NULL, *down_end = NULL;
	int			lineno = 0, state = 0;

	if (text == NULL)
		return false;
	for (const char *p = text; *p;)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p) : strlen(p);
		const char *next = nl ? nl + 1 : p + len;
		bool		notx = false;
		int			m = dbmate_marker(p, len, &notx);

		lineno++;
		if (m && (m == state || (m == 'u' && state == 'd') || (m == 'd' && state == 0)))
		{
			imp_error(path, lineno, m == 'd' && state == 0 ? "\"-- migrate:down\" before \"-- migrate:up\"" :
					  "a second \"-- migrate:%s\" line", m == 'u' ? "up" : "down");
			return false;
		}
		if (m == 'u')
		{
			up = next;
			r->transactional = !notx;
		}
		else if (m == 'd')
		{
			up_end = p;
			down = next;
		}
		if (m)
			state = m;
		p = next;
		if (*p == '\0')
		{
			if (state == 'u')
				up_end = p;
			else if (state == 'd')
				down_end = p;
		}
	}
	if (up == NULL)
	{
		imp_error(path, 1, "no \"-- migrate:up\" line: not a dbmate migration");
		return false;
	}
	if (up_end == NULL)
		up_end = up + strlen(up);
	if (down && down_end == NULL)
		down_end = down + strlen(down);
	free(r->upgrade);
	r->upgrade = trimmed(up, (size_t) (up_end - up));
	r->downgrade = down ? trimmed(down, (size_t) (down_end - down)) : NULL;
	free(text);
	return true;
}

/* import dbmate PATH.  Returns an exit code. */
int
import_dbmate(const char *path, ImpSet *set)
{
	DIR		   *d = opendir(path);
	struct dirent *de;
	char	  **names = NULL;
	int			n = 0;
	const char *prev = NULL;

	if (d == NULL)
	{
		imp_error(path, 0, "could not open the dbmate migrations directory: %s", strerror(errno));
		return EXIT_USAGE;
	}
	while ((de = readdir(d)) != NULL)
	{
		size_t		len = strlen(de->d_name);
		size_t		digits = strspn(de->d_name, "0123456789");

		if (len > 4 && strcmp(de->d_name + len - 4, ".sql") == 0 && digits > 0 && de->d_name[digits] == '_')
			imp_list_add(&names, &n, de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);
	for (int i = 0; i < n; i++)
	{
		size_t		digits = strspn(names[i], "0123456789");
		char	   *version = xmalloc(digits + 1);
		char	   *file = imp_path(path, names[i]);
		ImpRev	   *r;

		memcpy(version, names[i], digits);
		version[digits] = '\0';
		r = imp_add(set, version, file, 0);
		r->message = description(names[i] + digits + 1, strlen(names[i]) - digits - 5);
		if (prev)
			imp_list_add(&r->down, &r->ndown, prev);
		if (!dbmate_file(file, r))
			return EXIT_USAGE;
		prev = r->id;
	}
	return EXIT_OK;
}

/*
 * A Sqitch script without the transaction control Sqitch's templates wrap it
 * in: lines that are only BEGIN; / COMMIT; (START TRANSACTION; ... too).
 */
static char *
strip_transaction(const char *text)
{
	static const char *const words[] = {"begin;", "begin transaction;", "begin work;", "start transaction;",
	"commit;", "commit transaction;", "commit work;", "end;"};
	char	   *out = xmalloc(strlen(text) + 1), *o = out, *result;

	for (const char *p = text; *p;)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p + 1) : strlen(p);
		char	   *t = trimmed(p, len);
		bool		drop = false;

		for (char *c = t; *c; c++)
			*c = (char) tolower((unsigned char) *c);
		for (int w = 0; w < 8; w++)
			if (strcmp(t, words[w]) == 0)
				drop = true;
		if (!drop)
		{
			memcpy(o, p, len);
			o += len;
		}
		free(t);
		p += len;
	}
	*o = '\0';
	result = trimmed(out, strlen(out));
	free(out);
	return result;
}

/* import sqitch PATH (the project directory or its plan file).  Returns an exit code. */
int
import_sqitch(const char *path, ImpSet *set)
{
	struct stat st;
	char	   *plan, *top, *text;
	int			lineno = 0;
	const char *prev = NULL;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
	{
		top = xstrdup(path);
		plan = imp_path(path, "sqitch.plan");
	}
	else
	{
		const char *slash = strrchr(path, '/');

		plan = xstrdup(path);
		top = slash ? trimmed(path, (size_t) (slash - path)) : xstrdup(".");
	}
	if ((text = imp_read(plan, "Sqitch plan")) == NULL)
		return EXIT_USAGE;
	for (char *p = text; *p;)
	{
		char	   *nl = strchr(p, '\n');
		char	   *line = trimmed(p, nl ? (size_t) (nl - p) : strlen(p));
		char	   *s = line, *name, *note = NULL, *id, *script;
		ImpRev	   *r;
		size_t		len;

		lineno++;
		p = nl ? nl + 1 : p + strlen(p);
		if (*s == '\0' || *s == '#' || *s == '%' || *s == '@')
			continue;			/* blank, comment, pragma, tag */
		if (*s == '-')
		{
			imp_error(plan, lineno, "a change planned for revert (\"-name\") cannot be imported");
			return EXIT_USAGE;
		}
		if (*s == '+')
			s++;
		len = strcspn(s, " \t[");
		name = trimmed(s, len);
		s += len;
		if ((note = strchr(s, '#')) != NULL)
			note = trimmed(note + 1, strlen(note + 1));
		id = import_id(IMPORT_SQITCH, name);
		for (int i = 0; i < set->n; i++)
			if (strcmp(set->revs[i].id, id) == 0)
			{
				imp_error(plan, lineno, "change \"%s\" is planned twice (a reworked change, line %d, or two "
						  "names that both become id \"%s\"): not supported", name, set->revs[i].line, id);
				return EXIT_USAGE;
			}
		r = imp_add(set, id, plan, lineno);
		r->message = note && *note ? note : xstrdup(name);
		if (prev)
			imp_list_add(&r->down, &r->ndown, prev);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[')
		{
			char	   *end = strchr(s, ']');
			char	   *deps;

			if (end == NULL)
			{
				imp_error(plan, lineno, "\"[\" without \"]\" in the requirements of change \"%s\"", name);
				return EXIT_USAGE;
			}
			deps = trimmed(s + 1, (size_t) (end - s - 1));
			for (char *tok = strtok(deps, " \t"); tok; tok = strtok(NULL, " \t"))
			{
				char	   *at, *dep;

				if (tok[0] == '!')
					continue;	/* a conflict: nothing to record */
				if (strchr(tok, ':'))
				{
					imp_error(plan, lineno, "change \"%s\" requires \"%s\" of another project: not supported",
							  name, tok);
					return EXIT_USAGE;
				}
				if ((at = strchr(tok, '@')) != NULL)
					*at = '\0';
				dep = import_id(IMPORT_SQITCH, tok);
				if (prev == NULL || strcmp(dep, prev) != 0)
				{
					bool		planned = false;

					for (int i = 0; i < set->n - 1 && !planned; i++)
						planned = strcmp(set->revs[i].id, dep) == 0;
					if (!planned)
					{
						imp_error(plan, lineno, "change \"%s\" requires \"%s\", which is not planned before it",
								  name, tok);
						return EXIT_USAGE;
					}
					imp_list_add(&r->deps, &r->ndeps, dep);
				}
				free(dep);
			}
		}
		script = xmalloc(strlen(top) + strlen(name) + 16);
		sprintf(script, "%s/deploy/%s.sql", top, name);
		{
			char	   *deploy = imp_read(script, "Sqitch deploy script");

			if (deploy == NULL)
			{
				fprintf(stderr, "hint: change \"%s\" is planned on line %d of %s\n", name, lineno, plan);
				return EXIT_USAGE;
			}
			free(r->upgrade);
			r->upgrade = strip_transaction(deploy);
			free(deploy);
		}
		sprintf(script, "%s/revert/%s.sql", top, name);
		if (stat(script, &st) == 0)
		{
			char	   *revert = imp_read(script, "Sqitch revert script");

			if (revert == NULL)
				return EXIT_USAGE;
			r->downgrade = strip_transaction(revert);
			free(revert);
		}
		free(script);
		prev = r->id;
		free(line);
	}
	free(text);
	return EXIT_OK;
}
