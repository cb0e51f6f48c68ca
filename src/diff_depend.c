/*-------------------------------------------------------------------------
 *
 * diff_depend.c
 *	  Reading what the objects of one schema need from each other: the
 *	  edges diff_order.c sorts the statements with.
 *
 * pg_depend gives most of them: a view needs the relations, columns,
 * functions and types its rule reads, a function the types of its
 * arguments and result (a table's row type is the table) and, with a
 * BEGIN ATOMIC body, what the body reads; a default, a constraint, an
 * index or a trigger the functions, sequences and columns it uses; a
 * column its type; a foreign key the key constraint it references.  The
 * query normalises the catalog rows to the items of diff.h: a view's
 * rewrite rule stands for the view, an array type or a row type for its
 * element type or relation, an index backing a key for the constraint.
 * Dependencies on objects of other schemas are left out, and so are the
 * links pg_dump also ignores: a sequence owned by a column (OWNED BY is a
 * statement of its own) and the internal ones (an identity sequence).
 *
 * What pg_depend cannot see is read from the definitions: the body of a
 * LANGUAGE sql function that is not BEGIN ATOMIC is parsed and checked when
 * the function is created, so the names it mentions that are tables,
 * views, types or functions of the schema become dependencies too.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/hsearch.h"

/*
 * One row per dependency of an object on another object of the schema,
 * both as (catalog, oid, sub-id), normalised as the header says, and the
 * dependency type.
 */
static const char *const depends_query =
"SELECT CASE WHEN w.oid IS NOT NULL THEN 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid"
"  WHEN ci.oid IS NOT NULL THEN 'pg_catalog.pg_constraint'::pg_catalog.regclass::pg_catalog.oid"
"  ELSE d.classid END,"
" COALESCE(w.ev_class, ci.oid, d.objid),"
" CASE WHEN w.oid IS NULL AND ci.oid IS NULL THEN d.objsubid ELSE 0 END,"
" CASE WHEN rt.oid IS NOT NULL AND COALESCE(re.typrelid, rt.typrelid) OPERATOR(pg_catalog.<>) 0"
"   THEN 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid"
"  WHEN rc.oid IS NOT NULL THEN 'pg_catalog.pg_constraint'::pg_catalog.regclass::pg_catalog.oid"
"  ELSE d.refclassid END,"
" CASE WHEN rt.oid IS NOT NULL AND COALESCE(re.typrelid, rt.typrelid) OPERATOR(pg_catalog.<>) 0"
"   THEN COALESCE(re.typrelid, rt.typrelid)"
"  WHEN rt.oid IS NOT NULL THEN COALESCE(re.oid, rt.oid)"
"  ELSE COALESCE(rc.oid, d.refobjid) END,"
" CASE WHEN rt.oid IS NULL AND rc.oid IS NULL THEN d.refobjsubid ELSE 0 END,"
" d.deptype"
" FROM pg_catalog.pg_depend d"
" LEFT JOIN pg_catalog.pg_rewrite w"
"  ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
"  AND w.oid OPERATOR(pg_catalog.=) d.objid"
" LEFT JOIN pg_catalog.pg_constraint ci"
"  ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
"  AND ci.conindid OPERATOR(pg_catalog.=) d.objid AND ci.contype IN ('p', 'u', 'x')"
" LEFT JOIN pg_catalog.pg_type rt"
"  ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass"
"  AND rt.oid OPERATOR(pg_catalog.=) d.refobjid"
" LEFT JOIN pg_catalog.pg_type re"
"  ON re.oid OPERATOR(pg_catalog.=) rt.typelem AND rt.typcategory OPERATOR(pg_catalog.=) 'A'"
" LEFT JOIN pg_catalog.pg_constraint rc"
"  ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
"  AND rc.conindid OPERATOR(pg_catalog.=) d.refobjid AND rc.contype IN ('p', 'u', 'x')"
" WHERE d.deptype IN ('n', 'a') AND d.refobjid IN ("
"  SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) $1"
"  UNION ALL SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) $1"
"  UNION ALL SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) $1)";

/* An object, as the dependency rows name it. */
typedef struct ObjectKey
{
	Oid			classid;
	Oid			objid;
	int32		subid;
} ObjectKey;

/* The item standing for an object. */
typedef struct ObjectEntry
{
	ObjectKey	key;
	DiffItem   *item;
	bool		is_default;		/* the item is a column, this its default */
	bool		is_sequence;
} ObjectEntry;

static void enter(HTAB *map, Oid classid, Oid objid, int32 subid, DiffItem *item,
				  bool is_default, bool is_sequence);
static ObjectEntry *lookup(HTAB *map, Oid classid, Oid objid, int32 subid);
static void set_parents(DiffSchema *s);
static void add_name_dependency(DiffSchema *s, DiffItem *function, const char *name);
static void scan_body(DiffSchema *s, DiffItem *function);

/* Map an object to an item. */
static void
enter(HTAB *map, Oid classid, Oid objid, int32 subid, DiffItem *item,
	  bool is_default, bool is_sequence)
{
	ObjectKey	key;
	ObjectEntry *entry;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.classid = classid;
	key.objid = objid;
	key.subid = subid;
	entry = hash_search(map, &key, HASH_ENTER, &found);
	entry->item = item;
	entry->is_default = is_default;
	entry->is_sequence = is_sequence;
}

/* The entry of an object, or of its relation for a column of no item. */
static ObjectEntry *
lookup(HTAB *map, Oid classid, Oid objid, int32 subid)
{
	ObjectKey	key;
	ObjectEntry *entry;

	memset(&key, 0, sizeof(key));
	key.classid = classid;
	key.objid = objid;
	key.subid = subid;
	entry = hash_search(map, &key, HASH_FIND, NULL);
	if (entry == NULL && subid != 0)
	{
		key.subid = 0;
		entry = hash_search(map, &key, HASH_FIND, NULL);
	}
	return entry;
}

/* The parent (table or materialized view) of columns, constraints, indexes, triggers. */
static void
set_parents(DiffSchema *s)
{
	DiffSet    *sets[] = {&s->columns, &s->constraints, &s->indexes, &s->triggers};
	int			k;
	int			i;

	for (k = 0; k < (int) lengthof(sets); k++)
		for (i = 0; i < sets[k]->n; i++)
		{
			DiffItem   *it = &sets[k]->items[i];
			DiffSet    *owners = (sets[k] == &s->indexes && it->sub == 'm') ? &s->views : &s->tables;
			int			j = it->table ? diff_find(owners, it->table) : -1;

			CHECK_FOR_INTERRUPTS();
			it->parent = j >= 0 ? &owners->items[j] : NULL;
		}
}

/*
 * add_name_dependency
 *		A name in the body of function: when a table, view, enum or function
 *		(any overload) of the schema has it, the function needs it.
 */
static void
add_name_dependency(DiffSchema *s, DiffItem *function, const char *name)
{
	DiffSet    *named[] = {&s->tables, &s->views, &s->enums};
	char	   *prefix = psprintf("%s(", name);
	size_t		len = strlen(prefix);
	int			lo = 0;
	int			hi = s->functions.n;
	int			k;

	for (k = 0; k < (int) lengthof(named); k++)
	{
		int			j = diff_find(named[k], name);

		if (j >= 0)
			function->deps = lappend(function->deps, &named[k]->items[j]);
	}
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (strcmp(s->functions.items[mid].key, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->functions.n && strncmp(s->functions.items[lo].key, prefix, len) == 0; lo++)
		if (&s->functions.items[lo] != function)
			function->deps = lappend(function->deps, &s->functions.items[lo]);
	pfree(prefix);
}

/*
 * scan_body
 *		The names a non-atomic LANGUAGE sql body mentions, as the parser
 *		would read them (unquoted ones folded to lower case), outside string
 *		literals and comments; each may be a dependency.
 */
static void
scan_body(DiffSchema *s, DiffItem *function)
{
	const char *p = function->body;

	while (*p)
	{
		CHECK_FOR_INTERRUPTS();
		if (*p == '\'' || *p == '"')
		{
			char		quote = *p++;
			StringInfoData name;

			initStringInfo(&name);
			while (*p)
			{
				if (*p == quote && p[1] == quote)
					p++;
				else if (*p == quote)
					break;
				appendStringInfoChar(&name, *p++);
			}
			if (*p)
				p++;
			if (quote == '"')
				add_name_dependency(s, function, name.data);
			pfree(name.data);
		}
		else if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			const char *end = strstr(p + 2, "*/");

			p = end ? end + 2 : p + strlen(p);
		}
		else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
				 (unsigned char) *p >= 0x80)
		{
			const char *start = p;
			char	   *name;

			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
				   (*p >= '0' && *p <= '9') || *p == '$' || (unsigned char) *p >= 0x80)
				p++;
			name = downcase_identifier(start, p - start, false, true);
			add_name_dependency(s, function, name);
			pfree(name);
		}
		else
			p++;
	}
}

/*
 * diff_read_depends
 *		Fill the deps, ddeps and parent of the items of s, the schema nsp
 *		just read.  The caller is connected to SPI, with search_path set to
 *		pg_catalog.
 */
void
diff_read_depends(DiffSchema *s, Oid nsp)
{
	HASHCTL		ctl;
	HTAB	   *map;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(nsp)};
	uint64		row;
	int			rc;
	int			i;

	set_parents(s);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ObjectKey);
	ctl.entrysize = sizeof(ObjectEntry);
	ctl.hcxt = CurrentMemoryContext;
	map = hash_create("pg_revisions diff objects", 1024, &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (i = 0; i < s->tables.n; i++)
		enter(map, RelationRelationId, s->tables.items[i].oid, 0, &s->tables.items[i], false, false);
	for (i = 0; i < s->columns.n; i++)
	{
		DiffItem   *it = &s->columns.items[i];

		enter(map, RelationRelationId, it->oid, it->attnum, it, false, false);
		if (OidIsValid(it->defoid))
			enter(map, AttrDefaultRelationId, it->defoid, 0, it, true, false);
	}
	for (i = 0; i < s->constraints.n; i++)
		enter(map, ConstraintRelationId, s->constraints.items[i].oid, 0, &s->constraints.items[i], false, false);
	for (i = 0; i < s->indexes.n; i++)
		enter(map, RelationRelationId, s->indexes.items[i].oid, 0, &s->indexes.items[i], false, false);
	for (i = 0; i < s->sequences.n; i++)
		enter(map, RelationRelationId, s->sequences.items[i].oid, 0, &s->sequences.items[i], false, true);
	for (i = 0; i < s->enums.n; i++)
		enter(map, TypeRelationId, s->enums.items[i].oid, 0, &s->enums.items[i], false, false);
	for (i = 0; i < s->views.n; i++)
		enter(map, RelationRelationId, s->views.items[i].oid, 0, &s->views.items[i], false, false);
	for (i = 0; i < s->functions.n; i++)
		enter(map, ProcedureRelationId, s->functions.items[i].oid, 0, &s->functions.items[i], false, false);
	for (i = 0; i < s->triggers.n; i++)
		enter(map, TriggerRelationId, s->triggers.items[i].oid, 0, &s->triggers.items[i], false, false);

	SPI_freetuptable(SPI_tuptable);
	rc = SPI_execute_with_args(depends_query, 1, argtypes, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the dependencies of the objects: %s", SPI_result_code_string(rc));
	for (row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		ObjectEntry *dep;
		ObjectEntry *ref;

		CHECK_FOR_INTERRUPTS();
		dep = lookup(map, DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull)),
					 DatumGetObjectId(SPI_getbinval(tuple, desc, 2, &isnull)),
					 DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull)));
		ref = lookup(map, DatumGetObjectId(SPI_getbinval(tuple, desc, 4, &isnull)),
					 DatumGetObjectId(SPI_getbinval(tuple, desc, 5, &isnull)),
					 DatumGetInt32(SPI_getbinval(tuple, desc, 6, &isnull)));
		if (dep == NULL || ref == NULL || dep->item == ref->item)
			continue;
		/* OWNED BY: a statement of its own, after both */
		if (dep->is_sequence && DatumGetChar(SPI_getbinval(tuple, desc, 7, &isnull)) == 'a')
			continue;
		if (dep->is_default)
			dep->item->ddeps = lappend(dep->item->ddeps, ref->item);
		else
			dep->item->deps = lappend(dep->item->deps, ref->item);
	}
	SPI_freetuptable(SPI_tuptable);
	hash_destroy(map);

	for (i = 0; i < s->functions.n; i++)
		if (s->functions.items[i].body)
			scan_body(s, &s->functions.items[i]);
}
