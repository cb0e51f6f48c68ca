/*-------------------------------------------------------------------------
 *
 * each.c
 *	  CALL rev_upgrade_each(target): rev_upgrade with one transaction per
 *	  revision.
 *
 * A procedure, connected to SPI non-atomically, commits after each
 * revision: that revision's SQL and its bookkeeping (an operation-log row
 * and the applied state) commit together, its locks are released at once,
 * and a history too big for one transaction's lock table applies.  Each
 * transaction takes the catalog lock (serialized like rev_upgrade), plans
 * again from the DAG as it is now, so it sees what other sessions did
 * meanwhile, and applies the first revision of that plan through the same
 * path as rev_upgrade (retry.c, apply.c: lock-timeout retries included).  A
 * failure leaves the revisions before it applied and recorded, and nothing
 * of the failing one.
 *
 * The DAG is loaded again only when another session changed the catalog
 * since our last commit (the revisions.state row is not the version our
 * transaction wrote, graph_cache.c's key); otherwise the graph of the
 * previous transaction is kept, with the revision it applied marked.  A
 * reload per revision made a long run quadratic (4,000 revisions: 20 s
 * against 1.5 s for rev_upgrade).  A tenant's state does not move
 * revisions.state, so under pg_revisions.tenant the DAG is always reloaded.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/transam.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(rev_upgrade_each);

static void mark_applied(RevGraph *graph, List *ids, TimestampTz at);

/*
 * mark_applied
 *		Mark the revisions in ids (their ids, as note_done lists them)
 *		applied at "at" in graph, as a reload after the commit would.
 */
static void
mark_applied(RevGraph *graph, List *ids, TimestampTz at)
{
	ListCell   *lc;

	foreach(lc, ids)
	{
		int			node = graph_find(graph, (const char *) lfirst(lc));

		if (node < 0)
			elog(ERROR, "revision \"%s\" vanished from the graph", (const char *) lfirst(lc));
		graph->nodes[node].applied = true;
		graph->nodes[node].applied_at = at;
	}
}

/*
 * rev_upgrade_each(target text DEFAULT 'heads'), a procedure
 *		Apply every unapplied revision needed to reach target, committing
 *		after each.  Must be CALLed outside a transaction block.
 */
Datum
rev_upgrade_each(PG_FUNCTION_ARGS)
{
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext outer;
	MemoryContext per_revision;
	MemoryContext graph_context;
	RevGraph   *graph = NULL;
	int64		written_generation = 0;
	TransactionId written_xmin = InvalidTransactionId;
	int			done = 0;
	int			total = -1;

	check_not_applying("rev_upgrade_each");
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("rev_upgrade_each must be called outside a transaction block"),
				 errdetail("It commits after each revision."),
				 errhint("CALL it on its own, not inside BEGIN ... COMMIT or a function; "
						 "SELECT rev_upgrade(...) applies everything in one transaction.")));
	check_target_text(target);

	SPI_connect_ext(SPI_OPT_NONATOMIC);
	/* SPI's procedure context lives across the commits; so does ours. */
	outer = CurrentMemoryContext;
	per_revision = AllocSetContextCreate(outer, "pg_revisions revision",
										 ALLOCSET_DEFAULT_SIZES);
	graph_context = AllocSetContextCreate(outer, "pg_revisions graph",
										  ALLOCSET_DEFAULT_SIZES);
	begin_applying();
	PG_TRY();
	{
		for (;;)
		{
			TimestampTz started_at = GetCurrentTimestamp();
			TimestampTz *at;
			int64		generation;
			TransactionId xmin;
			RevPosition pos;
			RevList		plan;
			List	   *ids = NIL;
			List	   *ids_at = NIL;

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(per_revision);
			lock_applied_state();
			catalog_state_version(&generation, &xmin);
			if (graph == NULL || tenant_current()[0] != '\0' ||
				generation != written_generation ||
				!TransactionIdEquals(xmin, written_xmin))
			{
				MemoryContextReset(graph_context);
				MemoryContextSwitchTo(graph_context);
				graph = catalog_load_graph(false);
				MemoryContextSwitchTo(per_revision);
			}
			resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
			plan = plan_upgrade(graph, &pos);
			if (total < 0)
			{
				check_transactional(graph, plan, REV_UPGRADE);
				total = plan.n;
			}
			if (plan.n == 0)
				break;
			if (!graph->nodes[plan.items[0]].transactional)
				check_transactional(graph, plan, REV_UPGRADE);

			apply_revision_retrying(graph, plan.items[0], REV_UPGRADE, done + 1,
									Max(total, done + plan.n));
			at = palloc(sizeof(TimestampTz));
			*at = GetCurrentTimestamp();
			note_done(graph, plan.items[0], at, &ids, &ids_at);
			catalog_record_operation("upgrade", target, started_at, ids, ids_at, NIL, ids);
			catalog_state_version(&written_generation, &written_xmin);
			MemoryContextSwitchTo(graph_context);
			mark_applied(graph, ids, *at);
			MemoryContextSwitchTo(per_revision);
			SPI_commit();
			done++;
			MemoryContextSwitchTo(outer);
			MemoryContextReset(per_revision);
		}
	}
	PG_FINALLY();
	{
		end_applying();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(outer);
	MemoryContextDelete(per_revision);
	MemoryContextDelete(graph_context);
	SPI_finish();
	PG_RETURN_VOID();
}
