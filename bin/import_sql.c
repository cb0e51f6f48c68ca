/*
 * bin/import_sql.c — the readers of `import dbmate|sqitch` (Flyway's is
 * import_flyway.c): each turns a project of plain SQL scripts into an ImpSet
 * (import.h), in the tool's order, each revision's parent the one before it.
 *
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

/* A description from a file name part: underscores become spaces (malloc'ed). */
char *
imp_description(const char *s, size_t len)
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
		r->message = imp_description(names[i] + digits + 1, strlen(names[i]) - digits - 5);
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
