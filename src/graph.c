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
 * graph_build makes the graph from the rows catalog_load_graph fetched
 * (it reads the tuples, it runs no query).  Functions here allocate in
 * CurrentMemoryContext.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* How many ids an error message lists before "and N more". */
#define MAX_LISTED_IDS 10

/* A text column of a result row as a C string, or NULL. */
static char *
row_text(HeapTuple tuple, TupleDesc desc, int column)
{
	bool		isnull;
	Datum		value = SPI_getbinval(tuple, desc, column, &isnull);

	return isnull ? NULL : TextDatumGetCString(value);
}

/* qsort comparator: RevNodes by registration order. */
static int
compare_seq(const void *a, const void *b)
{
	int64		sa = ((const RevNode *) a)->seq;
	int64		sb = ((const RevNode *) b)->seq;

	return (sa > sb) - (sa < sb);
}

/*
 * graph_build
 *		Fill graph (zeroed by the caller) from the rows of catalog.c's
 *		Q_LOAD_NODES and Q_LOAD_EDGES, checking
 *		that every edge points to an earlier-registered revision and fits
 *		its slot (unfilled slots stay -1, for graph_check_consistent).
 *		Returns the heads_count of the newest revision (0 when none).
 *		Everything is allocated in CurrentMemoryContext; the tuples are
 *		only read.
 */
int64
graph_build(RevGraph *graph, SPITupleTable *nodes, uint64 nnodes,
			SPITupleTable *edges, uint64 nedges)
{
	HASHCTL		ctl;
	int		   *fill;
	int		   *edge_child;
	int		   *edge_required;
	int			nparents = 0,
				ndeps = 0;
	uint64		i;
	int			n;
	int64		newest_seq = PG_INT64_MIN;
	int64		newest_heads_count = 0;

	if (nnodes > INT_MAX / 2)
		elog(ERROR, "too many revisions: " UINT64_FORMAT, nnodes);
	graph->nnodes = (int) nnodes;
	graph->nodes = palloc0(sizeof(RevNode) * (nnodes + 1));

	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(GraphEntry);
	ctl.hcxt = CurrentMemoryContext;
	graph->by_id = hash_create("pg_revisions graph", nnodes + 16, &ctl,
							   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	for (i = 0; i < nnodes; i++)
	{
		HeapTuple	tuple = nodes->vals[i];
		TupleDesc	desc = nodes->tupdesc;
		RevNode    *node = &graph->nodes[i];
		bool		isnull;

		CHECK_FOR_INTERRUPTS();

		node->id = row_text(tuple, desc, 1);
		node->seq = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
		node->message = row_text(tuple, desc, 3);
		node->branch_label = row_text(tuple, desc, 4);
		node->irreversible = DatumGetBool(SPI_getbinval(tuple, desc, 5, &isnull));
		node->applied_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 6, &isnull));
		node->applied = !isnull;
		node->transactional = DatumGetBool(SPI_getbinval(tuple, desc, 7, &isnull));
		node->replaces_id = row_text(tuple, desc, 9);
		node->replaces = -1;
		if (node->seq > newest_seq && node->replaces_id == NULL)
		{
			newest_seq = node->seq;
			newest_heads_count = DatumGetInt64(SPI_getbinval(tuple, desc, 8, &isnull));
		}
	}

	/* Registration order (sorting here is cheaper than ORDER BY in SQL). */
	qsort(graph->nodes, nnodes, sizeof(RevNode), compare_seq);
	for (n = 0; n < graph->nnodes; n++)
	{
		GraphEntry *entry = hash_search(graph->by_id, graph->nodes[n].id, HASH_ENTER, NULL);

		CHECK_FOR_INTERRUPTS();

		entry->index = n;
	}

	/*
	 * Baselines (rev_squash): each replaces a revision registered before it
	 * (a foreign key keeps it registered) and is applied exactly when that
	 * revision is (and so all its ancestors): it is never stored as applied.
	 */
	for (n = 0; n < graph->nnodes; n++)
	{
		RevNode    *node = &graph->nodes[n];

		CHECK_FOR_INTERRUPTS();
		if (node->replaces_id == NULL)
			continue;
		node->replaces = graph_find(graph, node->replaces_id);
		if (node->replaces < 0 || node->replaces >= n ||
			graph->nodes[node->replaces].replaces_id != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("pg_revisions catalog is inconsistent: baseline \"%s\" replaces \"%s\", which is not a revision registered before it",
							node->id, node->replaces_id),
					 errhint("The table revisions.revision was changed outside pg_revisions; "
							 "restore it from a backup.")));
		node->applied = graph->nodes[node->replaces].applied;
		node->applied_at = graph->nodes[node->replaces].applied_at;
	}

	/*
	 * One pass over the edges (ids come as "name", so no copies): resolve
	 * both ends and count each node's parents and dependencies.
	 */
	edge_child = palloc(sizeof(int) * (nedges + 1));
	edge_required = palloc(sizeof(int) * (nedges + 1));
	for (i = 0; i < nedges; i++)
	{
		HeapTuple	tuple = edges->vals[i];
		TupleDesc	desc = edges->tupdesc;
		bool		isnull;
		const char *child = NameStr(*DatumGetName(SPI_getbinval(tuple, desc, 1, &isnull)));
		bool		is_dep = DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull));
		const char *required = NameStr(*DatumGetName(SPI_getbinval(tuple, desc, 4, &isnull)));
		int			c = graph_find(graph, child);
		int			r = graph_find(graph, required);

		CHECK_FOR_INTERRUPTS();

		if (c < 0 || r < 0 || r >= c)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("pg_revisions catalog is inconsistent: revision \"%s\" requires revision \"%s\", registered after it",
							child, required),
					 errhint("The table revisions.edge was changed outside pg_revisions; "
							 "restore it from a backup.")));
		edge_child[i] = c;
		edge_required[i] = r;
		if (is_dep)
			graph->nodes[c].ndeps++, ndeps++;
		else
			graph->nodes[c].nparents++, nparents++;
	}
	graph->parents = palloc(sizeof(int) * (nparents + 1));
	graph->deps = palloc(sizeof(int) * (ndeps + 1));
	memset(graph->parents, -1, sizeof(int) * (nparents + 1));
	memset(graph->deps, -1, sizeof(int) * (ndeps + 1));
	nparents = ndeps = 0;
	for (n = 0; n < graph->nnodes; n++)
	{

		CHECK_FOR_INTERRUPTS();

		graph->nodes[n].parents_start = nparents;
		nparents += graph->nodes[n].nparents;
		graph->nodes[n].deps_start = ndeps;
		ndeps += graph->nodes[n].ndeps;
	}
	/* Lay each edge out at its position (positions are dense, from 0). */
	for (i = 0; i < nedges; i++)
	{
		HeapTuple	tuple = edges->vals[i];
		TupleDesc	desc = edges->tupdesc;
		bool		isnull;
		bool		is_dep = DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull));
		int			position = DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
		RevNode    *node = &graph->nodes[edge_child[i]];
		int			count = is_dep ? node->ndeps : node->nparents;
		int		   *slot = NULL;

		CHECK_FOR_INTERRUPTS();

		if (position >= 0 && position < count)
			slot = is_dep ? &graph->deps[node->deps_start + position] :
				&graph->parents[node->parents_start + position];
		if (position < 0 || position >= count || *slot >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("pg_revisions catalog is inconsistent: revision \"%s\" has a %s edge at position %d, out of %d",
							node->id, is_dep ? "depends_on" : "down_revision", position, count),
					 errdetail("Its edges are numbered from 0, each position once."),
					 errhint("The table revisions.edge was changed outside pg_revisions; "
							 "restore it from a backup.")));
		*slot = edge_required[i];
	}
	pfree(edge_child);
	pfree(edge_required);
	/* Every slot filled: a missing row leaves one at -1 (and a gap above). */
	for (n = 0; n < graph->nnodes; n++)
	{
		RevNode    *node = &graph->nodes[n];
		int			k;

		CHECK_FOR_INTERRUPTS();

		for (k = 0; k < node->nparents + node->ndeps; k++)
		{
			bool		is_dep = k >= node->nparents;
			int			position = is_dep ? k - node->nparents : k;

			if ((is_dep ? graph->deps[node->deps_start + position] :
				 graph->parents[node->parents_start + position]) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("pg_revisions catalog is inconsistent: revision \"%s\" has no %s edge at position %d",
								node->id, is_dep ? "depends_on" : "down_revision", position),
						 errhint("The table revisions.edge was changed outside pg_revisions; "
								 "restore it from a backup.")));
		}
	}
	fill = palloc0(sizeof(int) * (nnodes + 1));

	/* Children: reverse of the parent edges, in registration order. */
	for (n = 0; n < graph->nnodes; n++)
	{
		RevNode    *node = &graph->nodes[n];
		int			k;

		CHECK_FOR_INTERRUPTS();

		for (k = 0; k < node->nparents; k++)
			graph->nodes[graph->parents[node->parents_start + k]].nchildren++;
	}
	graph->children = palloc(sizeof(int) * (nparents + 1));
	nparents = 0;
	for (n = 0; n < graph->nnodes; n++)
	{

		CHECK_FOR_INTERRUPTS();

		graph->nodes[n].children_start = nparents;
		nparents += graph->nodes[n].nchildren;
		fill[n] = 0;
	}
	for (n = 0; n < graph->nnodes; n++)
	{
		RevNode    *node = &graph->nodes[n];
		int			k;

		CHECK_FOR_INTERRUPTS();

		for (k = 0; k < node->nparents; k++)
		{
			RevNode    *parent = &graph->nodes[graph->parents[node->parents_start + k]];
			int			p = graph->parents[node->parents_start + k];

			graph->children[parent->children_start + fill[p]++] = n;
		}
	}
	pfree(fill);
	return newest_heads_count;
}

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

		CHECK_FOR_INTERRUPTS();
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

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < node->nparents && !mark[n]; i++)
			mark[n] = mark[graph->parents[node->parents_start + i]];
		for (i = 0; i < node->ndeps && !mark[n]; i++)
			mark[n] = mark[graph->deps[node->deps_start + i]];
	}
	return mark;
}

/*
 * graph_heads
 *		Revisions with no children (dependants do not count), oldest first;
 *		never a baseline (rev_squash), which has no children either.
 */
RevList
graph_heads(RevGraph *graph)
{
	RevList		heads = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	int			n;

	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].nchildren == 0 && graph->nodes[n].replaces < 0)
			heads.items[heads.n++] = n;
	}
	return heads;
}

/*
 * graph_current
 *		The applied heads: applied revisions with no applied child, oldest
 *		first; never a baseline.
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

		CHECK_FOR_INTERRUPTS();
		if (!node->applied)
			continue;
		for (i = 0; i < node->nparents; i++)
			has_applied_child[graph->parents[node->parents_start + i]] = true;
	}
	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].applied && !has_applied_child[n] && graph->nodes[n].replaces < 0)
			current.items[current.n++] = n;
	}
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
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].nparents == 0 && graph->nodes[n].replaces < 0)
			roots.items[roots.n++] = n;
	}
	return roots;
}

/* A list holding just node. */
RevList
revlist_of_one(int node)
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
