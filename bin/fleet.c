/*
 * bin/fleet.c — one command over many targets: --tenant NAME, --tenants
 * LIKE_PATTERN (existing schemas of one database), --fleet FILE (one libpq
 * connection string a line), -j N in parallel, a result table (target or
 * tenant, before, after, status, error) and one exit code.
 *
 * -j N worker processes (fork) take the targets in turn (worker w: w,
 * w + N, ...).  For each, a worker runs main() again, which goes through
 * the usual dispatch as for a single database (fleet_main returns false
 * then) with the target's connection string, and with the tenant set on its
 * connection (db_connect calls fleet_session_setup: set_config(
 * 'pg_revisions.tenant', $1, false)).  The worker keeps one connection while
 * the database stays the same: lent to the command's db_connect, given back
 * by finish(), DISCARD ALL and the next tenant set between targets.  The
 * command's stdout and stderr go to files in a private temporary
 * directory, the state before and after (rev_current) to a third; the
 * worker reports "K RC" on a pipe as each target ends, and the parent
 * prints a progress line then, and the table at the end.
 *
 * --atomic (twophase.c): every child PREPAREs its transaction instead of
 * committing it (db_command calls fleet_prepare), and the parent commits or
 * rolls back them all.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pg_revisions.h"

#define MAX_JOBS 64
#define MAX_ERROR_SHOWN 200


/* The label of a fleet line: host:port/dbname (what is given of them), never the password. */
static char *
fleet_label(PQconninfoOption *opts, int lineno)
{
	const char *host = NULL, *port = NULL, *dbname = NULL;
	char		buf[512];

	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0 || (strcmp(o->keyword, "hostaddr") == 0 && host == NULL))
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
	}
	if (host == NULL && port == NULL && dbname == NULL)
		snprintf(buf, sizeof(buf), "line %d", lineno);
	else
		snprintf(buf, sizeof(buf), "%s%s%s%s%s", host ? host : "", port ? ":" : "", port ? port : "",
				 dbname ? "/" : "", dbname ? dbname : "");
	return escape_controls(buf, "");
}

/*
 * Read a fleet file: one connection string a line, '#' comments and blank
 * lines skipped.  A malformed or repeated line is an error naming its line
 * (EXIT_USAGE, nothing run).  Fills *targets (malloc'ed), returns an exit code.
 */
int
fleet_read(const char *path, Target **targets, int *n)
{
	char	   *text = read_all(path);
	int			cap = 16, lineno = 0;
	char	   *line, *next;

	*n = 0;
	if (text == NULL)
	{
		errmsgf("could not read the fleet file \"%s\": %s", path, read_error(errno));
		return EXIT_USAGE;
	}
	*targets = xmalloc(sizeof(Target) * cap);
	for (line = text; line && *line; line = next)
	{
		char	   *end, *err = NULL;
		PQconninfoOption *parsed;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if ((parsed = PQconninfoParse(line, &err)) == NULL)
		{
			char	   *e = err ? err : xstrdup("out of memory");
			size_t		l = strlen(e);

			while (l > 0 && e[l - 1] == '\n')
				e[--l] = '\0';
			errmsgf("%s:%d: malformed connection string: %s", path, lineno, e);
			fprintf(stderr, "hint: one libpq connection string a line (host=... dbname=... or "
					"postgresql://...), '#' starts a comment; nothing was run\n");
			return EXIT_USAGE;
		}
		for (int i = 0; i < *n; i++)
			if (strcmp((*targets)[i].conninfo, line) == 0)
			{
				errmsgf("%s:%d: the same connection string as an earlier line; nothing was run", path, lineno);
				PQconninfoFree(parsed);
				return EXIT_USAGE;
			}
		if (*n == cap)
		{
			Target	   *bigger = xmalloc(sizeof(Target) * cap * 2);

			memcpy(bigger, *targets, sizeof(Target) * cap);
			free(*targets);
			*targets = bigger;
			cap *= 2;
		}
		memset(&(*targets)[*n], 0, sizeof(Target));
		(*targets)[*n].conninfo = xstrdup(line);
		(*targets)[*n].label = fleet_label(parsed, lineno);
		PQconninfoFree(parsed);
		(*n)++;
	}
	if (*n == 0)
	{
		errmsgf("the fleet file \"%s\" names no database (one connection string a line)", path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/*
 * The existing schemas whose names match pattern (LIKE), system schemas
 * excepted, as targets of conninfo.  None: an error (EXIT_USAGE).
 */
static int
match_tenants(const Options *opts, const char *pattern, Target **targets, int *n)
{
	const char *params[1] = {pattern};
	PGconn	   *conn = db_connect(opts);
	PGresult   *res;

	*n = 0;
	if (conn == NULL)
		return EXIT_DB;
	res = db_exec(conn, "SELECT n.nspname FROM pg_catalog.pg_namespace AS n "
				  "WHERE n.nspname OPERATOR(pg_catalog.~~) $1 "
				  "AND n.nspname OPERATOR(pg_catalog.!~~) 'pg\\_%' "
				  "AND n.nspname OPERATOR(pg_catalog.<>) 'information_schema' ORDER BY 1", 1, params);
	if (!db_ok(res))
	{
		db_report(conn, res, NULL, "listing the tenant schemas");
		PQclear(res);
		return finish(conn, EXIT_DB);
	}
	if (PQntuples(res) == 0)
	{
		errmsgf("--tenants \"%s\": no schema of this database matches that LIKE pattern; nothing was run",
				pattern);
		fprintf(stderr, "hint: %% matches any characters, _ one; list the schemas with \\dn in psql\n");
		PQclear(res);
		return finish(conn, EXIT_USAGE);
	}
	*n = PQntuples(res);
	*targets = xmalloc(sizeof(Target) * *n);
	for (int r = 0; r < *n; r++)
	{
		memset(&(*targets)[r], 0, sizeof(Target));
		(*targets)[r].conninfo = opts->conninfo ? xstrdup(opts->conninfo) : NULL;
		(*targets)[r].tenant = xstrdup(PQgetvalue(res, r, 0));
		(*targets)[r].label = escape_controls((*targets)[r].tenant, "");
	}
	PQclear(res);
	return finish(conn, EXIT_OK);
}

/* Whether a command changes the applied state (and commits). */
static bool
changes_state(const char *command)
{
	return strcmp(command, "upgrade") == 0 || strcmp(command, "downgrade") == 0 ||
		strcmp(command, "stamp") == 0;
}

/* The commands that run over several targets. */
static bool
fleet_command(const char *command)
{
	static const char *const ok[] = {"upgrade", "downgrade", "stamp", "current", "history", "heads",
	"check", "sql", "lint", "rehearse", "verify", "init", NULL};

	for (int i = 0; ok[i]; i++)
		if (strcmp(command, ok[i]) == 0)
			return true;
	return false;
}

/* Read a whole small file, NULL when absent. */
static char *
slurp(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || st.st_size == 0)
		return NULL;
	return read_all(path);
}

/* The value of key in a child's result file, or NULL (malloc'ed). */
static char *
res_value(const char *text, const char *key)
{
	size_t		kl = strlen(key);

	for (const char *p = text; p && *p;)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p) : strlen(p);

		if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '\t')
		{
			char	   *v = xmalloc(len - kl);

			memcpy(v, p + kl + 1, len - kl - 1);
			v[len - kl - 1] = '\0';
			return v;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* The first error line of a child's stderr, without the prefix, shortened (malloc'ed). */
static char *
first_error(const char *err)
{
	const char *p = err ? strstr(err, "error") : NULL;
	const char *start;
	char	   *s;
	size_t		len;

	if (p == NULL)
		return NULL;
	start = p;
	while (start > err && start[-1] != '\n')
		start--;
	if (strncmp(start, "pg_revisions: ", 14) == 0)
		start += 14;
	if (strncmp(start, "error: ", 7) == 0)
		start += 7;
	len = strcspn(start, "\n");
	if (len > MAX_ERROR_SHOWN)
		len = MAX_ERROR_SHOWN;
	s = xmalloc(len + 1);
	memcpy(s, start, len);
	s[len] = '\0';
	return s;
}

/* Print a child's stderr, each line prefixed "  | ". */
static void
print_indented(const char *text)
{
	for (const char *p = text; p && *p;)
	{
		size_t		len = strcspn(p, "\n");

		fputs("  | ", stderr);
		fwrite(p, 1, len, stderr);
		fputc('\n', stderr);
		p += len;
		if (*p == '\n')
			p++;
	}
}


/* Collect an ended child: its result, status, error and output. */
static void
collect(Target *t, const char *dir, int k, const char *command, bool atomic, int done, int n)
{
	char		path[4096];
	char	   *res, *err;

	snprintf(path, sizeof(path), "%s/t%d.res", dir, k);
	res = slurp(path);
	snprintf(path, sizeof(path), "%s/t%d.err", dir, k);
	err = slurp(path);
	snprintf(path, sizeof(path), "%s/t%d.out", dir, k);
	t->output = slurp(path);
	t->before = res_value(res, "before");
	t->after = res_value(res, "after");
	t->prepared_after = res_value(res, "prepared");
	if (t->rc == EXIT_OK)
	{
		if (atomic)
			t->status = t->prepared_after ? "prepared" : "failed";
		else if (!changes_state(command))
			t->status = "ok";
		else
			t->status = (t->before && t->after && strcmp(t->before, t->after) == 0) ? "unchanged" : "done";
		if (atomic && t->prepared_after == NULL)
			t->error = xstrdup("the command ended without preparing a transaction");
	}
	else
	{
		t->status = t->rc == EXIT_PENDING ? (strcmp(command, "check") == 0 ? "pending" : "findings") :
			"failed";
		t->error = first_error(err);
		if (t->error == NULL && t->rc != EXIT_PENDING)
			t->error = xstrdup(t->rc == EXIT_DB && t->before == NULL ? "could not connect" : "failed");
	}
	fprintf(stderr, "pg_revisions: [%d/%d] %s: %s (%s -> %s)%s%s\n", done, n, t->label, t->status,
			t->before ? t->before : "?", atomic && t->prepared_after ? t->prepared_after :
			(t->after ? t->after : "?"), t->error ? ": " : "", t->error ? t->error : "");
	if (t->rc != EXIT_OK && t->rc != EXIT_PENDING && err)
		print_indented(err);
	free(res);
	free(err);
}

/* Print the result table (and, for read-only commands in text, each target's output). */
static void
print_results(const Options *opts, Target *ts, int n, const char *command, bool tenants_only)
{
	static const char *names[6] = {"target", "before", "after", "status", "error", "output"};
	static const CellKind kinds[6] = {CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT, CELL_TEXT};
	bool		with_output = !changes_state(command);
	Table	   *t;
	char		footer[128];
	int			failed = 0;

	names[0] = tenants_only ? "tenant" : "target";
	t = table_new(with_output && opts->json ? 6 : 5, names, kinds);
	for (int i = 0; i < n; i++)
	{
		const char *row[6] = {ts[i].label, ts[i].before, ts[i].after, ts[i].status, ts[i].error,
		ts[i].output};

		if (ts[i].rc != EXIT_OK)
			failed++;
		if (with_output && !opts->json && ts[i].output)
		{
			printf("== %s ==\n", ts[i].label);
			fputs(ts[i].output, stdout);
		}
		table_add(t, row);
	}
	if (with_output && !opts->json)
		printf("== results ==\n");
	snprintf(footer, sizeof(footer), "(%d target%s, %d not ok)", n, n == 1 ? "" : "s", failed);
	table_print(t, opts->json, footer);
	table_free(t);
}

/* Exit code of the whole run: 0 when every target is; a database error first. */
static int
overall_rc(Target *ts, int n)
{
	int			rc = EXIT_OK;

	for (int i = 0; i < n; i++)
		if (ts[i].rc == EXIT_DB || (ts[i].rc > rc && rc != EXIT_DB))
			rc = ts[i].rc;
	return rc;
}

/*
 * Register the migration files once, committed, in the database of the
 * tenants (rev_add takes the whole catalog's lock until commit: done in
 * each child, it would serialize them, and with --atomic block forever on
 * another tenant's prepared transaction).  Returns an exit code.
 */
static int
register_once(const Options *opts)
{
	MigSet		set;
	PGconn	   *conn;
	int			rc;

	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = begin_and_register(conn, &set)) == EXIT_OK)
		rc = db_command(conn, "COMMIT", &set);
	if (rc == EXIT_OK)
		fprintf(stderr, "pg_revisions: registered the migration files (%d) once for every tenant\n", set.n);
	return finish(conn, rc);
}

/*
 * The parent's side of --tenant, --tenants and --fleet.  Returns false when
 * there is nothing to do here (no such option given) or in a child, which
 * then runs the command as usual on its target.  Else runs the command on
 * every target and returns true with the exit code in *rc.
 */
bool
fleet_main(Options *opts, const FleetOptions *fo, const char *command, const char *target,
		   int argc, char **argv, int *rc)
{
	Target	   *ts = NULL;
	int			n = 0, jobs = 1, done = 0, nworkers;
	char		dir[] = "/tmp/pg_revisions_fleet.XXXXXX";
	char	   *end;
	RunLog		log;
	const char *worker_conninfo;
	struct pollfd *fds;
	char		(*bufs)[128];
	size_t	   *lens;
	pid_t	   *pids;

	if (fleet_in_worker(&worker_conninfo))
	{
		opts->conninfo = worker_conninfo;	/* main() again, in a worker: the target at hand */
		return false;
	}
	fleet_save_args(argc, argv);
	if (fo->tenant == NULL && fo->tenants == NULL && fo->fleet == NULL)
	{
		if (fo->atomic || fo->jobs)
		{
			*rc = EXIT_USAGE;
			errmsgf("--atomic and -j go with --tenant, --tenants or --fleet");
			return true;
		}
		return false;
	}
	*rc = EXIT_USAGE;
	if (!fleet_command(command))
	{
		errmsgf("\"%s\" does not run over tenants or fleets; drop --tenant, --tenants and --fleet", command);
		return true;
	}
	if (fo->tenant && fo->tenants)
	{
		errmsgf("give --tenant NAME or --tenants LIKE_PATTERN, not both");
		return true;
	}
	if (fo->fleet && fo->tenants)
	{
		errmsgf("--tenants goes with one database (-d), not with --fleet; --fleet takes --tenant NAME");
		return true;
	}
	if (fo->fleet && opts->conninfo)
	{
		errmsgf("--fleet names the databases: drop -d");
		return true;
	}
	if (fo->jobs)
	{
		long		j = strtol(fo->jobs, &end, 10);

		if (fo->jobs[0] < '0' || fo->jobs[0] > '9' || *end != '\0' || j < 1 || j > MAX_JOBS)
		{
			errmsgf("-j must be a whole number from 1 to %d, not \"%s\"", MAX_JOBS, fo->jobs);
			return true;
		}
		jobs = (int) j;
	}
	if (fo->atomic && !changes_state(command))
	{
		errmsgf("--atomic goes with upgrade, downgrade and stamp, not \"%s\"", command);
		return true;
	}
	if (fo->fleet)
	{
		if ((*rc = fleet_read(fo->fleet, &ts, &n)) != EXIT_OK)
			return true;
		for (int i = 0; i < n; i++)
			ts[i].tenant = fo->tenant ? xstrdup(fo->tenant) : NULL;
		if (fo->tenant)
			for (int i = 0; i < n; i++)
			{
				char	   *l = xmalloc(strlen(ts[i].label) + strlen(fo->tenant) + 2);

				sprintf(l, "%s %s", ts[i].label, fo->tenant);
				ts[i].label = l;
			}
	}
	else if (fo->tenants)
	{
		if ((*rc = match_tenants(opts, fo->tenants, &ts, &n)) != EXIT_OK)
			return true;
	}
	else
	{
		n = 1;
		ts = xmalloc(sizeof(Target));
		memset(ts, 0, sizeof(Target));
		ts[0].conninfo = opts->conninfo ? xstrdup(opts->conninfo) : NULL;
		ts[0].tenant = xstrdup(fo->tenant);
		ts[0].label = escape_controls(fo->tenant, "");
	}

	/* Several tenants of one database: the files registered once, first. */
	if (!fo->fleet && n > 1 && changes_state(command))
	{
		if ((*rc = register_once(opts)) != EXIT_OK)
			return true;
		fleet_files_registered = true;
	}
	if (fo->atomic)
	{
		if ((*rc = twophase_begin(opts, fo, command, target, ts, n, &log)) != EXIT_OK)
			return true;
	}

	if (mkdtemp(dir) == NULL)
	{
		errmsgf("could not create a temporary directory: %s", strerror(errno));
		*rc = EXIT_DB;
		return true;
	}
	fprintf(stderr, "pg_revisions: %s on %d target%s, %d at a time%s\n", command, n, n == 1 ? "" : "s",
			jobs, fo->atomic ? ", all or nothing (--atomic)" : "");
	fflush(stdout);
	fflush(stderr);
	/* jobs workers, each with a pipe on which it reports "K RC" as each target ends */
	nworkers = jobs < n ? jobs : n;
	fds = xmalloc(sizeof(struct pollfd) * nworkers);
	bufs = xmalloc(sizeof(*bufs) * nworkers);
	lens = xmalloc(sizeof(size_t) * nworkers);
	pids = xmalloc(sizeof(pid_t) * nworkers);
	for (int w = 0; w < nworkers; w++)
	{
		int			p[2];

		if (pipe(p) != 0 || (pids[w] = fork()) < 0)
		{
			errmsgf("could not start a worker process: %s", strerror(errno));
			nworkers = w;
			break;
		}
		if (pids[w] == 0)
		{
			FILE	   *out = fdopen(p[1], "w");

			close(p[0]);
			for (int v = 0; v < w; v++)
				close(fds[v].fd);
			fleet_worker(opts, ts, n, w, jobs, dir, out);
		}
		close(p[1]);
		lens[w] = 0;
		fds[w].fd = p[0];
		fds[w].events = POLLIN;
	}
	for (int i = 0; i < n; i++)
		ts[i].rc = -1;
	for (int open_ = nworkers; open_ > 0;)
	{
		if (poll(fds, nworkers, -1) < 0)
		{
			if (errno == EINTR)
				continue;
			break;
		}
		for (int w = 0; w < nworkers; w++)
		{
			ssize_t		got;
			char	   *nl;
			int			k, r;

			if (fds[w].fd < 0 || !(fds[w].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(fds[w].fd, bufs[w] + lens[w], sizeof(bufs[w]) - 1 - lens[w]);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
			{
				close(fds[w].fd);
				fds[w].fd = -1;
				waitpid(pids[w], NULL, 0);
				open_--;
				continue;
			}
			lens[w] += got;
			bufs[w][lens[w]] = '\0';
			while ((nl = strchr(bufs[w], '\n')) != NULL)
			{
				*nl = '\0';
				if (sscanf(bufs[w], "%d %d", &k, &r) == 2 && k >= 0 && k < n && ts[k].rc < 0)
				{
					ts[k].rc = r;
					collect(&ts[k], dir, k, command, fo->atomic, ++done, n);
				}
				lens[w] -= (nl + 1 - bufs[w]);
				memmove(bufs[w], nl + 1, lens[w] + 1);
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (ts[i].rc < 0)
		{
			ts[i].rc = EXIT_DB;
			collect(&ts[i], dir, i, command, fo->atomic, ++done, n);
			ts[i].status = "failed";
			if (ts[i].error == NULL)
				ts[i].error = xstrdup("its worker process ended before it");
		}
	for (int i = 0; i < n; i++)
	{
		char		path[4096];
		static const char *const ext[] = {"out", "err", "res"};

		for (int e = 0; e < 3; e++)
		{
			snprintf(path, sizeof(path), "%s/t%d.%s", dir, i, ext[e]);
			unlink(path);
		}
	}
	rmdir(dir);
	if (fo->atomic)
		*rc = twophase_finish(&log, ts, n);
	else
		*rc = overall_rc(ts, n);
	print_results(opts, ts, n, command, fo->fleet == NULL);
	return true;
}
