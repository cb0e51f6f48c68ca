/*-------------------------------------------------------------------------
 *
 * diff_order.c
 *	  Ordering the generated statements by the dependencies of the objects
 *	  they create or drop, as pg_dump orders a dump.
 *
 * Each statement has a stage (diff.h), the order of its kind, and may be
 * tied to the object it creates (an item of "to") or drops (an item of
 * "from").  The dependencies read for both schemas (diff_depend.c) become
 * edges between statements: one creating X waits for the statements
 * creating what X needs; one dropping X waits for those dropping what needs
 * X.  An object created or dropped by no statement of its own goes with its
 * table (a column created by CREATE TABLE, an index dropped with its
 * table).  The statements are then sorted topologically, the smallest stage
 * (and then the first emitted) first among those ready, so stages only
 * break ties: with no dependency between them, statements come in stage
 * order.  A cycle (which valid schemas rarely have: the statements are
 * already split as pg_dump splits them, foreign keys and defaults calling
 * functions apart from their tables) is broken by taking the first
 * statement left in stage order.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "lib/binaryheap.h"
#include "miscadmin.h"

static List *makers(DiffItem *item, bool of_default);
static void add_edge(DiffStmt *before, DiffStmt *after);
static void link_items(DiffSet *set, bool creating);
static int	compare_stmts(Datum a, Datum b, void *arg);
static void release(DiffStmt *stmt, binaryheap *ready);

/* Tie a statement to the object it creates or drops. */
void
diff_for(DiffStmt *stmt, DiffItem *item)
{
	item->stmts = lappend(item->stmts, stmt);
}

/* Tie a statement to the default of a column, which it sets or drops. */
void
diff_for_default(DiffStmt *stmt, DiffItem *column)
{
	column->dstmts = lappend(column->dstmts, stmt);
}

/*
 * diff_after
 *		after waits for every statement of before (a List of DiffStmts, which
 *		must not wait for after): for statements tied to no object.
 */
void
diff_after(List *before, DiffStmt *after)
{
	ListCell   *lc;

	foreach(lc, before)
		add_edge((DiffStmt *) lfirst(lc), after);
}

/*
 * makers
 *		The statements that create (or drop) an item, or its default when
 *		of_default: its own, else those of its default's column, else those
 *		of its table.  NIL when the script neither creates nor drops it.
 */
static List *
makers(DiffItem *item, bool of_default)
{
	if (of_default && item->dstmts != NIL)
		return item->dstmts;
	if (item->stmts != NIL)
		return item->stmts;
	if (item->parent)
		return item->parent->stmts;
	return NIL;
}

/* "after" waits for "before". */
static void
add_edge(DiffStmt *before, DiffStmt *after)
{
	if (before == after)
		return;
	before->next = lappend(before->next, after);
	after->nwait++;
}

/*
 * link_items
 *		The edges from the dependencies of the items of one set: creating
 *		(the set is of "to"), an item's makers wait for those of what it
 *		needs; dropping (of "from"), the makers of what it needs wait for
 *		the item's.
 */
static void
link_items(DiffSet *set, bool creating)
{
	int			i;

	for (i = 0; i < set->n; i++)
	{
		DiffItem   *item = &set->items[i];
		int			role;

		CHECK_FOR_INTERRUPTS();
		for (role = 0; role < 2; role++)
		{
			List	   *deps = role == 0 ? item->deps : item->ddeps;
			List	   *mine;
			ListCell   *lc;

			if (deps == NIL)
				continue;
			mine = makers(item, role == 1);
			if (mine == NIL)
				continue;
			foreach(lc, deps)
			{
				List	   *theirs = makers((DiffItem *) lfirst(lc), false);
				ListCell   *a;
				ListCell   *b;

				foreach(a, mine)
					foreach(b, theirs)
				{
					if (creating)
						add_edge((DiffStmt *) lfirst(b), (DiffStmt *) lfirst(a));
					else
						add_edge((DiffStmt *) lfirst(a), (DiffStmt *) lfirst(b));
				}
			}
		}
	}
}

/* binaryheap comparator: the statement of the smaller (stage, seq) first. */
static int
compare_stmts(Datum a, Datum b, void *arg)
{
	DiffStmt   *x = (DiffStmt *) DatumGetPointer(a);
	DiffStmt   *y = (DiffStmt *) DatumGetPointer(b);

	if (x->stage != y->stage)
		return x->stage < y->stage ? 1 : -1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? 1 : -1;
	return 0;
}

/* A statement is placed: those waiting only for it become ready. */
static void
release(DiffStmt *stmt, binaryheap *ready)
{
	ListCell   *lc;

	stmt->done = true;
	foreach(lc, stmt->next)
	{
		DiffStmt   *after = (DiffStmt *) lfirst(lc);

		if (--after->nwait == 0 && !after->done)
			binaryheap_add(ready, PointerGetDatum(after));
	}
}

/*
 * diff_order
 *		The texts of o's statements, ordered by the dependencies of the
 *		items of "from" (drops) and "to" (creations) they are tied to, then
 *		by stage.  The statements were generated from these two schemas.
 */
List *
diff_order(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	DiffSet    *fsets[] = {&from->tables, &from->columns, &from->constraints, &from->indexes,
		&from->sequences, &from->enums, &from->views, &from->functions, &from->triggers,
	&from->policies, &from->types, &from->extensions, &from->partitions};
	DiffSet    *tsets[] = {&to->tables, &to->columns, &to->constraints, &to->indexes,
		&to->sequences, &to->enums, &to->views, &to->functions, &to->triggers,
	&to->policies, &to->types, &to->extensions, &to->partitions};
	int			n = list_length(o->stmts);
	DiffStmt  **byseq = palloc(sizeof(DiffStmt *) * (n + 1));
	binaryheap *ready = binaryheap_allocate(n + 1, compare_stmts, NULL);
	List	   *result = NIL;
	ListCell   *lc;
	int			k;

	diff_read_depends(from);
	diff_read_depends(to);
	for (k = 0; k < (int) lengthof(fsets); k++)
	{
		link_items(fsets[k], false);
		link_items(tsets[k], true);
	}
	foreach(lc, o->stmts)
	{
		DiffStmt   *stmt = (DiffStmt *) lfirst(lc);

		byseq[stmt->seq] = stmt;
		if (stmt->nwait == 0)
			binaryheap_add_unordered(ready, PointerGetDatum(stmt));
	}
	binaryheap_build(ready);

	while (list_length(result) < n)
	{
		DiffStmt   *stmt;

		CHECK_FOR_INTERRUPTS();
		if (!binaryheap_empty(ready))
		{
			stmt = (DiffStmt *) DatumGetPointer(binaryheap_remove_first(ready));
			if (stmt->done)
				continue;
		}
		else
		{
			/* a cycle: the first statement left, in stage order */
			int			i;

			stmt = NULL;
			for (i = 0; i < n; i++)
				if (!byseq[i]->done &&
					(stmt == NULL || compare_stmts(PointerGetDatum(byseq[i]),
												   PointerGetDatum(stmt), NULL) > 0))
					stmt = byseq[i];
		}
		result = lappend(result, stmt->text);
		release(stmt, ready);
	}
	binaryheap_free(ready);
	pfree(byseq);
	return result;
}
