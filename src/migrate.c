/*-------------------------------------------------------------------------
 *
 * migrate.c
 *	  The SQL functions that move the applied state, and the ones that show
 *	  what such a move would do:
 *	  rev_upgrade, rev_downgrade, rev_stamp, rev_pending, rev_sql.
 *
 * A move takes the catalog lock, loads the DAG, resolves the target,
 * plans, runs the revision SQL (apply.c) and records the result with one
 * operation-log row, all in the caller's transaction: an error anywhere
 * leaves nothing behind.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include <ctype.h>

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(rev_upgrade);
PG_FUNCTION_INFO_V1(rev_downgrade);
PG_FUNCTION_INFO_V1(rev_stamp);
PG_FUNCTION_INFO_V1(rev_pending);
PG_FUNCTION_INFO_V1(rev_sql);

static char *target_argument(FunctionCallInfo fcinfo);
static void run_plan(RevGraph *graph, RevList plan, RevDirection dir,
					 List **done, List **done_at);
static void move_applied_state(FunctionCallInfo fcinfo, RevDirection dir);

/* The target argument as a C string, NULL for SQL NULL. */
static char *
target_argument(FunctionCallInfo fcinfo)
{
	return PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/*
 * run_plan
 *		Apply or revert the revisions of plan, in order, each in a memory
 *		context reset afterwards so a long plan runs in bounded memory.
 *		Appends each id to *done and its completion time to *done_at
 *		(note_done: a baseline appends the revisions it replaces).
 *		Caller holds the catalog lock and is connected to SPI.
 */
static void
run_plan(RevGraph *graph, RevList plan, RevDirection dir, List **done, List **done_at)
{
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext per_revision = AllocSetContextCreate(CurrentMemoryContext,
													   "pg_revisions revision",
													   ALLOCSET_DEFAULT_SIZES);
	const char **ids = palloc(sizeof(char *) * (plan.n + 1));
	int			i;

	/* The SQL of the plan's revisions is read in batches, in this order. */
	for (i = 0; i < plan.n; i++)
		ids[i] = graph->nodes[plan.items[i]].id;
	begin_applying();
	PG_TRY();
	{
		catalog_expect_sql(ids, plan.n, outer);
		for (i = 0; i < plan.n; i++)
		{
			TimestampTz *at;

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(per_revision);
			apply_revision_retrying(graph, plan.items[i], dir, i + 1, plan.n);
			MemoryContextSwitchTo(outer);
			MemoryContextReset(per_revision);

			at = palloc(sizeof(TimestampTz));
			*at = GetCurrentTimestamp();
			note_done(graph, plan.items[i], at, done, done_at);
		}
	}
	PG_FINALLY();
	{
		catalog_expect_sql_done();
		end_applying();
	}
	PG_END_TRY();
	MemoryContextDelete(per_revision);
}

/*
 * note_done
 *		Append to *done, and at to *done_at, the ids that running
 *		graph->nodes[node] moved: the node's own, or for a baseline
 *		(rev_squash) the revisions it replaces, oldest first, which it
 *		makes applied.  For run_plan and rev_upgrade_each (each.c).
 */
void
note_done(RevGraph *graph, int node, TimestampTz *at, List **done, List **done_at)
{
	RevList		ids = revlist_of_one(node);
	int			k;

	if (graph->nodes[node].replaces >= 0)
		ids = plan_replaced(graph, node);
	for (k = 0; k < ids.n; k++)
	{
		*done = lappend(*done, (void *) graph->nodes[ids.items[k]].id);
		*done_at = lappend(*done_at, at);
	}
}

/*
 * Refuse, before reverting anything, a plan that holds an irreversible
 * revision (also rev_plan's check, plan_sql.c).
 */
void
check_reversible(RevGraph *graph, RevList plan, const char *target)
{
	int			i;

	for (i = 0; i < plan.n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[plan.items[i]].irreversible)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot downgrade to \"%s\": revision \"%s\" is irreversible",
							clip_for_message(target), graph->nodes[plan.items[i]].id),
					 errdetail("It was registered without downgrade SQL. Nothing was reverted."),
					 errhint("If its changes were undone by hand, move past it with rev_stamp().")));
	}
}

/*
 * Refuse, before running anything, a plan that holds a revision registered
 * with transactional => false: it must run outside any transaction block
 * (outside.c), which a call running in the caller's transaction cannot do.
 * Also used by each.c.
 */
void
check_transactional(RevGraph *graph, RevList plan, RevDirection dir)
{
	bool		up = (dir == REV_UPGRADE);
	int			i;

	for (i = 0; i < plan.n; i++)
	{
		RevNode    *rev = &graph->nodes[plan.items[i]];

		CHECK_FOR_INTERRUPTS();
		if (rev->transactional)
			continue;
		if (up)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("revision \"%s\" must run outside a transaction block", rev->id),
					 errdetail_plural("It was registered with transactional => false; it is number "
									  "%d of the %d revision to apply. Nothing was applied.",
									  "It was registered with transactional => false; it is number "
									  "%d of the %d revisions to apply. Nothing was applied.",
									  plan.n, i + 1, plan.n),
					 i == 0 ?
					 errhint("Run it with the pg_revisions client, or run each statement of "
							 "SELECT * FROM rev_claim('%s') outside a transaction block and "
							 "then SELECT rev_record('%s').", rev->id, rev->id) :
					 errhint_plural("Apply the %d revision before it first (rev_pending() lists it), "
									"then run it with the pg_revisions client, or run each "
									"statement of SELECT * FROM rev_claim('%s') outside a "
									"transaction block and then SELECT rev_record('%s').",
									"Apply the %d revisions before it first (rev_pending() lists "
									"them), then run it with the pg_revisions client, or run each "
									"statement of SELECT * FROM rev_claim('%s') outside a "
									"transaction block and then SELECT rev_record('%s').",
									i, i, rev->id, rev->id)));
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("revision \"%s\" must run outside a transaction block", rev->id),
				 errdetail_plural("It was registered with transactional => false; it is number "
								  "%d of the %d revision to revert. Nothing was reverted.",
								  "It was registered with transactional => false; it is number "
								  "%d of the %d revisions to revert. Nothing was reverted.",
								  plan.n, i + 1, plan.n),
				 i == 0 ?
				 errhint("Run it with the pg_revisions client, or run each statement of "
						 "SELECT * FROM rev_claim('%s', 'downgrade') outside a transaction "
						 "block and then SELECT rev_record('%s').", rev->id, rev->id) :
				 errhint("Revert what needs it first (SELECT rev_downgrade('%s')), then run it "
						 "with the pg_revisions client, or run each statement of "
						 "SELECT * FROM rev_claim('%s', 'downgrade') outside a transaction "
						 "block and then SELECT rev_record('%s').", rev->id, rev->id, rev->id)));
	}
}

/*
 * move_applied_state
 *		The body of rev_upgrade and rev_downgrade: lock, plan, run the
 *		revisions' SQL, record one operation, return the ids in order.
 */
static void
move_applied_state(FunctionCallInfo fcinfo, RevDirection dir)
{
	bool		up = (dir == REV_UPGRADE);
	char	   *target = target_argument(fcinfo);
	TimestampTz started_at = GetCurrentTimestamp();
	RevGraph   *graph;
	RevPosition pos;
	RevList		plan;
	List	   *done = NIL;
	List	   *done_at = NIL;

	check_not_applying(up ? "rev_upgrade" : "rev_downgrade");
	check_target_text(target);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	lock_applied_state();

	/*
	 * Every deploy's "anything to do?": upgrading to the head when the only
	 * head is applied (so are its ancestors: the applied state is closed
	 * under ancestors) does nothing, and one index lookup tells, without
	 * loading the DAG (the first call of a session has no cached graph).
	 * The database's own state only: a tenant's is not cached.
	 */
	if (up && tenant_current()[0] == '\0' &&
		(strcmp(target, "head") == 0 || strcmp(target, "heads") == 0) &&
		catalog_heads_applied())
	{
		SPI_finish();
		return;
	}

	graph = graph_cache_get(false);
	if (tenant_current()[0] == '\0')
		catalog_mark_checked();
	resolve_target(graph, target, up ? TARGET_FOR_UPGRADE : TARGET_FOR_DOWNGRADE, &pos);
	plan = up ? plan_upgrade(graph, &pos) : plan_downgrade(graph, &pos);
	if (!up)
		check_reversible(graph, plan, target);
	check_transactional(graph, plan, dir);
	run_plan(graph, plan, dir, &done, &done_at);
	if (plan.n > 0)
		catalog_record_operation(up ? "upgrade" : "downgrade", target, started_at,
								 up ? done : NIL, up ? done_at : NIL, up ? NIL : done,
								 done);
	return_ids(fcinfo, graph, plan);
	SPI_finish();
}

/*
 * rev_upgrade(target text DEFAULT 'heads') RETURNS SETOF text
 *		Apply every unapplied revision needed to reach target; return their
 *		ids in the order applied.
 */
Datum
rev_upgrade(PG_FUNCTION_ARGS)
{
	move_applied_state(fcinfo, REV_UPGRADE);
	return (Datum) 0;
}

/*
 * rev_downgrade(target text) RETURNS SETOF text
 *		Revert applied revisions, children first, until the applied state is
 *		target; return their ids in the order reverted.
 */
Datum
rev_downgrade(PG_FUNCTION_ARGS)
{
	move_applied_state(fcinfo, REV_DOWNGRADE);
	return (Datum) 0;
}

/* Statements of a failed verification shown in DETAIL; the rest are counted. */
#define STAMP_DETAIL_STATEMENTS 20

/*
 * check_schema_matches
 *		For rev_stamp(target, verify => true): refuse (55000) when the
 *		schema "public" is not what the history up to target builds, the
 *		statements that would make it so in DETAIL.  The caller holds the
 *		catalog lock and is connected to SPI.
 */
static void
check_schema_matches(const char *target)
{
	List	   *diffs = verify_schema(target, get_namespace_oid("public", false), "public");
	StringInfoData detail;
	ListCell   *lc;
	int			shown = 0;

	if (diffs == NIL)
		return;
	initStringInfo(&detail);
	foreach(lc, diffs)
	{
		if (shown == STAMP_DETAIL_STATEMENTS)
		{
			appendStringInfo(&detail, "\n... and %d more", list_length(diffs) - shown);
			break;
		}
		appendStringInfo(&detail, "%s%s;", shown > 0 ? "\n" : "", (char *) lfirst(lc));
		shown++;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg_plural("cannot stamp \"%s\": schema \"public\" differs from its history by %d statement",
						   "cannot stamp \"%s\": schema \"public\" differs from its history by %d statements",
						   list_length(diffs), clip_for_message(target), list_length(diffs)),
			 errdetail("Statements that would make it match:\n%s", detail.data),
			 errhint("Nothing was stamped. SELECT * FROM rev_verify_schema('%s') lists the differences; "
					 "fix the schema, or stamp without verify.", clip_for_message(target))));
}

/*
 * rev_stamp(target text, verify boolean DEFAULT false) RETURNS SETOF text
 *		Make the applied state exactly target and its ancestors, running no
 *		revision SQL; return the new current heads.  With verify, first
 *		check that schema "public" is what that history builds.
 */
Datum
rev_stamp(PG_FUNCTION_ARGS)
{
	char	   *target = target_argument(fcinfo);
	TimestampTz started_at = GetCurrentTimestamp();
	RevGraph   *graph;
	RevPosition pos;
	bool	   *stamped;
	List	   *added = NIL;
	List	   *added_at = NIL;
	List	   *removed = NIL;
	int			n;
	bool		verify = false;

	check_not_applying("rev_stamp");
	check_target_text(target);
	/* The 1.0 and 1.1 SQL functions pass one argument. */
	if (PG_NARGS() > 1)
	{
		if (PG_ARGISNULL(1))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("verify must not be NULL"),
					 errhint("Pass true to check the schema first, false to stamp as is.")));
		verify = PG_GETARG_BOOL(1);
	}
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	lock_applied_state();
	/* Not the cached graph: the applied flags are changed below. */
	graph = catalog_load_graph(false);
	resolve_target(graph, target, TARGET_FOR_STAMP, &pos);
	if (verify)
		check_schema_matches(target);
	stamped = plan_stamp(graph, &pos);

	for (n = graph->nnodes - 1; n >= 0; n--)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].applied && !stamped[n] && graph->nodes[n].replaces < 0)
			removed = lappend(removed, (void *) graph->nodes[n].id);
	}
	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!graph->nodes[n].applied && stamped[n] && graph->nodes[n].replaces < 0)
		{
			TimestampTz *at = palloc(sizeof(TimestampTz));

			*at = started_at;
			added = lappend(added, (void *) graph->nodes[n].id);
			added_at = lappend(added_at, at);
		}
	}
	if (removed != NIL || added != NIL)
		catalog_record_operation("stamp", target, started_at, added, added_at, removed,
								 list_concat_copy(removed, added));

	for (n = 0; n < graph->nnodes; n++)
		graph->nodes[n].applied = stamped[n];
	return_ids(fcinfo, graph, graph_current(graph));
	SPI_finish();
	return (Datum) 0;
}

/*
 * rev_pending(target text DEFAULT 'heads') RETURNS SETOF text
 *		What rev_upgrade(target) would apply, in the same order.
 */
Datum
rev_pending(PG_FUNCTION_ARGS)
{
	char	   *target = target_argument(fcinfo);
	RevGraph   *graph;
	RevPosition pos;

	check_target_text(target);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	graph = graph_cache_get(false);
	resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
	return_ids(fcinfo, graph, plan_upgrade(graph, &pos));
	SPI_finish();
	return (Datum) 0;
}

/*
 * The last lines of rev_sql's header.  Revision SQL is text for the server,
 * not for psql: a revision that applies harmlessly under rev_upgrade can hold
 * a line psql reads as a backslash command (\! runs a shell command), for
 * instance once a SET standard_conforming_strings = off makes psql's lexer
 * end a string where the server's does not.  Whether a backslash is outside
 * a string depends on settings the script itself changes, so it cannot be
 * escaped reliably; instead psql stops at the \quit line before any revision
 * SQL (the \echo says why), and a server given the text refuses that line.
 */
#define REV_SQL_PSQL_GUARD \
	"-- Not for psql: it runs backslash commands (shell ones too),\n" \
	"-- which revision SQL can hide from the server: it stops here.\n" \
	"\\echo For review, not for psql: use rev_upgrade() \\quit\n"

/*
 * rev_sql(target text DEFAULT 'heads') RETURNS text
 *		The SQL rev_upgrade(target) would run, each revision introduced by a
 *		comment naming it, for offline review (Alembic's --sql).  Running it
 *		by hand would not record the revisions as applied; the header says
 *		so, and stops psql (REV_SQL_PSQL_GUARD).  Never NULL.
 */
Datum
rev_sql(PG_FUNCTION_ARGS)
{
	char	   *target = target_argument(fcinfo);
	RevGraph   *graph;
	RevPosition pos;
	RevList		plan;
	StringInfoData script;
	text	   *result;
	MemoryContext caller_context = CurrentMemoryContext;
	int			i;

	check_target_text(target);
	SPI_connect();
	graph = graph_cache_get(false);
	resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
	plan = plan_upgrade(graph, &pos);

	initStringInfo(&script);
	if (plan.n == 1)
		appendStringInfo(&script,
						 "-- pg_revisions: SQL that rev_upgrade('%s') would run: 1 revision.\n",
						 target);
	else
		appendStringInfo(&script,
						 "-- pg_revisions: SQL that rev_upgrade('%s') would run: %d revisions.\n",
						 target, plan.n);
	appendStringInfo(&script,
					 "-- For review. Applying it by hand does not record the revisions;\n"
					 "-- apply with SELECT rev_upgrade('%s') instead.\n",
					 target);
	appendStringInfoString(&script, REV_SQL_PSQL_GUARD);
	for (i = 0; i < plan.n; i++)
	{
		RevNode    *node = &graph->nodes[plan.items[i]];
		RevisionSql stored;
		char	   *sql;
		const char *last_line;
		int			len;

		CHECK_FOR_INTERRUPTS();
		catalog_fetch_sql(node->id, &stored);
		verify_revision_sql(&stored);
		sql = stored.upgrade;
		appendStringInfo(&script, "\n-- revision %s (%d of %d)%s", node->id, i + 1, plan.n,
						 !node->transactional ?
						 ", outside a transaction block (transactional => false)" : "");
		if (stored.message)
		{
			/* Keep a multi-line message inside the comment. */
			const char *c;

			appendStringInfoString(&script, ": ");
			for (c = stored.message; *c; c++)
			{
				/* Both end a -- comment for the server's and psql's lexers. */
				if (*c == '\n' || *c == '\r')
					appendStringInfoString(&script, "\n-- ");
				else
					appendStringInfoChar(&script, *c);
			}
		}
		appendStringInfoChar(&script, '\n');

		/* The SQL, ended by a semicolon (not inside a trailing comment). */
		len = strlen(sql);
		while (len > 0 && isspace((unsigned char) sql[len - 1]))
			len--;
		appendBinaryStringInfo(&script, sql, len);
		last_line = sql;
		for (const char *c = sql; c < sql + len; c++)
			if (*c == '\n')
				last_line = c + 1;
		if (len > 0 && sql[len - 1] != ';')
			appendStringInfoString(&script, strstr(last_line, "--") ? "\n;" : ";");
		appendStringInfoChar(&script, '\n');
		pfree(stored.upgrade);
		if (stored.downgrade)
			pfree(stored.downgrade);
		pfree(stored.checksum);
	}

	/* The result must outlive SPI_finish, which frees SPI's memory. */
	MemoryContextSwitchTo(caller_context);
	result = cstring_to_text_with_len(script.data, script.len);
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}
