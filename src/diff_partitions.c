/*-------------------------------------------------------------------------
 *
 * diff_partitions.c
 *	  The statements for partitions of partitioned tables.
 *
 * A partitioned table is a table (diff_tables.c creates it with PARTITION
 * BY); its partitions are matched by name and compared by parent, bound and
 * their own partition key.  Their columns, and the indexes, constraints and
 * triggers they inherit, come from their parent; the indexes and
 * constraints a partition has of its own (diff_read.c) are compared like a
 * table's.
 *
 * PostgreSQL cannot change a partition key, nor make a table partitioned or
 * a partitioned one plain: such a table (or partition) is recreated.
 * diff_mark_recreated unpairs it, with its partitions and everything on
 * them, before any statement is generated, so that the other files drop it
 * (its rows with it, as the loss line says) and create it again, rebuilding
 * what depends on it (views reading it, foreign keys referencing it) as for
 * any dropped table.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "miscadmin.h"
#include "utils/builtins.h"

static bool parent_goes(DiffSchema *from, DiffItem *f);
static void unmatch(DiffItem *f, DiffSet *tset);
static bool is_partition(DiffSchema *s, DiffItem *rel);
static bool mentions_name(const char *text, const char *qname);
static void unmatch_functions_using(DiffSchema *from, DiffSchema *to, const char *name);

/*
 * diff_relation
 *		The table or partition of s with this name (NULL: none), the owner of
 *		a column, constraint, index, trigger or policy.
 */
DiffItem *
diff_relation(DiffSchema *s, const char *name)
{
	int			i;

	if (name == NULL)
		return NULL;
	i = diff_find(&s->tables, name);
	if (i >= 0)
		return &s->tables.items[i];
	i = diff_find(&s->partitions, name);
	return i >= 0 ? &s->partitions.items[i] : NULL;
}

/* Is rel (a table or a partition of s) a partition? */
static bool
is_partition(DiffSchema *s, DiffItem *rel)
{
	return rel >= s->partitions.items && rel < s->partitions.items + s->partitions.n;
}

/*
 * diff_relation_rebuilt
 *		Is a column of rel (a table or partition of s), or of the table it
 *		is a partition of, dropped and added again (its indexes and
 *		constraints then go and must be created again)?  Valid once
 *		diff_tables has compared the columns.
 */
bool
diff_relation_rebuilt(DiffSchema *s, DiffItem *rel)
{
	int			depth = 0;

	/* a partition's parent is a table or a partition: at most n steps */
	while (rel && is_partition(s, rel) && depth++ <= s->partitions.n)
	{
		CHECK_FOR_INTERRUPTS();
		rel = diff_relation(s, rel->table);
	}
	return rel != NULL && !is_partition(s, rel) && rel->rebuild;
}

/* Unpair item f of "from" and its match in tset, the same set of "to". */
static void
unmatch(DiffItem *f, DiffSet *tset)
{
	if (f->match < 0)
		return;
	tset->items[f->match].match = -1;
	f->match = -1;
}

/*
 * mentions_name
 *		Does text (a function's arguments and result) name qname (qualified,
 *		quoted as needed) as a whole type name, or its array type?
 */
static bool
mentions_name(const char *text, const char *qname)
{
	size_t		len = strlen(qname);
	const char *p = text;

	while (p && (p = strstr(p, qname)) != NULL)
	{
		char		after = p[len];

		CHECK_FOR_INTERRUPTS();
		if ((p == text || p[-1] == ' ' || p[-1] == '(' || p[-1] == ',') &&
			(after == '\0' || after == ' ' || after == ',' || after == ')' || after == '['))
			return true;
		p += len;
	}
	return false;
}

/*
 * unmatch_functions_using
 *		Unpair the functions of "from" whose arguments or result use type
 *		name (a table's row type, a domain) that is dropped and created
 *		again: they would block its drop, so they are dropped and created
 *		again too, with what uses them (diff_mark_functions).
 */
static void
unmatch_functions_using(DiffSchema *from, DiffSchema *to, const char *name)
{
	char	   *qname = psprintf("%s.%s", quote_identifier(from->out), quote_identifier(name));
	int			i;

	for (i = 0; i < from->functions.n; i++)
	{
		DiffItem   *f = &from->functions.items[i];

		CHECK_FOR_INTERRUPTS();
		if (f->match >= 0 && f->extra && mentions_name(f->extra, qname))
			unmatch(f, &to->functions);
	}
	pfree(qname);
}

/*
 * diff_mark_recreated
 *		Unpair what must be dropped and created again rather than changed:
 *		a table whose partition key (or kind: partitioned or not) changes,
 *		a partition whose own partition key changes, a partition whose
 *		parent (on either side) is so unpaired, and the columns, indexes,
 *		constraints, triggers and policies of an unpaired table or
 *		partition.  A table so recreated is marked visited: the foreign keys
 *		referencing it are rebuilt (diff_objects.c).  The functions taking
 *		or returning its row type, or a domain rebuilt for a new base type,
 *		are unpaired too.  Runs after diff_match, before any statement is
 *		generated (and before diff_mark_functions).
 */
void
diff_mark_recreated(DiffSchema *from, DiffSchema *to)
{
	DiffSet    *fsets[] = {&from->columns, &from->constraints, &from->indexes,
	&from->triggers, &from->policies};
	DiffSet    *tsets[] = {&to->columns, &to->constraints, &to->indexes,
	&to->triggers, &to->policies};
	bool		changed;
	int			i;
	int			k;

	for (i = 0; i < from->tables.n; i++)
	{
		DiffItem   *f = &from->tables.items[i];
		DiffItem   *t = f->match >= 0 ? &to->tables.items[f->match] : NULL;

		CHECK_FOR_INTERRUPTS();
		if (t && (f->sub != t->sub || !diff_str_equal(f->def, t->def)))
		{
			f->recreated = true;
			f->visited = true;
			unmatch(f, &to->tables);
			unmatch_functions_using(from, to, f->name);
		}
	}
	/* a domain with a new base type is rebuilt (diff_types.c) */
	for (i = 0; i < from->types.n; i++)
	{
		DiffItem   *f = &from->types.items[i];
		DiffItem   *t = f->match >= 0 ? &to->types.items[f->match] : NULL;

		CHECK_FOR_INTERRUPTS();
		if (t && f->sub == 'd' && t->sub == 'd' &&
			(!diff_str_equal(f->type, t->type) || !diff_str_equal(f->extra, t->extra)))
			unmatch_functions_using(from, to, f->name);
	}

	/* parents come in any order: until nothing changes (depth passes) */
	do
	{
		changed = false;
		for (i = 0; i < from->partitions.n; i++)
		{
			DiffItem   *f = &from->partitions.items[i];
			DiffItem   *t = f->match >= 0 ? &to->partitions.items[f->match] : NULL;
			DiffItem   *fparent;
			DiffItem   *tparent;

			CHECK_FOR_INTERRUPTS();
			if (t == NULL)
				continue;
			fparent = diff_relation(from, f->table);
			tparent = diff_relation(to, t->table);
			if (diff_str_equal(f->extra, t->extra) && fparent && fparent->match >= 0 &&
				tparent && tparent->match >= 0)
				continue;
			f->recreated = !diff_str_equal(f->extra, t->extra);
			unmatch(f, &to->partitions);
			changed = true;
		}
	} while (changed);

	for (k = 0; k < (int) lengthof(fsets); k++)
		for (i = 0; i < fsets[k]->n; i++)
		{
			DiffItem   *f = &fsets[k]->items[i];
			DiffItem   *fowner;
			DiffItem   *towner;

			CHECK_FOR_INTERRUPTS();
			/* an index of a materialized view belongs to a view */
			if (f->match < 0 || (fsets[k] == &from->indexes && f->sub == 'm'))
				continue;
			fowner = diff_relation(from, f->table);
			towner = diff_relation(to, tsets[k]->items[f->match].table);
			if ((fowner && fowner->match < 0) || (towner && towner->match < 0))
				unmatch(f, tsets[k]);
		}
}

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
						   f->recreated ?
						   psprintf("recreates partition %s for its new partition key (PostgreSQL cannot change one in place): it is dropped with all its rows and created again empty", qname) :
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
