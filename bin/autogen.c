/*
 * bin/autogen.c — the models file of the pg_revisions client, compared with
 * the database by the server: `revision --autogenerate` (Alembic's
 * `revision --autogenerate`) writes a migration file from
 * rev_autogenerate_sql, and `check --models` (Alembic's `check`) fails when
 * rev_check finds statements to generate.
 *
 * The models are plain DDL for an empty database (CREATE TABLE users (...),
 * unqualified), read from a file (default models.sql) and sent as one
 * parameter.  Both commands register the migration files in a transaction
 * that is always rolled back, so they change nothing in the database.  With
 * --privileges both compare owners and privileges too (the server setting
 * pg_revisions.diff_privileges), so `check --privileges` prints exactly what
 * `revision --autogenerate --privileges` writes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pg_revisions.h"

/*
 * --privileges: ask the server to compare owners and privileges too, by
 * setting pg_revisions.diff_privileges for the session as a startup option
 * of every connection (PGOPTIONS, as upgrade's --lock-timeout is passed), so
 * that the statements come from the server's one comparison.
 */
void
autogen_privileges(void)
{
	const char *old = getenv("PGOPTIONS");
	const char *mine = "-c pg_revisions.diff_privileges=on";
	char	   *options = xmalloc((old ? strlen(old) : 0) + strlen(mine) + 2);

	sprintf(options, "%s%s%s", old ? old : "", old && old[0] ? " " : "", mine);
	setenv("PGOPTIONS", options, 1);
}

/*
 * Read the models file at path into *text (malloc'ed).  A missing or
 * unreadable file is a usage error naming it.  Returns an exit code.
 */
int
read_models(const char *path, char **text)
{
	*text = read_all(path);
	if (*text == NULL)
	{
		errmsgf("could not read the models file \"%s\": %s", path,
				read_error(errno));
		fprintf(stderr, "hint: the models are the DDL of the schema as it should be (CREATE TABLE ..., "
				"unqualified); pass --models FILE (default: models.sql in the current directory)\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * After db_report of a failed comparison, name the models file, and when the
 * server points into the models (internal query and position: a syntax
 * error, say), the line there as FILE:LINE with its text.
 */
static void
report_models_file(const PGresult *res, const char *models_path, const char *models, const char *schema)
{
	const char *query = PQresultErrorField(res, PG_DIAG_INTERNAL_QUERY);
	const char *pos = PQresultErrorField(res, PG_DIAG_INTERNAL_POSITION);
	long		chars = pos ? strtol(pos, NULL, 10) : 0;
	const char *line = models, *p;
	int			lineno = 1;

	if (query == NULL || strcmp(query, models) != 0 || chars < 1)
	{
		fprintf(stderr, "models file: %s (schema %s)\n", models_path, schema);
		return;
	}
	/* the position counts characters: skip UTF-8 continuation bytes */
	for (p = models; *p && chars > 1; p++)
	{
		if (((unsigned char) p[1] & 0xC0) != 0x80)
			chars--;
		if (*p == '\n')
		{
			lineno++;
			line = p + 1;
		}
	}
	fprintf(stderr, "models file: %s:%d (schema %s): %.*s\n", models_path, lineno, schema,
			(int) (strchrnul(line, '\n') - line), line);
}

/*
 * Count the lines of text that start with "-- " (the server's notes on
 * destructive statements), printing them on stderr when print is true.
 */
static int
comment_lines(const char *text, bool print)
{
	int			n = 0;

	for (const char *p = text; p && *p;)
	{
		const char *nl = strchr(p, '\n');
		int			len = nl ? (int) (nl - p) : (int) strlen(p);

		if (len >= 3 && strncmp(p, "-- ", 3) == 0)
		{
			if (print)
				fprintf(stderr, "  %.*s\n", len, p);
			n++;
		}
		p = nl ? nl + 1 : p + len;
	}
	return n;
}

/*
 * check --models: run rev_check(models, schema) on conn, where the caller
 * has opened the transaction, registered the files and found nothing pending
 * (it rolls back afterwards).  Statements found are printed on stdout (text:
 * one per block, ending with ";"; JSON: an array of the strings as returned) and give EXIT_PENDING; none give
 * EXIT_OK (JSON: []); a server error (a failing model, say) EXIT_DB.
 */
int
check_models(PGconn *conn, const MigSet *set, const Options *opts,
			 const char *models_path, const char *models, const char *schema)
{
	const char *params[2] = {models, schema};
	PGresult   *res;
	int			n;

	res = db_exec(conn, "SELECT s FROM pg_catalog.rev_check($1::pg_catalog.text, $2::pg_catalog.name) AS s",
				  2, params);
	if (!db_ok(res))
	{
		db_report(conn, res, set, "comparing the database with the models file");
		report_models_file(res, models_path, models, schema);
		PQclear(res);
		return EXIT_DB;
	}
	n = PQntuples(res);
	if (opts->json)
	{
		printf("[");
		for (int r = 0; r < n; r++)
		{
			char	   *q = json_quote(PQgetvalue(res, r, 0));

			printf("%s\n  %s", r ? "," : "", q);
			free(q);
		}
		printf("%s]\n", n ? "\n" : "");
	}
	else
		for (int r = 0; r < n; r++)
		{
			const char *s = PQgetvalue(res, r, 0);
			size_t		len = strlen(s);

			while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
				len--;
			printf("%s%.*s%s\n", r ? "\n" : "", (int) len, s, len && s[len - 1] == ';' ? "" : ";");
		}
	PQclear(res);
	if (n > 0)
	{
		fprintf(stderr, "pg_revisions: the database does not match %s: %d statement%s would be generated; "
				"run pg_revisions revision --autogenerate\n", models_path, n, n == 1 ? "" : "s");
		return EXIT_PENDING;
	}
	fprintf(stderr, "pg_revisions: up to date, and schema %s matches %s\n", schema, models_path);
	return EXIT_OK;
}

/*
 * Refuse to autogenerate when revisions are pending (Alembic: "Target
 * database is not up to date"): the comparison would be with an old schema.
 * The caller has registered the files in an open transaction.  Returns an
 * exit code (EXIT_PENDING when something is pending).
 */
static int
require_up_to_date(PGconn *conn, const MigSet *set)
{
	PGresult   *res = PQexec(conn, "SELECT p FROM pg_catalog.rev_pending('heads') AS p");
	int			n;

	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		PQclear(res);
		return EXIT_DB;
	}
	n = PQntuples(res);
	if (n > 0)
	{
		errmsgf("the database is not up to date: %d revision%s pending:", n, n == 1 ? "" : "s");
		for (int r = 0; r < n; r++)
		{
			const char *id = PQgetvalue(res, r, 0);
			const char *p = file_path(set, id);

			fprintf(stderr, "  %s%s%s%s\n", id, p ? " (" : "", p ? p : "", p ? ")" : "");
		}
		fprintf(stderr, "next: pg_revisions upgrade, then run revision --autogenerate again (it compares "
				"the models with the database as the files leave it); no revision written\n");
	}
	PQclear(res);
	return n > 0 ? EXIT_PENDING : EXIT_OK;
}

/*
 * revision --autogenerate -m MSG: in one transaction that is rolled back,
 * register the files, require the database to be at their heads, and ask
 * rev_autogenerate_sql(models, schema) for the upgrade and downgrade scripts;
 * then write them into a new file, exactly like `revision -m` (same header,
 * parent: the head of the files or --head).  No difference: no file, exit 0.
 */
int
cmd_autogenerate(const Options *opts, const char *message, const char *models_path,
				 const char *schema, const char *head, const char *branch_label,
				 const char *depends_on)
{
	MigSet		set;
	NewRevision nr;
	PGconn	   *conn;
	PGresult   *res;
	const char *params[2];
	char	   *models, *up, *down, *path, *id;
	int			rc;

	if ((rc = files_load(opts->dir, &set, true)) != EXIT_OK)
		return rc;
	if ((rc = revision_plan(&set, head, branch_label, depends_on, &nr)) != EXIT_OK)
		return rc;
	if ((rc = read_models(models_path, &models)) != EXIT_OK)
		return rc;
	if ((conn = db_connect(opts)) == NULL)
		return EXIT_DB;
	if (set.n > 0 && (rc = db_check_parents(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = require_up_to_date(conn, &set)) != EXIT_OK)
	{
		rollback(conn);
		return finish(conn, rc);
	}
	params[0] = models;
	params[1] = schema;
	res = db_exec(conn, "SELECT a.upgrade, a.downgrade FROM "
				  "pg_catalog.rev_autogenerate_sql($1::pg_catalog.text, $2::pg_catalog.name) AS a",
				  2, params);
	rollback(conn);
	if (!db_ok(res))
	{
		db_report(conn, res, &set, "comparing the database with the models file");
		report_models_file(res, models_path, models, schema);
		fprintf(stderr, "no revision written\n");
		PQclear(res);
		return finish(conn, EXIT_DB);
	}
	up = PQgetisnull(res, 0, 0) ? NULL : xstrdup(PQgetvalue(res, 0, 0));
	down = PQgetisnull(res, 0, 1) ? NULL : xstrdup(PQgetvalue(res, 0, 1));
	PQclear(res);
	finish(conn, EXIT_OK);
	if (up == NULL && down == NULL)
	{
		if (opts->json)
			printf("[]\n");
		fprintf(stderr, "pg_revisions: no changes: the database matches %s; no revision written\n",
				models_path);
		return EXIT_OK;
	}
	if ((up && has_marker_line(up)) || (down && has_marker_line(down)))
	{
		errmsgf("a generated script has a line that reads as a section marker (\"-- migrate:...\", in a "
				"comment or a string), so it cannot go into a migration file; no revision written");
		fprintf(stderr, "hint: write this revision by hand (pg_revisions revision -m MSG), or change the "
				"text that contains the marker\n");
		return EXIT_USAGE;
	}
	id = files_new_id();
	rc = files_write_new(opts->dir, id, nr.parent, nr.ndown, message, branch_label, nr.deps, nr.ndeps,
						 true, up, down, &path);
	if (rc != EXIT_OK)
		return rc;
	print_new_file(opts, id, path);
	fprintf(stderr, "pg_revisions: wrote revision %s (down_revision: %s) from %s compared with schema %s\n",
			id, nr.ndown ? nr.parent[0] : "none, a root", models_path, schema);
	if (up && comment_lines(up, false) > 0)
	{
		fprintf(stderr, "pg_revisions: its upgrade has destructive statements:\n");
		comment_lines(up, true);
	}
	if (down == NULL)
		fprintf(stderr, "pg_revisions: no downgrade was generated: the revision is irreversible\n");
	fprintf(stderr, "next: review it, then pg_revisions upgrade\n");
	return EXIT_OK;
}
