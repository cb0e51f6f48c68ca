/*
 * bin/twophase.c — all or nothing over many targets (--atomic), with
 * PostgreSQL's two-phase commit, and fleet-recover.
 *
 * Before anything runs, twophase_begin checks every target: it connects,
 * needs max_prepared_transactions above zero (and at least the number of
 * targets on that database), and for upgrade and downgrade refuses a plan
 * with a non-transactional revision (it cannot be prepared).  It then names
 * the run (a run id from the time and the pid), gives each target its gid
 * pgrev_<run id>_<n>, and takes a lock file DIR/pgrev_<run id>.run (flock,
 * held until the end; the kernel drops it if the client dies) that tells
 * fleet-recover the run is still going.
 *
 * Each target's transaction is PREPAREd by its child (fleet_prepare).
 * twophase_finish then decides: every target prepared: the decision is
 * logged durably (DIR/pgrev_<run id>.commit, written, fsync'ed, its
 * directory fsync'ed), then COMMIT PREPARED everywhere; else ROLLBACK
 * PREPARED of every gid of the run found in pg_prepared_xacts.  No decision
 * file means roll back (presumed abort): fleet-recover does exactly that
 * for what a crashed run left prepared.
 *
 * PGREV_FLEET_PAUSE=prepared|decided (tests only) makes the client stop
 * there for up to 10 minutes, so a test can SIGKILL it at that point.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "pg_revisions.h"

/* The directory of the decision files: --log-dir, else the fleet file's, else ".". */
static char *
log_dir(const FleetOptions *fo)
{
	const char *slash;
	char	   *d;

	if (fo->log_dir)
		return xstrdup(fo->log_dir);
	if (fo->fleet && (slash = strrchr(fo->fleet, '/')) != NULL)
	{
		d = xmalloc(slash - fo->fleet + 2);
		memcpy(d, fo->fleet, slash - fo->fleet);
		d[slash - fo->fleet] = '\0';
		if (d[0] == '\0')
			strcpy(d, "/");
		return d;
	}
	return xstrdup(".");
}

/* Connect to a target (its tenant set when tenant is not NULL); NULL after reporting. */
static PGconn *
connect_target(const Options *opts, const char *conninfo, const char *tenant)
{
	Options		o = *opts;
	const char *saved = fleet_tenant;
	PGconn	   *conn;

	if (conninfo)
		o.conninfo = conninfo;
	fleet_tenant = tenant;
	conn = db_connect(&o);
	fleet_tenant = saved;
	return conn;
}

/* Whether two targets are on the same database (the same connection string). */
static bool
same_db(const Target *a, const Target *b)
{
	if (a->conninfo == NULL || b->conninfo == NULL)
		return a->conninfo == b->conninfo;
	return strcmp(a->conninfo, b->conninfo) == 0;
}

/*
 * Check one target before an --atomic run: max_prepared_transactions (at
 * least need), and a plan without non-transactional revisions.  The files
 * are registered in a transaction rolled back (unless registered already).
 * Returns an exit code after reporting.
 */
static int
check_target(PGconn *conn, const MigSet *set, const Target *t, int need, const char *command,
			 const char *target)
{
	PGresult   *res = PQexec(conn, "SELECT pg_catalog.current_setting('max_prepared_transactions')");
	const char *params[2] = {target, command};
	int			mpt, rc = EXIT_OK;

	if (!db_ok(res))
	{
		db_report(conn, res, NULL, "reading max_prepared_transactions");
		PQclear(res);
		return EXIT_DB;
	}
	mpt = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (mpt < need)
	{
		errmsgf("%s: max_prepared_transactions is %d, and --atomic prepares %d transaction%s there; "
				"nothing was run", t->label, mpt, need, need == 1 ? "" : "s");
		fprintf(stderr, "hint: set max_prepared_transactions to at least %d in postgresql.conf and restart "
				"that server (or run without --atomic)\n", need);
		return EXIT_DB;
	}
	if (strcmp(command, "stamp") == 0)
		return EXIT_OK;
	if ((rc = db_command(conn, "BEGIN", set)) != EXIT_OK)
		return rc;
	if (!fleet_files_registered && (rc = db_register(conn, set, NULL)) != EXIT_OK)
	{
		PQclear(PQexec(conn, "ROLLBACK"));
		return rc;
	}
	res = db_exec(conn, "SELECT p.revision FROM pg_catalog.rev_plan($1, $2) AS p "
				  "WHERE NOT p.transactional ORDER BY p.step", 2, params);
	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		rc = EXIT_DB;
	}
	else if (PQntuples(res) > 0)
	{
		errmsgf("%s: revision \"%s\" is not transactional, so it cannot be prepared: --atomic refuses "
				"it; nothing was run", t->label, PQgetvalue(res, 0, 0));
		fprintf(stderr, "hint: apply it without --atomic first (pg_revisions upgrade %s), then the rest "
				"with --atomic\n", PQgetvalue(res, 0, 0));
		rc = EXIT_USAGE;
	}
	PQclear(res);
	PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}

/*
 * Before an --atomic run: check every target (check_target), name the run,
 * give each target its gid, take the run's lock file.  Returns an exit
 * code; nothing has run when it is not EXIT_OK.
 */
int
twophase_begin(const Options *opts, const FleetOptions *fo, const char *command, const char *target,
			   Target *ts, int n, RunLog *log)
{
	MigSet		set;
	PGconn	   *conn = NULL;
	int			rc;
	char		path[4096];

	if ((rc = files_load(opts->dir, &set, true)) != EXIT_OK)
		return rc;
	for (int i = 0; i < n; i++)
	{
		int			need = 0;

		for (int j = 0; j < n; j++)
			if (same_db(&ts[i], &ts[j]))
				need++;
		if (conn == NULL || i == 0 || !same_db(&ts[i], &ts[i - 1]))
		{
			if (conn)
				PQfinish(conn);
			if ((conn = connect_target(opts, ts[i].conninfo, NULL)) == NULL)
			{
				errmsgf("%s: unreachable; --atomic runs nothing unless every target is reachable", ts[i].label);
				return EXIT_DB;
			}
		}
		if (ts[i].tenant)
		{
			const char *saved = fleet_tenant;

			fleet_tenant = ts[i].tenant;
			rc = fleet_session_setup(conn);
			fleet_tenant = saved;
			if (rc != EXIT_OK)
			{
				PQfinish(conn);
				return rc;
			}
		}
		if ((rc = check_target(conn, &set, &ts[i], need, command, target)) != EXIT_OK)
		{
			PQfinish(conn);
			return rc;
		}
	}
	if (conn)
		PQfinish(conn);

	log->dir = log_dir(fo);
	snprintf(path, sizeof(path), "%lx%05x", (unsigned long) time(NULL), (unsigned) getpid() & 0xFFFFF);
	log->run_id = xstrdup(path);
	for (int i = 0; i < n; i++)
	{
		snprintf(path, sizeof(path), "pgrev_%s_%d", log->run_id, i + 1);
		ts[i].gid = xstrdup(path);
	}
	snprintf(path, sizeof(path), "%s/pgrev_%s.run", log->dir, log->run_id);
	log->lock_path = xstrdup(path);
	log->lock_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (log->lock_fd < 0 || flock(log->lock_fd, LOCK_EX) != 0)
	{
		errmsgf("could not create the run's lock file \"%s\": %s; nothing was run", path, strerror(errno));
		fprintf(stderr, "hint: --log-dir DIR names a writable directory for the decision log\n");
		return EXIT_USAGE;
	}
	log->opts = opts;
	log->decision_path = NULL;
	return EXIT_OK;
}

/* Stop for a test (PGREV_FLEET_PAUSE=point), at most 10 minutes. */
static void
pause_for_test(const char *point)
{
	const char *want = getenv("PGREV_FLEET_PAUSE");

	if (want == NULL || strcmp(want, point) != 0)
		return;
	fprintf(stderr, "pg_revisions: pausing at \"%s\" (PGREV_FLEET_PAUSE), pid %d\n", point, (int) getpid());
	fflush(stderr);
	for (int i = 0; i < 600; i++)
		sleep(1);
}

/* Write the decision to commit, durably: the file and its directory fsync'ed.  Exit code. */
static int
log_commit(RunLog *log, Target *ts, int n)
{
	char		path[4096], tmp[4096];
	FILE	   *f;
	int			fd, dfd;

	snprintf(path, sizeof(path), "%s/pgrev_%s.commit", log->dir, log->run_id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		goto fail;
	fprintf(f, "commit %s\n", log->run_id);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s\t%s\n", ts[i].gid, ts[i].label);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
	{
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		goto fail;
	if ((dfd = open(log->dir, O_RDONLY)) >= 0)
	{
		fd = fsync(dfd);
		close(dfd);
		if (fd != 0)
			goto fail;
	}
	log->decision_path = xstrdup(path);
	return EXIT_OK;
fail:
	errmsgf("could not log the decision to commit in \"%s\": %s; rolling back", path, strerror(errno));
	return EXIT_DB;
}

/*
 * COMMIT PREPARED (commit) or ROLLBACK PREPARED the gid on conn when it is
 * prepared there.  gid is ours (pgrev_ and [0-9a-f_]), checked again here
 * before it is pasted.  Returns 1 done, 0 not prepared there, -1 failed.
 */
int
twophase_end(PGconn *conn, const char *gid, bool commit)
{
	const char *params[1] = {gid};
	PGresult   *res;
	char		sql[160];
	int			found;

	if (strncmp(gid, "pgrev_", 6) != 0 || strspn(gid + 6, "0123456789abcdef_") != strlen(gid + 6) ||
		strlen(gid) > 100)
		return -1;
	res = db_exec(conn, "SELECT 1 FROM pg_catalog.pg_prepared_xacts AS x WHERE x.gid OPERATOR(pg_catalog.=) $1 "
				  "AND x.database OPERATOR(pg_catalog.=) pg_catalog.current_database()", 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, "looking up a prepared transaction");
		PQclear(res);
		return -1;
	}
	found = PQntuples(res);
	PQclear(res);
	if (found == 0)
		return 0;
	snprintf(sql, sizeof(sql), "%s PREPARED '%s'", commit ? "COMMIT" : "ROLLBACK", gid);
	res = PQexec(conn, sql);
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, commit ? "committing a prepared transaction" : "rolling back a prepared transaction");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 1;
}

/*
 * After every child of an --atomic run ended: commit all (every target
 * prepared; the decision logged first) or roll back all.  Sets each
 * target's status, after and error.  Returns the exit code of the run.
 */
int
twophase_finish(RunLog *log, Target *ts, int n)
{
	bool		all = true;
	bool		commit;
	int			rc = EXIT_OK, left = 0;

	for (int i = 0; i < n; i++)
		if (ts[i].rc != EXIT_OK || ts[i].prepared_after == NULL)
			all = false;
	if (all)
		pause_for_test("prepared");
	commit = all && log_commit(log, ts, n) == EXIT_OK;
	if (commit)
		pause_for_test("decided");
	fprintf(stderr, "pg_revisions: %s: %s every target\n", all ? "every target prepared" :
			"not every target prepared", commit ? "committing" : "rolling back");
	for (int i = 0; i < n; i++)
	{
		PGconn	   *conn = connect_target(log->opts, ts[i].conninfo, NULL);
		int			r = conn ? twophase_end(conn, ts[i].gid, commit) : -1;

		if (conn)
			PQfinish(conn);
		if (r < 0)
		{
			left++;
			rc = EXIT_DB;
			if (ts[i].error == NULL)
				ts[i].error = xstrdup(commit ? "prepared, COMMIT PREPARED failed: run fleet-recover" :
									  "ROLLBACK PREPARED failed: run fleet-recover");
			ts[i].status = "in doubt";
			continue;
		}
		if (commit)
		{
			ts[i].status = "committed";
			ts[i].after = ts[i].prepared_after;
		}
		else
		{
			if (ts[i].rc == EXIT_OK)
				ts[i].status = "rolled back";
			ts[i].after = ts[i].before;
			rc = EXIT_DB;
		}
	}
	if (left == 0 && log->decision_path)
		unlink(log->decision_path);
	if (left > 0)
		fprintf(stderr, "pg_revisions: %d target%s still prepared: run pg_revisions fleet-recover "
				"(the decision is in %s)\n", left, left == 1 ? "" : "s",
				log->decision_path ? log->decision_path : "no file: roll back");
	unlink(log->lock_path);
	close(log->lock_fd);
	return rc;
}

/* Whether the run of a gid is still going (its lock file is locked). */
static bool
run_active(const char *dir, const char *run_id)
{
	char		path[4096];
	int			fd;
	bool		active = false;

	snprintf(path, sizeof(path), "%s/pgrev_%s.run", dir, run_id);
	if ((fd = open(path, O_RDONLY)) < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		active = true;
	close(fd);
	return active;
}

/*
 * fleet-recover --fleet FILE (or -d): finish what crashed --atomic runs
 * left prepared on every target: COMMIT PREPARED when the run logged its
 * decision to commit, else ROLLBACK PREPARED; a run still going (its lock
 * file locked) is left alone.  Prints (target, gid, decision, status).
 */
int
cmd_fleet_recover(const Options *opts, const FleetOptions *fo)
{
	static const char *const names[] = {"target", "gid", "decision", "status"};
	static const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT};
	Target	   *ts;
	int			n, rc = EXIT_OK;
	char	   *dir = log_dir(fo);
	Table	   *t = table_new(4, names, kinds);
	char		footer[64];
	char	  **done_runs = NULL;
	int			ndone = 0, cap = 0;

	if (fo->fleet)
	{
		if ((rc = fleet_read(fo->fleet, &ts, &n)) != EXIT_OK)
			return rc;
	}
	else
	{
		n = 1;
		ts = xmalloc(sizeof(Target));
		memset(ts, 0, sizeof(Target));
		ts[0].conninfo = opts->conninfo ? xstrdup(opts->conninfo) : NULL;
		ts[0].label = xstrdup(opts->conninfo ? "-d" : "the default database");
	}
	for (int i = 0; i < n; i++)
	{
		PGconn	   *conn = connect_target(opts, ts[i].conninfo, NULL);
		PGresult   *res;

		if (conn == NULL)
		{
			const char *row[4] = {ts[i].label, NULL, NULL, "unreachable"};

			table_add(t, row);
			rc = EXIT_DB;
			continue;
		}
		res = PQexec(conn, "SELECT x.gid FROM pg_catalog.pg_prepared_xacts AS x "
					 "WHERE x.gid OPERATOR(pg_catalog.~~) 'pgrev\\_%' "
					 "AND x.database OPERATOR(pg_catalog.=) pg_catalog.current_database() ORDER BY 1");
		if (!db_ok(res))
		{
			const char *row[4] = {ts[i].label, NULL, NULL, "failed"};

			db_report(conn, res, NULL, "listing prepared transactions");
			table_add(t, row);
			rc = EXIT_DB;
			PQclear(res);
			PQfinish(conn);
			continue;
		}
		for (int r = 0; r < PQntuples(res); r++)
		{
			const char *gid = PQgetvalue(res, r, 0);
			const char *last = strrchr(gid, '_');
			char		run_id[64], path[4096];
			const char *row[4] = {ts[i].label, gid, NULL, NULL};
			int			e;

			if (last == NULL || last - gid - 6 <= 0 || last - gid - 6 >= (long) sizeof(run_id))
				continue;
			memcpy(run_id, gid + 6, last - gid - 6);
			run_id[last - gid - 6] = '\0';
			if (run_active(dir, run_id))
			{
				row[2] = "none yet";
				row[3] = "run still going: left alone";
				table_add(t, row);
				continue;
			}
			snprintf(path, sizeof(path), "%s/pgrev_%s.commit", dir, run_id);
			row[2] = access(path, F_OK) == 0 ? "commit" : "rollback (no decision logged)";
			e = twophase_end(conn, gid, access(path, F_OK) == 0);
			row[3] = e > 0 ? (access(path, F_OK) == 0 ? "committed" : "rolled back") : e == 0 ? "gone" : "failed";
			if (e < 0)
				rc = EXIT_DB;
			if (ndone == cap)
			{
				char	  **bigger = xmalloc(sizeof(char *) * (cap = cap ? cap * 2 : 8));

				if (ndone)
					memcpy(bigger, done_runs, sizeof(char *) * ndone);
				free(done_runs);
				done_runs = bigger;
			}
			done_runs[ndone++] = xstrdup(run_id);
			fprintf(stderr, "pg_revisions: %s: %s %s\n", ts[i].label, gid, row[3]);
			table_add(t, row);
		}
		PQclear(res);
		PQfinish(conn);
	}
	/* Every target answered and nothing failed: the finished runs' files go. */
	for (int i = 0; rc == EXIT_OK && i < ndone; i++)
	{
		char		path[4096];

		snprintf(path, sizeof(path), "%s/pgrev_%s.commit", dir, done_runs[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/pgrev_%s.run", dir, done_runs[i]);
		unlink(path);
	}
	snprintf(footer, sizeof(footer), "(%d prepared transaction%s finished)", table_rows(t),
			 table_rows(t) == 1 ? "" : "s");
	table_print(t, opts->json, footer);
	table_free(t);
	return rc;
}
