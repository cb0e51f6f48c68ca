/*
 * bin/squash_cmd.c — baselines in the pg_revisions client:
 *
 *   pg_revisions squash [TARGET] [-m MSG]
 *     asks the server for a baseline replacing TARGET (default head) and all
 *     its ancestors (rev_squash, in a transaction that is rolled back: the
 *     database is not changed) and writes it to a new migration file with a
 *     "-- replaces: <id>" header instead of "-- down_revision:".  Rows the
 *     replaced revisions inserted (seed data) are not part of a schema: the
 *     server's WARNING names those revisions, and the user adds the rows to
 *     the file's upgrade section before committing it.
 *
 *   db_register_baselines
 *     registers such files (after the ordinary ones: what a baseline
 *     replaces must be registered first) with rev_add_baseline, which, like
 *     rev_add, does nothing for a baseline registered with the same SQL.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_revisions.h"

/*
 * Register every baseline file of set with rev_add_baseline; the caller has
 * opened the transaction and registered the other files.  failed as in
 * db_register.  Returns an exit code.
 */
int
db_register_baselines(PGconn *conn, const MigSet *set, PGresult **failed)
{
	for (int i = 0; i < set->n; i++)
	{
		const MigFile *f = &set->files[i];
		const char *params[5] = {f->revision, f->replaces, f->upgrade, f->downgrade, f->message};
		PGresult   *res;

		if (f->replaces == NULL)
			continue;
		res = db_exec(conn, "SELECT pg_catalog.rev_add_baseline($1, $2, $3, $4, $5)", 5, params);
		if (!db_ok(res))
		{
			if (failed)
			{
				*failed = res;
				return EXIT_DB;
			}
			db_report(conn, res, set, "registering the migration files");
			fprintf(stderr, "file: %s (baseline %s)\n", f->path, f->revision);
			if (strcmp(db_sqlstate(res), "42883") == 0)
				fprintf(stderr, "note: baseline files (\"-- replaces:\") need pg_revisions 1.2 "
						"(ALTER EXTENSION pg_revisions UPDATE)\n");
			fprintf(stderr, "nothing was changed\n");
			PQclear(res);
			return EXIT_DB;
		}
		PQclear(res);
	}
	return EXIT_OK;
}

/*
 * Create DIR/<id>_<slug>.sql (never overwriting) for a baseline; *path_out
 * gets its path.  Returns an exit code.
 */
static int
write_baseline(const char *dir, const char *id, const char *replaces, const char *message,
			   const char *upgrade, const char *downgrade, char **path_out)
{
	char	   *path;
	FILE	   *out;
	int			rc = files_create_new(dir, id, message, &path, &out);

	if (rc != EXIT_OK)
		return rc;
	fprintf(out, "-- revision: %s\n-- replaces: %s\n-- message: ", id, replaces);
	for (const char *p = message; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
	fprintf(out, "\n--\n"
			"-- A baseline: a new database runs it instead of %s and all its ancestors;\n"
			"-- a database where they are applied counts it as applied.  It holds the schema\n"
			"-- only.  Add here the rows a new database needs (seed data), then commit it.\n"
			"\n-- migrate:upgrade\n%s\n\n-- migrate:downgrade\n%s\n", replaces, upgrade, downgrade);
	if (fclose(out) != 0)
	{
		errmsgf("could not write \"%s\": %s", path, strerror(errno));
		unlink(path);
		return EXIT_USAGE;
	}
	*path_out = path;
	return EXIT_OK;
}

/*
 * squash [TARGET] [-m MSG]: register the files, build the baseline with
 * rev_squash, read it, roll back, write the file.  Returns an exit code.
 */
int
cmd_squash(const Options *opts, const char *target, const char *message)
{
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	const char *params[2] = {target, message};
	char	   *id, *replaces, *msg, *upgrade, *downgrade, *path;
	int			rc;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	res = db_exec(conn, "SELECT pg_catalog.rev_squash($1, NULL, $2)", 2, params);
	if (!db_ok(res))
	{
		db_report(conn, res, &set, "building the baseline");
		PQclear(res);
		rollback(conn);
		fprintf(stderr, "nothing was changed\n");
		return finish(conn, EXIT_DB);
	}
	params[0] = id = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	res = db_exec(conn, "SELECT r.replaces, r.message, r.upgrade_sql, r.downgrade_sql "
				  "FROM revisions.revision AS r WHERE r.revision OPERATOR(pg_catalog.=) $1", 1, params);
	if (!db_ok(res) || PQntuples(res) != 1)
	{
		db_report(conn, res, &set, "reading the baseline");
		PQclear(res);
		rollback(conn);
		return finish(conn, EXIT_DB);
	}
	replaces = xstrdup(PQgetvalue(res, 0, 0));
	msg = xstrdup(PQgetvalue(res, 0, 1));
	upgrade = xstrdup(PQgetvalue(res, 0, 2));
	downgrade = xstrdup(PQgetvalue(res, 0, 3));
	PQclear(res);
	for (char *t = upgrade + strlen(upgrade); t > upgrade && isspace((unsigned char) t[-1]); t--)
		t[-1] = '\0';
	for (char *t = downgrade + strlen(downgrade); t > downgrade && isspace((unsigned char) t[-1]); t--)
		t[-1] = '\0';
	/* The database is left as it was: the file registers the baseline, with what the user adds. */
	rollback(conn);
	if (has_marker_line(upgrade) || has_marker_line(downgrade))
	{
		errmsgf("the baseline's SQL holds a \"-- migrate:\" marker line: it cannot be written to a file");
		return finish(conn, EXIT_USAGE);
	}
	if ((rc = write_baseline(opts->dir, id, replaces, msg, upgrade, downgrade, &path)) != EXIT_OK)
		return finish(conn, rc);
	fprintf(stderr, "pg_revisions: wrote baseline %s replacing %s and its ancestors; add the rows a new "
			"database needs (seed data) to its upgrade section, then commit it\n", id, replaces);
	print_new_file(opts, id, path);
	return finish(conn, EXIT_OK);
}
