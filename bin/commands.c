/*
 * bin/commands.c — the pg_revisions commands that write migration files
 * (init, revision, merge) or change the database (upgrade, downgrade, stamp),
 * and the helpers the read-only commands (inspect.c) share.
 *
 * A state-changing command registers every file with rev_add and then runs
 * its SQL call in ONE transaction: either the files are registered and
 * applied, or nothing changed.  The exception is a revision marked
 * "-- transactional: false": what comes before it is committed, then its
 * statements run one by one at top level (rev_claim ... rev_record), then the
 * rest follows in a new transaction.
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
		PQfinish(conn);
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
	if (branch_label && !valid_id(branch_label))
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

/* The first line of a statement, shortened, for progress lines. */
static void
print_statement_line(const char *prefix, int k, int n, const char *stmt)
{
	int			len = 0;

	while (stmt[len] && stmt[len] != '\n' && len < 72)
		len++;
	fprintf(stderr, "%sstatement %d of %d: %.*s%s\n", prefix, k, n, len, stmt,
			stmt[len] ? " ..." : "");
}

/*
 * Apply (op "upgrade") or revert (op "downgrade") one non-transactional
 * revision outside any transaction: rev_claim gives its statements, each runs
 * at top level (autocommit), then rev_record records it.  The caller has
 * committed everything before.  Returns an exit code.
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
		r = PQexec(conn, stmt);
		if (!db_ok(r))
		{
			db_report(conn, r, set, NULL);
			fprintf(stderr, "pg_revisions: revision \"%s\"%s%s%s stopped at statement %d of %d:\n%s\n",
					id, path ? " (" : "", path ? path : "", path ? ")" : "", i + 1, n, stmt);
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
	res = db_exec(conn, "SELECT pg_catalog.rev_record($1)", 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, set, "recording a non-transactional revision");
		fprintf(stderr, "its %d statement%s ran; re-running retries the revision\n", n, n == 1 ? "" : "s");
		PQclear(res);
		return EXIT_DB;
	}
	PQclear(res);
	return EXIT_OK;
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

/*
 * upgrade [TARGET]: register the files and apply what rev_pending(TARGET)
 * lists.  Without non-transactional revisions: one rev_upgrade(TARGET) call,
 * one transaction.  With them: the revisions before each one are applied with
 * rev_upgrade(x) each and committed, the non-transactional one runs on its
 * own, and so on; the plan is computed once, so relative targets keep their
 * meaning.
 */
int
cmd_upgrade(const Options *opts, const char *target)
{
	MigSet		set;
	PGconn	   *conn;
	PGresult   *res;
	const char *params[1] = {target};
	Table	   *t = table_new(3, applied_names, applied_kinds);
	int			rc, n, i = 0;
	bool		any_nontx = false;
	char	  **plan;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	if (strcmp(target, "head") == 0 && (rc = check_single_head(conn, &set)) != EXIT_OK)
	{
		rollback(conn);
		return finish(conn, rc);
	}
	res = db_exec(conn, "SELECT p FROM pg_catalog.rev_pending($1) AS p", 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, &set, NULL);
		fprintf(stderr, "nothing was changed\n");
		PQclear(res);
		rollback(conn);
		return finish(conn, EXIT_DB);
	}
	n = PQntuples(res);
	plan = xmalloc(sizeof(char *) * (n ? n : 1));
	for (int r = 0; r < n; r++)
	{
		MigFile    *f = files_find(&set, PQgetvalue(res, r, 0));

		plan[r] = xstrdup(PQgetvalue(res, r, 0));
		if (f && !f->transactional)
			any_nontx = true;
	}
	PQclear(res);

	if (!any_nontx)
	{
		rc = call_setof(conn, &set, "SELECT r FROM pg_catalog.rev_upgrade($1) AS r", target, t);
		if (rc == EXIT_OK)
			rc = db_command(conn, "COMMIT", &set);
		else
			fprintf(stderr, "nothing was changed: no file registered, no revision applied\n"
					"next: correct the revision named above and re-run (once registered, a revision "
					"cannot change: pg_revisions history shows which are)\n");
		if (rc != EXIT_OK)
			rollback(conn);
	}
	else
	{
		while (rc == EXIT_OK)
		{
			int			stop = i;
			MigFile    *f;

			while (stop < n && ((f = files_find(&set, plan[stop])) == NULL || f->transactional))
				stop++;
			for (; i < stop && rc == EXIT_OK; i++)
				rc = call_setof(conn, &set, "SELECT r FROM pg_catalog.rev_upgrade($1) AS r", plan[i], t);
			if (rc == EXIT_OK)
				rc = db_command(conn, "COMMIT", &set);
			if (rc != EXIT_OK)
			{
				rollback(conn);
				fprintf(stderr, "this step was rolled back%s\n",
						table_rows(t) ? "; what was applied before it stays (listed on stdout)" : "");
				break;
			}
			if (stop == n)
				break;
			rc = run_nontransactional(conn, &set, plan[stop], "upgrade");
			if (rc != EXIT_OK)
				break;
			add_revision(t, &set, plan[stop]);
			i = stop + 1;
			if (i == n)
				break;
			rc = db_command(conn, "BEGIN", &set);
		}
	}
	if (rc == EXIT_OK || table_rows(t) > 0)
		print_revisions(opts, t, "applied");
	if (rc == EXIT_OK && n == 0)
		fprintf(stderr, "pg_revisions: nothing to apply: the database is at %s\n", target);
	return finish(conn, rc);
}

/*
 * Rewrite a downgrade target "-N" as an absolute one (a revision id or base),
 * from the single current head, following the files' first parents; other
 * targets are returned as they are, except "LABEL@-N", which is refused.
 * Used once a non-transactional revision splits a downgrade in several calls.
 * NULL after printing an error.
 */
static char *
absolute_target(PGconn *conn, const MigSet *set, const char *target)
{
	PGresult   *res;
	char	   *end;
	long		steps;
	const char *cur;
	char	   *out;

	if (strstr(target, "@-") || strstr(target, "@+"))
	{
		errmsgf("a non-transactional revision splits this downgrade in steps, and \"%s\" would move "
				"between them", target);
		fprintf(stderr, "next: downgrade to a revision id instead (see pg_revisions history)\n");
		return NULL;
	}
	if (target[0] != '-')
		return xstrdup(target);
	steps = strtol(target + 1, &end, 10);
	if (*end != '\0' || steps < 1)
		return xstrdup(target);
	res = PQexec(conn, "SELECT c FROM pg_catalog.rev_current() AS c");
	if (!db_ok(res) || PQntuples(res) != 1)
	{
		if (!db_ok(res))
			db_report(conn, res, set, NULL);
		else
			errmsgf("downgrade \"%s\" needs a single current head; there are %d", target, PQntuples(res));
		PQclear(res);
		return NULL;
	}
	cur = PQgetvalue(res, 0, 0);
	out = xstrdup(cur);
	PQclear(res);
	for (; steps > 0; steps--)
	{
		MigFile    *f = files_find(set, out);

		if (f == NULL || (f->ndown > 1 && steps > 1))
		{
			errmsgf("cannot split downgrade \"%s\" at revision \"%s\" (%s)", target, out,
					f ? "a merge" : "no migration file");
			fprintf(stderr, "next: downgrade to a revision id instead (see pg_revisions history)\n");
			return NULL;
		}
		if (f->ndown == 0)
		{
			if (steps > 1)
				return xstrdup(target);	/* the server reports the walk too short */
			free(out);
			return xstrdup("base");
		}
		free(out);
		out = xstrdup(f->down[0]);
	}
	return out;
}

/*
 * downgrade TARGET: register the files and revert with rev_downgrade(TARGET)
 * in one transaction.  When the server refuses because a non-transactional
 * revision X is in the plan (SQLSTATE 25001 naming it), revert X's applied
 * descendants (rev_downgrade(X)), commit, revert X on its own, and start again.
 */
int
cmd_downgrade(const Options *opts, const char *target)
{
	MigSet		set;
	PGconn	   *conn;
	Table	   *t = table_new(3, applied_names, applied_kinds);
	char	   *goal = xstrdup(target), *absolute = NULL, *nontx = NULL;
	int			rc;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) != EXIT_OK)
		return finish(conn, rc);
	for (int guard = 0; rc == EXIT_OK && guard < 100000; guard++)
	{
		const char *params[1] = {goal};
		PGresult   *res;

		if ((rc = db_command(conn, "SAVEPOINT pg_revisions_step", &set)) != EXIT_OK)
			break;
		res = db_exec(conn, "SELECT r FROM pg_catalog.rev_downgrade($1) AS r", 1, params);
		if (db_ok(res))
		{
			add_result(t, &set, res);
			PQclear(res);
			if ((rc = db_command(conn, "COMMIT", &set)) != EXIT_OK || nontx == NULL)
				break;
			if ((rc = run_nontransactional(conn, &set, nontx, "downgrade")) != EXIT_OK)
				break;
			add_revision(t, &set, nontx);
			free(nontx);
			nontx = NULL;
			free(goal);
			goal = xstrdup(absolute);
			rc = db_command(conn, "BEGIN", &set);
			continue;
		}
		if (strcmp(db_sqlstate(res), "25001") == 0)
		{
			char	   *id = db_named_revision(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
			MigFile    *f = id ? files_find(&set, id) : NULL;

			if (f && !f->transactional && strcmp(goal, id) != 0 &&
				db_command(conn, "ROLLBACK TO SAVEPOINT pg_revisions_step", &set) == EXIT_OK &&
				(absolute != NULL || (absolute = absolute_target(conn, &set, target)) != NULL))
			{
				PQclear(res);
				free(goal);
				goal = id;
				free(nontx);
				nontx = xstrdup(id);
				continue;
			}
			free(id);
			db_report(conn, res, &set, NULL);
			if (f && f->transactional)
				fprintf(stderr, "hint: mark %s \"-- transactional: false\" if its statements cannot run in "
						"a transaction\n", f->path);
		}
		else
			db_report(conn, res, &set, NULL);
		PQclear(res);
		rc = EXIT_DB;
	}
	if (rc != EXIT_OK)
	{
		rollback(conn);
		fprintf(stderr, "this step was rolled back%s\n",
				table_rows(t) ? "; what was reverted before it stays reverted (listed on stdout)" :
				": nothing was changed");
	}
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
