/*-------------------------------------------------------------------------
 *
 * pg_revisions.h
 *	  Declarations shared by the pg_revisions C files.
 *
 * The pieces, one file each:
 *	  syntax.c    ids, labels and the target grammar (pure C, see syntax.h)
 *	  catalog.c   every read and write of the catalog tables (SPI, as owner)
 *	  catalog_sql.c  the text of those queries
 *	  graph.c     the revision DAG in memory and its closures
 *	  graph_cache.c  the last DAG loaded, kept while the catalog is unchanged
 *	  sql_batch.c the SQL of a run's revisions, read many per query
 *	  target.c    resolving a target against the DAG
 *	  plan.c      what an upgrade, downgrade or stamp must do
 *	  lock.c      serializing state-changing calls
 *	  tenants.c   pg_revisions.tenant: one applied state per schema
 *	  squash.c    rev_squash: a baseline replacing a long history
 *	  statements.c  walking a SQL text's statements in bounded memory
 *	  apply.c     running one revision's SQL as the caller
 *	  constraints.c  keeping a revision's SET CONSTRAINTS inside it
 *	  immutable.c checksums, the catalog guard trigger, rev_verify
 *	  register.c  rev_add, rev_merge, rev_drop
 *	  migrate.c   rev_upgrade, rev_downgrade, rev_stamp, rev_pending, rev_sql
 *	  plan_sql.c  rev_plan: the plan of an upgrade or downgrade, for clients
 *	  inspect.c   rev_current, rev_heads, rev_history
 *	  results.c   filling SETOF text results
 *	  outside.c   rev_claim, rev_record: revisions run outside a transaction
 *	  diff*.c     the schema diff family (rev_diff, autogenerate): see diff.h
 *	  scratch.c   a scratch schema rolled back whatever happens
 *	  models.c    what those models may do, checked before they run
 *	  lint.c      rev_lint: the walk over a plan's statements (lint.h)
 *	  lint_rules.c    the hazards of one statement
 *	  retry.c     a revision in a subtransaction, retried on lock timeouts
 *	  each.c      rev_upgrade_each: one transaction per revision
 *	  rehearse.c  rev_rehearse: the plan run and rolled back, locks reported
 *	  revtest.c   rev_test: apply, revert, re-apply each revision, rolled back
 *	  revtest_model.c  the live schema kept between rev_test's steps
 *	  revtest_footprint.c  what a step touched (object access hook)
 *	  drift.c     the drift ledger (event triggers), rev_drift
 *	  verify.c    rev_verify_schema: the history replayed in a scratch schema
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_REVISIONS_H
#define PG_REVISIONS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/hsearch.h"
#include "utils/palloc.h"

#include "syntax.h"

/*
 * PGREV_VERSION, the extension version (default_version in
 * pg_revisions.control) this library's catalog queries are written for,
 * comes from the Makefile (-D); catalog.c refuses to run against another.
 */
#ifndef PGREV_VERSION
#error "PGREV_VERSION must be defined by the Makefile (-DPGREV_VERSION=...)"
#endif

/* Settings (pg_revisions.c); the cap on pg_revisions.lock_retries. */
#define PGREV_MAX_LOCK_RETRIES 100
extern PGDLLIMPORT int pgrev_lock_timeout;
extern PGDLLIMPORT int pgrev_lock_retries;
extern PGDLLIMPORT bool pgrev_diff_privileges;

/* Schema of the catalog tables (created by the install script). */
#define PGREV_SCHEMA "revisions"

/*
 * One registered revision, as loaded by catalog_load_graph().  Strings live
 * in the graph's memory context.  Edges are index ranges into the graph's
 * edge arrays.
 */
typedef struct RevNode
{
	const char *id;
	const char *message;		/* NULL when none or not loaded */
	const char *branch_label;	/* NULL when none */
	int64		seq;			/* registration order */
	bool		irreversible;	/* registered without downgrade SQL */
	bool		transactional;	/* false: runs outside a transaction block */
	bool		applied;
	TimestampTz applied_at;		/* valid when applied */
	int			parents_start;	/* into RevGraph.parents */
	int			nparents;
	int			deps_start;		/* into RevGraph.deps */
	int			ndeps;
	int			children_start; /* into RevGraph.children */
	int			nchildren;
	int			replaces;		/* a baseline (rev_squash): the revision it
								 * replaces with all its ancestors; else -1 */
	const char *replaces_id;	/* its id, NULL when not a baseline */
} RevNode;

/*
 * The whole DAG.  nodes[] is in registration order, which is also a
 * topological order: a revision's parents and dependencies are always
 * registered before it (catalog_load_graph checks this).  Every traversal
 * in graph.c relies on that to run as one iterative sweep.
 */
typedef struct RevGraph
{
	int			nnodes;
	RevNode    *nodes;
	int		   *parents;		/* node indexes, per node in down_revision order */
	int		   *deps;			/* node indexes, per node in depends_on order */
	int		   *children;		/* node indexes, per node in registration order */
	HTAB	   *by_id;			/* id -> node index */
} RevGraph;

/* Entry of RevGraph.by_id. */
typedef struct GraphEntry
{
	char		id[NAMEDATALEN];
	int			index;
} GraphEntry;

/* A list of node indexes. */
typedef struct RevList
{
	int			n;
	int		   *items;
} RevList;

/*
 * Where a target points.  For moving up or stamping, the desired state is
 * "top" and all its ancestors (nothing when top is empty).  For moving down,
 * what is reverted is every applied revision at or above a "floor" revision
 * that is not top or one of its ancestors; everything = true reverts all.
 */
typedef struct RevPosition
{
	bool		everything;		/* "base" */
	RevList		top;
	RevList		floor;
} RevPosition;

/* What the caller will do with a resolved target (some forms are refused). */
typedef enum TargetUse
{
	TARGET_FOR_UPGRADE,
	TARGET_FOR_DOWNGRADE,
	TARGET_FOR_STAMP
} TargetUse;

/* Which SQL of a revision to run. */
typedef enum RevDirection
{
	REV_UPGRADE,
	REV_DOWNGRADE
} RevDirection;

/* A revision as stored, for rev_add's identity checks. */
typedef struct StoredRevision
{
	bool		found;
	char	   *checksum;
	char	   *branch_label;	/* NULL when none */
	bool		applied;
	ArrayType  *down_revision;	/* text[], never NULL */
	ArrayType  *depends_on;		/* text[], never NULL */
	bool		transactional;
} StoredRevision;

/* The stored SQL of one revision. */
typedef struct RevisionSql
{
	const char *id;
	char	   *upgrade;
	char	   *downgrade;		/* NULL: irreversible */
	char	   *checksum;
	char	   *message;		/* NULL when none, or not fetched */
} RevisionSql;

/* catalog.c */
extern Oid	catalog_owner(void);
extern RevGraph *catalog_load_graph(bool with_messages);
extern RevGraph *catalog_load_graph_for(bool with_messages, const char *tenant);
extern void catalog_get_revision(const char *id, StoredRevision *out);
extern List *catalog_heads(void);
extern char *catalog_newest_revision(int64 *nheads);
extern char *catalog_missing_revision(ArrayType *ids);
extern char *catalog_label_owner(const char *label);
extern char *catalog_first_dependant(const char *id);
extern void catalog_insert_revision(const char *id, const char *message,
									const char *upgrade, const char *downgrade,
									const char *branch_label, const char *checksum,
									ArrayType *down_revision, ArrayType *depends_on,
									bool transactional);
extern void catalog_insert_baseline(const char *id, const char *message, const char *upgrade,
									const char *downgrade, const char *checksum,
									const char *replaces);
extern void catalog_delete_revision(const char *id, ArrayType *down_revision);
extern void catalog_fetch_one_sql(const char *id, RevisionSql *out);
extern void catalog_fetch_sql_batch(const char *const *ids, int n, RevisionSql *out);
extern void catalog_scan_sql(void (*visit) (RevisionSql *sql, void *arg), void *arg);
extern bool catalog_query_in_progress(void);
extern void catalog_record_operation(const char *operation, const char *target,
									 TimestampTz started_at,
									 List *added, List *added_at, List *removed,
									 List *touched);
extern void catalog_lock_state(void);
extern void catalog_mark_unchecked(void);
extern void catalog_mark_checked(void);
extern void catalog_lock_tenant_state(const char *tenant);
extern List *catalog_tenants(void);
extern void catalog_mark_changed(void);
extern ArrayType *catalog_text_array(List *ids);
extern void catalog_state_version(int64 *generation, TransactionId *xmin);
extern bool catalog_heads_applied(void);

/* sql_batch.c */
extern void catalog_expect_sql(const char *const *ids, int n, MemoryContext memory_context);
extern void catalog_expect_sql_done(void);
extern void catalog_fetch_sql(const char *id, RevisionSql *out);

/* graph_cache.c */
extern RevGraph *graph_cache_get(bool with_messages);

/* graph.c */
struct SPITupleTable;
extern int64 graph_build(RevGraph *graph, struct SPITupleTable *nodes, uint64 nnodes,
						struct SPITupleTable *edges, uint64 nedges);
extern int	graph_find(RevGraph *graph, const char *id);
extern bool *graph_ancestors(RevGraph *graph, RevList set);
extern bool *graph_descendants(RevGraph *graph, RevList set);
extern RevList graph_heads(RevGraph *graph);
extern RevList graph_current(RevGraph *graph);
extern RevList graph_parents(RevGraph *graph, int node);
extern RevList graph_children(RevGraph *graph, int node);
extern RevList graph_roots(RevGraph *graph);
extern RevList revlist_of_one(int node);
extern char *graph_list_ids(RevGraph *graph, RevList list);
extern void graph_check_consistent(RevGraph *graph, int64 newest_heads_count);

/* target.c */
extern void resolve_target(RevGraph *graph, const char *target, TargetUse use,
						   RevPosition *pos);
extern void check_target_text(const char *target);
extern RevDirection operation_argument(FunctionCallInfo fcinfo, int argno);
extern char *clip_for_message(const char *text);
extern const char *name_problem(NameCheck check);

/* plan.c */
extern RevList plan_upgrade(RevGraph *graph, RevPosition *pos);
extern RevList plan_downgrade(RevGraph *graph, RevPosition *pos);
extern bool *plan_stamp(RevGraph *graph, RevPosition *pos);
extern RevList plan_replaced(RevGraph *graph, int baseline);

/* migrate.c */
extern void check_reversible(RevGraph *graph, RevList plan, const char *target);

/* register.c */
extern void check_name_argument(bool is_label, const char *value);
extern char *generate_revision_id(void);

/* immutable.c */
extern char *revision_checksum(const char *upgrade, const char *downgrade);
extern void verify_revision_sql(RevisionSql *sql);

/* results.c */
extern void return_ids(FunctionCallInfo fcinfo, RevGraph *graph, RevList ids);
extern void return_strings(FunctionCallInfo fcinfo, List *strings);

/* tenants.c: pg_revisions.tenant, rev_tenants */
extern void tenant_define_setting(void);
extern const char *tenant_current(void);
extern int	tenant_search_path_push(void);

/* lock.c */
extern void lock_revisions_catalog(void);
extern void lock_applied_state(void);
extern bool take_outside_claim(void);
extern void release_outside_claim(void);
extern int	outside_claim_holder(void);

/* One statement of a SQL text, as sql_foreach_statement hands it over. */
typedef struct SqlStatement
{
	RawStmt    *raw;			/* its raw parse tree */
	char	   *text;			/* the statement alone, without its semicolon */
	int			number;			/* 1 for the text's first statement */
} SqlStatement;

typedef void (*SqlStatementVisitor) (SqlStatement *statement, void *arg);

/* outside.c */
extern bool outside_claim_held(void);

/* statements.c */
extern void sql_foreach_statement(const char *sql, SqlStatementVisitor visit, void *arg);
extern void sql_run_statement(SqlStatement *statement, void *arg);

/* Functions called around each statement a revision runs (apply.c). */
typedef struct ApplyObserver
{
	SqlStatementVisitor before;
	SqlStatementVisitor after;
	void	   *arg;
} ApplyObserver;

/* apply.c */
extern void apply_revision(RevGraph *graph, int node, RevDirection dir,
						   int position, int total);
extern const char *lexer_setting(Node *stmt);
extern void check_lexer_setting(const char *revision, SqlStatement *statement);
extern void check_not_applying(const char *function_name);
extern void begin_applying(void);
extern void end_applying(void);
extern bool applying_revision(void);

/* constraints.c */
extern void constraints_init(void);
extern void restore_constraint_mode(void);

/* apply.c: what a caller watching a run may ask */
extern const char *apply_failed_statement(void);
extern void apply_set_observer(ApplyObserver *new_observer);

/* migrate.c */
extern void check_transactional(RevGraph *graph, RevList plan, RevDirection dir);
extern void note_done(RevGraph *graph, int node, TimestampTz *at, List **done, List **done_at);

/* retry.c */
extern void apply_revision_retrying(RevGraph *graph, int node, RevDirection dir,
									int position, int total);

/* models.c */
extern void check_models(const char *function, const char *models);

/* scratch.c: running SQL in a scratch schema that never outlives the call */
extern char *scratch_schema_name(void);
typedef void (*ScratchStep) (Oid scratch, void *arg);
extern void scratch_run(const char *live_name, ScratchStep fill, ScratchStep use, void *arg);
extern void scratch_run_history(const char *live_name, ScratchStep fill, ScratchStep use, void *arg);
extern bool scratch_running(void);
extern bool scratch_first_escape(Oid scratch, char **kind, char **name, CommandId *command);

/* verify.c */
extern List *verify_schema(const char *target, Oid live, const char *live_name);

#endif							/* PG_REVISIONS_H */
