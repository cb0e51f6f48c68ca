/*-------------------------------------------------------------------------
 *
 * graph_cache.c
 *	  The last DAG this backend loaded, kept across calls and transactions
 *	  while the catalog is unchanged, so that reading functions (rev_heads,
 *	  rev_current, rev_pending, a no-op rev_upgrade, ...) do not reload
 *	  100,000 revisions through SPI on every call.
 *
 * The key is the version of the revisions.state row the caller's snapshot
 * sees: its generation and the transaction that wrote it (xmin).  Every
 * change to revisions.revision, .edge and .applied bumps the generation in
 * the same transaction: the extension's own writes through
 * catalog_mark_changed, any other INSERT, UPDATE, DELETE or TRUNCATE
 * through the catalog_changed statement trigger below.  So two snapshots
 * that see the same committed state row version see the same DAG and
 * applied state, whatever their isolation level, and a rolled-back change
 * leaves the old version (and the cache) valid.  A row version written by
 * the caller's own transaction is never used as a key: that transaction
 * may have changed the catalog after its bump (catalog_mark_changed bumps
 * once per subtransaction), so it always loads afresh.
 *
 * Only the database's own applied state is cached: a tenant's changes
 * bump the tenant's row in revisions.tenant_state, not revisions.state.
 *
 * A superuser who disables the catalog_changed trigger and edits the
 * tables by hand defeats this, as they defeat catalog_guard.
 *
 * The graph returned is shared: callers must not modify it (rev_stamp,
 * which does, loads its own with catalog_load_graph).  A replaced graph
 * is freed at the end of the current transaction, not at once, since a
 * caller further up the stack may still use it.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/transam.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(pgrev_catalog_changed);

/* The cached graph, in its own context under TopMemoryContext. */
static RevGraph *cached_graph = NULL;
static MemoryContext cached_context = NULL;
static bool cached_with_messages = false;
static int64 cached_generation = 0;
static TransactionId cached_xmin = InvalidTransactionId;

static void forget_cached_graph(void);

/*
 * forget_cached_graph
 *		Drop the cache; its memory goes with the current transaction (a
 *		caller may still hold the graph).
 */
static void
forget_cached_graph(void)
{
	if (cached_context != NULL)
		MemoryContextSetParent(cached_context, TopTransactionContext);
	cached_graph = NULL;
	cached_context = NULL;
	cached_xmin = InvalidTransactionId;
}

/*
 * graph_cache_get
 *		The DAG and applied state as the caller's snapshot sees them, as
 *		catalog_load_graph(with_messages) would return it, from the cache
 *		when the state row is unchanged.  Read only: see the file header.
 *		Caller must be connected to SPI; the graph lives at least until the
 *		end of the transaction.
 */
RevGraph *
graph_cache_get(bool with_messages)
{
	int64		generation;
	TransactionId xmin;
	int64		generation_after;
	TransactionId xmin_after;
	MemoryContext context;
	MemoryContext caller_context = CurrentMemoryContext;
	RevGraph   *graph;

	/*
	 * A tenant's applied state (pg_revisions.tenant) changes without
	 * touching revisions.state, so that tenants migrate in parallel: never
	 * cached.
	 */
	if (tenant_current()[0] != '\0')
		return catalog_load_graph(with_messages);
	catalog_state_version(&generation, &xmin);
	if (TransactionIdIsCurrentTransactionId(xmin))
	{
		/* Changed by this transaction: load, never cache. */
		return catalog_load_graph(with_messages);
	}
	if (cached_graph != NULL && generation == cached_generation &&
		TransactionIdEquals(xmin, cached_xmin) &&
		(cached_with_messages || !with_messages))
		return cached_graph;

	/*
	 * Load into a context of its own; keep it only if the state row did not
	 * change meanwhile (under READ COMMITTED each query takes a new
	 * snapshot, so the graph could be newer than the key read above).
	 */
	context = AllocSetContextCreate(TopTransactionContext, "pg_revisions graph cache",
									ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(context);
	graph = catalog_load_graph(with_messages);
	MemoryContextSwitchTo(caller_context);
	catalog_state_version(&generation_after, &xmin_after);
	if (generation_after != generation || !TransactionIdEquals(xmin_after, xmin))
		return graph;			/* freed with the transaction */

	forget_cached_graph();
	MemoryContextSetParent(context, TopMemoryContext);
	cached_graph = graph;
	cached_context = context;
	cached_with_messages = with_messages;
	cached_generation = generation;
	cached_xmin = xmin;
	return graph;
}

/*
 * pgrev_catalog_changed
 *		AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ... FOR EACH STATEMENT
 *		trigger on revisions.revision, .edge and .applied: a change made
 *		outside the extension's own queries (pg_restore's COPY, a
 *		superuser's edit) bumps revisions.state like the extension's own
 *		writes do, so no backend serves a cached graph from before it.
 */
Datum
pgrev_catalog_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("catalog_changed must be called as a trigger")));
	if (!catalog_query_in_progress())
	{
		SPI_connect();
		catalog_mark_changed();
		catalog_mark_unchecked();
		SPI_finish();
	}
	return PointerGetDatum(NULL);
}
