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
 *	  target.c    resolving a target against the DAG
 *	  plan.c      what an upgrade, downgrade or stamp must do
 *	  lock.c      serializing state-changing calls
 *	  statements.c  walking a SQL text's statements in bounded memory
 *	  apply.c     running one revision's SQL as the caller
 *	  immutable.c checksums, the catalog guard trigger, rev_verify
 *	  register.c  rev_add, rev_merge, rev_drop
 *	  migrate.c   rev_upgrade, rev_downgrade, rev_stamp, rev_pending, rev_sql
 *	  inspect.c   rev_current, rev_heads, rev_history
 *	  outside.c   rev_claim, rev_record: revisions run outside a transaction
 *	  diff.c      rev_diff: the statements turning one schema into another
 *	  diff_read.c reading a schema's objects (bulk SPI queries, see diff.h)
 *	  diff_qualify.c  rewriting the schema qualifier in deparsed SQL
 *	  diff_tables.c   comparing tables, columns, sequences, enums
 *	  diff_objects.c  comparing constraints, indexes, views, functions,
 *	              triggers, comments
 *	  autogen.c   rev_autogenerate, rev_check: models in a scratch schema
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
	bool		outside_transaction;	/* registered with transactional => false */
	bool		applied;
	TimestampTz applied_at;		/* valid when applied */
	int			parents_start;	/* into RevGraph.parents */
	int			nparents;
	int			deps_start;		/* into RevGraph.deps */
	int			ndeps;
	int			children_start; /* into RevGraph.children */
	int			nchildren;
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
extern RevGraph *catalog_load_graph(bool with_messages);
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
extern void catalog_delete_revision(const char *id, ArrayType *down_revision);
extern void catalog_fetch_sql(const char *id, RevisionSql *out);
extern void catalog_scan_sql(void (*visit) (RevisionSql *sql, void *arg), void *arg);
extern bool catalog_query_in_progress(void);
extern void catalog_record_operation(const char *operation, const char *target,
									 TimestampTz started_at,
									 List *added, List *added_at, List *removed,
									 List *touched);
extern void catalog_lock_state(void);
extern void catalog_mark_changed(void);
extern ArrayType *catalog_text_array(List *ids);

/* graph.c */
extern int	graph_find(RevGraph *graph, const char *id);
extern bool *graph_ancestors(RevGraph *graph, RevList set);
extern bool *graph_descendants(RevGraph *graph, RevList set);
extern RevList graph_heads(RevGraph *graph);
extern RevList graph_current(RevGraph *graph);
extern RevList graph_parents(RevGraph *graph, int node);
extern RevList graph_children(RevGraph *graph, int node);
extern RevList graph_roots(RevGraph *graph);
extern RevList list_make_one(int node);
extern char *graph_list_ids(RevGraph *graph, RevList list);

/* target.c */
extern void resolve_target(RevGraph *graph, const char *target, TargetUse use,
						   RevPosition *pos);
extern void check_target_text(const char *target);
extern char *quote_input(const char *text);
extern const char *name_problem(NameCheck check);

/* plan.c */
extern RevList plan_upgrade(RevGraph *graph, RevPosition *pos);
extern RevList plan_downgrade(RevGraph *graph, RevPosition *pos);
extern bool *plan_stamp(RevGraph *graph, RevPosition *pos);

/* immutable.c */
extern char *revision_checksum(const char *upgrade, const char *downgrade);
extern void verify_revision_sql(RevisionSql *sql);

/* inspect.c */
extern void return_ids(FunctionCallInfo fcinfo, RevGraph *graph, RevList ids);
extern void return_strings(FunctionCallInfo fcinfo, List *strings);

/* lock.c */
extern void lock_revisions_catalog(void);
extern bool take_outside_claim(void);
extern void release_outside_claim(void);

/* Who holds the claim of take_outside_claim (lock.c's constants, spelled out). */
#define OUTSIDE_CLAIM_HOLDER_QUERY \
	"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 21078 " \
	"AND classid = 1885822834 AND objid = 1668047209"

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

/* apply.c */
extern void apply_revision(RevGraph *graph, int node, RevDirection dir,
						   int position, int total);
extern const char *lexer_setting(Node *stmt);
extern void check_lexer_setting(const char *revision, SqlStatement *statement);
extern void check_not_applying(const char *function_name);
extern void begin_applying(void);
extern void end_applying(void);
extern bool applying_revisions(void);

/* diff.c, diff_read.c: schema diffs (the model is in diff.h) */
typedef struct DiffSchema DiffSchema;
extern DiffSchema *diff_read_schema(Oid nsp, const char *out);
extern List *diff_statements(DiffSchema *from, DiffSchema *to);
extern Oid	diff_schema_argument(FunctionCallInfo fcinfo, int argno, const char *what);

/* autogen.c: running SQL in a scratch schema that never outlives the call */
typedef void (*ScratchStep) (Oid scratch, void *arg);
extern void scratch_run(const char *live_name, ScratchStep fill, ScratchStep use, void *arg);
extern bool scratch_running(void);
extern bool scratch_first_escape(Oid scratch, char **kind, char **name, CommandId *command);

/* verify.c */
extern List *verify_schema(const char *target, Oid live, const char *live_name);

#endif							/* PG_REVISIONS_H */
