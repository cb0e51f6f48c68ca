/*
 * bin/inspect.c — the read-only commands of the pg_revisions client: current,
 * heads, history, sql, check and verify (check --models: see autogen.c; the
 * drift check: see drift.c).  Those that need the files
 * (heads, history, sql, check, verify) register them inside a transaction
 * that is rolled back, so that they see the files as if registered and change
 * nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_revisions.h"

/*
 * Open a session, BEGIN, register the files (to be rolled back), run sql
 * with its parameter (NULL: none).  On success *res holds the result and the
 * transaction is still open; returns an exit code.
 */
static int
query_with_files(const Options *opts, MigSet *set, PGconn **conn, const char *sql,
				 const char *param, PGresult **res)
{
	const char *params[1] = {param};
	int			rc;

	*res = NULL;
	if ((rc = open_session(opts, set, conn)) != EXIT_OK)
		return rc;
	if ((rc = begin_and_register(*conn, set)) != EXIT_OK)
		return rc;
	*res = db_exec(*conn, sql, param ? 1 : 0, params);
	if (!db_ok(*res))
	{
		db_report(*conn, *res, set, NULL);
		PQclear(*res);
		*res = NULL;
		rollback(*conn);
		return EXIT_DB;
	}
	return EXIT_OK;
}

/* current: the applied heads of the database. */
int
cmd_current(const Options *opts)
{
	static const char *const names[] = {"revision", "message", "branch_label", "applied_at"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT};
	PGconn	   *conn = db_connect(opts);
	PGresult   *res;
	Table	   *t;
	char		footer[64];

	if (conn == NULL)
		return EXIT_DB;
	res = PQexec(conn, "SELECT h.revision, h.message, h.branch_label, h.applied_at "
				 "FROM pg_catalog.rev_history() AS h WHERE h.revision OPERATOR(pg_catalog.=) "
				 "ANY (ARRAY(SELECT pg_catalog.rev_current()))");
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, NULL);
		PQclear(res);
		return finish(conn, EXIT_DB);
	}
	t = table_new(4, names, kinds);
	for (int r = 0; r < PQntuples(res); r++)
	{
		const char *row[4];

		for (int c = 0; c < 4; c++)
			row[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		table_add(t, row);
	}
	if (PQntuples(res) == 0)
		snprintf(footer, sizeof(footer), "(nothing applied: base)");
	else
		snprintf(footer, sizeof(footer), "(%d current head%s)", PQntuples(res), PQntuples(res) == 1 ? "" : "s");
	table_print(t, opts->json, footer);
	table_free(t);
	PQclear(res);
	return finish(conn, EXIT_OK);
}

/* heads: the heads of the files and the registered revisions. */
int
cmd_heads(const Options *opts)
{
	static const char *const names[] = {"revision", "message", "branch_label", "applied", "file"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_BOOL, CELL_TEXT};
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	Table	   *t;
	char		footer[64];
	int			rc, n;

	rc = query_with_files(opts, &set, &conn,
						  "SELECT h.revision, h.message, h.branch_label, h.is_applied "
						  "FROM pg_catalog.rev_history() AS h WHERE h.is_head", NULL, &res);
	if (rc != EXIT_OK)
		return finish(conn, rc);
	t = table_new(5, names, kinds);
	n = PQntuples(res);
	for (int r = 0; r < n; r++)
	{
		const char *row[5];

		for (int c = 0; c < 4; c++)
			row[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		row[4] = file_path(&set, row[0]);
		table_add(t, row);
	}
	snprintf(footer, sizeof(footer), "(%d head%s)", n, n == 1 ? "" : "s");
	table_print(t, opts->json, footer);
	table_free(t);
	if (n > 1)
	{
		fprintf(stderr, "pg_revisions: %d heads:", n);
		for (int r = 0; r < n; r++)
			fprintf(stderr, "%s %s", r ? "," : "", PQgetvalue(res, r, 0));
		fprintf(stderr, "\nnext: \"pg_revisions merge -m 'merge heads'\" joins them (upgrade \"head\" "
				"needs a single head; \"heads\" or \"LABEL@head\" work meanwhile)\n");
	}
	PQclear(res);
	rollback(conn);
	return finish(conn, EXIT_OK);
}

/* history: every revision, newest first, with its file. */
int
cmd_history(const Options *opts)
{
	static const char *const names[] = {"revision", "down_revision", "depends_on", "branch_label",
	"message", "head", "applied", "applied_at", "file"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_LIST, CELL_LIST, CELL_TEXT, CELL_TEXT,
	CELL_BOOL, CELL_BOOL, CELL_TEXT, CELL_TEXT};
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	Table	   *t;
	char		footer[64];
	int			rc, applied = 0;

	rc = query_with_files(opts, &set, &conn,
						  "SELECT h.revision, h.down_revision, h.depends_on, h.branch_label, h.message, "
						  "h.is_head, h.is_applied, h.applied_at FROM pg_catalog.rev_history() AS h",
						  NULL, &res);
	if (rc != EXIT_OK)
		return finish(conn, rc);
	t = table_new(9, names, kinds);
	for (int r = 0; r < PQntuples(res); r++)
	{
		const char *row[9];

		for (int c = 0; c < 8; c++)
			row[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		row[8] = file_path(&set, row[0]);
		if (row[6] && row[6][0] == 't')
			applied++;
		table_add(t, row);
	}
	snprintf(footer, sizeof(footer), "(%d revisions, %d applied)", PQntuples(res), applied);
	table_print(t, opts->json, footer);
	table_free(t);
	PQclear(res);
	rollback(conn);
	return finish(conn, EXIT_OK);
}

/*
 * sql [TARGET]: the script rev_upgrade(TARGET) would run (offline review);
 * on a terminal, its control characters are escaped (escape.c).
 */
int
cmd_sql(const Options *opts, const char *target)
{
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	int			rc;

	rc = query_with_files(opts, &set, &conn, "SELECT pg_catalog.rev_sql($1)", target, &res);
	if (rc != EXIT_OK)
		return finish(conn, rc);
	if (opts->json)
	{
		char	   *q = json_quote(target);

		printf("[\n  {\"target\": %s, \"sql\": ", q);
		free(q);
		q = json_quote(PQgetvalue(res, 0, 0));
		printf("%s}\n]\n", q);
		free(q);
	}
	else
	{
		const char *s = PQgetvalue(res, 0, 0);

		/* On a terminal, control characters in revision SQL must not act on it. */
		if (isatty(fileno(stdout)))
			fput_escaped(s, "\n\t\r", stdout);
		else
			fputs(s, stdout);
		if (s[0] && s[strlen(s) - 1] != '\n')
			putchar('\n');
	}
	PQclear(res);
	rollback(conn);
	return finish(conn, EXIT_OK);
}

/*
 * check [--models FILE [--schema NAME]]: exit 1 when revisions (of the files
 * or registered) are pending.  With a models file (models_path not NULL) and
 * nothing pending, also compare the schema with the models (rev_check, in the
 * same rolled-back transaction): exit 1 when statements would be generated;
 * stdout then holds those statements instead of the empty pending table.
 */
int
cmd_check(const Options *opts, const char *models_path, const char *schema)
{
	static const char *const names[] = {"revision", "message", "file"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT};
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	Table	   *t;
	char		footer[64];
	char	   *models = NULL;
	int			rc, n, drift;

	if (models_path && (rc = read_models(models_path, &models)) != EXIT_OK)
		return rc;
	rc = query_with_files(opts, &set, &conn, "SELECT p FROM pg_catalog.rev_pending('heads') AS p",
						  NULL, &res);
	if (rc != EXIT_OK)
		return finish(conn, rc);
	n = PQntuples(res);
	if (n == 0 && models)
	{
		PQclear(res);
		rc = check_models(conn, &set, opts, models_path, models, schema);
		if (rc == EXIT_OK || rc == EXIT_PENDING)
		{
			int			drift = check_drift(conn);

			rc = drift < 0 ? EXIT_DB : drift > 0 ? EXIT_PENDING : rc;
		}
		rollback(conn);
		free(models);
		return finish(conn, rc);
	}
	t = table_new(3, names, kinds);
	for (int r = 0; r < n; r++)
	{
		const char *id = PQgetvalue(res, r, 0);
		const char *row[3] = {id, file_message(&set, id), file_path(&set, id)};

		table_add(t, row);
	}
	snprintf(footer, sizeof(footer), "(%d pending)", n);
	table_print(t, opts->json, footer);
	table_free(t);
	PQclear(res);
	drift = check_drift(conn);
	rollback(conn);
	if (n > 0)
		fprintf(stderr, "pg_revisions: %d revision%s pending; next: pg_revisions upgrade%s\n", n, n == 1 ? "" : "s",
				models ? " (the models are compared once nothing is pending)" : "");
	else if (drift == 0)
		fprintf(stderr, "pg_revisions: up to date\n");
	free(models);
	if (drift < 0)
		return finish(conn, EXIT_DB);
	return finish(conn, n > 0 || drift > 0 ? EXIT_PENDING : EXIT_OK);
}

/*
 * verify: rev_verify() (registered SQL that no longer matches its checksum)
 * plus the files whose content differs from what is registered: each file is
 * registered under a savepoint in a transaction that is rolled back, and a
 * refusal ("already registered with different SQL", other parents, ...) is
 * listed.  Exit 1 when anything is listed.
 */
int
cmd_verify(const Options *opts)
{
	static const char *const names[] = {"revision", "problem", "detail", "file"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT};
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	Table	   *t;
	char		footer[128];
	int			rc, n;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = db_command(conn, "BEGIN", &set)) != EXIT_OK)
		return finish(conn, rc);
	t = table_new(4, names, kinds);
	res = PQexec(conn, "SELECT v.revision, v.stored_checksum, v.computed_checksum FROM pg_catalog.rev_verify() AS v");
	if (!db_ok(res))
	{
		db_report(conn, res, &set, NULL);
		PQclear(res);
		rollback(conn);
		return finish(conn, EXIT_DB);
	}
	for (int r = 0; r < PQntuples(res); r++)
	{
		char		detail[300];
		const char *row[4] = {PQgetvalue(res, r, 0), "registered SQL does not match its checksum", detail,
		file_path(&set, PQgetvalue(res, r, 0))};

		snprintf(detail, sizeof(detail), "stored %s, computed %s", PQgetvalue(res, r, 1), PQgetvalue(res, r, 2));
		table_add(t, row);
	}
	PQclear(res);
	for (int i = 0; i < set.n; i++)
	{
		MigSet		one = {set.dir, &set.files[i], 1, NULL};
		PGresult   *failed = NULL;

		if ((rc = db_command(conn, "SAVEPOINT pg_revisions_verify", &set)) != EXIT_OK)
			break;
		if (db_register(conn, &one, &failed) == EXIT_OK)
			continue;
		{
			const char *primary = PQresultErrorField(failed, PG_DIAG_MESSAGE_PRIMARY);
			const char *detail = PQresultErrorField(failed, PG_DIAG_MESSAGE_DETAIL);
			const char *row[4] = {set.files[i].revision, primary ? primary : PQresultErrorMessage(failed),
			detail, set.files[i].path};

			table_add(t, row);
		}
		PQclear(failed);
		if ((rc = db_command(conn, "ROLLBACK TO SAVEPOINT pg_revisions_verify", &set)) != EXIT_OK)
			break;
	}
	rollback(conn);
	if (rc != EXIT_OK)
	{
		table_free(t);
		return finish(conn, rc);
	}
	n = table_rows(t);
	snprintf(footer, sizeof(footer), "(%d problem%s; %d files checked)", n, n == 1 ? "" : "s", set.n);
	table_print(t, opts->json, footer);
	table_free(t);
	if (n > 0)
		fprintf(stderr, "pg_revisions: verify found %d problem%s; a registered revision never changes: restore "
				"the file as registered and put changes in a new revision\n", n, n == 1 ? "" : "s");
	return finish(conn, n > 0 ? EXIT_PENDING : EXIT_OK);
}
