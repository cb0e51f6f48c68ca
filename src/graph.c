/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  The revision DAG in memory: lookups, heads, and ancestor/descendant
 *	  closures.
 *
 * The nodes are in registration order, which is topological (parents and
 * dependencies first).  So an ancestor closure is one sweep from the newest
 * node down, and a descendant closure one sweep from the oldest up: O(V+E),
 * no recursion and no explicit stack, whatever the depth of the chain.
 *
 * Functions here allocate in CurrentMemoryContext and do not touch SPI.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

/* How many ids an error message lists before "and N more". */
#define MAX_LISTED_IDS 10

/*
 * graph_find
 *		Index of the revision with this exact id, or -1.
 */
int
graph_find(RevGraph *graph, const char *id)
{
	GraphEntry *entry;

	/* The hash key is NAMEDATALEN wide: longer ids would be truncated. */
	if (strlen(id) > PGREV_NAME_MAX_LEN)
		return -1;
	entry = hash_search(graph->by_id, id, HASH_FIND, NULL);
	return entry ? entry->index : -1;
}

/*
 * graph_ancestors
 *		A bool per node: is it in set or an ancestor of it, through
 *		down_revision and depends_on edges?
 */
bool *
graph_ancestors(RevGraph *graph, RevList set)
{
	bool	   *mark = palloc0(sizeof(bool) * (graph->nnodes + 1));
	int			i,
				n;

	for (i = 0; i < set.n; i++)
		mark[set.items[i]] = true;
	for (n = graph->nnodes - 1; n >= 0; n--)
	{
		RevNode    *node = &graph->nodes[n];

		if (!mark[n])
			continue;
		for (i = 0; i < node->nparents; i++)
			mark[graph->parents[node->parents_start + i]] = true;
		for (i = 0; i < node->ndeps; i++)
			mark[graph->deps[node->deps_start + i]] = true;
	}
	return mark;
}

/*
 * graph_descendants
 *		A bool per node: is it in set or a descendant of it, through
 *		down_revision and depends_on edges?
 */
bool *
graph_descendants(RevGraph *graph, RevList set)
{
	bool	   *mark = palloc0(sizeof(bool) * (graph->nnodes + 1));
	int			i,
				n;

	for (i = 0; i < set.n; i++)
		mark[set.items[i]] = true;
	for (n = 0; n < graph->nnodes; n++)
	{
		RevNode    *node = &graph->nodes[n];

		for (i = 0; i < node->nparents && !mark[n]; i++)
			mark[n] = mark[graph->parents[node->parents_start + i]];
		for (i = 0; i < node->ndeps && !mark[n]; i++)
			mark[n] = mark[graph->deps[node->deps_start + i]];
	}
	return mark;
}

/*
 * graph_heads
 *		Revisions with no children (dependants do not count), oldest first.
 */
RevList
graph_heads(RevGraph *graph)
{
	RevList		heads = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	int			n;

	for (n = 0; n < graph->nnodes; n++)
		if (graph->nodes[n].nchildren == 0)
			heads.items[heads.n++] = n;
	return heads;
}

/*
 * graph_current
 *		The applied heads: applied revisions with no applied child, oldest
 *		first.
 */
RevList
graph_current(RevGraph *graph)
{
	RevList		current = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	bool	   *has_applied_child = palloc0(sizeof(bool) * (graph->nnodes + 1));
	int			n,
				i;

	for (n = 0; n < graph->nnodes; n++)
	{
		RevNode    *node = &graph->nodes[n];

		if (!node->applied)
			continue;
		for (i = 0; i < node->nparents; i++)
			has_applied_child[graph->parents[node->parents_start + i]] = true;
	}
	for (n = 0; n < graph->nnodes; n++)
		if (graph->nodes[n].applied && !has_applied_child[n])
			current.items[current.n++] = n;
	pfree(has_applied_child);
	return current;
}

/* The down_revision parents of node, in the order they were given. */
RevList
graph_parents(RevGraph *graph, int node)
{
	RevList		list = {graph->nodes[node].nparents,
	graph->parents + graph->nodes[node].parents_start};

	return list;
}

/* The children of node, oldest first. */
RevList
graph_children(RevGraph *graph, int node)
{
	RevList		list = {graph->nodes[node].nchildren,
	graph->children + graph->nodes[node].children_start};

	return list;
}

/* The revisions with no parent, oldest first. */
RevList
graph_roots(RevGraph *graph)
{
	RevList		roots = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	int			n;

	for (n = 0; n < graph->nnodes; n++)
		if (graph->nodes[n].nparents == 0)
			roots.items[roots.n++] = n;
	return roots;
}

/* A list holding just node. */
RevList
list_make_one(int node)
{
	RevList		list = {1, palloc(sizeof(int))};

	list.items[0] = node;
	return list;
}

/*
 * graph_list_ids
 *		The ids of list as "a", "b", "c" for an error message (at most
 *		MAX_LISTED_IDS, then "and N more").
 */
char *
graph_list_ids(RevGraph *graph, RevList list)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < list.n && i < MAX_LISTED_IDS; i++)
		appendStringInfo(&buf, "%s\"%s\"", i > 0 ? ", " : "",
						 graph->nodes[list.items[i]].id);
	if (list.n > MAX_LISTED_IDS)
		appendStringInfo(&buf, " and %d more", list.n - MAX_LISTED_IDS);
	return buf.data;
}

/*
 * graph_check_consistent
 *		Refuse a graph loaded from a catalog changed behind pg_revisions'
 *		back, rather than act on it: an applied revision
 *		whose parent or dependency is not applied, or a heads_count of the
 *		newest revision (what rev_add trusts to pick a parent) that differs
 *		from the heads of the graph (a changed heads_count, or a missing
 *		edge row that left a parent without children).  O(V+E).
 */
void
graph_check_consistent(RevGraph *graph, int64 newest_heads_count)
{
	RevList		heads;
	int			n,
				k;

	for (n = 0; n < graph->nnodes; n++)
	{
		RevNode    *node = &graph->nodes[n];

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < node->nparents + node->ndeps; k++)
		{
			bool		is_dep = k >= node->nparents;
			int			need = is_dep ? graph->deps[node->deps_start + k - node->nparents] :
				graph->parents[node->parents_start + k];

			if (node->applied && !graph->nodes[need].applied)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("pg_revisions catalog is inconsistent: revision \"%s\" is applied but its %s \"%s\" is not",
								node->id, is_dep ? "dependency" : "parent",
								graph->nodes[need].id),
						 errdetail("Every applied revision's parents and dependencies are applied "
								   "before it; the table revisions.applied was changed outside pg_revisions."),
						 errhint("If the SQL of \"%s\" did run, insert its row into revisions.applied; "
								 "if not, delete the row of \"%s\" (the catalog_guard trigger "
								 "must be disabled for that).",
								 graph->nodes[need].id, node->id)));
		}
	}

	if (graph->nnodes == 0)
		return;
	heads = graph_heads(graph);
	if (newest_heads_count != heads.n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg_plural("pg_revisions catalog is inconsistent: revision \"%s\" records a heads count of %lld, but the graph has %d head",
							   "pg_revisions catalog is inconsistent: revision \"%s\" records a heads count of %lld, but the graph has %d heads",
							   heads.n, graph->nodes[graph->nnodes - 1].id,
							   (long long) newest_heads_count, heads.n),
				 errdetail("Heads: %s.", graph_list_ids(graph, heads)),
				 errhint("The column heads_count of revisions.revision, or the table revisions.edge, "
						 "was changed outside pg_revisions; restore them from a backup.")));
}
