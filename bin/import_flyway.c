/*
 * bin/import_flyway.c — the reader of `import flyway PATH`: turns a Flyway
 * location into an ImpSet (import.h), a linear history.
 *
 * PATH is a location, searched recursively like Flyway does, for
 *   V<version>__<description>.sql  versioned: a revision with id V<version>
 *                                  (dots as underscores), ordered by version,
 *                                  numerically part by part;
 *   U<version>__<description>.sql  its undo script: the downgrade;
 *   R__<description>.sql           repeatable: a revision with id
 *                                  R_<description>, after every versioned
 *                                  one, in description order as Flyway runs
 *                                  them; irreversible (Flyway has no undo for
 *                                  them).  stamp --from flyway counts one as
 *                                  applied when every versioned revision is
 *                                  and the history has a successful row for
 *                                  its script; otherwise it stays pending and
 *                                  runs again on upgrade, as Flyway reruns a
 *                                  repeatable script (they are written to be
 *                                  rerun: CREATE OR REPLACE ...);
 *   <script>.sql.conf              executeInTransaction=false: transactional:
 *                                  false.
 *
 * Placeholders (import_flyway_placeholders.c) are replaced in every script
 * before it is written, as Flyway replaces them before running it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"

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

/*
 * The id of a repeatable script R__<description>.sql (malloc'ed): "R_" and
 * the description as import_id maps names.  Shared with stamp --from flyway.
 */
char *
flyway_repeatable_id(const char *file_name)
{
	const char *base = strrchr(file_name, '/') ? strrchr(file_name, '/') + 1 : file_name;
	size_t		len = strlen(base);
	char	   *desc, *mapped, *id;

	if (strncmp(base, "R__", 3) != 0 || len < 8 || strcmp(base + len - 4, ".sql") != 0)
		return NULL;
	desc = trimmed(base + 3, len - 7);
	mapped = import_id(IMPORT_DBMATE, desc);	/* no prefix: the name's characters mapped */
	id = xmalloc(strlen(mapped) + 3);
	sprintf(id, "R_%s", mapped);
	if (strlen(id) > PGREV_NAME_MAX_LEN)
		id[PGREV_NAME_MAX_LEN] = '\0';
	free(desc);
	free(mapped);
	return id;
}

/* A Flyway script found in a location. */
typedef struct FlyScript
{
	char	   *path;
	char	   *name;			/* the file name */
	char		prefix;			/* 'V', 'U' or 'R' */
	char	   *version;		/* "" for R */
	char	   *desc;
} FlyScript;

/* A growing array of Flyway scripts. */
typedef struct FlyList
{
	FlyScript  *s;
	int			n, cap;
} FlyList;

/*
 * Split a Flyway file name: prefix V or U, version ([0-9]+ parts joined by
 * "." or "_"), "__", description, ".sql"; or R, "__", description, ".sql".
 * False when it is not one.
 */
static bool
flyway_name(const char *name, char *prefix, char **version, char **desc)
{
	size_t		len = strlen(name);
	const char *sep = strstr(name, "__");
	bool		part = false;

	if (len < 5 || strcmp(name + len - 4, ".sql") != 0 || (name[0] != 'V' && name[0] != 'U' && name[0] != 'R') ||
		sep == NULL)
		return false;
	if (name[0] == 'R')
	{
		if (sep != name + 1 || len < 8)
			return false;
		*prefix = 'R';
		*version = xstrdup("");
		*desc = imp_description(sep + 2, (size_t) (name + len - 4 - (sep + 2)));
		return true;
	}
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
	*desc = imp_description(sep + 2, (size_t) (name + len - 4 - (sep + 2)));
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
			list->s[list->n].name = xstrdup(names[i]);
			list->s[list->n].prefix = prefix;
			list->s[list->n].version = version;
			list->s[list->n].desc = desc;
			list->n++;
			continue;
		}
		free(path);
	}
	return ok;
}

/*
 * qsort comparator of Flyway scripts: versioned by version, V before U; the
 * repeatable ones last, by description (Flyway's order), then file name.
 */
static int
cmp_fly(const void *a, const void *b)
{
	const FlyScript *x = a, *y = b;
	int			c;

	if ((x->prefix == 'R') != (y->prefix == 'R'))
		return x->prefix == 'R' ? 1 : -1;
	if (x->prefix == 'R')
		return (c = strcmp(x->desc, y->desc)) != 0 ? c : strcmp(x->name, y->name);
	c = flyway_version_cmp(x->version, y->version);
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

/* Read a script and replace its placeholders; NULL after an error naming it. */
static char *
flyway_script(const FlyPlaceholders *ph, const FlyScript *s, const char *what)
{
	char	   *text = imp_read(s->path, what);
	char	   *out;

	if (text == NULL)
		return NULL;
	out = flyway_replace(ph, s->path, s->name, text);
	free(text);
	return out;
}

/* import flyway PATH.  Returns an exit code. */
int
import_flyway(const char *path, ImpSet *set)
{
	FlyList		list = {NULL, 0, 0};
	FlyPlaceholders *ph;
	const char *prev = NULL;

	if ((ph = flyway_placeholders(path)) == NULL)
		return EXIT_USAGE;
	if (!flyway_scan(path, &list))
		return EXIT_USAGE;
	if (list.n)
		qsort(list.s, list.n, sizeof(FlyScript), cmp_fly);
	for (int i = 0; i < list.n; i++)
	{
		FlyScript  *s = &list.s[i];
		ImpRev	   *r;
		char	   *id;

		if (i > 0 && s->prefix != 'R' && flyway_version_cmp(s->version, list.s[i - 1].version) == 0 &&
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
			if ((set->revs[set->n - 1].downgrade = flyway_script(ph, s, "Flyway undo script")) == NULL)
				return EXIT_USAGE;
			continue;
		}
		id = s->prefix == 'R' ? flyway_repeatable_id(s->name) : import_id(IMPORT_FLYWAY, s->version);
		r = imp_add(set, id, s->path, 0);
		free(id);
		r->message = s->desc;
		if (prev)
			imp_list_add(&r->down, &r->ndown, prev);
		free(r->upgrade);
		if ((r->upgrade = flyway_script(ph, s, s->prefix == 'R' ? "Flyway repeatable script" :
										"Flyway script")) == NULL)
			return EXIT_USAGE;
		r->transactional = !flyway_no_transaction(s->path);
		prev = r->id;
	}
	return EXIT_OK;
}
