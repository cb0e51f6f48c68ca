/*-------------------------------------------------------------------------
 *
 * plan_sql.c
 *	  rev_plan(target, operation): what rev_upgrade(target) or
 *	  rev_downgrade(target) would run, in order, without running anything.
 *
 * It is the one source of plans for clients: it resolves the target and
 * plans with the same code as the moves (resolve_target, plan_upgrade,
 * plan_downgrade; migrate.c), so a client never re-implements the planner.
 * Unlike rev_upgrade and rev_downgrade, it lists the revisions registered
 * with transactional => false instead of refusing them: the client runs
 * those with rev_claim and rev_record.  A downgrade through an irreversible
 * revision fails here exactly as rev_downgrade would.  Read-only: takes no
 * lock, writes nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(rev_plan);

/* Columns of rev_plan's result. */
#define PLAN_COLUMNS 4


/*
 * rev_plan(target text DEFAULT 'heads', operation text DEFAULT 'upgrade')
 *		RETURNS TABLE(step integer, revision text, transactional boolean,
 *					  message text)
 *		The revisions rev_upgrade(target) (or rev_downgrade(target)) would
 *		apply (revert), in that order, step 1 first.  Runs nothing.
 */
Datum
rev_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	RevDirection dir;
	RevGraph   *graph;
	RevPosition pos;
	RevList		plan;
	int			i;

	check_target_text(target);
	dir = operation_argument(fcinfo, 1);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	graph = catalog_load_graph(true);
	if (dir == REV_UPGRADE)
	{
		resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
		plan = plan_upgrade(graph, &pos);
	}
	else
	{
		resolve_target(graph, target, TARGET_FOR_DOWNGRADE, &pos);
		plan = plan_downgrade(graph, &pos);
		check_reversible(graph, plan, target);
	}

	for (i = 0; i < plan.n; i++)
	{
		RevNode    *node = &graph->nodes[plan.items[i]];
		Datum		values[PLAN_COLUMNS];
		bool		nulls[PLAN_COLUMNS] = {false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(node->id);
		values[2] = BoolGetDatum(node->transactional);
		if (node->message)
			values[3] = CStringGetTextDatum(node->message);
		else
			nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	PG_RETURN_NULL();
}
