/*
 * bin/commands.c — the pg_revisions commands that write migration files
 * (init, revision, merge) or change the database (upgrade, downgrade, stamp),
 * and the helpers the read-only commands (inspect.c) share.
 *
 * A state-changing command registers every file with rev_add and then runs
 * its SQL call in ONE transaction: either the files are registered and
 * applied, or nothing changed.  upgrade and downgrade take their plan from
 * the server (rev_plan).  The exception is a plan with a revision marked
 * "-- transactional: false": what comes before it is committed, then its
 * statements run one by one at top level (rev_claim ... rev_record) and the
 * session is cleaned, then the rest follows in a new transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pg_revisions.h"

/*
 * Load the migration files (a missing directory is an error: a mistyped -m
 * must not look like "nothing to do"), connect, and check that every parent
 * is in the files or registered.  On success *conn is open; returns an exit
 * code.
 */
int
open_session(const Options *opts, MigSet *set, PGconn **conn)
{
	int			rc;

	*conn = NULL;
	if ((rc = files_load(opts->dir, set, true)) != EXIT_OK)
		return rc;
	if ((*conn = db_connect(opts)) == NULL)
		return EXIT_DB;
	if (set->n > 0 && (rc = db_check_parents(*conn, set)) != EXIT_OK)
	{
		PQfinish(*conn);
		*conn = NULL;
		return rc;
	}
	return EXIT_OK;
}

/* BEGIN, then register every file.  Returns an exit code (rolled back on failure). */
int
begin_and_register(PGconn *conn, const MigSet *set)
{
	int			rc = db_command(conn, "BEGIN", set);

	if (fleet_files_registered)	/* several tenants: registered once by fleet.c */
		return rc;
	if (rc == EXIT_OK && (rc = db_register(conn, set, NULL)) != EXIT_OK)
		rollback(conn);
	return rc;
}

/* ROLLBACK, ignoring the result (the connection may be gone). */
void
rollback(PGconn *conn)
{
	PQclear(PQexec(conn, "ROLLBACK"));
}

/* Close the connection (if any) and pass rc through. */
int
finish(PGconn *conn, int rc)
{
	if (conn)
	{
		/* a fleet worker: the state after read on it; its own connection kept */
		if (!fleet_before_close(conn))
			PQfinish(conn);
	}
	return rc;
}

/* The file of a revision, or NULL. */
const char *
file_path(const MigSet *set, const char *revision)
{
	MigFile    *f = files_find(set, revision);

	return f ? f->path : NULL;
}

/* The message of a revision's file, or NULL. */
const char *
file_message(const MigSet *set, const char *revision)
{
	MigFile    *f = files_find(set, revision);

	return f ? f->message : NULL;
}

static const char *const applied_names[] = {"revision", "message", "file"};
static const CellKind applied_kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT};

/* Add a revision to a (revision, message, file) table. */
static void
add_revision(Table *t, const MigSet *set, const char *revision)
{
	const char *row[3] = {revision, file_message(set, revision), file_path(set, revision)};

	table_add(t, row);
}

/* Add every first-column value of a result to a (revision, message, file) table. */
static void
add_result(Table *t, const MigSet *set, const PGresult *res)
{
	for (int r = 0; r < PQntuples(res); r++)
		add_revision(t, set, PQgetvalue(res, r, 0));
}

/* Print a (revision, message, file) table with a footer "(N <what>)". */
static void
print_revisions(const Options *opts, Table *t, const char *what)
{
	char		footer[128];

	snprintf(footer, sizeof(footer), "(%d %s)", table_rows(t), what);
	table_print(t, opts->json, footer);
	table_free(t);
}

/* init: create the migrations directory and the extension in the database. */
int
cmd_init(const Options *opts)
{
	PGconn	   *conn;
	int			rc;

	if (mkdir(opts->dir, 0755) == 0)
		fprintf(stderr, "pg_revisions: created the migrations directory %s\n", opts->dir);
	else if (errno == EEXIST)
		fprintf(stderr, "pg_revisions: the migrations directory %s exists already\n", opts->dir);
	else
	{
		errmsgf("could not create the migrations directory \"%s\": %s", opts->dir, strerror(errno));
		return EXIT_USAGE;
	}
	if ((conn = db_connect(opts)) == NULL)
		return EXIT_DB;
	rc = db_command(conn, "CREATE EXTENSION IF NOT EXISTS pg_revisions", NULL);
	if (rc != EXIT_OK)
		fprintf(stderr, "hint: CREATE EXTENSION pg_revisions needs a superuser (or a role with CREATE on "
				"the database, for a trusted install)\n");
	else
		fprintf(stderr, "pg_revisions: the pg_revisions extension is installed; next: "
				"pg_revisions revision -m \"first revision\"\n");
	return finish(conn, rc);
}

/* Print the path (text) or the id and path (JSON) of a newly written file. */
void
print_new_file(const Options *opts, const char *revision, const char *path)
{
	const char *const names[] = {"revision", "file"};
	const CellKind kinds[] = {CELL_TEXT, CELL_TEXT};
	const char *row[2] = {revision, path};
	Table	   *t = table_new(2, names, kinds);

	table_add(t, row);
	if (opts->json)
		table_print(t, true, NULL);
	else
		printf("%s\n", path);
	table_free(t);
}

/* Print the "several heads" error for the files' heads. */
static void
several_heads(char **heads, int n, const char *for_what)
{
	errmsgf("the migration files have %d heads, so %s is ambiguous:", n, for_what);
	for (int i = 0; i < n; i++)
		fprintf(stderr, "  %s\n", heads[i]);
	fprintf(stderr, "next: join them with \"pg_revisions merge -m 'merge heads'\", "
			"or name one with --head REV (--head base starts a new root)\n");
}

/*
 * The header of a new revision over the loaded files: its parent (the single
 * head of the files; head "base": none, a new root; another head: that
 * revision, which must have a file) and its dependencies (depends_on, a comma
 * list of revisions with files), and a branch label not used yet.  Fills *nr;
 * returns an exit code after printing the error.  Reads no database.
 */
int
revision_plan(const MigSet *set, const char *head, const char *branch_label,
			  const char *depends_on, NewRevision *nr)
{
	char	  **heads;
	int			nheads;

	nr->ndown = 0;
	nr->deps = NULL;
	nr->ndeps = 0;
	if (branch_label && pgrev_check_name(branch_label, strlen(branch_label)) != NAME_OK)
	{
		errmsgf("invalid branch label \"%s\": 1 to 63 letters, digits or underscores, not head/heads/base",
				branch_label);
		return EXIT_USAGE;
	}
	if (branch_label)
		for (int i = 0; i < set->n; i++)
			if (set->files[i].branch_label && strcmp(set->files[i].branch_label, branch_label) == 0)
			{
				errmsgf("branch label \"%s\" is already used by %s", branch_label, set->files[i].path);
				return EXIT_USAGE;
			}
	if (depends_on)
	{
		nr->ndeps = split_list(depends_on, &nr->deps);
		for (int i = 0; i < nr->ndeps; i++)
			if (files_find(set, nr->deps[i]) == NULL)
			{
				errmsgf("--depends-on \"%s\": no migration file has that revision", nr->deps[i]);
				return EXIT_USAGE;
			}
	}
	if (head && strcmp(head, "base") == 0)
		nr->ndown = 0;
	else if (head)
	{
		if (files_find(set, head) == NULL)
		{
			errmsgf("--head \"%s\": no migration file has that revision (\"base\" starts a new root)", head);
			return EXIT_USAGE;
		}
		nr->parent[0] = (char *) head;
		nr->ndown = 1;
	}
	else
	{
		nheads = files_heads(set, &heads);
		if (nheads > 1)
		{
			several_heads(heads, nheads, "the parent of a new revision");
			return EXIT_USAGE;
		}
		if (nheads == 1)
		{
			nr->parent[0] = heads[0];
			nr->ndown = 1;
		}
	}
	return EXIT_OK;
}

/*
 * revision -m MSG: write a new file whose down_revision is the single head of
 * the files (--head REV: that one; --head base: none, a new root), with
 * empty sections.
 */
int
cmd_revision(const Options *opts, const char *message, const char *head,
			 const char *branch_label, const char *depends_on, bool nontransactional)
{
	MigSet		set;
	NewRevision nr;
	char	   *path, *id;
	int			rc;

	if ((rc = files_load(opts->dir, &set, true)) != EXIT_OK)
		return rc;
	if ((rc = revision_plan(&set, head, branch_label, depends_on, &nr)) != EXIT_OK)
		return rc;
	id = files_new_id();
	rc = files_write_new(opts->dir, id, nr.parent, nr.ndown, message, branch_label, nr.deps, nr.ndeps,
						 !nontransactional, NULL, NULL, &path);
	if (rc == EXIT_OK)
	{
		print_new_file(opts, id, path);
		fprintf(stderr, "pg_revisions: wrote revision %s (down_revision: %s); fill in its upgrade "
				"and downgrade sections\n", id, nr.ndown ? nr.parent[0] : "none, a root");
	}
	return rc;
}

/* merge -m MSG [REV...]: write a merge file of REVs (none: all heads of the files). */
int
cmd_merge(const Options *opts, const char *message, char **revs, int nrevs)
{
	MigSet		set;
	char	  **heads, *path, *id;
	int			rc;

	if ((rc = files_load(opts->dir, &set, true)) != EXIT_OK)
		return rc;
	for (int i = 0; i < nrevs; i++)
		if (files_find(&set, revs[i]) == NULL)
		{
			errmsgf("cannot merge \"%s\": no migration file has that revision", revs[i]);
			return EXIT_USAGE;
		}
	if (nrevs == 0)
	{
		nrevs = files_heads(&set, &heads);
		revs = heads;
	}
	if (nrevs < 2)
	{
		errmsgf("a merge needs at least two revisions; the files have %d head%s%s%s", nrevs,
				nrevs == 1 ? ": " : "s", nrevs == 1 ? revs[0] : "", "");
		fprintf(stderr, "hint: nothing to merge; name the revisions to merge: pg_revisions merge -m MSG REV REV\n");
		return EXIT_USAGE;
	}
	id = files_new_id();
	rc = files_write_new(opts->dir, id, revs, nrevs, message, NULL, NULL, 0, true, NULL, NULL, &path);
	if (rc == EXIT_OK)
		print_new_file(opts, id, path);
	return rc;
}

/*
 * The first line of a statement (the one sent), shortened, for progress
 * lines; control characters escaped.
 */
static void
print_statement_line(const char *prefix, int k, int n, const char *stmt)
{
	int			len = 0;
	char	   *line, *shown;

	while (stmt[len] && stmt[len] != '\n' && len < 72)
		len++;
	line = xmalloc(len + 1);
	memcpy(line, stmt, len);
	line[len] = '\0';
	shown = escape_controls(line, "\t");
	fprintf(stderr, "%sstatement %d of %d: %s%s\n", prefix, k, n, shown, stmt[len] ? " ..." : "");
	free(shown);
	free(line);
}

/*
 * After the statements of a non-transactional revision, before the client's
 * own rev_record: give the session back its identity and settings (what SET
 * ROLE, SET SESSION AUTHORIZATION and SET, including search_path and
 * standard_conforming_strings, changed), so they cannot steer rev_record or
 * anything after it.  DISCARD ALL would also do this, but it drops every
 * advisory lock, and the claim rev_claim took is one: it must hold until
 * rev_record.  Returns an exit code.
 */
static int
reset_session(PGconn *conn, const MigSet *set, const char *id)
{
	static const char *const resets[] = {"RESET SESSION AUTHORIZATION", "RESET ROLE", "RESET ALL"};

	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
	{
		errmsgf("non-transactional revision \"%s\" left a transaction block open (a BEGIN without "
				"COMMIT?); it is rolled back and the revision is not recorded", id);
		rollback(conn);
		return EXIT_DB;
	}
	for (int i = 0; i < 3; i++)
	{
		PGresult   *res = PQexecParams(conn, resets[i], 0, NULL, NULL, NULL, NULL, 0);

		if (!db_ok(res))
		{
			db_report(conn, res, set, "restoring the session after a non-transactional revision");
			PQclear(res);
			return EXIT_DB;
		}
		PQclear(res);
	}
	return fleet_session_setup(conn);	/* RESET ALL reset the tenant: set again */
}

/*
 * Apply (op "upgrade") or revert (op "downgrade") one non-transactional
 * revision outside any transaction: rev_claim gives its statements, each runs
 * at top level (autocommit) on its own, then the session's identity and
 * settings are reset, rev_record records it, and DISCARD ALL drops what else
 * the revision left in the session.  So nothing a revision does to its
 * session (SET search_path, SET ROLE, a temporary table...) reaches the next
 * revision or the client's own queries.  The caller has committed everything
 * before.  Returns an exit code.
 */
static int
run_nontransactional(PGconn *conn, const MigSet *set, const char *id, const char *op)
{
	const char *params[2] = {id, op};
	PGresult   *res = db_exec(conn, "SELECT s FROM pg_catalog.rev_claim($1, $2) AS s", 2, params);
	const char *path = file_path(set, id);
	int			n;

	if (!db_ok(res))
	{
		db_report(conn, res, set, "claiming a non-transactional revision");
		if (strcmp(db_sqlstate(res), "55P03") == 0)
			fprintf(stderr, "next: revision \"%s\" is being applied by another session: wait for it to "
					"finish, then re-run; nothing was done by this command for that revision\n", id);
		PQclear(res);
		return EXIT_DB;
	}
	n = PQntuples(res);
	fprintf(stderr, "pg_revisions: %s non-transactional revision \"%s\" (%d statement%s, each on its own, "
			"outside a transaction)%s%s\n", strcmp(op, "upgrade") == 0 ? "applying" : "reverting",
			id, n, n == 1 ? "" : "s", path ? ": " : "", path ? path : "");
	for (int i = 0; i < n; i++)
	{
		const char *stmt = PQgetvalue(res, i, 0);
		PGresult   *r;

		print_statement_line("pg_revisions:   ", i + 1, n, stmt);
		/*
		 * The extended protocol runs exactly one statement: text that the
		 * server would read as several (rev_claim split it with
		 * standard_conforming_strings on; a revision may have turned it
		 * off) is refused instead of running a statement never listed.
		 */
		r = PQexecParams(conn, stmt, 0, NULL, NULL, NULL, NULL, 0);
		if (!db_ok(r))
		{
			db_report(conn, r, set, NULL);
			fprintf(stderr, "pg_revisions: revision \"%s\"%s%s%s stopped at statement %d of %d:\n",
					id, path ? " (" : "", path ? path : "", path ? ")" : "", i + 1, n);
			fput_escaped(stmt, "\n\t\r", stderr);
			fputc('\n', stderr);
			if (i > 0)
				fprintf(stderr, "statements 1 to %d ran and stay committed; ", i);
			else
				fprintf(stderr, "no statement of it ran; ");
			fprintf(stderr, "the revision is not recorded as %s, and the revisions before it stay %s\n",
					strcmp(op, "upgrade") == 0 ? "applied" : "reverted",
					strcmp(op, "upgrade") == 0 ? "applied" : "reverted");
			fprintf(stderr, "next: fix the cause and re-run the command: it retries this revision from its "
					"first statement, so write them to run twice (CREATE INDEX CONCURRENTLY IF NOT EXISTS, "
					"DROP INDEX CONCURRENTLY IF EXISTS); a failed CREATE INDEX CONCURRENTLY leaves an "
					"INVALID index to drop first\n");
			PQclear(r);
			PQclear(res);
			return EXIT_DB;
		}
		PQclear(r);
	}
	PQclear(res);
	if (reset_session(conn, set, id) != EXIT_OK)
	{
		fprintf(stderr, "its %d statement%s ran; re-running retries the revision\n", n, n == 1 ? "" : "s");
		return EXIT_DB;
	}
	res = db_exec(conn, "SELECT pg_catalog.rev_record($1)", 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, set, "recording a non-transactional revision");
		fprintf(stderr, "its %d statement%s ran; re-running retries the revision\n", n, n == 1 ? "" : "s");
		PQclear(res);
		return EXIT_DB;
	}
	PQclear(res);

	/*
	 * Now that the claim is gone, drop the rest of what the revision left in
	 * the session: temporary tables (which would shadow the next revision's
	 * tables), prepared statements, cursors, LISTENs, advisory locks.
	 */
	res = PQexecParams(conn, "DISCARD ALL", 0, NULL, NULL, NULL, NULL, 0);
	if (!db_ok(res))
	{
		db_report(conn, res, set, "cleaning the session after a non-transactional revision");
		PQclear(res);
		return EXIT_DB;
	}
	PQclear(res);
	return fleet_session_setup(conn);	/* DISCARD ALL reset the tenant: set again */
}

/* Run "SELECT r FROM pg_catalog.<fn>($1) AS r" and add the ids to t; exit code. */
static int
call_setof(PGconn *conn, const MigSet *set, const char *sql, const char *arg, Table *t)
{
	const char *params[1] = {arg};
	PGresult   *res = db_exec(conn, sql, 1, params);
	int			rc = EXIT_OK;

	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		rc = EXIT_DB;
	}
	else if (t)
		add_result(t, set, res);
	PQclear(res);
	return rc;
}

/*
 * Before an upgrade to "head": several heads is an error naming them, with
 * what to do next (merge).  Returns an exit code.
 */
static int
check_single_head(PGconn *conn, const MigSet *set)
{
	PGresult   *res = PQexec(conn, "SELECT h FROM pg_catalog.rev_heads() AS h");
	int			rc = EXIT_OK;

	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		rc = EXIT_DB;
	}
	else if (PQntuples(res) > 1)
	{
		errmsgf("target \"head\" is ambiguous: there are %d heads:", PQntuples(res));
		for (int r = 0; r < PQntuples(res); r++)
		{
			const char *p = file_path(set, PQgetvalue(res, r, 0));

			fprintf(stderr, "  %s%s%s%s\n", PQgetvalue(res, r, 0), p ? " (" : "", p ? p : "", p ? ")" : "");
		}
		fprintf(stderr, "next: join them with \"pg_revisions merge -m 'merge heads'\" and upgrade again, "
				"or upgrade \"heads\" or \"LABEL@head\"\nnothing was changed\n");
		rc = EXIT_USAGE;
	}
	PQclear(res);
	return rc;
}

/* One step of a plan, from rev_plan. */
typedef struct PlanStep
{
	char	   *revision;
	bool		transactional;
} PlanStep;

/*
 * The plan of op ("upgrade" or "downgrade") to target, from the server's
 * rev_plan (the one planner: the client never works a plan out itself), in
 * *steps (malloc'ed).  Returns the number of steps, or -1 after reporting the
 * error.  Read-only.
 */
static int
fetch_plan(PGconn *conn, const MigSet *set, const char *target, const char *op, PlanStep **steps)
{
	const char *params[2] = {target, op};
	PGresult   *res = db_exec(conn, "SELECT p.revision, p.transactional "
							  "FROM pg_catalog.rev_plan($1, $2) AS p ORDER BY p.step", 2, params);
	int			n;

	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	*steps = xmalloc(sizeof(PlanStep) * (n ? n : 1));
	for (int r = 0; r < n; r++)
	{
		(*steps)[r].revision = xstrdup(PQgetvalue(res, r, 0));
		(*steps)[r].transactional = PQgetvalue(res, r, 1)[0] == 't';
	}
	PQclear(res);
	return n;
}

/*
 * Call rev_upgrade(target) (up) or rev_downgrade(target) in the caller's
 * transaction, expecting it to move exactly steps[0..count), in that order.
 * Anything else means the database moved under the plan (another session):
 * an error.  Returns an exit code.
 */
static int
move_exactly(PGconn *conn, const MigSet *set, const char *target, const PlanStep *steps, int count,
			 bool up, Table *t)
{
	const char *params[1] = {target};
	PGresult   *res = db_exec(conn, up ? "SELECT r FROM pg_catalog.rev_upgrade($1) AS r" :
							  "SELECT r FROM pg_catalog.rev_downgrade($1) AS r", 1, params);
	bool		same;

	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		PQclear(res);
		return EXIT_DB;
	}
	same = PQntuples(res) == count;
	for (int r = 0; same && r < count; r++)
		same = strcmp(PQgetvalue(res, r, 0), steps[r].revision) == 0;
	if (!same)
	{
		errmsgf("the plan changed while it ran: %s('%s') %s %d revision%s where the plan had %d "
				"(another session moved the database?)", up ? "rev_upgrade" : "rev_downgrade", target,
				up ? "applied" : "reverted", PQntuples(res), PQntuples(res) == 1 ? "" : "s", count);
		PQclear(res);
		return EXIT_DB;
	}
	add_result(t, set, res);
	PQclear(res);
	return EXIT_OK;
}

/*
 * Move exactly the transactional steps[0..count) of a plan, in order, in the
 * caller's transaction.  The one target that could do it in one call is the
 * last step's: rev_upgrade('LAST') applies LAST and its unapplied ancestors,
 * rev_downgrade('LAST-1') reverts LAST and its applied descendants.  When
 * rev_plan says that is exactly these steps (a chain, the usual case): one
 * call.  Else one call per step, each moving exactly its revision (the plan
 * puts a revision's ancestors, or for a downgrade its descendants, before
 * it).  Returns an exit code.
 */
static int
run_steps(PGconn *conn, const MigSet *set, const PlanStep *steps, int count, bool up, Table *t)
{
	char		target[PGREV_NAME_MAX_LEN + 8];
	bool		whole = (count == 1);
	int			rc = EXIT_OK;

	snprintf(target, sizeof(target), up ? "%s" : "%s-1", steps[count - 1].revision);
	if (count > 1)
	{
		PlanStep   *check;
		int			ncheck = fetch_plan(conn, set, target, up ? "upgrade" : "downgrade", &check);

		if (ncheck < 0)
			return EXIT_DB;
		whole = (ncheck == count);
		for (int i = 0; i < ncheck; i++)
		{
			if (whole && strcmp(check[i].revision, steps[i].revision) != 0)
				whole = false;
			free(check[i].revision);
		}
		free(check);
	}
	if (whole)
		return move_exactly(conn, set, target, steps, count, up, t);
	for (int i = 0; i < count && rc == EXIT_OK; i++)
		rc = run_steps(conn, set, &steps[i], 1, up, t);
	return rc;
}

/*
 * Carry out a plan from rev_plan, in the transaction the caller opened (the
 * files are registered in it).  Without a non-transactional step: one
 * rev_upgrade(target) or rev_downgrade(target) call and COMMIT, so that
 * everything is done or nothing.  With them: the transactional steps before
 * each non-transactional one (run_steps: exactly those), committed before
 * it, which runs on its own outside a transaction (run_nontransactional);
 * then a new transaction for the rest.  The plan is fetched once, so relative targets
 * (-1, LABEL@-2) keep their meaning.  The ids moved go to t.  Returns an exit
 * code; on failure the step that failed is rolled back and what came before
 * it stays (listed in t).
 */
static int
run_plan(PGconn *conn, const MigSet *set, const char *target, bool up,
		 const PlanStep *steps, int n, Table *t)
{
	const char *moved = up ? "applied" : "reverted";
	bool		any_nontx = false;
	int			rc = EXIT_OK;

	for (int i = 0; i < n; i++)
		if (!steps[i].transactional)
			any_nontx = true;
	if (!any_nontx)
	{
		rc = call_setof(conn, set, up ? "SELECT r FROM pg_catalog.rev_upgrade($1) AS r" :
						"SELECT r FROM pg_catalog.rev_downgrade($1) AS r", target, t);
		if (rc == EXIT_OK)
			rc = db_command(conn, "COMMIT", set);
		if (rc != EXIT_OK)
		{
			rollback(conn);
			fprintf(stderr, "nothing was changed: no file registered, no revision %s\n"
					"next: correct the revision named above and re-run (once registered, a revision "
					"cannot change: pg_revisions history shows which are)\n", moved);
		}
		return rc;
	}
	for (int i = 0; i < n && rc == EXIT_OK; i++)
	{
		if (steps[i].transactional)
		{
			int			run = 1;

			/* The transactional steps up to the next non-transactional one. */
			while (i + run < n && steps[i + run].transactional)
				run++;
			rc = run_steps(conn, set, &steps[i], run, up, t);
			i += run - 1;
			if (rc == EXIT_OK && i + 1 == n)
				rc = db_command(conn, "COMMIT", set);
			if (rc != EXIT_OK)
			{
				rollback(conn);
				fprintf(stderr, "this step was rolled back%s\n",
						table_rows(t) ? "; what came before it stays (listed on stdout)" :
						": nothing was changed");
			}
			continue;
		}
		if ((rc = db_command(conn, "COMMIT", set)) != EXIT_OK)
		{
			rollback(conn);
			break;
		}
		if ((rc = run_nontransactional(conn, set, steps[i].revision, up ? "upgrade" : "downgrade")) != EXIT_OK)
			break;
		add_revision(t, set, steps[i].revision);
		if (i + 1 < n)
			rc = db_command(conn, "BEGIN", set);
	}
	return rc;
}

/*
 * upgrade [TARGET]: register the files and apply what rev_plan(TARGET)
 * lists (run_plan): in one transaction when no revision of the plan is
 * non-transactional.
 */
int
cmd_upgrade(const Options *opts, const char *target)
{
	MigSet		set;
	PGconn	   *conn;
	Table	   *t = table_new(3, applied_names, applied_kinds);
	PlanStep   *steps;
	int			rc, n;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	if (strcmp(target, "head") == 0 && (rc = check_single_head(conn, &set)) != EXIT_OK)
	{
		rollback(conn);
		return finish(conn, rc);
	}
	if ((n = fetch_plan(conn, &set, target, "upgrade", &steps)) < 0)
	{
		fprintf(stderr, "nothing was changed\n");
		rollback(conn);
		return finish(conn, EXIT_DB);
	}
	rc = run_plan(conn, &set, target, true, steps, n, t);
	if (rc == EXIT_OK || table_rows(t) > 0)
		print_revisions(opts, t, "applied");
	if (rc == EXIT_OK && n == 0)
		fprintf(stderr, "pg_revisions: nothing to apply: the database is at %s\n", target);
	return finish(conn, rc);
}

/*
 * downgrade TARGET: register the files and revert what
 * rev_plan(TARGET, 'downgrade') lists (run_plan): in one transaction when no
 * revision of the plan is non-transactional.
 */
int
cmd_downgrade(const Options *opts, const char *target)
{
	MigSet		set;
	PGconn	   *conn;
	Table	   *t = table_new(3, applied_names, applied_kinds);
	PlanStep   *steps;
	int			rc, n;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	if ((n = fetch_plan(conn, &set, target, "downgrade", &steps)) < 0)
	{
		fprintf(stderr, "nothing was changed\n");
		rollback(conn);
		return finish(conn, EXIT_DB);
	}
	rc = run_plan(conn, &set, target, false, steps, n, t);
	if (rc == EXIT_OK || table_rows(t) > 0)
		print_revisions(opts, t, "reverted");
	return finish(conn, rc);
}

/*
 * stamp TARGET [--verify]: register the files and set the applied state,
 * running no SQL; with --verify, only if schema public is what the history
 * up to TARGET builds (the server refuses with the differences otherwise).
 */
int
cmd_stamp(const Options *opts, const char *target, bool verify)
{
	MigSet		set;
	PGconn	   *conn;
	Table	   *t = table_new(3, applied_names, applied_kinds);
	int			rc;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	rc = call_setof(conn, &set, verify ? "SELECT r FROM pg_catalog.rev_stamp($1, verify => true) AS r" :
					"SELECT r FROM pg_catalog.rev_stamp($1) AS r", target, t);
	if (rc == EXIT_OK)
		rc = db_command(conn, "COMMIT", &set);
	if (rc != EXIT_OK)
	{
		rollback(conn);
		fprintf(stderr, "nothing was changed\n");
	}
	else
		print_revisions(opts, t, "current heads");
	return finish(conn, rc);
}
