/*
 * bin/import_alembic.c — `pg_revisions import alembic DIR`: runs
 * import_alembic.py (embedded at build time, import_alembic_py.h) with
 * $PYTHON, else python3 from PATH, and turns its output into an ImpSet.
 *
 * The Python side parses the versions/ files statically and renders each
 * revision's SQL with Alembic's offline mode; a revision it cannot render is
 * *adopted*: its upgrade section says it was applied before adoption and
 * raises an error if it is ever run (a database that lacks it must get a
 * baseline from `pg_revisions squash` instead), and it is irreversible.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"

/* The text of import_alembic.py, as a C string. */
static const char alembic_script[] =
#include "import_alembic_py.h"
;

/*
 * Run import_alembic.py on dir; its stdout (malloc'ed, *len bytes) or NULL
 * after an error.
 */
static char *
run_python(const char *dir, size_t *len)
{
	int			status;
	char	   *out = python_run(alembic_script, dir, len, &status);

	if (out != NULL && status != 0)
	{
		errmsgf("%s failed reading the Alembic project (exit %d)", python_name(), status);
		fprintf(stderr, "hint: set PYTHON to a Python 3 with alembic and SQLAlchemy (Debian: python3-alembic)\n");
		free(out);
		return NULL;
	}
	return out;
}

/* The SQL of an adopted revision's upgrade section: a comment and an error if it runs. */
static char *
adopted_sql(const char *id, const char *why)
{
	const char *fmt =
		"-- Adopted from Alembic: applied before adoption, not imported, irreversible.\n"
		"-- Why: %s\n"
		"-- A database that has it: pg_revisions stamp --from alembic.\n"
		"-- A new database: run a baseline from pg_revisions squash instead of this history.\n"
		"DO $pg_revisions_adopted$ BEGIN RAISE EXCEPTION 'revision %s was adopted from Alembic and cannot run "
		"here' USING HINT = 'Give new databases a baseline: pg_revisions "
		"squash.'; END $pg_revisions_adopted$;";
	char	   *clean = xstrdup(why);
	char	   *sql;

	for (char *p = clean; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	sql = xmalloc(strlen(fmt) + strlen(clean) + strlen(id) + 1);
	sprintf(sql, fmt, clean, id);
	free(clean);
	return sql;
}

/* import alembic DIR.  Returns an exit code. */
int
import_alembic(const char *path, ImpSet *set)
{
	size_t		len;
	char	   *out = run_python(path, &len);
	char	   *p, *end;
	ImpRev	   *r = NULL;

	if (out == NULL)
		return EXIT_USAGE;
	for (p = out, end = out + len; p < end;)
	{
		char	   *sp = memchr(p, ' ', (size_t) (end - p));
		char	   *key, *value;
		unsigned long n;

		if (sp == NULL)
			break;
		*sp = '\0';
		key = p;
		n = strtoul(sp + 1, &value, 10);
		if (*value != '\n' || (size_t) (end - value) < n + 2)
		{
			errmsgf("unexpected output from the Alembic reader (a bug)");
			return EXIT_USAGE;
		}
		value++;
		value[n] = '\0';
		p = value + n + 1;
		if (strcmp(key, "fatal") == 0)
		{
			char	   *f1 = strchr(value, '\x1f');
			char	   *f2 = f1 ? strchr(f1 + 1, '\x1f') : NULL;

			if (f1 && f2)
			{
				*f1 = *f2 = '\0';
				imp_error(value, atoi(f1 + 1), "%s", f2 + 1);
			}
			else
				errmsgf("%s", value);
			return EXIT_USAGE;
		}
		if (strcmp(key, "rev") == 0)
		{
			char	   *id = import_id(IMPORT_ALEMBIC, value);

			r = imp_add(set, id, "", 0);
			free(id);
			continue;
		}
		if (r == NULL)
			continue;
		if (strcmp(key, "src") == 0)
			r->src = xstrdup(value);
		else if (strcmp(key, "line") == 0)
			r->line = atoi(value);
		else if (strcmp(key, "down") == 0 || strcmp(key, "dep") == 0)
		{
			char	   *id = import_id(IMPORT_ALEMBIC, value);

			if (key[1] == 'o')
				imp_list_add(&r->down, &r->ndown, id);
			else
				imp_list_add(&r->deps, &r->ndeps, id);
			free(id);
		}
		else if (strcmp(key, "label") == 0)
			r->branch_label = xstrdup(value);
		else if (strcmp(key, "message") == 0)
			r->message = xstrdup(value);
		else if (strcmp(key, "upgrade") == 0)
			r->upgrade = xstrdup(value);
		else if (strcmp(key, "downgrade") == 0)
			r->downgrade = xstrdup(value);
		else if (strcmp(key, "adopted") == 0)
		{
			r->adopted = xstrdup(value);
			r->upgrade = adopted_sql(r->id, value);
		}
	}
	free(out);
	return EXIT_OK;
}
