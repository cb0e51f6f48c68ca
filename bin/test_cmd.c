/*
 * bin/test_cmd.c — `pg_revisions test [TARGET]`: the migration files tested
 * in a scratch database, for CI.
 *
 * Connects as the other commands do (to a maintenance database), creates a
 * database of a unique name from template0, creates the extension there,
 * registers the files (db_register, the path every command uses), runs
 * rev_test(TARGET) (each revision applied, reverted, compared, applied
 * again, compared; rolled back in the server) and prints a report.  The
 * scratch database is dropped at the end whatever happened: after a failure,
 * and after SIGINT/SIGTERM, which cancel the running query first.
 * Exit: 0 every test passed (revisions that cannot be tested in a
 * transaction are listed as skipped), 1 a test failed, 2 usage or bad
 * files, 3 database error, 130 interrupted.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pg_revisions.h"

/* What the signal handler needs: set before the scratch database exists. */
static volatile sig_atomic_t interrupted = 0;
static PGcancel *volatile running_query = NULL;

/* SIGINT/SIGTERM: remember it and cancel the query running in the scratch database. */
static void
on_signal(int signo)
{
	char		errbuf[256];
	PGcancel   *cancel = running_query;

	(void) signo;
	interrupted = 1;
	if (cancel)
		(void) PQcancel(cancel, errbuf, sizeof(errbuf));	/* async-signal-safe */
}

/*
 * Connect to database dbname with every other parameter of conn (host, port,
 * user, password, sslmode...).  NULL after printing the error.
 */
static PGconn *
connect_to(PGconn *conn, const char *dbname)
{
	PQconninfoOption *opts = PQconninfo(conn);
	const char **keys;
	const char **values;
	PGconn	   *scratch;
	int			n = 0;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		n++;
	keys = xmalloc(sizeof(char *) * (n + 2));
	values = xmalloc(sizeof(char *) * (n + 2));
	n = 0;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (o->val && o->val[0] != '\0' && strcmp(o->keyword, "dbname") != 0)
		{
			keys[n] = o->keyword;
			values[n++] = o->val;
		}
	keys[n] = "dbname";
	values[n++] = dbname;
	keys[n] = NULL;
	values[n] = NULL;
	scratch = PQconnectdbParams(keys, values, 0);
	if (PQstatus(scratch) != CONNECTION_OK)
	{
		errmsgf("could not connect to the scratch database \"%s\": %s", dbname,
				PQerrorMessage(scratch));
		PQfinish(scratch);
		scratch = NULL;
	}
	PQconninfoFree(opts);
	free(keys);
	free(values);
	return scratch;
}

/* Run a statement with no result in conn; report a failure.  An exit code. */
static int
simple(PGconn *conn, const char *sql, const char *doing)
{
	PGresult   *res = PQexec(conn, sql);
	int			rc = EXIT_OK;

	if (!db_ok(res))
	{
		db_report(conn, res, NULL, doing);
		rc = EXIT_DB;
	}
	PQclear(res);
	return rc;
}

/*
 * Print the report of rev_test's result: text, one line per test (failed
 * ones with the file and the detail indented), or JSON rows.  Returns the
 * number of failed tests.
 */
static int
report(const Options *opts, const MigSet *set, const PGresult *res)
{
	static const char *const names[] = {"revision", "test", "passed", "detail", "file"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_BOOL, CELL_TEXT, CELL_TEXT};
	int			n = PQntuples(res);
	int			failed = 0, skipped = 0, passed = 0;
	char		footer[128];
	Table	   *t = opts->json ? table_new(5, names, kinds) : NULL;
	int			width = 0;

	for (int r = 0; r < n; r++)
		if ((int) strlen(PQgetvalue(res, r, 0)) > width)
			width = (int) strlen(PQgetvalue(res, r, 0));
	for (int r = 0; r < n; r++)
	{
		const char *id = PQgetvalue(res, r, 0);
		const char *test = PQgetvalue(res, r, 1);
		bool		skip = PQgetisnull(res, r, 2);
		bool		ok = !skip && strcmp(PQgetvalue(res, r, 2), "t") == 0;
		const char *detail = PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3);

		if (skip)
			skipped++;
		else if (ok)
			passed++;
		else
			failed++;
		if (t)
		{
			const char *row[5] = {id, test, skip ? NULL : PQgetvalue(res, r, 2), detail,
			file_path(set, id)};

			table_add(t, row);
			continue;
		}
		printf("%-4s  %-*s  %s", skip ? "SKIP" : ok ? "ok" : "FAIL", width, id, test);
		if (!ok && file_path(set, id))
			printf("  (%s)", file_path(set, id));
		printf("\n");
		if (!ok && detail)
		{
			/* The detail, each line indented. */
			printf("      ");
			for (const char *c = detail; *c; c++)
			{
				putchar(*c);
				if (*c == '\n')
					printf("      ");
			}
			printf("\n");
		}
	}
	snprintf(footer, sizeof(footer), "(%d passed, %d failed, %d skipped)", passed, failed, skipped);
	if (t)
	{
		table_print(t, true, footer);
		table_free(t);
	}
	else
		printf("%s\n", footer);
	return failed;
}

/*
 * In the scratch database: create the extension, register the files, run
 * rev_test(target) and print the report.  An exit code.
 */
static int
test_in(PGconn *scratch, const Options *opts, const MigSet *set, const char *target)
{
	const char *params[1] = {target};
	PGresult   *res;
	int			rc;

	if ((rc = simple(scratch, "SET client_min_messages = warning", "setting up the scratch database")) != EXIT_OK ||
		(rc = simple(scratch, "CREATE EXTENSION pg_revisions", "creating the extension in the scratch database")) != EXIT_OK)
		return rc;
	if ((rc = db_check_parents(scratch, set)) != EXIT_OK ||
		(rc = begin_and_register(scratch, set)) != EXIT_OK)
		return rc;
	fprintf(stderr, "pg_revisions: testing %d revision file%s: apply, downgrade, apply again\n",
			set->n, set->n == 1 ? "" : "s");
	running_query = PQgetCancel(scratch);
	if (interrupted)
		res = NULL;
	else
		res = db_exec(scratch, "SELECT revision, test, passed, detail FROM pg_catalog.rev_test($1)",
					  1, params);
	{
		PGcancel   *cancel = running_query;

		running_query = NULL;
		PQfreeCancel(cancel);
	}
	if (interrupted)
		rc = 130;
	else if (!db_ok(res))
	{
		db_report(scratch, res, set, "testing the revisions");
		rc = EXIT_DB;
	}
	else
		rc = report(opts, set, res) > 0 ? EXIT_PENDING : EXIT_OK;
	PQclear(res);
	rollback(scratch);
	return rc;
}

/*
 * test [TARGET]: see the file header.  The scratch database's name is
 * pg_revisions_test_<pid>_<time>; it is dropped (WITH (FORCE)) before
 * returning, whatever happened after it was created.
 */
int
cmd_test(const Options *opts, const char *target)
{
	MigSet		set;
	PGconn	   *conn;
	PGconn	   *scratch;
	char		name[64];
	char	   *quoted;
	char	   *sql;
	int			rc, drop_rc;
	struct sigaction sa, old_int, old_term;

	if ((rc = files_load(opts->dir, &set, true)) != EXIT_OK)
		return rc;
	if ((conn = db_connect(opts)) == NULL)
		return EXIT_DB;

	snprintf(name, sizeof(name), "pg_revisions_test_%d_%ld", (int) getpid(), (long) time(NULL));
	quoted = PQescapeIdentifier(conn, name, strlen(name));
	sql = xmalloc(strlen(quoted) + 64);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	sprintf(sql, "CREATE DATABASE %s TEMPLATE template0", quoted);
	if ((rc = simple(conn, sql, "creating the scratch database")) != EXIT_OK)
	{
		fprintf(stderr, "hint: the role needs CREATEDB (pg_revisions test works in a database of its own)\n");
		goto out;
	}
	fprintf(stderr, "pg_revisions: scratch database %s created\n", name);
	if (interrupted)
		rc = 130;
	else if ((scratch = connect_to(conn, name)) == NULL)
		rc = EXIT_DB;
	else
	{
		rc = test_in(scratch, opts, &set, target);
		PQfinish(scratch);
	}

	/* Always: drop the scratch database (FORCE: a lingering backend must not keep it). */
	sprintf(sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", quoted);
	drop_rc = simple(conn, sql, "dropping the scratch database");
	if (drop_rc == EXIT_OK)
		fprintf(stderr, "pg_revisions: scratch database %s dropped\n", name);
	else
		fprintf(stderr, "pg_revisions: could not drop the scratch database %s: drop it by hand\n", name);
	if (rc == EXIT_OK || rc == EXIT_PENDING)
		rc = drop_rc == EXIT_OK ? rc : EXIT_DB;
	if (interrupted)
	{
		fprintf(stderr, "pg_revisions: interrupted\n");
		rc = 130;
	}

out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(sql);
	PQfreemem(quoted);
	return finish(conn, rc);
}
