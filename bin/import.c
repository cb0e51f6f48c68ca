/*
 * bin/import.c — `pg_revisions import alembic|flyway|dbmate|sqitch PATH`:
 * read another tool's history (import_sql.c, import_alembic.c), check it
 * (ids, duplicates, missing parents, cycles: errors name the tool's file) and
 * write one migration file per revision into the migrations directory.
 *
 * All or nothing: the files are written into a new temporary directory, read
 * back with files_load, and only then moved into the migrations directory
 * (renamed whole when it does not exist yet).  The migrations directory must
 * not hold migration files already: an import starts a history.
 *
 * Ids (import_id, shared with stamp --from): Alembic ids and Sqitch change
 * names keep their letters, digits and underscores, every other character
 * becomes "_" (add-users -> add_users); a Flyway version becomes "V" and the
 * version with dots as underscores (V1.2__add.sql -> V1_2); a dbmate version
 * (the file name's leading digits) is the id as it is.  Ids are cut to 63
 * characters; two that end up equal are an error naming both files.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"

/* Parse a tool name; false when it is not one of ours. */
bool
import_kind(const char *name, ImportKind *kind)
{
	static const char *const names[] = {"alembic", "flyway", "dbmate", "sqitch"};

	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
		{
			*kind = (ImportKind) i;
			return true;
		}
	return false;
}

/*
 * The pg_revisions id of another tool's revision name (malloc'ed), by the
 * rules in the header comment.  The result may still be invalid (empty, a
 * reserved word): the caller checks it with pgrev_check_name.
 */
char *
import_id(ImportKind kind, const char *name)
{
	char	   *id = xmalloc(strlen(name) + 2);
	int			k = 0;

	if (kind == IMPORT_FLYWAY)
		id[k++] = 'V';
	for (const char *p = name; *p && k < PGREV_NAME_MAX_LEN; p++)
	{
		unsigned char c = (unsigned char) *p;

		id[k++] = (c < 128 && (isalnum(c) || c == '_')) ? (char) c : '_';
	}
	id[k] = '\0';
	return id;
}

/* Print "SRC:LINE: error: ..." (LINE 0: "SRC: error: ...") on stderr. */
void
imp_error(const char *src, int line, const char *fmt,...)
{
	va_list		ap;
	char		text[2048];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fput_escaped(src, "", stderr);
	if (line > 0)
		fprintf(stderr, ":%d", line);
	fputs(": error: ", stderr);
	fput_escaped(text, "\n\t", stderr);
	fputc('\n', stderr);
}

/* DIR/NAME, malloc'ed. */
char *
imp_path(const char *dir, const char *name)
{
	char	   *p = xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* Read a whole file of the project; NULL after an error naming it and what it is. */
char *
imp_read(const char *path, const char *what)
{
	char	   *text = read_all(path);

	if (text == NULL)
		imp_error(path, 0, "could not read the %s: %s", what, read_error(errno));
	return text;
}

/* Append a new revision (zeroed, transactional) to the set; returns it. */
ImpRev *
imp_add(ImpSet *set, const char *id, const char *src, int line)
{
	ImpRev	   *r;

	if (set->n == set->cap)
	{
		int			cap = set->cap ? set->cap * 2 : 64;
		ImpRev	   *bigger = xmalloc(sizeof(ImpRev) * cap);

		if (set->n)
			memcpy(bigger, set->revs, sizeof(ImpRev) * set->n);
		free(set->revs);
		set->revs = bigger;
		set->cap = cap;
	}
	r = &set->revs[set->n++];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	r->src = xstrdup(src);
	r->line = line;
	r->transactional = true;
	r->upgrade = xstrdup("");
	return r;
}

/* Append a copy of id to a malloc'ed list (grown one by one: lists are short). */
void
imp_list_add(char ***items, int *n, const char *id)
{
	char	  **bigger = xmalloc(sizeof(char *) * (*n + 1));

	if (*n)
		memcpy(bigger, *items, sizeof(char *) * *n);
	free(*items);
	bigger[(*n)++] = xstrdup(id);
	*items = bigger;
}

/* qsort comparator: indexes into a global set by id. */
static const ImpSet *sort_set;
static int
cmp_rev_index(const void *a, const void *b)
{
	return strcmp(sort_set->revs[*(const int *) a].id, sort_set->revs[*(const int *) b].id);
}

/* Index of the revision with that id in the sorted index, or -1. */
static int
find_rev(const ImpSet *set, const int *ix, const char *id)
{
	int			lo = 0, hi = set->n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(set->revs[ix[mid]].id, id);

		if (c == 0)
			return ix[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * Check the imported history: valid ids, no two revisions with one id, every
 * parent and dependency imported, no cycle, sections without marker lines.
 * Errors name the tool's file.  Returns an exit code.
 */
static int
imp_validate(const ImpSet *set)
{
	int		   *ix = xmalloc(sizeof(int) * (set->n + 1));
	int		   *indeg = xmalloc(sizeof(int) * (set->n + 1));
	int		   *queue = xmalloc(sizeof(int) * (set->n + 1));
	int			head = 0, tail = 0;

	for (int i = 0; i < set->n; i++)
	{
		const ImpRev *r = &set->revs[i];

		if (pgrev_check_name(r->id, strlen(r->id)) != NAME_OK)
		{
			imp_error(r->src, r->line, "revision \"%s\" cannot be an id of pg_revisions: an id is 1 to 63 "
					  "letters, digits or underscores, and not head, heads or base", r->id);
			return EXIT_USAGE;
		}
		if (r->branch_label && pgrev_check_name(r->branch_label, strlen(r->branch_label)) != NAME_OK)
		{
			imp_error(r->src, r->line, "branch label \"%s\" is not valid in pg_revisions: 1 to 63 letters, "
					  "digits or underscores", r->branch_label);
			return EXIT_USAGE;
		}
		if (has_marker_line(r->upgrade) || (r->downgrade && has_marker_line(r->downgrade)))
		{
			imp_error(r->src, r->line, "the SQL of revision \"%s\" holds a \"-- migrate:upgrade\" or "
					  "\"-- migrate:downgrade\" line, which would end its section in a migration file", r->id);
			return EXIT_USAGE;
		}
		ix[i] = i;
	}
	sort_set = set;
	qsort(ix, set->n, sizeof(int), cmp_rev_index);
	for (int i = 1; i < set->n; i++)
		if (strcmp(set->revs[ix[i]].id, set->revs[ix[i - 1]].id) == 0)
		{
			const ImpRev *a = &set->revs[ix[i - 1]], *b = &set->revs[ix[i]];

			if (a->line > b->line && strcmp(a->src, b->src) == 0)
			{
				const ImpRev *t = a;

				a = b;
				b = t;
			}
			imp_error(b->src, b->line, "duplicate revision id \"%s\": also %s%s%.0d", b->id, a->src,
					  a->line ? ":" : "", a->line);
			return EXIT_USAGE;
		}
	for (int i = 0; i < set->n; i++)
	{
		const ImpRev *r = &set->revs[i];

		indeg[i] = 0;
		for (int j = 0; j < r->ndown + r->ndeps; j++)
		{
			const char *p = j < r->ndown ? r->down[j] : r->deps[j - r->ndown];

			if (find_rev(set, ix, p) < 0)
			{
				imp_error(r->src, r->line, "revision \"%s\" names %s \"%s\", which is not in the project",
						  r->id, j < r->ndown ? "the parent" : "the dependency", p);
				return EXIT_USAGE;
			}
			indeg[i]++;
		}
	}
	/* Kahn's algorithm; the children are found by scanning (histories are small). */
	for (int i = 0; i < set->n; i++)
		if (indeg[i] == 0)
			queue[tail++] = i;
	while (head < tail)
	{
		const char *done = set->revs[queue[head++]].id;

		for (int i = 0; i < set->n; i++)
		{
			const ImpRev *r = &set->revs[i];

			for (int j = 0; j < r->ndown + r->ndeps; j++)
				if (strcmp(j < r->ndown ? r->down[j] : r->deps[j - r->ndown], done) == 0 &&
					--indeg[i] == 0)
					queue[tail++] = i;
		}
	}
	if (tail < set->n)
	{
		/*
		 * Every revision left has a parent left: walk them until one repeats,
		 * which is on a cycle (the first ones may only descend from it).
		 */
		char	   *seen = xmalloc(set->n + 1);
		int			cur = 0, at;
		char		path[1024] = "";

		memset(seen, 0, set->n + 1);
		while (indeg[cur] == 0)
			cur++;
		while (!seen[cur])
		{
			const ImpRev *r = &set->revs[cur];

			seen[cur] = 1;
			for (int j = 0; j < r->ndown + r->ndeps; j++)
			{
				int			p = find_rev(set, ix, j < r->ndown ? r->down[j] : r->deps[j - r->ndown]);

				if (indeg[p] > 0)
				{
					cur = p;
					break;
				}
			}
		}
		at = cur;
		do
		{
			const ImpRev *r = &set->revs[at];

			if (strlen(path) + strlen(r->id) + 8 < sizeof(path))
				strcat(strcat(path, r->id), " -> ");
			for (int j = 0; j < r->ndown + r->ndeps; j++)
			{
				int			p = find_rev(set, ix, j < r->ndown ? r->down[j] : r->deps[j - r->ndown]);

				if (indeg[p] > 0)
				{
					at = p;
					break;
				}
			}
		} while (at != cur);
		imp_error(set->revs[cur].src, set->revs[cur].line, "revision \"%s\" is part of a cycle: %s%s (each "
				  "names the next as parent or dependency)", set->revs[cur].id, path, set->revs[cur].id);
		return EXIT_USAGE;
	}
	free(ix);
	free(indeg);
	free(queue);
	return EXIT_OK;
}

/* True when dir holds a *.sql file (a migration file), false when not or it does not exist. */
static bool
has_sql_files(const char *dir)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	bool		found = false;

	if (d == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		found = de->d_name[0] != '.' && len > 4 && strcmp(de->d_name + len - 4, ".sql") == 0;
	}
	closedir(d);
	return found;
}

/* Remove a temporary directory and the files in it (no subdirectories). */
static void
remove_tmpdir(const char *tmp)
{
	DIR		   *d = opendir(tmp);
	struct dirent *de;

	if (d)
	{
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			{
				char	   *p = imp_path(tmp, de->d_name);

				unlink(p);
				free(p);
			}
		closedir(d);
	}
	rmdir(tmp);
}

/*
 * Write every revision into a new temporary directory, read it back, then
 * move the files into dir (dir created by renaming the temporary directory
 * when it does not exist).  Nothing is left in dir on failure.  Returns an
 * exit code.
 */
static int
imp_write(const ImpSet *set, const char *dir, const Options *opts)
{
	struct stat st;
	bool		exists = stat(dir, &st) == 0;
	char	   *tmp;
	char	  **paths = xmalloc(sizeof(char *) * (set->n + 1));
	MigSet		check;
	int			rc = EXIT_OK;

	if (exists && !S_ISDIR(st.st_mode))
	{
		errmsgf("\"%s\" exists and is not a directory", dir);
		return EXIT_USAGE;
	}
	if (exists && has_sql_files(dir))
	{
		errmsgf("the migrations directory \"%s\" holds migration files already", dir);
		fprintf(stderr, "hint: import into a new directory (-m DIR): an import starts a history\n");
		return EXIT_USAGE;
	}
	tmp = xmalloc(strlen(dir) + 32);
	if (exists)
		sprintf(tmp, "%s/.import-XXXXXX", dir);
	else
		sprintf(tmp, "%s.import-XXXXXX", dir);
	if (mkdtemp(tmp) == NULL)
	{
		errmsgf("could not create a temporary directory \"%s\": %s", tmp, strerror(errno));
		return EXIT_USAGE;
	}
	for (int i = 0; i < set->n && rc == EXIT_OK; i++)
	{
		const ImpRev *r = &set->revs[i];

		rc = files_write_new(tmp, r->id, r->down, r->ndown, r->message, r->branch_label,
							 r->deps, r->ndeps, r->transactional, r->upgrade,
							 r->downgrade, &paths[i]);
	}
	/* Read back what was written: the files must load as they are. */
	if (rc == EXIT_OK && (rc = files_load(tmp, &check, true)) != EXIT_OK)
		fprintf(stderr, "pg_revisions: the files written do not load (a bug): nothing imported\n");
	if (rc == EXIT_OK && exists)
	{
		for (int i = 0; i < set->n && rc == EXIT_OK; i++)
		{
			char	   *to = imp_path(dir, strrchr(paths[i], '/') + 1);

			if (rename(paths[i], to) != 0)
			{
				errmsgf("could not move \"%s\" to \"%s\": %s", paths[i], to, strerror(errno));
				/* put back what was moved */
				for (int k = 0; k < i; k++)
				{
					char	   *back = imp_path(dir, strrchr(paths[k], '/') + 1);

					rename(back, paths[k]);
					free(back);
				}
				rc = EXIT_USAGE;
			}
			free(to);
		}
	}
	else if (rc == EXIT_OK && rename(tmp, dir) != 0)
	{
		errmsgf("could not rename \"%s\" to \"%s\": %s", tmp, dir, strerror(errno));
		rc = EXIT_USAGE;
	}
	if (rc != EXIT_OK || exists)
		remove_tmpdir(tmp);
	if (rc != EXIT_OK)
		return rc;
	{
		const char *const names[] = {"revision", "file", "adopted"};
		const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT};
		Table	   *t = table_new(3, names, kinds);

		for (int i = 0; i < set->n; i++)
		{
			char	   *final = imp_path(dir, strrchr(paths[i], '/') + 1);
			const char *row[3] = {set->revs[i].id, final, set->revs[i].adopted};

			if (opts->json)
				table_add(t, row);
			else
				printf("%s\n", final);
			free(final);
		}
		if (opts->json)
			table_print(t, true, NULL);
		table_free(t);
	}
	return EXIT_OK;
}

/*
 * import KIND PATH: read the project, check it, write the files into
 * opts->dir.  Returns an exit code; on any error nothing is written.
 */
int
cmd_import(const Options *opts, const char *kind_name, const char *path)
{
	ImportKind	kind;
	ImpSet		set = {NULL, 0, 0};
	int			rc, nadopted = 0;

	if (!import_kind(kind_name, &kind))
	{
		errmsgf("unknown tool \"%s\": import reads alembic, flyway, dbmate or sqitch", kind_name);
		return EXIT_USAGE;
	}
	switch (kind)
	{
		case IMPORT_FLYWAY:
			rc = import_flyway(path, &set);
			break;
		case IMPORT_DBMATE:
			rc = import_dbmate(path, &set);
			break;
		case IMPORT_SQITCH:
			rc = import_sqitch(path, &set);
			break;
		default:
			rc = import_alembic(path, &set);
	}
	if (rc == EXIT_OK && set.n == 0)
	{
		errmsgf("no %s migrations found in \"%s\"", kind_name, path);
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK)
		rc = imp_validate(&set);
	if (rc == EXIT_OK)
		rc = imp_write(&set, opts->dir, opts);
	if (rc != EXIT_OK)
	{
		fprintf(stderr, "pg_revisions: nothing was written\n");
		return rc;
	}
	for (int i = 0; i < set.n; i++)
		if (set.revs[i].adopted)
		{
			if (nadopted++ == 0)
				fprintf(stderr, "pg_revisions: adopted (applied before adoption, irreversible, their SQL "
						"not imported):\n");
			fprintf(stderr, "  %s: ", set.revs[i].id);
			fput_escaped(set.revs[i].adopted, "", stderr);
			fputc('\n', stderr);
		}
	fprintf(stderr, "pg_revisions: imported %d revision%s from %s into %s\n", set.n, set.n == 1 ? "" : "s",
			kind_name, opts->dir);
	if (nadopted)
		fprintf(stderr, "next: a new database cannot replay adopted revisions: on a database where they are "
				"applied, \"pg_revisions stamp --from %s\", then \"pg_revisions squash\" writes a baseline "
				"that new databases run instead\n", kind_name);
	else
		fprintf(stderr, "next: on a database %s manages, \"pg_revisions stamp --from %s\"\n",
				kind_name, kind_name);
	return EXIT_OK;
}
