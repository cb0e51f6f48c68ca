/*
 * bin/files.c — the migration files of the pg_revisions client: read and
 * parse a directory of them, validate it (ids, parents, duplicates, cycles),
 * and sort it parents first.  (newfile.c writes new ones.)
 *
 * File format (one revision per file, named <revision>_<slug>.sql):
 *
 *   -- revision: 3f2a9c1b7d4e
 *   -- down_revision: 1a2b3c4d5e6f     empty for a root; a merge: a, b
 *   -- message: add users table        optional
 *   -- branch_label: auth              optional
 *   -- depends_on: 9c8b7a6d5e4f        optional, comma-separated
 *   -- transactional: false            optional (default true)
 *   -- replaces: 1a2b3c4d5e6f          a baseline (pg_revisions squash): no
 *                                      down_revision; it replaces that
 *                                      revision and all its ancestors
 *
 *   -- migrate:upgrade
 *   CREATE TABLE users (...);
 *
 *   -- migrate:downgrade
 *   DROP TABLE users;
 *
 * The header is the comment lines before "-- migrate:upgrade"; other comment
 * lines there are ignored, SQL there is an error.  A section runs to the next
 * marker or the end of the file and is trimmed of surrounding whitespace.  No
 * downgrade section, or an empty one, makes the revision irreversible
 * (downgrade NULL), except for an empty revision (empty upgrade, e.g. a merge),
 * whose downgrade is empty too: there is nothing to undo.
 *
 * Errors are printed as "FILE:LINE: error: ..." and give EXIT_USAGE.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_revisions.h"

/* malloc that exits on failure. */
void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "pg_revisions: out of memory\n");
		exit(EXIT_DB);
	}
	return p;
}

/* strdup that exits on failure; NULL stays NULL. */
char *
xstrdup(const char *s)
{
	char	   *d;

	if (s == NULL)
		return NULL;
	d = xmalloc(strlen(s) + 1);
	strcpy(d, s);
	return d;
}

/* printf into a malloc'ed string. */
static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *
vformat(const char *fmt, va_list ap)
{
	va_list		copy;
	int			len;
	char	   *text;

	va_copy(copy, ap);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0)
		return xstrdup(fmt);
	text = xmalloc((size_t) len + 1);
	vsnprintf(text, (size_t) len + 1, fmt, ap);
	return text;
}

/*
 * Print "pg_revisions: error: <message>" on stderr, control characters in
 * it escaped (it quotes file names and contents).
 */
void
errmsgf(const char *fmt,...)
{
	va_list		ap;

	char	   *text;

	va_start(ap, fmt);
	text = vformat(fmt, ap);
	va_end(ap);
	fputs("pg_revisions: error: ", stderr);
	fput_escaped(text, "\n\t", stderr);
	fputc('\n', stderr);
	free(text);
}

/* Print "PATH:LINE: error: <message>" on stderr, control characters escaped. */
static void
file_error(const char *path, int line, const char *fmt,...) __attribute__((format(printf, 3, 4)));
static void
file_error(const char *path, int line, const char *fmt,...)
{
	va_list		ap;

	char	   *text;

	va_start(ap, fmt);
	text = vformat(fmt, ap);
	va_end(ap);
	fput_escaped(path, "", stderr);
	fprintf(stderr, ":%d: error: ", line);
	fput_escaped(text, "\n\t", stderr);
	fputc('\n', stderr);
	free(text);
}

/* Copy of s[0..len) with surrounding whitespace removed (malloc'd). */
char *
trimmed(const char *s, size_t len)
{
	char	   *d;

	while (len > 0 && isspace((unsigned char) *s))
		s++, len--;
	while (len > 0 && isspace((unsigned char) s[len - 1]))
		len--;
	d = xmalloc(len + 1);
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/*
 * Split a comma-separated list into trimmed items (empty items dropped);
 * *items is malloc'ed.  Returns the number of items.
 */
int
split_list(const char *value, char ***items)
{
	int			n = 0;
	const char *p = value;

	*items = xmalloc(sizeof(char *) * (strlen(value) / 2 + 2));
	while (*p)
	{
		const char *end = strchr(p, ',');
		size_t		len = end ? (size_t) (end - p) : strlen(p);
		char	   *item = trimmed(p, len);

		if (*item)
			(*items)[n++] = item;
		else
			free(item);
		p += len;
		if (*p == ',')
			p++;
	}
	return n;
}

/* Check every id of a header list; print an error and return false if one is bad. */
static bool
check_ids(const char *path, int line, const char *key, char **ids, int n)
{
	for (int i = 0; i < n; i++)
		if (pgrev_check_name(ids[i], strlen(ids[i])) != NAME_OK)
		{
			file_error(path, line, "invalid revision id \"%s\" in %s: an id is 1 to 63 letters, digits or "
					   "underscores, and not head, heads or base", ids[i], key);
			return false;
		}
	return true;
}

/*
 * If line (without its newline) is a "-- migrate:<section>" marker, return
 * 'u' or 'd'; else 0.
 */
static int
marker(const char *line, size_t len)
{
	char	   *t;
	int			r = 0;

	if (len < 2 || line[0] != '-' || line[1] != '-')
		return 0;
	t = trimmed(line + 2, len - 2);
	if (strcmp(t, "migrate:upgrade") == 0)
		r = 'u';
	else if (strcmp(t, "migrate:downgrade") == 0)
		r = 'd';
	free(t);
	return r;
}

/* True when a marker line of kind which ('u', 'd'; 0: either) comes somewhere in text. */
static bool
has_marker(const char *text, int which)
{
	for (const char *p = text; *p;)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p) : strlen(p);
		int			m = marker(p, len);

		if (m != 0 && (which == 0 || m == which))
			return true;
		p += len + (nl ? 1 : 0);
	}
	return false;
}

/*
 * True when a section marker line ("-- migrate:upgrade" or
 * "-- migrate:downgrade") comes somewhere in text: such text cannot go into a
 * section of a file (autogen.c checks generated scripts with it).
 */
bool
has_marker_line(const char *text)
{
	return has_marker(text, 0);
}

/* Handle one "-- key: value" header line; false (error printed) if it is bad. */
static bool
header_line(MigFile *f, const char *key, const char *value, int lineno, int *seen)
{
	static const char *const keys[] = {"revision", "down_revision", "message", "branch_label",
	"depends_on", "transactional", "replaces"};
	int			k;

	for (k = 0; k < 7; k++)
		if (strcmp(key, keys[k]) == 0)
			break;
	if (k == 7)
		return true;			/* another comment: ignored */
	if (seen[k])
	{
		file_error(f->path, lineno, "\"%s:\" appears twice in the header (first on line %d)", key, seen[k]);
		return false;
	}
	seen[k] = lineno;
	switch (k)
	{
		case 0:
			f->revision = xstrdup(value);
			f->line_revision = lineno;
			if (!check_ids(f->path, lineno, "revision", &f->revision, 1))
				return false;
			break;
		case 1:
			f->ndown = split_list(value, &f->down);
			f->line_down = lineno;
			return check_ids(f->path, lineno, "down_revision", f->down, f->ndown);
		case 2:
			f->message = *value ? xstrdup(value) : NULL;
			break;
		case 3:
			f->branch_label = *value ? xstrdup(value) : NULL;
			if (f->branch_label && pgrev_check_name(f->branch_label, strlen(f->branch_label)) != NAME_OK)
			{
				file_error(f->path, lineno, "invalid branch_label \"%s\": 1 to 63 letters, digits or underscores",
						   value);
				return false;
			}
			break;
		case 4:
			f->ndeps = split_list(value, &f->deps);
			f->line_deps = lineno;
			return check_ids(f->path, lineno, "depends_on", f->deps, f->ndeps);
		case 5:
			if (strcasecmp(value, "false") == 0)
				f->transactional = false;
			else if (strcasecmp(value, "true") == 0)
				f->transactional = true;
			else
			{
				file_error(f->path, lineno, "transactional must be true or false, not \"%s\"", value);
				return false;
			}
			break;
		case 6:
			f->replaces = xstrdup(value);
			f->line_replaces = lineno;
			return check_ids(f->path, lineno, "replaces", &f->replaces, 1);
	}
	return true;
}

/*
 * Parse one migration file into *f (f->path set by the caller).  Returns
 * false after printing "PATH:LINE: error: ..." when the file is bad.
 */
static bool
parse_file(MigFile *f)
{
	char	   *text = read_all(f->path);
	const char *p, *up_start = NULL, *up_end = NULL, *down_start = NULL, *down_end = NULL;
	int			lineno = 0, nkeys = 0;
	int			seen[7] = {0};
	int			state = 0;		/* 0 header, 'u' upgrade, 'd' downgrade */
	char	   *up_text, *down_text;

	if (text == NULL)
	{
		file_error(f->path, 0, "could not read the file: %s", read_error(errno));
		return false;
	}
	f->transactional = true;
	for (p = text; *p;)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p) : strlen(p);
		const char *next = nl ? nl + 1 : p + len;
		int			m = marker(p, len);

		lineno++;
		if (m == 'u')
		{
			if (state != 0)
			{
				file_error(f->path, lineno, "a second \"-- migrate:upgrade\" line");
				return false;
			}
			state = 'u';
			up_start = next;
		}
		else if (m == 'd')
		{
			if (state != 'u')
			{
				file_error(f->path, lineno, state == 0 ?
						   "missing upgrade section: \"-- migrate:downgrade\" comes before any "
						   "\"-- migrate:upgrade\" line" :
						   "a second \"-- migrate:downgrade\" line");
				return false;
			}
			up_end = p;
			state = 'd';
			down_start = next;
		}
		else if (state == 0)
		{
			char	   *line = trimmed(p, len);

			if (line[0] == '-' && line[1] == '-')
			{
				char	   *colon = strchr(line, ':');
				char	   *key = trimmed(line + 2, colon ? (size_t) (colon - line - 2) : 0);
				bool		keyish = colon != NULL && *key != '\0';

				for (char *k = key; keyish && *k; k++)
					if (!(islower((unsigned char) *k) || *k == '_'))
						keyish = false;
				if (keyish)
				{
					char	   *value = trimmed(colon + 1, strlen(colon + 1));

					nkeys++;
					if (!header_line(f, key, value, lineno, seen))
						return false;
					free(value);
				}
				free(key);
			}
			else if (line[0] != '\0')
			{
				if (nkeys == 0)
					file_error(f->path, lineno, "missing header: a migration file starts with "
							   "\"-- revision: <id>\" and \"-- down_revision: <ids>\" lines");
				else if (!has_marker(next, 'u'))
					file_error(f->path, lineno, "missing upgrade section: SQL here, but no "
							   "\"-- migrate:upgrade\" line before it");
				else
					file_error(f->path, lineno, "SQL before the \"-- migrate:upgrade\" line");
				return false;
			}
			free(line);
		}
		p = next;
	}
	if (state == 'u')
		up_end = p;
	else if (state == 'd')
		down_end = p;

	if (nkeys == 0 || (!seen[0] && !seen[1]))
	{
		file_error(f->path, 1, "missing header: a migration file starts with "
				   "\"-- revision: <id>\" and \"-- down_revision: <ids>\" lines");
		return false;
	}
	if (!seen[0])
	{
		file_error(f->path, 1, "missing \"-- revision: <id>\" in the header");
		return false;
	}
	if (!seen[1] && !seen[6])
	{
		file_error(f->path, 1, "missing \"-- down_revision:\" in the header (leave it empty for a root)");
		return false;
	}
	if (seen[6] && (f->ndown > 0 || f->ndeps > 0 || f->branch_label || !f->transactional))
	{
		file_error(f->path, seen[6], "a baseline (\"-- replaces:\") has no down_revision, depends_on, "
				   "branch_label or transactional: false");
		return false;
	}
	if (state == 0)
	{
		file_error(f->path, lineno, "missing upgrade section: no \"-- migrate:upgrade\" line");
		return false;
	}
	up_text = trimmed(up_start, (size_t) (up_end - up_start));
	down_text = down_start ? trimmed(down_start, (size_t) (down_end - down_start)) : NULL;
	f->upgrade = up_text;
	if (down_text != NULL && down_text[0] != '\0')
		f->downgrade = down_text;
	else if (up_text[0] == '\0')
		f->downgrade = xstrdup("");	/* an empty revision: nothing to undo */
	else
		f->downgrade = NULL;	/* irreversible */
	free(text);
	return true;
}

/* An id and the index of its file, for sorting and bsearch. */
struct IdIndex
{
	const char *id;
	int			index;
};

/* qsort/bsearch comparator of IdIndex by id. */
static int
cmp_idindex(const void *a, const void *b)
{
	return strcmp(((const IdIndex *) a)->id, ((const IdIndex *) b)->id);
}

/* qsort comparator of C strings. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Index of the file with that revision in a sorted IdIndex array, or -1. */
static int
lookup(const IdIndex *ix, int n, const char *id)
{
	IdIndex		key = {id, 0};
	const IdIndex *hit = bsearch(&key, ix, n, sizeof(IdIndex), cmp_idindex);

	return hit ? hit->index : -1;
}

/*
 * Sort set->files parents first (down_revision and depends_on within the
 * files), ties in file-name order.  A cycle is an error naming its files.
 */
static int
toposort(MigSet *set, IdIndex *ix)
{
	int			n = set->n, head = 0, tail = 0;
	size_t		sz = (size_t) (n > 0 ? n : 1);
	int		   *indeg = xmalloc(sizeof(int) * sz);
	int		   *queue = xmalloc(sizeof(int) * sz);
	int		   *nchild = xmalloc(sizeof(int) * sz);
	int		  **child = xmalloc(sizeof(int *) * sz);
	MigFile    *sorted;

	for (int i = 0; i < n; i++)
		indeg[i] = nchild[i] = 0;
	for (int i = 0; i < n; i++)
	{
		MigFile    *f = &set->files[i];

		child[i] = NULL;
		for (int j = 0; j < f->ndown + f->ndeps; j++)
		{
			int			p = lookup(ix, n, j < f->ndown ? f->down[j] : f->deps[j - f->ndown]);

			if (p >= 0)
			{
				indeg[i]++;
				nchild[p]++;
			}
		}
	}
	for (int i = 0; i < n; i++)
	{
		child[i] = xmalloc(sizeof(int) * (size_t) (nchild[i] + 1));
		nchild[i] = 0;
	}
	for (int i = 0; i < n; i++)
	{
		MigFile    *f = &set->files[i];

		for (int j = 0; j < f->ndown + f->ndeps; j++)
		{
			int			p = lookup(ix, n, j < f->ndown ? f->down[j] : f->deps[j - f->ndown]);

			if (p >= 0)
				child[p][nchild[p]++] = i;
		}
	}
	for (int i = 0; i < n; i++)
		if (indeg[i] == 0)
			queue[tail++] = i;
	while (head < tail)
	{
		int			i = queue[head++];

		for (int c = 0; c < nchild[i]; c++)
			if (--indeg[child[i][c]] == 0)
				queue[tail++] = child[i][c];
	}
	if (tail < n)
	{
		/* Walk parents among the unsorted files until one repeats: a cycle. */
		int			start = -1, cur, steps = 0;
		char	   *onpath = xmalloc(sz);

		memset(onpath, 0, sz);
		for (int i = 0; i < n && start < 0; i++)
			if (indeg[i] > 0)
				start = i;
		cur = start;
		while (!onpath[cur] && steps++ <= n)
		{
			MigFile    *f = &set->files[cur];

			onpath[cur] = 1;
			for (int j = 0; j < f->ndown + f->ndeps; j++)
			{
				int			p = lookup(ix, n, j < f->ndown ? f->down[j] : f->deps[j - f->ndown]);

				if (p >= 0 && indeg[p] > 0)
				{
					cur = p;
					break;
				}
			}
		}
		{
			MigFile    *f = &set->files[cur];
			int			c = cur;

			fprintf(stderr, "%s:%d: error: revision \"%s\" is part of a cycle: %s", f->path,
					f->line_down, f->revision, f->revision);
			/* print the cycle by following parents again from cur */
			for (int k = 0; k <= n; k++)
			{
				MigFile    *g = &set->files[c];
				int			next = -1;

				for (int j = 0; j < g->ndown + g->ndeps && next < 0; j++)
				{
					int			p = lookup(ix, n, j < g->ndown ? g->down[j] : g->deps[j - g->ndown]);

					if (p >= 0 && indeg[p] > 0)
						next = p;
				}
				if (next < 0)
					break;
				fprintf(stderr, " -> %s", set->files[next].revision);
				c = next;
				if (c == cur)
					break;
			}
			fprintf(stderr, " (each names the next as down_revision or depends_on)\n");
		}
		return EXIT_USAGE;
	}
	sorted = xmalloc(sizeof(MigFile) * sz);
	for (int i = 0; i < n; i++)
		sorted[i] = set->files[queue[i]];
	free(set->files);
	set->files = sorted;
	return EXIT_OK;
}

/* The ids of set's files, sorted for lookup(); malloc'ed. */
static IdIndex *
build_index(const MigSet *set)
{
	IdIndex    *ix = xmalloc(sizeof(IdIndex) * (set->n ? set->n : 1));

	for (int i = 0; i < set->n; i++)
	{
		ix[i].id = set->files[i].revision;
		ix[i].index = i;
	}
	qsort(ix, set->n, sizeof(IdIndex), cmp_idindex);
	return ix;
}

/*
 * Load every *.sql file of dir into *set, validated and sorted parents
 * first.  A missing directory is an error when must_exist, else an empty set.
 * Returns EXIT_OK, or EXIT_USAGE after printing what is wrong.
 */
int
files_load(const char *dir, MigSet *set, bool must_exist)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	char	  **names, *escaped;
	int			nnames = 0, cap = 64, rc;
	IdIndex    *ix;

	set->dir = dir;
	set->files = NULL;
	set->n = 0;
	set->by_id = NULL;
	if (d == NULL)
	{
		if (errno == ENOENT && !must_exist)
			return EXIT_OK;
		errmsgf("could not open the migrations directory \"%s\": %s", dir, strerror(errno));
		fprintf(stderr, "hint: run \"pg_revisions init\" to create it, or pass -m DIR\n");
		return EXIT_USAGE;
	}
	names = xmalloc(sizeof(char *) * cap);
	while ((de = readdir(d)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0 || de->d_name[0] == '.')
			continue;
		if (strcmp(escaped = escape_controls(de->d_name, ""), de->d_name) != 0)
		{
			errmsgf("the migrations directory \"%s\" holds a file whose name has a control character: %s",
					dir, escaped);
			fprintf(stderr, "hint: rename it (control characters in names can act on a terminal)\n");
			free(escaped);
			closedir(d);
			return EXIT_USAGE;
		}
		free(escaped);
		if (nnames == cap)
		{
			char	  **bigger = xmalloc(sizeof(char *) * cap * 2);

			memcpy(bigger, names, sizeof(char *) * cap);
			free(names);
			names = bigger;
			cap *= 2;
		}
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(char *), cmp_str);

	set->files = xmalloc(sizeof(MigFile) * (nnames ? nnames : 1));
	for (int i = 0; i < nnames; i++)
	{
		MigFile    *f = &set->files[i];

		memset(f, 0, sizeof(*f));
		f->path = xmalloc(strlen(dir) + strlen(names[i]) + 2);
		sprintf(f->path, "%s/%s", dir, names[i]);
		if (!parse_file(f))
			return EXIT_USAGE;
		set->n++;
	}

	/* Duplicate ids across files. */
	ix = build_index(set);
	for (int i = 1; i < set->n; i++)
		if (strcmp(ix[i].id, ix[i - 1].id) == 0)
		{
			MigFile    *a = &set->files[ix[i - 1].index], *b = &set->files[ix[i].index];

			file_error(b->path, b->line_revision, "duplicate revision id \"%s\": also in %s:%d",
					   b->revision, a->path, a->line_revision);
			fprintf(stderr, "hint: give one of them a new id (pg_revisions revision generates one)\n");
			return EXIT_USAGE;
		}
	rc = toposort(set, ix);
	free(ix);
	/* Sorting moved the files: index them again, for files_find. */
	if (rc == EXIT_OK)
		set->by_id = build_index(set);
	return rc;
}

/*
 * The file of a revision, or NULL: a binary search in set->by_id, or, for a
 * set that was not loaded by files_load (no index), a linear one.
 */
MigFile *
files_find(const MigSet *set, const char *revision)
{
	int			i;

	if (set->by_id)
		return (i = lookup(set->by_id, set->n, revision)) >= 0 ? &set->files[i] : NULL;
	for (i = 0; i < set->n; i++)
		if (strcmp(set->files[i].revision, revision) == 0)
			return &set->files[i];
	return NULL;
}

/*
 * The heads of the files: revisions no file names as down_revision, in file
 * order.  *heads is malloc'ed; returns their number.
 */
int
files_heads(const MigSet *set, char ***heads)
{
	char	   *isparent = xmalloc(set->n ? set->n : 1);
	int			n = 0;

	memset(isparent, 0, set->n ? set->n : 1);
	for (int i = 0; i < set->n; i++)
		for (int j = 0; j < set->files[i].ndown; j++)
		{
			MigFile    *parent = files_find(set, set->files[i].down[j]);

			if (parent)
				isparent[parent - set->files] = 1;
		}
	*heads = xmalloc(sizeof(char *) * (set->n ? set->n : 1));
	for (int i = 0; i < set->n; i++)
		if (!isparent[i] && set->files[i].replaces == NULL)	/* a baseline is never a head */
			(*heads)[n++] = set->files[i].revision;
	free(isparent);
	return n;
}
