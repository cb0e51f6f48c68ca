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
 * baseline_replaced
 *		What baseline b stands for: a bool per node, true for the revision
 *		it replaces and that revision's ancestors.
 */
static bool *
baseline_replaced(RevGraph *graph, int b)
{
	RevList		replaced = {1, &graph->nodes[b].replaces};

	return graph_ancestors(graph, replaced);
}

/*
 * plan_upgrade
 *		Node indexes to apply, in order.  A baseline (rev_squash) stands in
 *		for the revisions it replaces when none of them is applied and the
 *		plan holds them all: it runs at the place of the first of them and
 *		they do not run.  When some are applied, the rest of them run.  A
 *		baseline named as the target means the revisions it replaces.
 */
RevList
plan_upgrade(RevGraph *graph, RevPosition *pos)
{
	RevList		plan = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	bool	   *wanted;
	int		   *stand_in;
	int			n;

	if (pos->everything)
		return plan;			/* "base" is below everything */
	wanted = graph_ancestors(graph, pos->top);

	/* A baseline in the plan means what it replaces. */
	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].replaces >= 0 && wanted[n])
		{
			bool	   *replaced = baseline_replaced(graph, n);
			int			k;

			for (k = 0; k < n; k++)
				wanted[k] |= replaced[k];
			wanted[n] = false;
			pfree(replaced);
		}
	}

	/*
	 * stand_in[k]: the baseline that runs instead of node k (-2: k does not
	 * run), or -1.  The first baseline that qualifies wins.
	 */
	stand_in = palloc(sizeof(int) * (graph->nnodes + 1));
	for (n = 0; n < graph->nnodes; n++)
		stand_in[n] = -1;
	for (n = 0; n < graph->nnodes; n++)
	{
		bool	   *replaced;
		bool		usable = true;
		bool		first = true;
		int			k;

		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].replaces < 0)
			continue;
		replaced = baseline_replaced(graph, n);
		for (k = 0; k < n && usable; k++)
			if (replaced[k] && (graph->nodes[k].applied || !wanted[k] || stand_in[k] != -1))
				usable = false;
		for (k = 0; k < n && usable; k++)
			if (replaced[k])
			{
				stand_in[k] = first ? n : -2;
				first = false;
			}
		pfree(replaced);
	}

	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (stand_in[n] >= 0)
			plan.items[plan.n++] = stand_in[n];
		else if (stand_in[n] == -1 && wanted[n] && !graph->nodes[n].applied)
			plan.items[plan.n++] = n;
	}
	pfree(stand_in);
	pfree(wanted);
	return plan;
}

/*
 * plan_replaced
 *		The revisions baseline b replaces, oldest first: what applying it
 *		records as applied.
 */
RevList
plan_replaced(RevGraph *graph, int b)
{
	RevList		list = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	bool	   *replaced = baseline_replaced(graph, b);
	int			n;

	for (n = 0; n < b; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (replaced[n])
			list.items[list.n++] = n;
	}
	pfree(replaced);
	return list;
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
		if (!graph->nodes[n].applied || kept[n] || graph->nodes[n].replaces >= 0)
			continue;		/* a baseline is never reverted: its revisions are */
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
	bool	   *stamped;
	int			n;

	if (pos->everything)
		return palloc0(sizeof(bool) * (graph->nnodes + 1));
	stamped = graph_ancestors(graph, pos->top);

	/*
	 * A baseline named as the target means what it replaces; a baseline is
	 * applied exactly when what it replaces is (it is never stored).
	 */
	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].replaces >= 0 && stamped[n])
		{
			bool	   *replaced = baseline_replaced(graph, n);
			int			k;

			for (k = 0; k < n; k++)
				stamped[k] |= replaced[k];
			pfree(replaced);
		}
	}
	for (n = 0; n < graph->nnodes; n++)
		if (graph->nodes[n].replaces >= 0)
			stamped[n] = stamped[graph->nodes[n].replaces];
	return stamped;
}
