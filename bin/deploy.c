/*
 * bin/deploy.c — deploying without hurting production: the lint and
 * rehearse commands, upgrade --each, and upgrade's --lock-timeout and
 * --lock-retries.
 *
 * lint and rehearse register the migration files in a transaction, ask the
 * server (rev_lint, rev_rehearse) and roll back: nothing is registered or
 * applied.  upgrade --each commits the files' registration, then CALLs
 * rev_upgrade_each, which commits after each revision.  The lock settings
 * are passed to the session as startup options (PGOPTIONS), after checking
 * them here, so that every command's connection has them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pg_revisions.h"

/* The server's bounds (src/pg_revisions.c). */
#define MAX_LOCK_TIMEOUT_MS (60L * 60 * 1000)
#define MAX_LOCK_RETRIES 100

/*
 * Parse a duration: digits, then nothing or ms (milliseconds), s, min.
 * Returns milliseconds, or -1 when malformed or out of range.
 */
static long
parse_duration(const char *text)
{
	char	   *end;
	long		value;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || value > MAX_LOCK_TIMEOUT_MS)
		return -1;
	if (strcmp(end, "s") == 0)
		value *= 1000;
	else if (strcmp(end, "min") == 0)
		value *= 60 * 1000;
	else if (*end != '\0' && strcmp(end, "ms") != 0)
		return -1;
	return value > MAX_LOCK_TIMEOUT_MS ? -1 : value;
}

/*
 * Check --lock-timeout and --lock-retries (NULL: not given) and pass them
 * to the server as startup options of every connection (PGOPTIONS).
 * Returns an exit code.
 */
int
deploy_lock_settings(const char *timeout, const char *retries)
{
	long		ms = 0;
	long		n = 0;
	const char *old = getenv("PGOPTIONS");
	char	   *options;
	char	   *end;

	if (timeout == NULL && retries == NULL)
		return EXIT_OK;
	if (timeout && (ms = parse_duration(timeout)) < 0)
	{
		errmsgf("--lock-timeout must be a duration between 0 and 1h, such as 100ms, 2s or 1min, "
				"not \"%s\"", timeout);
		return EXIT_USAGE;
	}
	if (retries)
	{
		errno = 0;
		n = strtol(retries, &end, 10);
		if (retries[0] < '0' || retries[0] > '9' || *end != '\0' || errno != 0 ||
			n > MAX_LOCK_RETRIES)
		{
			errmsgf("--lock-retries must be a whole number from 0 to %d, not \"%s\"",
					MAX_LOCK_RETRIES, retries);
			return EXIT_USAGE;
		}
		if (timeout == NULL)
		{
			errmsgf("--lock-retries needs --lock-timeout: a revision is retried when it times out "
					"waiting for a lock");
			return EXIT_USAGE;
		}
	}
	options = xmalloc((old ? strlen(old) : 0) + 128);
	sprintf(options, "%s%s-c pg_revisions.lock_timeout=%ldms -c pg_revisions.lock_retries=%ld",
			old ? old : "", old && old[0] ? " " : "", ms, n);
	setenv("PGOPTIONS", options, 1);
	return EXIT_OK;
}

/*
 * Register the files in a transaction, run query (one parameter: target)
 * and print its result as a table of the given columns; roll back.  Sets
 * *errors to the number of rows whose column error_column is "error" (-1:
 * none counted).  Returns an exit code.
 */
static int
review(const Options *opts, const char *query, const char *target, int ncols,
	   const char *const *names, const CellKind *kinds, int error_column,
	   const char *what, int *errors)
{
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	const char *params[1] = {target};
	Table	   *t;
	char		footer[128];
	int			rc;

	*errors = 0;
	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	res = db_exec(conn, query, 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, &set, NULL);
		fprintf(stderr, "nothing was changed\n");
		PQclear(res);
		rollback(conn);
		return finish(conn, EXIT_DB);
	}
	t = table_new(ncols, names, kinds);
	for (int r = 0; r < PQntuples(res); r++)
	{
		const char *row[8];

		for (int c = 0; c < ncols && c < 8; c++)
			row[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		if (error_column >= 0 && row[error_column] && strcmp(row[error_column], "error") == 0)
			(*errors)++;
		table_add(t, row);
	}
	if (error_column >= 0)
		snprintf(footer, sizeof(footer), "(%d %s, %d error%s)", PQntuples(res), what,
				 *errors, *errors == 1 ? "" : "s");
	else
		snprintf(footer, sizeof(footer), "(%d %s)", PQntuples(res), what);
	table_print(t, opts->json, footer);
	table_free(t);
	PQclear(res);
	rollback(conn);
	return finish(conn, EXIT_OK);
}

/* lint [TARGET]: rev_lint's findings; exit 1 when one is an error (for CI). */
int
cmd_lint(const Options *opts, const char *target)
{
	static const char *const names[] = {"revision", "statement", "severity", "rule", "relation",
	"message", "hint"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT,
	CELL_TEXT, CELL_TEXT};
	int			errors;
	int			rc = review(opts,
							"SELECT revision, statement::pg_catalog.text, severity, rule, relation, "
							"message, hint FROM pg_catalog.rev_lint($1)",
							target, 7, names, kinds, 2, "findings", &errors);

	if (rc == EXIT_OK && errors > 0)
	{
		fprintf(stderr, "pg_revisions: %d error%s: statements that would block or rewrite busy "
				"tables (hints above)\n", errors, errors == 1 ? "" : "s");
		return EXIT_PENDING;
	}
	return rc;
}

/* rehearse [TARGET]: rev_rehearse's rows (run, then rolled back). */
int
cmd_rehearse(const Options *opts, const char *target)
{
	static const char *const names[] = {"revision", "statement", "command", "relation",
	"lock_mode", "rewrote", "duration_ms"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT,
	CELL_BOOL, CELL_TEXT};
	int			errors;

	return review(opts,
				  "SELECT revision, statement::pg_catalog.text, command, relation, lock_mode, "
				  "rewrote, pg_catalog.round(duration_ms::pg_catalog.numeric, 1)::pg_catalog.text "
				  "FROM pg_catalog.rev_rehearse($1)",
				  target, 7, names, kinds, -1, "rows", &errors);
}

/* The revisions rev_pending(target) lists, as a result (NULL after reporting). */
static PGresult *
pending(PGconn *conn, const MigSet *set, const char *target)
{
	const char *params[1] = {target};
	PGresult   *res = db_exec(conn, "SELECT p FROM pg_catalog.rev_pending($1) AS p", 1, params);

	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * upgrade --each [TARGET]: register the files (committed), then CALL
 * rev_upgrade_each, one transaction per revision; print what was applied,
 * also when a revision fails (the ones before it stay applied).
 */
int
cmd_upgrade_each(const Options *opts, const char *target)
{
	static const char *const names[] = {"revision"};
	static const CellKind kinds[] = {CELL_TEXT};
	const char *params[1] = {target};
	MigSet		set;
	PGconn	   *conn;
	PGresult   *before;
	PGresult   *after;
	PGresult   *res;
	Table	   *t;
	char		footer[64];
	int			rc;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	if ((before = pending(conn, &set, target)) == NULL)
	{
		rollback(conn);
		return finish(conn, EXIT_DB);
	}
	if ((rc = db_command(conn, "COMMIT", &set)) != EXIT_OK)
	{
		PQclear(before);
		return finish(conn, rc);
	}
	res = db_exec(conn, "CALL pg_catalog.rev_upgrade_each($1)", 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, &set, NULL);
		rc = EXIT_DB;
	}
	PQclear(res);
	if ((after = pending(conn, &set, target)) == NULL)
	{
		PQclear(before);
		return finish(conn, EXIT_DB);
	}

	/* Applied: pending before and not after, in the order applied. */
	t = table_new(1, names, kinds);
	for (int r = 0; r < PQntuples(before); r++)
	{
		const char *id = PQgetvalue(before, r, 0);
		bool		still = false;

		for (int s = 0; s < PQntuples(after) && !still; s++)
			still = strcmp(PQgetvalue(after, s, 0), id) == 0;
		if (!still)
			table_add(t, &id);
	}
	snprintf(footer, sizeof(footer), "(%d applied)", table_rows(t));
	if (rc == EXIT_OK || table_rows(t) > 0)
		table_print(t, opts->json, footer);
	if (rc != EXIT_OK)
		fprintf(stderr, "each revision commits on its own: the ones listed on stdout stay applied, "
				"nothing of the failing one\n");
	else if (PQntuples(before) == 0)
		fprintf(stderr, "pg_revisions: nothing to apply: the database is at %s\n", target);
	table_free(t);
	PQclear(before);
	PQclear(after);
	return finish(conn, rc);
}
