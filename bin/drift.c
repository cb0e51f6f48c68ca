/*
 * bin/drift.c — the client's side of "knowing what the database really is":
 * `pg_revisions drift [--since TIME]` lists the drift ledger (rev_drift: DDL
 * run outside pg_revisions), and `check` reports the DDL recorded since the
 * last applied revision (check_drift).
 */
#include <stdlib.h>
#include <string.h>

#include "pg_revisions.h"

static const char *const drift_names[] = {"at", "role", "application", "command", "object_type",
										  "object_identity"};
static const CellKind drift_kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT,
									   CELL_TEXT};

/* drift [--since TIME]: every DDL command recorded outside pg_revisions. */
int
cmd_drift(const Options *opts, const char *since)
{
	const char *params[1] = {since};
	PGconn	   *conn = db_connect(opts);
	PGresult   *res;
	Table	   *t;
	char		footer[64];
	int			n;

	if (conn == NULL)
		return EXIT_DB;
	res = db_exec(conn, "SELECT d.at, d.role, d.application, d.command, d.object_type, d.object_identity "
				  "FROM pg_catalog.rev_drift($1::pg_catalog.timestamptz) AS d", 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, NULL);
		PQclear(res);
		return finish(conn, EXIT_DB);
	}
	t = table_new(6, drift_names, drift_kinds);
	n = PQntuples(res);
	for (int r = 0; r < n; r++)
	{
		const char *row[6];

		for (int c = 0; c < 6; c++)
			row[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		table_add(t, row);
	}
	snprintf(footer, sizeof(footer), "(%d DDL command%s recorded outside pg_revisions)", n,
			 n == 1 ? "" : "s");
	table_print(t, opts->json, footer);
	table_free(t);
	PQclear(res);
	return finish(conn, EXIT_OK);
}

/*
 * check_drift: for `check`, in its open transaction.  Lists on stderr the DDL
 * recorded since the last applied revision (what, by whom, from where, when;
 * for a tenant, on its own schema only) and returns how many; 0 when the extension has no ledger (before 1.2) or
 * the role may not call rev_drift() or rev_history() (a note says so); -1 on
 * a database error.
 */
int
check_drift(PGconn *conn)
{
	PGresult   *res;
	int			n;

	res = PQexec(conn, "SELECT p IS NOT NULL AND pg_catalog.has_function_privilege(p, 'EXECUTE') "
				 "AND pg_catalog.has_function_privilege('pg_catalog.rev_history()', 'EXECUTE') "
				 "FROM pg_catalog.to_regprocedure('pg_catalog.rev_drift(timestamptz)') AS p");
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, NULL);
		PQclear(res);
		return -1;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		fprintf(stderr, "pg_revisions: drift not checked: rev_drift() is missing (extension older than 1.2), "
				"or it or rev_history() is not granted to this role\n");
		PQclear(res);
		return 0;
	}
	PQclear(res);
	/*
	 * For a tenant (pg_revisions.tenant), only the DDL on its own schema
	 * counts: the ledger is the database's, the applied state the tenant's.
	 */
	res = PQexec(conn, "SELECT d.at, d.role, d.application, d.command, d.object_type, d.object_identity, "
				 "(SELECT pg_catalog.max(h.applied_at) FROM pg_catalog.rev_history() AS h) "
				 "FROM pg_catalog.rev_drift((SELECT pg_catalog.max(h.applied_at) "
				 "FROM pg_catalog.rev_history() AS h)) AS d, "
				 "COALESCE(pg_catalog.current_setting('pg_revisions.tenant', true), '') AS t(name) "
				 "WHERE t.name OPERATOR(pg_catalog.=) '' "
				 "OR pg_catalog.split_part(d.object_identity, '.', 1) "
				 "OPERATOR(pg_catalog.=) ANY (ARRAY[t.name, pg_catalog.quote_ident(t.name)])");
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, NULL);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	if (n > 0)
	{
		fprintf(stderr, "pg_revisions: %d DDL command%s run outside pg_revisions %s:\n", n, n == 1 ? "" : "s",
				PQgetisnull(res, 0, 6) ? "(nothing applied yet)" : "since the last applied revision");
		for (int r = 0; r < n; r++)
			fprintf(stderr, "  %s  %s %s by %s (%s) at %s\n", PQgetvalue(res, r, 3),
					PQgetisnull(res, r, 4) ? "" : PQgetvalue(res, r, 4),
					PQgetisnull(res, r, 5) ? "" : PQgetvalue(res, r, 5),
					PQgetvalue(res, r, 1), PQgetvalue(res, r, 2), PQgetvalue(res, r, 0));
		fprintf(stderr, "hint: the schema drifted from the migrations: write a revision for it "
				"(pg_revisions drift lists it all)\n");
	}
	PQclear(res);
	return n;
}
