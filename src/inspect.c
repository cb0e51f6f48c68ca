/*-------------------------------------------------------------------------
 *
 * inspect.c
 *	  The read-only views of the DAG and the applied state:
 *	  rev_current, rev_heads, rev_history.
 *
 * Each loads the DAG once (two catalog scans) and answers from memory; none
 * takes the catalog lock.  Their SETOF text output goes through results.c.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(rev_current);
PG_FUNCTION_INFO_V1(rev_heads);
PG_FUNCTION_INFO_V1(rev_history);

/* Number of columns of rev_history(). */
#define HISTORY_COLUMNS 8

static void return_id_list(FunctionCallInfo fcinfo, RevList (*which) (RevGraph *));
static Datum id_array(RevGraph *graph, RevList list);

/*
 * return_id_list
 *		Return the ids of which(graph) as SETOF text.
 */
static void
return_id_list(FunctionCallInfo fcinfo, RevList (*which) (RevGraph *))
{
	RevGraph   *graph;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	graph = graph_cache_get(false);
	return_ids(fcinfo, graph, which(graph));
	SPI_finish();
}

/* The ids of list as a text[] datum. */
static Datum
id_array(RevGraph *graph, RevList list)
{
	Datum	   *elems = palloc(sizeof(Datum) * (list.n + 1));
	int			i;

	for (i = 0; i < list.n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		elems[i] = CStringGetTextDatum(graph->nodes[list.items[i]].id);
	}
	return PointerGetDatum(construct_array(elems, list.n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * rev_current() RETURNS SETOF text
 *		The applied heads: applied revisions with no applied descendant.
 */
Datum
rev_current(PG_FUNCTION_ARGS)
{
	return_id_list(fcinfo, graph_current);
	return (Datum) 0;
}

/*
 * rev_heads() RETURNS SETOF text
 *		The heads of the DAG: revisions with no children.
 */
Datum
rev_heads(PG_FUNCTION_ARGS)
{
	return_id_list(fcinfo, graph_heads);
	return (Datum) 0;
}

/*
 * rev_history() RETURNS TABLE(revision, down_revision, depends_on,
 *		branch_label, message, is_head, is_applied, applied_at)
 *		Every revision, newest first (children before parents).
 */
Datum
rev_history(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	RevGraph   *graph;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SPI_connect();
	graph = graph_cache_get(true);
	for (n = graph->nnodes - 1; n >= 0; n--)
	{
		RevNode    *node = &graph->nodes[n];
		RevList		deps = {node->ndeps, graph->deps + node->deps_start};
		Datum		values[HISTORY_COLUMNS];
		bool		nulls[HISTORY_COLUMNS] = {0};

		CHECK_FOR_INTERRUPTS();
		values[0] = CStringGetTextDatum(node->id);
		values[1] = id_array(graph, graph_parents(graph, n));
		values[2] = id_array(graph, deps);
		nulls[3] = node->branch_label == NULL;
		values[3] = nulls[3] ? (Datum) 0 : CStringGetTextDatum(node->branch_label);
		nulls[4] = node->message == NULL;
		values[4] = nulls[4] ? (Datum) 0 : CStringGetTextDatum(node->message);
		values[5] = BoolGetDatum(node->nchildren == 0 && node->replaces < 0);
		values[6] = BoolGetDatum(node->applied);
		nulls[7] = !node->applied;
		values[7] = node->applied ? TimestampTzGetDatum(node->applied_at) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
