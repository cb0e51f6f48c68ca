/*
 * bin/pg_revisions.h — declarations shared by the files of the pg_revisions
 * command-line client (a libpq program, built by bin/Makefile with PGXS).
 *
 *   main.c       options, --help, dispatch to a command
 *   files.c      migration files: parse, validate, sort
 *   readfile.c   reading a file whole: regular files only, at most 64 MiB
 *   newfile.c    new migration files (revision, merge)
 *   db.c         connection, NOTICE progress, error reports, registration
 *   commands.c   the commands that write files or change the database
 *                (init, revision, merge, upgrade, downgrade, stamp)
 *   autogen.c    revision --autogenerate and check --models: the models file
 *                compared with the database by the server
 *   inspect.c    the read-only commands (current, heads, history, sql,
 *                check, verify)
 *   output.c     result tables: aligned text or JSON
 *   escape.c     control characters in foreign text shown as \xNN
 *   test_cmd.c   test: the files tested by rev_test in a scratch database
 *   fleet.c      --tenant, --tenants, --fleet: one command over many targets, -j N
 *   worker.c     the worker processes of fleet.c: a command per target, one connection
 *   twophase.c   --atomic (PREPARE TRANSACTION everywhere, then commit or roll back all)
 *                and fleet-recover
 *
 * Exit codes (also in --help and README.md): 0 ok, 1 revisions pending or a
 * check failed, 2 usage (bad arguments, bad migration files), 3 database
 * error (connection, SQL error).
 */
#ifndef PGREV_CLIENT_H
#define PGREV_CLIENT_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "libpq-fe.h"
#include "syntax.h"			/* ../src: ids, labels, targets (pgrev_check_name) */

#ifndef PGREV_VERSION			/* from bin/Makefile: default_version in pg_revisions.control */
#error "PGREV_VERSION must be defined by the Makefile (-DPGREV_VERSION=...)"
#endif

#define EXIT_OK 0
#define EXIT_PENDING 1
#define EXIT_USAGE 2
#define EXIT_DB 3

/* One migration file, as parsed by files.c. */
typedef struct MigFile
{
	char	   *path;			/* as shown in messages: DIR/NAME */
	char	   *revision;
	char	  **down;			/* down_revision ids (none: a root) */
	int			ndown;
	char	  **deps;			/* depends_on ids */
	int			ndeps;
	char	   *message;		/* NULL when absent */
	char	   *branch_label;	/* NULL when absent */
	bool		transactional;	/* false: run by the client, outside a transaction */
	char	   *upgrade;		/* the upgrade section, trimmed */
	char	   *downgrade;		/* NULL: irreversible */
	int			line_revision;	/* header lines, for error messages */
	int			line_down;
	int			line_deps;
	char	   *replaces;		/* a baseline ("-- replaces:"): the revision it replaces; else NULL */
	int			line_replaces;
} MigFile;

/* All the files of a migrations directory. */
typedef struct IdIndex IdIndex;	/* files.c: an id and its file's index */

typedef struct MigSet
{
	const char *dir;
	MigFile    *files;			/* in topological order (parents first) once loaded */
	int			n;
	IdIndex    *by_id;			/* files' ids sorted, for files_find; NULL: none */
} MigSet;

/* The global options. */
typedef struct Options
{
	const char *conninfo;		/* -d; NULL: DATABASE_URL, else PG* variables */
	const char *dir;			/* -m / --migrations-dir */
	bool		json;			/* --format json */
} Options;

/* The header of a new revision, from revision_plan (commands.c). */
typedef struct NewRevision
{
	char	   *parent[1];		/* down_revision: parent[0] when ndown is 1 */
	int			ndown;			/* 0: a root */
	char	  **deps;			/* depends_on */
	int			ndeps;
} NewRevision;

/* readfile.c */
/*
 * Largest migration or models file read_all reads (64 MiB): a revision is
 * sent to the server in one message, and a bigger file is most likely not a
 * migration at all.
 */
#define MAX_FILE_BYTES (64 << 20)
/* read_all's errno for "not a regular file" (ENODEV: no such device type). */
#define EFTYPE_NOT_REGULAR ENODEV
extern char *read_all(const char *path);
extern const char *read_error(int err);
/* files.c */
extern bool has_marker_line(const char *text);
extern int	files_load(const char *dir, MigSet *set, bool must_exist);
extern MigFile *files_find(const MigSet *set, const char *revision);
extern int	files_heads(const MigSet *set, char ***heads);
/* newfile.c */
extern char *trimmed(const char *s, size_t len);
extern int	files_create_new(const char *dir, const char *revision, const char *message,
							 char **path_out, FILE **out);
extern int	files_write_new(const char *dir, const char *revision, char **down, int ndown,
							const char *message, const char *branch_label,
							char **deps, int ndeps, bool transactional,
							const char *upgrade, const char *downgrade, char **path_out);
extern char *files_new_id(void);

/* files.c */
extern int	split_list(const char *value, char ***items);

/* db.c */
extern PGconn *db_connect(const Options *opts);
extern void db_report(PGconn *conn, const PGresult *res, const MigSet *set, const char *doing);
extern PGresult *db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params);
extern bool db_ok(const PGresult *res);
extern int	db_command(PGconn *conn, const char *sql, const MigSet *set);
extern int	db_check_parents(PGconn *conn, const MigSet *set);
extern int	db_register(PGconn *conn, const MigSet *set, PGresult **failed);
extern const char *db_sqlstate(const PGresult *res);
extern char *json_quote(const char *s);

/* squash_cmd.c */
extern int	db_register_baselines(PGconn *conn, const MigSet *set, PGresult **failed);
extern int	cmd_squash(const Options *opts, const char *target, const char *message);

/* escape.c */
extern char *escape_controls(const char *s, const char *keep);
extern void fput_escaped(const char *s, const char *keep, FILE *f);

/* output.c */
typedef enum CellKind
{
	CELL_TEXT,					/* a string (NULL pointer: JSON null, empty text) */
	CELL_BOOL,					/* "t"/"f" */
	CELL_LIST					/* a PostgreSQL array literal {a,b} or a comma list */
} CellKind;

typedef struct Table Table;
extern Table *table_new(int ncols, const char *const *names, const CellKind *kinds);
extern void table_add(Table *t, const char *const *values);
extern int	table_rows(const Table *t);
extern void table_print(const Table *t, bool json, const char *footer);
extern void table_free(Table *t);

/* commands.c: helpers shared with inspect.c */
extern int	open_session(const Options *opts, MigSet *set, PGconn **conn);
extern int	begin_and_register(PGconn *conn, const MigSet *set);
extern void rollback(PGconn *conn);
extern int	finish(PGconn *conn, int rc);
extern const char *file_path(const MigSet *set, const char *revision);
extern const char *file_message(const MigSet *set, const char *revision);
extern int	revision_plan(const MigSet *set, const char *head, const char *branch_label,
						  const char *depends_on, NewRevision *nr);
extern void print_new_file(const Options *opts, const char *revision, const char *path);

/* autogen.c */
extern void autogen_privileges(void);
extern int	read_models(const char *path, char **text);
extern int	check_models(PGconn *conn, const MigSet *set, const Options *opts,
						 const char *models_path, const char *models, const char *schema);
extern int	cmd_autogenerate(const Options *opts, const char *message, const char *models_path,
							 const char *schema, const char *head, const char *branch_label,
							 const char *depends_on);

/* commands.c and inspect.c: each command returns an exit code */
extern int	cmd_init(const Options *opts);
extern int	cmd_revision(const Options *opts, const char *message, const char *head,
						 const char *branch_label, const char *depends_on, bool nontransactional);
extern int	cmd_merge(const Options *opts, const char *message, char **revs, int nrevs);
extern int	cmd_upgrade(const Options *opts, const char *target);

/* deploy.c */
extern int	deploy_lock_settings(const char *timeout, const char *retries);
extern int	cmd_lint(const Options *opts, const char *target);
extern int	cmd_rehearse(const Options *opts, const char *target);
extern int	cmd_upgrade_each(const Options *opts, const char *target);

extern int	cmd_downgrade(const Options *opts, const char *target);
extern int	cmd_stamp(const Options *opts, const char *target, bool verify);
extern int	cmd_current(const Options *opts);
extern int	cmd_heads(const Options *opts);
extern int	cmd_history(const Options *opts);
extern int	cmd_sql(const Options *opts, const char *target);
extern int	cmd_check(const Options *opts, const char *models_path, const char *schema);
extern int	cmd_verify(const Options *opts);

/* test_cmd.c */
extern int	cmd_test(const Options *opts, const char *target);

/* drift.c */
extern int	cmd_drift(const Options *opts, const char *since);
extern int	check_drift(PGconn *conn);

/* fleet.c and twophase.c: one command over many tenants or databases */
typedef struct FleetOptions
{
	const char *tenant;			/* --tenant NAME */
	const char *tenants;		/* --tenants LIKE_PATTERN */
	const char *fleet;			/* --fleet FILE */
	const char *jobs;			/* -j N */
	const char *log_dir;		/* --log-dir DIR */
	bool		atomic;			/* --atomic */
} FleetOptions;

/* One target of a run: a database (and a tenant), its result. */
typedef struct Target
{
	char	   *conninfo;		/* NULL: -d or the environment */
	char	   *tenant;			/* NULL: none */
	char	   *label;			/* shown: host:port/dbname [tenant], or the tenant */
	char	   *gid;			/* --atomic: its prepared transaction */
	int			pid;			/* its child while running */
	int			rc;				/* the child's exit code */
	char	   *before, *after, *prepared_after, *status, *error, *output;
} Target;

/* An --atomic run: where its decision goes. */
typedef struct RunLog
{
	const Options *opts;
	char	   *dir;			/* --log-dir, else the fleet file's directory, else "." */
	char	   *run_id;
	char	   *lock_path;		/* DIR/pgrev_<run id>.run, flock'ed while the run goes on */
	int			lock_fd;
	char	   *decision_path;	/* DIR/pgrev_<run id>.commit once logged */
} RunLog;

extern const char *fleet_tenant;
extern const char *fleet_gid;
extern bool fleet_files_registered;
extern int	fleet_session_setup(PGconn *conn);
extern PGconn *fleet_take_connection(void);
extern bool fleet_before_close(PGconn *conn);
extern int	fleet_prepare(PGconn *conn, const MigSet *set);
extern void fleet_save_args(int argc, char **argv);
extern bool fleet_in_worker(const char **conninfo);
extern void fleet_worker(Options *opts, Target *ts, int n, int w, int jobs, const char *dir, FILE *out);
extern int	fleet_read(const char *path, Target **targets, int *n);
extern bool fleet_main(Options *opts, const FleetOptions *fo, const char *command, const char *target,
					   int argc, char **argv, int *rc);
extern int	main(int argc, char **argv);	/* main.c: run again by a fleet worker, per target */
extern int	twophase_begin(const Options *opts, const FleetOptions *fo, const char *command,
						   const char *target, Target *ts, int n, RunLog *log);
extern int	twophase_end(PGconn *conn, const char *gid, bool commit);
extern int	twophase_finish(RunLog *log, Target *ts, int n);
extern int	cmd_fleet_recover(const Options *opts, const FleetOptions *fo);

/* small helpers (files.c) */
extern void *xmalloc(size_t n);
extern char *xstrdup(const char *s);
extern void errmsgf(const char *fmt,...) __attribute__((format(printf, 1, 2)));

#endif							/* PGREV_CLIENT_H */
