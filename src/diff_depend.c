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
 * index, a trigger or a policy the functions, sequences and columns it
 * uses; a column its type; a foreign key the key constraint it references;
 * a domain what its checks call; a partition its parent.  The
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
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/hsearch.h"

/*
 * The dependencies of the objects given as two arrays, (catalog, oid): the
 * object and sub-id depending, the object and sub-id needed, normalised as
 * the header says (row types, array types, indexes backing keys), and the
 * dependency type.  Run with search_path = pg_catalog.
 */
static const char *const depends_query =
"SELECT d.classid, d.objid, d.objsubid,"
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
" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS o(cls, obj)"
/* a fence (OFFSET 0): the planner would rather hash all of pg_depend */
" CROSS JOIN LATERAL (SELECT d.classid, d.objid, d.objsubid, d.refclassid, d.refobjid,"
"  d.refobjsubid, d.deptype FROM pg_catalog.pg_depend d"
"  WHERE d.classid OPERATOR(pg_catalog.=) o.cls AND d.objid OPERATOR(pg_catalog.=) o.obj"
"  AND d.deptype OPERATOR(pg_catalog.=) ANY ('{n,a}'::pg_catalog.\"char\"[]) OFFSET 0) d"
" LEFT JOIN pg_catalog.pg_type rt"
"  ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass"
"  AND rt.oid OPERATOR(pg_catalog.=) d.refobjid"
" LEFT JOIN pg_catalog.pg_type re"
"  ON re.oid OPERATOR(pg_catalog.=) rt.typelem AND rt.typcategory OPERATOR(pg_catalog.=) 'A'"
" LEFT JOIN pg_catalog.pg_constraint rc"
"  ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
"  AND rc.conindid OPERATOR(pg_catalog.=) d.refobjid"
"  AND rc.contype OPERATOR(pg_catalog.=) ANY ('{p,u,x}'::pg_catalog.\"char\"[])";

/*
 * The plan of depends_query, kept for the session (generic: with the
 * objects as parameters it looks each up by index; planned for each call,
 * the planning cost more than the query).
 */
static SPIPlanPtr depends_plan;

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
static void want(Datum *classes, Datum *objects, int *n, Oid classid, Oid objid);
static bool involved(DiffItem *item);

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
	DiffSet    *sets[] = {&s->columns, &s->constraints, &s->indexes, &s->triggers, &s->policies};
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

/* Add an object to the arrays of those whose dependencies are read. */
static void
want(Datum *classes, Datum *objects, int *n, Oid classid, Oid objid)
{
	if (!OidIsValid(objid))
		return;
	classes[*n] = ObjectIdGetDatum(classid);
	objects[*n] = ObjectIdGetDatum(objid);
	(*n)++;
}

/* Is an item created or dropped by a statement, itself or with its table? */
static bool
involved(DiffItem *item)
{
	return item->stmts != NIL || item->dstmts != NIL ||
		(item->parent != NULL && item->parent->stmts != NIL);
}

/*
 * diff_read_depends
 *		Fill the deps and ddeps of the items of s (read by diff_read_schema)
 *		that the statements generated create or drop, alone or with their
 *		table: an edge between two statements needs both ends, so only
 *		these are read, whatever the size of the schema.  The caller is
 *		connected to SPI.
 */
void
diff_read_depends(DiffSchema *s)
{
	DiffSet    *sets[] = {&s->tables, &s->columns, &s->constraints, &s->indexes,
		&s->sequences, &s->enums, &s->views, &s->functions, &s->triggers, &s->policies,
	&s->types, &s->partitions};
	Oid			catalogs[] = {RelationRelationId, RelationRelationId, ConstraintRelationId,
		RelationRelationId, RelationRelationId, TypeRelationId, RelationRelationId,
	ProcedureRelationId, TriggerRelationId, PolicyRelationId, TypeRelationId, RelationRelationId};
	HASHCTL		ctl;
	HTAB	   *map;
	Datum	   *classes;
	Datum	   *objects;
	int			nwanted = 0;
	int			total = 0;
	Oid			last_table = InvalidOid;
	Oid			argtypes[2] = {OIDARRAYOID, OIDARRAYOID};
	Datum		args[2];
	int			nest_level;
	uint64		row;
	int			rc;
	int			k;
	int			i;
	int			j;

	set_parents(s);
	for (k = 0; k < (int) lengthof(sets); k++)
		total += sets[k]->n;
	for (i = 0; i < s->types.n; i++)
		total += s->types.items[i].nconoids + 1;
	classes = palloc(sizeof(Datum) * (total + 1));
	objects = palloc(sizeof(Datum) * (total + 1));

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ObjectKey);
	ctl.entrysize = sizeof(ObjectEntry);
	ctl.hcxt = CurrentMemoryContext;
	map = hash_create("pg_revisions diff objects", total + 1, &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (k = 0; k < (int) lengthof(sets); k++)
		for (i = 0; i < sets[k]->n; i++)
		{
			DiffItem   *it = &sets[k]->items[i];
			bool		column = sets[k] == &s->columns;

			CHECK_FOR_INTERRUPTS();
			it->deps = NIL;
			it->ddeps = NIL;
			enter(map, catalogs[k], it->oid, column ? it->attnum : 0, it, false,
				  sets[k] == &s->sequences);
			if (column && OidIsValid(it->defoid))
				enter(map, AttrDefaultRelationId, it->defoid, 0, it, true, false);
			if (sets[k] == &s->views && OidIsValid(it->defoid))
				enter(map, RewriteRelationId, it->defoid, 0, it, false, false);
			/* a composite type's relation; a domain's constraints */
			if (sets[k] == &s->types && OidIsValid(it->defoid))
				enter(map, RelationRelationId, it->defoid, 0, it, false, false);
			for (j = 0; sets[k] == &s->types && j < it->nconoids; j++)
				enter(map, ConstraintRelationId, it->conoids[j], 0, it, false, false);
			if (!involved(it))
				continue;
			if (column)
			{
				/* the columns of one table are contiguous */
				if (it->oid != last_table)
					want(classes, objects, &nwanted, RelationRelationId, it->oid);
				last_table = it->oid;
				want(classes, objects, &nwanted, AttrDefaultRelationId, it->defoid);
			}
			else if (sets[k] == &s->views)
				want(classes, objects, &nwanted, RewriteRelationId, it->defoid);
			else if (sets[k] == &s->types)
			{
				want(classes, objects, &nwanted, TypeRelationId, it->oid);
				want(classes, objects, &nwanted, RelationRelationId, it->defoid);
				for (j = 0; j < it->nconoids; j++)
					want(classes, objects, &nwanted, ConstraintRelationId, it->conoids[j]);
			}
			else if (sets[k] != &s->sequences && sets[k] != &s->enums && sets[k] != &s->tables)
				want(classes, objects, &nwanted, catalogs[k], it->oid);
		}

	if (nwanted > 0)
	{
		args[0] = PointerGetDatum(construct_array(classes, nwanted, OIDOID, sizeof(Oid),
												  true, TYPALIGN_INT));
		args[1] = PointerGetDatum(construct_array(objects, nwanted, OIDOID, sizeof(Oid),
												  true, TYPALIGN_INT));
		nest_level = NewGUCNestLevel();
		(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		if (depends_plan == NULL)
		{
			SPIPlanPtr	plan = SPI_prepare_cursor(depends_query, 2, argtypes,
												  CURSOR_OPT_GENERIC_PLAN);

			if (plan == NULL)
				elog(ERROR, "could not prepare the dependency query: %s",
					 SPI_result_code_string(SPI_result));
			if (SPI_keepplan(plan) != 0)
				elog(ERROR, "could not keep the plan of the dependency query");
			depends_plan = plan;
		}
		rc = SPI_execute_plan(depends_plan, args, NULL, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not read the dependencies of the objects: %s",
				 SPI_result_code_string(rc));
		AtEOXact_GUC(false, nest_level);
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
	}
	hash_destroy(map);
	pfree(classes);
	pfree(objects);

	for (i = 0; i < s->functions.n; i++)
		if (s->functions.items[i].body && involved(&s->functions.items[i]))
			scan_body(s, &s->functions.items[i]);
}
