/*-------------------------------------------------------------------------
 *
 * diff_partitions.c
 *	  The statements for partitions of partitioned tables.
 *
 * A partitioned table is a table (diff_tables.c creates it with PARTITION
 * BY); its partitions are matched by name and compared by parent, bound and
 * their own partition key.  Their columns, indexes, constraints and
 * triggers come from their parent, so they are not read.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "miscadmin.h"

static bool parent_goes(DiffSchema *from, DiffItem *f);

/*
 * parent_goes
 *		Is the parent of partition f (a table, or a partition itself, marked
 *		rebuild when it goes) dropped, taking f along?
 */
static bool
parent_goes(DiffSchema *from, DiffItem *f)
{
	int			i;

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		i = diff_find(&from->tables, f->table);
		if (i >= 0)
			return from->tables.items[i].match < 0;
		i = diff_find(&from->partitions, f->table);
		if (i < 0)
			return false;
		f = &from->partitions.items[i];
		if (f->match < 0 || f->rebuild)
			return true;
	}
}

/*
 * diff_partitions
 *		Partitions: created (PARTITION OF their parent, with their bound
 *		and, partitioned themselves, their key), dropped (with their rows),
 *		moved to another bound or parent (DETACH, ATTACH), dropped and
 *		created again when their own partition key changes.  Their columns,
 *		indexes, constraints and triggers come from their parent.
 */
void
diff_partitions(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	/* first which go: a sub-partition goes with its parent */
	for (i = 0; i < from->partitions.n; i++)
	{
		DiffItem   *f = &from->partitions.items[i];
		DiffItem   *t = f->match >= 0 ? &to->partitions.items[f->match] : NULL;

		CHECK_FOR_INTERRUPTS();
		f->rebuild = t == NULL || !diff_str_equal(f->extra, t->extra);
	}
	for (i = 0; i < from->partitions.n; i++)
	{
		DiffItem   *f = &from->partitions.items[i];
		DiffItem   *t = f->match >= 0 ? &to->partitions.items[f->match] : NULL;
		char	   *qname = diff_qname(o, f->name);

		CHECK_FOR_INTERRUPTS();
		if (t && diff_str_equal(f->extra, t->extra))
		{
			if (!diff_str_equal(f->table, t->table) || !diff_str_equal(f->def, t->def))
			{
				/* detached after the parent's columns are dropped, attached again
				 * before they are added or changed: it follows its parent */
				diff_emit(o, STAGE_DROP_TABLE, NULL, "ALTER TABLE %s DETACH PARTITION %s",
						  diff_qname(o, f->table), qname);
				f->altered = true;
			}
			continue;
		}
		if (parent_goes(from, f))
			continue;			/* dropped with its parent */
		diff_for(diff_emit(o, STAGE_DROP_TABLE,
						   psprintf("drops partition %s and all its rows", qname),
						   "DROP TABLE %s", qname),
				 f);
	}
	for (i = 0; i < to->partitions.n; i++)
	{
		DiffItem   *t = &to->partitions.items[i];
		DiffItem   *f = t->match >= 0 ? &from->partitions.items[t->match] : NULL;
		char	   *qname = diff_qname(o, t->name);
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (fresh)
			diff_for(diff_emit(o, STAGE_CREATE_TABLE, NULL, "CREATE TABLE %s PARTITION OF %s %s%s%s",
							   qname, diff_qname(o, t->table), t->def,
							   t->extra ? " PARTITION BY " : "", t->extra ? t->extra : ""),
					 t);
		else if (f->altered)
			diff_emit(o, STAGE_CREATE_TABLE, NULL, "ALTER TABLE %s ATTACH PARTITION %s %s",
					  diff_qname(o, t->table), qname, t->def);
		diff_comment(o, psprintf("TABLE %s", qname), t->comment, f ? f->comment : NULL, fresh);
	}
}
