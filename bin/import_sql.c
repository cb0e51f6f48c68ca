/*
 * bin/import_sql.c — the reader of `import dbmate` (Flyway's is
 * import_flyway.c, Sqitch's import_sqitch.c) and what those readers share:
 * each turns a project of plain SQL scripts into an ImpSet (import.h), in
 * the tool's order, each revision's parent the one before it.
 *
 * dbmate: PATH is the migrations directory (db/migrations):
 *   <version>_<name>.sql with "-- migrate:up" and "-- migrate:down" sections
 *   ("transaction:false" after the marker: transactional: false), ordered by
 *   version as dbmate does (file names sorted).
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
