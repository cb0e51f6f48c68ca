/*
 * bin/worker.c — the worker processes of --tenant, --tenants and --fleet
 * (fleet.c starts them): each runs main() again for each of its targets,
 * with the target's connection string and tenant, on one connection kept
 * while the database stays the same, and records the target's state before
 * and after (rev_current) and, under --atomic, the state its prepared
 * transaction leads to.
 *
 * The hooks the single-database code calls: db_connect takes the worker's
 * connection (fleet_take_connection) and sets the tenant on a new one
 * (fleet_session_setup: set_config as a parameter), finish() gives it back
 * (fleet_before_close), db_command("COMMIT") becomes PREPARE TRANSACTION
 * under --atomic (fleet_prepare).  Outside a worker they do nothing.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg_revisions.h"

/* Set in a child: the tenant of its connections, the gid to prepare. */
const char *fleet_tenant = NULL;
const char *fleet_gid = NULL;
/* Set in a child: the files are registered already (begin_and_register only BEGINs). */
bool		fleet_files_registered = false;

/*
 * A worker's state for the target at hand: its result file, its
 * connection string, the connection (opened by the worker, lent to the
 * command's first db_connect, given back by finish), whether the state
 * after is recorded.
 */
static char *child_res_path = NULL;
static const char *child_conninfo = NULL;
static PGconn *child_conn = NULL;	/* the worker's, not lent (yet) */
static PGconn *lent_conn = NULL;	/* lent to the command */
static PGconn *kept_conn = NULL;	/* given back by finish */
static bool child_after_recorded = false;
static bool in_worker_command = false;
static int	saved_argc;
static char **saved_argv;

static char *current_heads(PGconn *conn);
static void child_record(const char *key, const char *value);

/*
 * In a worker: its connection (the target's database, tenant set), lent to
 * the command's first db_connect; else NULL (db_connect connects).
 */
PGconn *
fleet_take_connection(void)
{
	PGconn	   *conn = child_conn;

	if (conn == NULL)
		return NULL;
	child_conn = NULL;
	lent_conn = conn;
	return conn;
}

/*
 * In a worker, before the command closes a connection (finish): the state
 * after, read on it when it is idle; the worker's own connection is kept
 * for the next target (returns true: the caller must not close it).
 */
bool
fleet_before_close(PGconn *conn)
{
	char	   *after;
	bool		idle;

	if (child_res_path == NULL || conn == NULL)
		return false;
	idle = PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE;
	if (idle && !child_after_recorded && (after = current_heads(conn)) != NULL)
	{
		child_record("after", after);
		child_after_recorded = true;
		free(after);
	}
	if (conn == lent_conn)
	{
		lent_conn = NULL;
		if (idle)
		{
			kept_conn = conn;
			return true;
		}
	}
	return false;
}

/*
 * Set the tenant (if any) on a new connection, as a parameter.  Returns an
 * exit code after reporting a failure.
 */
int
fleet_session_setup(PGconn *conn)
{
	const char *params[2] = {"pg_revisions.tenant", fleet_tenant};
	PGresult   *res;
	int			rc = EXIT_OK;

	if (fleet_tenant == NULL)
		return EXIT_OK;
	res = db_exec(conn, "SELECT pg_catalog.set_config($1, $2, false)", 2, params);
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, "selecting the tenant");
		rc = EXIT_DB;
	}
	PQclear(res);
	return rc;
}

/* The applied heads as "a,b" ("base": none), or NULL on error (malloc'ed). */
static char *
current_heads(PGconn *conn)
{
	PGresult   *res = PQexec(conn, "SELECT COALESCE(pg_catalog.string_agg(c, ',' ORDER BY c), "
							 "'base') FROM pg_catalog.rev_current() AS c");
	char	   *s = NULL;

	if (db_ok(res) && PQntuples(res) == 1)
		s = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return s;
}

/* Append a line "key\tvalue" to the child's result file. */
static void
child_record(const char *key, const char *value)
{
	FILE	   *f = fopen(child_res_path, "a");

	if (f == NULL)
		return;
	fprintf(f, "%s\t%s\n", key, value ? value : "");
	fclose(f);
}

/*
 * Instead of COMMIT under --atomic: the applied heads the transaction leads
 * to, recorded, then PREPARE TRANSACTION with the run's gid (made of
 * [a-z0-9_] by fleet_main, so it can be pasted).  Returns an exit code.
 */
int
fleet_prepare(PGconn *conn, const MigSet *set)
{
	char		sql[128];
	char	   *after = current_heads(conn);
	PGresult   *res;

	snprintf(sql, sizeof(sql), "PREPARE TRANSACTION '%s'", fleet_gid);
	res = PQexec(conn, sql);
	if (!db_ok(res))
	{
		db_report(conn, res, set, "preparing the transaction (--atomic)");
		PQclear(res);
		free(after);
		return EXIT_DB;
	}
	PQclear(res);
	child_record("prepared", after);
	free(after);
	fprintf(stderr, "pg_revisions: prepared transaction %s\n", fleet_gid);
	return EXIT_OK;
}

/* Keep main()'s arguments, for a worker to run it again per target. */
void
fleet_save_args(int argc, char **argv)
{
	saved_argc = argc;
	saved_argv = argv;
}

/*
 * True inside a worker's run of main() for a target; *conninfo is then the
 * target's connection string (NULL: -d or the environment).
 */
bool
fleet_in_worker(const char **conninfo)
{
	*conninfo = child_conninfo;
	return in_worker_command;
}

/* Send stdout or stderr (fd) to the file DIR/tK.ext. */
static void
redirect(int fd, const char *dir, int k, const char *ext)
{
	char		path[4096];
	int			f;

	snprintf(path, sizeof(path), "%s/t%d.%s", dir, k, ext);
	f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (f >= 0)
	{
		dup2(f, fd);
		close(f);
	}
}

/*
 * A worker process: the targets w, w + jobs, ... one after the other, each
 * by main() again (fleet_main returns false then), on one connection kept
 * while the database stays the same (DISCARD ALL between targets, then the
 * next tenant set).  Reports "K RC" a line on out for each target; never
 * returns.
 */
void
fleet_worker(Options *opts, Target *ts, int n, int w, int jobs, const char *dir, FILE *out)
{
	PGconn	   *conn = NULL;
	const char *conn_for = NULL;
	char		path[4096];

	for (int k = w; k < n; k += jobs)
	{
		Options		o = *opts;
		char	   *before;
		int			rc;

		fflush(stdout);
		fflush(stderr);
		redirect(1, dir, k, "out");
		redirect(2, dir, k, "err");
		snprintf(path, sizeof(path), "%s/t%d.res", dir, k);
		free(child_res_path);
		child_res_path = xstrdup(path);
		child_conninfo = ts[k].conninfo ? ts[k].conninfo : opts->conninfo;
		o.conninfo = child_conninfo;
		fleet_tenant = ts[k].tenant;
		fleet_gid = ts[k].gid;
		child_after_recorded = false;
		kept_conn = NULL;
		lent_conn = NULL;
		if (conn && !((conn_for == NULL && child_conninfo == NULL) ||
					  (conn_for && child_conninfo && strcmp(conn_for, child_conninfo) == 0)))
		{
			PQfinish(conn);
			conn = NULL;
		}
		if (conn && (db_command(conn, "DISCARD ALL", NULL) != EXIT_OK || fleet_session_setup(conn) != EXIT_OK))
		{
			PQfinish(conn);
			conn = NULL;
		}
		if (conn == NULL)
			conn = db_connect(&o);
		conn_for = child_conninfo;
		if (conn == NULL)
			rc = EXIT_DB;
		else
		{
			before = current_heads(conn);
			child_record("before", before);
			free(before);
			child_conn = conn;
			in_worker_command = true;
			rc = main(saved_argc, saved_argv);
			in_worker_command = false;
			fflush(stdout);
			fflush(stderr);
			/* the connection back: never lent, or given back by finish; else lost */
			conn = child_conn ? child_conn : kept_conn;
			child_conn = NULL;
			if (conn == NULL)
				conn = db_connect(&o);
			if (conn && !child_after_recorded && PQtransactionStatus(conn) == PQTRANS_IDLE)
			{
				char	   *after = current_heads(conn);

				child_record("after", after);
				free(after);
			}
		}
		fprintf(out, "%d %d\n", k, rc);
		fflush(out);
	}
	if (conn)
		PQfinish(conn);
	_exit(EXIT_OK);
}
