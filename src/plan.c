/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  What an upgrade, a downgrade or a stamp to a resolved position must
 *	  do, computed on the in-memory DAG (no catalog access).
 *
 *	  upgrade:   apply every unapplied revision that is top or an ancestor
 *	             of it, oldest first (registration order is topological, so
 *	             parents and dependencies come first, ties by registration).
 *	  downgrade: revert every applied revision that is floor or a
 *	             descendant of it, but not top or an ancestor of it; all
 *	             applied ones for base; newest first (children first).
 *	  stamp:     the applied set becomes top and its ancestors.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "miscadmin.h"

/*
 * plan_upgrade
 *		Node indexes to apply, in order.
 */
RevList
plan_upgrade(RevGraph *graph, RevPosition *pos)
{
	RevList		plan = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	bool	   *wanted;
	int			n;

	if (pos->everything)
		return plan;			/* "base" is below everything */
	wanted = graph_ancestors(graph, pos->top);
	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (wanted[n] && !graph->nodes[n].applied)
			plan.items[plan.n++] = n;
	}
	pfree(wanted);
	return plan;
}

/*
 * plan_downgrade
 *		Node indexes to revert, in order.
 */
RevList
plan_downgrade(RevGraph *graph, RevPosition *pos)
{
	RevList		plan = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	bool	   *above = NULL;
	bool	   *kept;
	int			n;

	if (!pos->everything)
		above = graph_descendants(graph, pos->floor);
	kept = graph_ancestors(graph, pos->top);
	for (n = graph->nnodes - 1; n >= 0; n--)
	{
		CHECK_FOR_INTERRUPTS();
		if (!graph->nodes[n].applied || kept[n])
			continue;
		if (pos->everything || above[n])
			plan.items[plan.n++] = n;
	}
	if (above)
		pfree(above);
	pfree(kept);
	return plan;
}

/*
 * plan_stamp
 *		A bool per node: is it applied once the stamp is done?
 */
bool *
plan_stamp(RevGraph *graph, RevPosition *pos)
{
	if (pos->everything)
		return palloc0(sizeof(bool) * (graph->nnodes + 1));
	return graph_ancestors(graph, pos->top);
}
