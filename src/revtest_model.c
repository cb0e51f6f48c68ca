/*-------------------------------------------------------------------------
 *
 * revtest_model.c
 *	  The live schema as rev_test keeps it between steps: read whole once,
 *	  then after each step (apply or revert one revision) only the owners
 *	  the step touched (revtest_footprint.c) are read again, with the same
 *	  reader rev_diff uses (diff_read_schema_owners), and patched into a
 *	  copy of the model before the step.  A revision then costs reads of
 *	  what it touched instead of three reads of the whole schema.
 *
 * An owner is the table, view, sequence or enum type an object belongs to
 * (a column, constraint, index or trigger belongs to its table).  When a
 * step touched a function of the schema, the functions are all read again
 * (what uses a function is kept with it and comes from other owners; when
 * only a user of a function changed, that list may lag behind, which only
 * changes which dependants a repairing script rebuilds).  When the
 * footprint is "everything" the whole schema is read again.  The queries
 * are planned once per call (diff_read_prepare).
 *
 * Memory: the strings of the items live in one context (items) shared by
 * every model; each model has its own arrays of items, allocated by the
 * caller's context.  model_compact copies the model still needed into a
 * fresh items context when garbage has piled up.
 *
 *-------------------------------------------------------------------------
 */
#include "revtest.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* Compact when the items context holds this much more than the model. */
#define COMPACT_FACTOR 4
#define COMPACT_SLACK (16 * 1024 * 1024)

/* How the items of a set name their owner (see the file header). */
typedef enum OwnerBy
{
	OWNER_IS_NAME,				/* the item is an owner: a table, a type */
	OWNER_IS_TABLE,				/* the item belongs to its table or view */
	OWNER_NONE					/* read whole by every partial read */
} OwnerBy;

/*
 * Every set of a DiffSchema, with its owner.  A set added to DiffSchema
 * must be added here, or rev_test keeps the set of its first read.
 * Functions are apart: read all or none (footprint's "functions").
 */
static const struct
{
	size_t		offset;
	OwnerBy		by;
}			model_sets[] =
{
	{offsetof(DiffSchema, tables), OWNER_IS_NAME},
	{offsetof(DiffSchema, columns), OWNER_IS_TABLE},
	{offsetof(DiffSchema, constraints), OWNER_IS_TABLE},
	{offsetof(DiffSchema, indexes), OWNER_IS_TABLE},
	{offsetof(DiffSchema, sequences), OWNER_IS_NAME},
	{offsetof(DiffSchema, enums), OWNER_IS_NAME},
	{offsetof(DiffSchema, views), OWNER_IS_NAME},
	{offsetof(DiffSchema, triggers), OWNER_IS_TABLE},
	{offsetof(DiffSchema, policies), OWNER_IS_TABLE},
	{offsetof(DiffSchema, types), OWNER_IS_NAME},
	{offsetof(DiffSchema, partitions), OWNER_IS_NAME},
	{offsetof(DiffSchema, extensions), OWNER_NONE},
};

/* The set of s at model_sets[k]. */
#define MODEL_SET(s, k) ((DiffSet *) ((char *) (s) + model_sets[k].offset))

/*
 * Start a model of schema nsp (named name), read with plans (from
 * diff_read_prepare); its memory is under parent.
 */
void
model_init(SchemaModel *m, Oid nsp, const char *name, MemoryContext parent,
		   DiffReadPlans *plans)
{
	m->nsp = nsp;
	m->plans = plans;
	m->name = name;
	m->parent = parent;
	m->items = AllocSetContextCreate(parent, "pg_revisions test items", ALLOCSET_DEFAULT_SIZES);
	m->limit = COMPACT_SLACK;
	m->touched = NIL;
	m->touched_all = false;
}

/* Read the whole schema (items and arrays in the items context). */
DiffSchema *
model_read_all(SchemaModel *m)
{
	MemoryContext old = MemoryContextSwitchTo(m->items);
	DiffSchema *s = diff_read_schema(m->nsp, m->name);

	MemoryContextSwitchTo(old);
	return s;
}

/* qsort comparator for C strings. */
static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Is name one of the n sorted names? */
static bool
has_name(char **names, int n, const char *name)
{
	return name != NULL &&
		bsearch(&name, names, n, sizeof(char *), compare_names) != NULL;
}

/* *out = a copy of in's array of items (the items' strings are shared). */
static void
copy_items(DiffSet *out, DiffSet *in)
{
	out->n = in->n;
	out->items = palloc(sizeof(DiffItem) * (in->n + 1));
	memcpy(out->items, in->items, sizeof(DiffItem) * in->n);
}

/*
 * merge_set
 *		*out = the items of base whose owner is not in names, and every item
 *		of part (whose owners are all in names), sorted by key as both are.
 *		by: how an item names its owner; OWNER_NONE: part is the whole set.
 */
static void
merge_set(DiffSet *out, DiffSet *base, DiffSet *part, OwnerBy by, char **names, int n)
{
	int			i = 0;
	int			j = 0;
	int			k = 0;

	out->items = palloc(sizeof(DiffItem) * (base->n + part->n + 1));
	if (by == OWNER_NONE)
	{
		memcpy(out->items, part->items, sizeof(DiffItem) * part->n);
		out->n = part->n;
		return;
	}
	while (i < base->n || j < part->n)
	{
		CHECK_FOR_INTERRUPTS();
		if (i < base->n &&
			has_name(names, n, by == OWNER_IS_TABLE ? base->items[i].table : base->items[i].name))
			i++;
		else if (j >= part->n ||
				 (i < base->n && strcmp(base->items[i].key, part->items[j].key) < 0))
			out->items[k++] = base->items[i++];
		else
			out->items[k++] = part->items[j++];
	}
	out->n = k;
}

/* The names as a name[] for diff_read_schema_owners. */
static ArrayType *
name_array(char **names, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		Name		name = palloc0(NAMEDATALEN);

		namestrcpy(name, names[i]);
		elems[i] = NameGetDatum(name);
	}
	return construct_array(elems, n, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR);
}

/*
 * model_after_step
 *		The schema now, from the model before the step that just ended and
 *		what the step touched.  Arrays in CurrentMemoryContext, strings in
 *		the items context.  The caller is connected to SPI.
 */
DiffSchema *
model_after_step(SchemaModel *m, DiffSchema *before)
{
	bool		functions;
	bool		everything;
	List	   *touched = footprint_take(&functions, &everything);
	MemoryContext caller = CurrentMemoryContext;
	DiffSchema *part;
	DiffSchema *s;
	char	  **names;
	int			n = 0;
	ListCell   *lc;
	MemoryContext old;

	/* Remember them for model_differs (in the items context: they must last). */
	old = MemoryContextSwitchTo(m->items);
	foreach(lc, touched)
		m->touched = lappend(m->touched, pstrdup((char *) lfirst(lc)));
	MemoryContextSwitchTo(caller);
	m->touched_all |= everything;

	if (everything)
		return model_read_all(m);

	/* Sorted, without repeats. */
	names = palloc(sizeof(char *) * (list_length(touched) + 1));
	foreach(lc, touched)
		names[n++] = (char *) lfirst(lc);
	if (n > 1)
		qsort(names, n, sizeof(char *), compare_names);
	if (n > 1)
	{
		int			w = 1;

		for (int r = 1; r < n; r++)
			if (strcmp(names[r], names[w - 1]) != 0)
				names[w++] = names[r];
		n = w;
	}

	s = palloc0(sizeof(DiffSchema));
	*s = *before;
	if (n == 0 && !functions)
		part = NULL;			/* nothing of the schema was touched */
	else
	{
		old = MemoryContextSwitchTo(m->items);
		part = diff_read_schema_owners(m->nsp, m->name, name_array(names, n), m->plans,
									   functions);
		MemoryContextSwitchTo(old);
	}
	if (part == NULL)
	{
		/* Own arrays all the same: the comparison marks items. */
		for (int k = 0; k < (int) lengthof(model_sets); k++)
			copy_items(MODEL_SET(s, k), MODEL_SET(before, k));
		copy_items(&s->functions, &before->functions);
		return s;
	}
	for (int k = 0; k < (int) lengthof(model_sets); k++)
		merge_set(MODEL_SET(s, k), MODEL_SET(before, k), MODEL_SET(part, k),
				  model_sets[k].by, names, n);
	if (functions)
		s->functions = part->functions;
	else
		copy_items(&s->functions, &before->functions);
	return s;
}

/*
 * Keep only the items of set whose owner is in names (by: see merge_set;
 * OWNER_NONE keeps them all).
 */
static void
subset(DiffSet *out, DiffSet *in, OwnerBy by, char **names, int n)
{
	out->items = palloc(sizeof(DiffItem) * (in->n + 1));
	out->n = 0;
	for (int i = 0; i < in->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (by == OWNER_NONE ||
			has_name(names, n, by == OWNER_IS_TABLE ? in->items[i].table : in->items[i].name))
			out->items[out->n++] = in->items[i];
	}
}

/* The part of s that belongs to the owners in names, with every function. */
static DiffSchema *
owners_part(DiffSchema *s, char **names, int n)
{
	DiffSchema *p = palloc0(sizeof(DiffSchema));

	p->out = s->out;
	for (int k = 0; k < (int) lengthof(model_sets); k++)
		subset(MODEL_SET(p, k), MODEL_SET(s, k), model_sets[k].by, names, n);
	copy_items(&p->functions, &s->functions);
	return p;
}

/*
 * model_differs
 *		Whether models a and b, both derived (model_after_step) from one
 *		model read before the steps since model_forget_touched, differ.
 *		Only the owners touched meanwhile can: the other items of a and b
 *		are the same ones, so comparing the touched part (and the
 *		functions) answers for the whole, at the cost of what was touched.
 *		The full comparison (diff_statements) is only needed for the
 *		statements that repair a difference.
 */
bool
model_differs(SchemaModel *m, DiffSchema *a, DiffSchema *b)
{
	char	  **names;
	int			n = 0;
	ListCell   *lc;

	if (m->touched_all)
		return diff_statements(a, b) != NIL;
	names = palloc(sizeof(char *) * (list_length(m->touched) + 1));
	foreach(lc, m->touched)
		names[n++] = (char *) lfirst(lc);
	if (n > 1)
		qsort(names, n, sizeof(char *), compare_names);
	return diff_statements(owners_part(a, names, n), owners_part(b, names, n)) != NIL;
}

/* Start a new set of steps for model_differs (a new "before" model). */
void
model_forget_touched(SchemaModel *m)
{
	m->touched = NIL;			/* its cells are garbage of the items context */
	m->touched_all = false;
}

/* Copy a set, strings and all, into CurrentMemoryContext. */
static void
copy_set(DiffSet *out, DiffSet *in)
{
	out->n = in->n;
	out->items = palloc(sizeof(DiffItem) * (in->n + 1));
	for (int i = 0; i < in->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		diff_copy_item(&out->items[i], &in->items[i]);
	}
}

/*
 * model_compact
 *		When the items context has grown well past what the model keep
 *		needs, copy keep into a fresh items context and free the old one;
 *		every other model of m becomes invalid then.  Returns the model to
 *		use instead of keep.
 */
DiffSchema *
model_compact(SchemaModel *m, DiffSchema *keep)
{
	MemoryContext fresh;
	MemoryContext old;
	DiffSchema *s;
	Size		size;

	if (MemoryContextMemAllocated(m->items, true) <= m->limit)
		return keep;
	fresh = AllocSetContextCreate(m->parent, "pg_revisions test items", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(fresh);
	s = palloc0(sizeof(DiffSchema));
	s->out = pstrdup(keep->out);
	for (int k = 0; k < (int) lengthof(model_sets); k++)
		copy_set(MODEL_SET(s, k), MODEL_SET(keep, k));
	copy_set(&s->functions, &keep->functions);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(m->items);
	m->items = fresh;
	model_forget_touched(m);
	size = MemoryContextMemAllocated(fresh, true);
	m->limit = size * COMPACT_FACTOR + COMPACT_SLACK;
	return s;
}
