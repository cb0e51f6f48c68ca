/*-------------------------------------------------------------------------
 *
 * diff_read.c
 *	  Reading one schema's objects into a DiffSchema (see diff.h).
 *
 * One bulk query per object kind, whatever the number of objects, with
 * definitions from the server's deparsers (pg_get_indexdef,
 * pg_get_constraintdef, pg_get_viewdef, pg_get_functiondef,
 * pg_get_triggerdef, format_type, pg_get_expr).  The queries run with
 * search_path = pg_catalog at a GUC nest level of their own, so the
 * deparsers qualify every name outside pg_catalog; diff_requalify then
 * turns the schema's own qualifier into the output schema's.  (With that
 * search_path, operators and unqualified functions can only resolve to
 * pg_catalog's: pg_temp is never searched for them.)  Objects that belong to
 * an extension are skipped: the extension creates them.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "diff_read_queries.h"

/* The queries in the order diff_read_schema_owners runs them. */
enum
{
	Q_TABLES, Q_COLUMNS, Q_CONSTRAINTS, Q_INDEXES, Q_SEQUENCES, Q_ENUMS, Q_VIEWS,
	Q_FUNCTIONS, Q_TRIGGERS, Q_POLICIES, Q_PARTITIONS, Q_TYPES, Q_EXTENSIONS,
	NUM_QUERIES
};

/*
 * Plans of the queries for reading given owners (diff_read_prepare): the
 * owner filter without its "all" branch, planned once, generic, so that a
 * read of a few owners costs index lookups and no planning.
 */
struct DiffReadPlans
{
	SPIPlanPtr	plans[NUM_QUERIES];
};

/*
 * Plans of the queries for reading every object of a schema (owners NULL),
 * kept for the session: generic, with the owner filter cut out of the text,
 * planned at the first read and reused by every read after it (rev_diff
 * reads two schemas a call).  Parsing and planning the queries each time
 * cost more than some of them take to run.
 */
static SPIPlanPtr whole_plans[NUM_QUERIES];

/*
 * The row of SPI_tuptable being read, deformed once (run_query resets it):
 * SPI_getbinval walks the tuple from its start for each column after a
 * variable-width one, and the readers take some 20 columns a row.
 */
static struct
{
	HeapTuple	tuple;			/* NULL: none deformed yet */
	Datum	   *values;
	bool	   *nulls;
}			current_row;

/* What the readers share while reading one schema. */
typedef struct Reader
{
	Oid			nsp;
	const char *name;			/* the schema's name */
	const char *out;			/* the output schema's name */
	ArrayType  *owners;			/* name[] of the owners to read; NULL: all */
	DiffReadPlans *plans;		/* NULL: plan each query for this read */
} Reader;

static int	run_query(Reader *r, int q, const char *query, DiffSet *set, bool all);
static SPIPlanPtr whole_plan(int q, const char *query);
static Datum row_value(int row, int col, bool *isnull);
static char *column(int row, int col);
static Oid	oid_column(int row, int col);
static int64 int8_column(int row, int col);
static char *qualified(Reader *r, int row, int col);
static char *make_key(const char *a, const char *b);
static int	compare_items(const void *a, const void *b);
static void sort_set(DiffSet *set);
static void read_labels(int row, int col, DiffItem *item);
static void read_oids(int row, int col, DiffItem *item);
static char *trim_end(char *text);
static char *only_removed(char *def);
static char *plain_index(Reader *r, int row, DiffItem *it);

/*
 * run_query
 *		Run one of the queries above for the schema (all owners, or those of
 *		r->owners) and size set for its rows, which the caller then fills
 *		from SPI_tuptable.  Not read-only: a fresh snapshot sees what the
 *		models just created (diff_autogen.c).
 */
static int
run_query(Reader *r, int q, const char *query, DiffSet *set, bool all)
{
	Oid			argtypes[2] = {OIDOID, NAMEARRAYOID};
	Datum		args[2] = {ObjectIdGetDatum(r->nsp), PointerGetDatum(r->owners)};
	char		nulls[2] = {' ', (all || r->owners == NULL) ? 'n' : ' '};
	int			rc;

	current_row.tuple = NULL;
	SPI_freetuptable(SPI_tuptable);
	if (r->plans)
		rc = SPI_execute_plan(r->plans->plans[q], args, nulls, false, 0);
	else if (r->owners == NULL)
		rc = SPI_execute_plan(whole_plan(q, query), args, nulls, false, 0);
	else
		rc = SPI_execute_with_args(query, 2, argtypes, args, nulls, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the objects of schema \"%s\": %s",
			 r->name, SPI_result_code_string(rc));
	set->n = (int) SPI_processed;
	set->items = palloc0(sizeof(DiffItem) * (set->n + 1));
	current_row.values = palloc(sizeof(Datum) * SPI_tuptable->tupdesc->natts);
	current_row.nulls = palloc(sizeof(bool) * SPI_tuptable->tupdesc->natts);
	return set->n;
}

/* Column col (1-based) of row of SPI_tuptable, as SPI_getbinval gives it. */
static Datum
row_value(int row, int col, bool *isnull)
{
	if (current_row.tuple != SPI_tuptable->vals[row])
	{
		current_row.tuple = SPI_tuptable->vals[row];
		heap_deform_tuple(current_row.tuple, SPI_tuptable->tupdesc, current_row.values,
						  current_row.nulls);
	}
	*isnull = current_row.nulls[col - 1];
	return current_row.values[col - 1];
}

/*
 * whole_plan
 *		The kept plan of query q (text query) for reading all owners,
 *		prepared at its first use.  The caller runs with search_path =
 *		pg_catalog, as every execution of the plan does.
 */
static SPIPlanPtr
whole_plan(int q, const char *query)
{
	Oid			argtypes[2] = {OIDOID, NAMEARRAYOID};
	StringInfoData text;
	const char *p = query;
	const char *filter;
	SPIPlanPtr	plan;

	Assert(q >= 0 && q < NUM_QUERIES);
	if (whole_plans[q] != NULL)
		return whole_plans[q];

	/* without OWNER_FILTER: $2 is always NULL here */
	initStringInfo(&text);
	while ((filter = strstr(p, " AND ($2 IS NULL OR ")) != NULL)
	{
		const char *end = strstr(filter, " = ANY ($2))");

		if (end == NULL)
			elog(ERROR, "schema query %d has an unterminated owner filter", q);
		appendBinaryStringInfo(&text, p, filter - p);
		p = end + strlen(" = ANY ($2))");
	}
	appendStringInfoString(&text, p);
	plan = SPI_prepare_cursor(text.data, 2, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "could not prepare a schema query: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan of a schema query");
	pfree(text.data);
	whole_plans[q] = plan;
	return plan;
}

/*
 * Column col (1-based) of row of SPI_tuptable as a string; NULL when null.
 * The types the queries return most are converted here, as their output
 * functions would: SPI_getvalue looks the output function up in the
 * catalog cache for every value, and the readers take some 20 values a row.
 */
static char *
column(int row, int col)
{
	TupleDesc	desc = SPI_tuptable->tupdesc;
	Oid			type = TupleDescAttr(desc, col - 1)->atttypid;
	bool		isnull;
	Datum		value;
	char		number[16];

	switch (type)
	{
		case TEXTOID:
		case NAMEOID:
		case BOOLOID:
		case CHAROID:
		case OIDOID:
		case INT4OID:
		case INT2OID:
			break;
		default:
			return SPI_getvalue(SPI_tuptable->vals[row], desc, col);
	}
	value = row_value(row, col, &isnull);
	if (isnull)
		return NULL;
	switch (type)
	{
		case TEXTOID:
			return TextDatumGetCString(value);
		case NAMEOID:
			return pstrdup(NameStr(*DatumGetName(value)));
		case BOOLOID:
			return pstrdup(DatumGetBool(value) ? "t" : "f");
		case CHAROID:
			{
				char		c = DatumGetChar(value);

				/* charout escapes the bytes with the high bit set */
				if (IS_HIGHBIT_SET(c))
					return SPI_getvalue(SPI_tuptable->vals[row], desc, col);
				return pnstrdup(&c, 1);
			}
		case OIDOID:
			snprintf(number, sizeof(number), "%u", DatumGetObjectId(value));
			break;
		case INT4OID:
			snprintf(number, sizeof(number), "%d", DatumGetInt32(value));
			break;
		default:
			snprintf(number, sizeof(number), "%d", (int) DatumGetInt16(value));
			break;
	}
	return pstrdup(number);
}

/* Column col (1-based) of row, an oid; InvalidOid when null. */
static Oid
oid_column(int row, int col)
{
	bool		isnull;
	Datum		value = row_value(row, col, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(value);
}

/* Column col (1-based) of row, a bigint; 0 when null. */
static int64
int8_column(int row, int col)
{
	bool		isnull;
	Datum		value = row_value(row, col, &isnull);

	return isnull ? 0 : DatumGetInt64(value);
}

/* Like column(), with the schema's qualifier turned into the output's. */
static char *
qualified(Reader *r, int row, int col)
{
	char	   *value = column(row, col);
	char	   *result;

	if (value == NULL)
		return NULL;
	result = diff_requalify(value, r->name, r->out);
	pfree(value);				/* diff_requalify made a copy */
	return result;
}

/*
 * "a" and "b" joined by a byte no name contains, as a sort key.  (Not
 * psprintf: it takes 128 bytes at least, and there is a key a column.)
 */
static char *
make_key(const char *a, const char *b)
{
	size_t		alen = strlen(a);
	size_t		blen = strlen(b);
	char	   *key = palloc(alen + blen + 2);

	memcpy(key, a, alen);
	key[alen] = '\x01';
	memcpy(key + alen + 1, b, blen + 1);
	return key;
}

/* qsort comparator: pointers to DiffItems, by key. */
static int
compare_items(const void *a, const void *b)
{
	return strcmp((*(DiffItem *const *) a)->key, (*(DiffItem *const *) b)->key);
}

/*
 * Sort a set by key and clear the match indexes.  Pointers are sorted, and
 * the items copied once into their order: a DiffItem is some 250 bytes,
 * and qsort moved them at each swap.
 */
static void
sort_set(DiffSet *set)
{
	int			i;

	if (set->n > 1)
	{
		DiffItem  **order = palloc(sizeof(DiffItem *) * set->n);
		DiffItem   *sorted = palloc0(sizeof(DiffItem) * (set->n + 1));

		for (i = 0; i < set->n; i++)
			order[i] = &set->items[i];
		qsort(order, set->n, sizeof(DiffItem *), compare_items);
		for (i = 0; i < set->n; i++)
			sorted[i] = *order[i];
		pfree(order);
		pfree(set->items);
		set->items = sorted;
	}
	for (i = 0; i < set->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		set->items[i].match = -1;
	}
}

/*
 * only_removed
 *		An index of a partitioned table deparses as CREATE INDEX ... ON ONLY
 *		t, which creates it on t alone, invalid: without ONLY it is created
 *		on the partitions too, as the models did.
 */
static char *
only_removed(char *def)
{
	char	   *only = strstr(def, " ON ONLY ");

	if (only)
		memmove(only + 3, only + 8, strlen(only + 8) + 1);
	return def;
}

/*
 * plain_index
 *		The definition of plain index it, of row of the indexes query, by
 *		diff_index_definition (columns 7 to 13: its pg_index row),
 *		qualified with the output schema.
 */
static char *
plain_index(Reader *r, int row, DiffItem *it)
{
	HeapTuple	tuple = SPI_tuptable->vals[row];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;
	char	   *def;

	def = diff_index_definition(it->oid, it->name, oid_column(row, 7), it->table, r->nsp,
								oid_column(row, 8),
								DatumGetBool(SPI_getbinval(tuple, desc, 9, &isnull)),
								(int2vector *) DatumGetPointer(SPI_getbinval(tuple, desc, 10, &isnull)),
								(oidvector *) DatumGetPointer(SPI_getbinval(tuple, desc, 11, &isnull)),
								(oidvector *) DatumGetPointer(SPI_getbinval(tuple, desc, 12, &isnull)),
								(int2vector *) DatumGetPointer(SPI_getbinval(tuple, desc, 13, &isnull)));
	return def ? diff_requalify(def, r->name, r->out) : NULL;
}

/* Strip the trailing semicolon and white space of a deparsed statement. */
static char *
trim_end(char *text)
{
	size_t		len = text ? strlen(text) : 0;

	while (len > 0 && (text[len - 1] == ';' || isspace((unsigned char) text[len - 1])))
		text[--len] = '\0';
	return text;
}

/* pstrdup that keeps NULL. */
static char *
copy_string(const char *text)
{
	return text ? pstrdup(text) : NULL;
}

/*
 * diff_copy_item
 *		*to = a deep copy of *from, in CurrentMemoryContext: every string
 *		and array the reader filled.  What a comparison sets (match,
 *		parent, dependencies, statements) is reset: the next diff sets it
 *		again.  A pointer field added to DiffItem must be copied here.
 */
void
diff_copy_item(DiffItem *to, const DiffItem *from)
{
	*to = *from;
	to->key = copy_string(from->key);
	to->name = copy_string(from->name);
	to->table = copy_string(from->table);
	to->def = copy_string(from->def);
	to->extra = copy_string(from->extra);
	to->comment = copy_string(from->comment);
	to->type = copy_string(from->type);
	to->defexpr = copy_string(from->defexpr);
	to->seqname = copy_string(from->seqname);
	to->seqalter = copy_string(from->seqalter);
	to->options = copy_string(from->options);
	to->body = copy_string(from->body);
	if (from->conoids)
	{
		to->conoids = palloc(sizeof(Oid) * (from->nconoids + 1));
		memcpy(to->conoids, from->conoids, sizeof(Oid) * from->nconoids);
	}
	if (from->labels)
	{
		to->labels = palloc(sizeof(char *) * (from->nlabels + 1));
		for (int l = 0; l < from->nlabels; l++)
			to->labels[l] = copy_string(from->labels[l]);
	}
	to->match = -1;
	to->parent = NULL;
	to->deps = NIL;
	to->ddeps = NIL;
	to->stmts = NIL;
	to->dstmts = NIL;
	to->privs = NULL;			/* rev_test compares no privileges */
}

/* Column col of row, an oid[], into item->conoids. */
static void
read_oids(int row, int col, DiffItem *item)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
									  col, &isnull);
	Datum	   *elems;
	int			i;

	if (isnull)
		return;
	deconstruct_array(DatumGetArrayTypeP(value), OIDOID, sizeof(Oid), true, TYPALIGN_INT,
					  &elems, NULL, &item->nconoids);
	item->conoids = palloc(sizeof(Oid) * (item->nconoids + 1));
	for (i = 0; i < item->nconoids; i++)
		item->conoids[i] = DatumGetObjectId(elems[i]);
}

/* Column col of row, a text[], into item->labels. */
static void
read_labels(int row, int col, DiffItem *item)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
									  col, &isnull);
	Datum	   *elems;
	int			i;

	if (isnull)
		return;
	deconstruct_array(DatumGetArrayTypeP(value), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, NULL, &item->nlabels);
	item->labels = palloc(sizeof(char *) * (item->nlabels + 1));
	for (i = 0; i < item->nlabels; i++)
	{
		CHECK_FOR_INTERRUPTS();
		item->labels[i] = TextDatumGetCString(elems[i]);
	}
}

/*
 * diff_read_schema
 *		Read the objects of schema nsp, their definitions qualified with
 *		schema "out" instead of nsp's own name.  The caller is connected to
 *		SPI; the result is allocated in CurrentMemoryContext.
 */
DiffSchema *
diff_read_schema(Oid nsp, const char *out)
{
	return diff_read_schema_owners(nsp, out, NULL, NULL, true);
}

/*
 * diff_empty_schema
 *		The model of a schema with no objects, its definitions qualified
 *		with "out" (what a schema is diffed against to build it from
 *		nothing, rev_squash).
 */
DiffSchema *
diff_empty_schema(const char *out)
{
	DiffSchema *s = palloc0(sizeof(DiffSchema));

	s->out = pstrdup(out);
	return s;
}

/*
 * diff_read_prepare
 *		Plan the queries of diff_read_schema_owners once, for reading given
 *		owners many times (rev_test).  The plans live until SPI_finish; the
 *		caller is connected to SPI.
 */
DiffReadPlans *
diff_read_prepare(void)
{
	const char *const texts[NUM_QUERIES] = {tables_query, columns_query, constraints_query,
		indexes_query, sequences_query, enums_query, views_query, functions_query,
	triggers_query, policies_query, partitions_query, types_query, extensions_query};
	Oid			argtypes[2] = {OIDOID, NAMEARRAYOID};
	DiffReadPlans *p = palloc0(sizeof(DiffReadPlans));
	int			nest_level = NewGUCNestLevel();

	/* Parsed as they run: operators and functions from pg_catalog only. */
	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	for (int q = 0; q < NUM_QUERIES; q++)
	{
		StringInfoData text;
		const char *rest = texts[q];
		const char *all;

		/* Owners always given (functions: always all, $2 NULL). */
		initStringInfo(&text);
		while (q != Q_FUNCTIONS && (all = strstr(rest, "$2 IS NULL OR ")) != NULL)
		{
			appendBinaryStringInfo(&text, rest, all - rest);
			rest = all + strlen("$2 IS NULL OR ");
		}
		appendStringInfoString(&text, rest);
		p->plans[q] = SPI_prepare_cursor(text.data, 2, argtypes, CURSOR_OPT_GENERIC_PLAN);
		if (p->plans[q] == NULL)
			elog(ERROR, "could not prepare a schema query: %s", SPI_result_code_string(SPI_result));
	}
	AtEOXact_GUC(false, nest_level);
	return p;
}

/*
 * diff_read_schema_owners
 *		diff_read_schema restricted to the objects of the owners named in
 *		owners (a name[]; NULL: every object): the tables, views, sequences
 *		and enum types of those names, with the columns, constraints,
 *		indexes and triggers of those tables and views.  Functions, when
 *		read, are all read: what uses them comes from other owners.  With
 *		plans (diff_read_prepare), owners must not be NULL, and functions
 *		says whether to read the functions (else none is returned).
 */
DiffSchema *
diff_read_schema_owners(Oid nsp, const char *out, ArrayType *owners, DiffReadPlans *plans,
						bool functions)
{
	DiffSchema *s = palloc0(sizeof(DiffSchema));
	Reader		r;
	int			nest_level;
	int			i;
	int			n;

	Assert(plans == NULL || owners != NULL);
	r.nsp = nsp;
	r.owners = owners;
	r.plans = plans;
	r.name = get_namespace_name(nsp);
	r.out = out;
	s->out = pstrdup(out);

	nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	/*
	 * Catalog queries never gain from JIT compilation, and the plans below
	 * (seqscan off: a disabled node's cost is huge) would always trigger it:
	 * compiling took more than the queries (rev_test 6x slower).
	 */
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (plans)
	{
		/*
		 * The generic plans are built at their first run: make them look
		 * the few owners up by index, whatever the size of the schema.
		 */
		(void) set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) set_config_option("enable_hashjoin", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
		(void) set_config_option("enable_mergejoin", "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}

	n = run_query(&r, Q_TABLES, tables_query, &s->tables, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->tables.items[i];

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = it->name;
		it->comment = column(i, 2);
		it->oid = oid_column(i, 3);
		it->options = column(i, 4);
		it->rls = column(i, 5)[0] == 't';
		it->force_rls = column(i, 6)[0] == 't';
		it->sub = column(i, 7)[0];
		it->def = qualified(&r, i, 8);	/* partition key */
	}

	n = run_query(&r, Q_PARTITIONS, partitions_query, &s->partitions, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->partitions.items[i];

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = it->name;
		it->table = column(i, 2);
		it->def = qualified(&r, i, 3);	/* bound */
		it->extra = qualified(&r, i, 4);	/* its own partition key */
		it->comment = column(i, 5);
		it->oid = oid_column(i, 6);
	}

	n = run_query(&r, Q_COLUMNS, columns_query, &s->columns, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->columns.items[i];
		char	   *identity = column(i, 7);
		char	   *generated = column(i, 8);

		CHECK_FOR_INTERRUPTS();
		it->table = column(i, 1);
		it->name = column(i, 2);
		it->key = make_key(it->table, it->name);
		it->type = qualified(&r, i, 3);
		it->typid = (Oid) strtoul(column(i, 4), NULL, 10);
		it->typmod = (int32) strtol(column(i, 5), NULL, 10);
		it->notnull = column(i, 6)[0] == 't';
		it->sub = identity ? identity[0] : '\0';
		it->generated = generated ? generated[0] : '\0';
		it->defexpr = qualified(&r, i, 9);
		it->extra = qualified(&r, i, 10);
		it->comment = column(i, 11);
		it->late_default = column(i, 12)[0] == 't';
		it->attnum = (int) strtol(column(i, 13), NULL, 10);
		it->oid = oid_column(i, 14);
		it->defoid = oid_column(i, 15);
		it->seqname = column(i, 16);	/* identity columns */
		it->def = column(i, 17);
		it->seqmin = int8_column(i, 18);
		it->seqmax = int8_column(i, 19);
		it->seqalter = column(i, 20);
		it->storage = column(i, 21)[0];
		it->typstorage = column(i, 22)[0];
		it->compression = column(i, 23)[0];
	}

	n = run_query(&r, Q_CONSTRAINTS, constraints_query, &s->constraints, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->constraints.items[i];

		CHECK_FOR_INTERRUPTS();
		it->table = column(i, 1);
		it->name = column(i, 2);
		it->key = make_key(it->table, it->name);
		it->sub = column(i, 3)[0];
		it->def = qualified(&r, i, 4);
		it->comment = column(i, 5);
		it->extra = column(i, 6);	/* referenced table */
		it->oid = oid_column(i, 7);
	}

	n = run_query(&r, Q_INDEXES, indexes_query, &s->indexes, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->indexes.items[i];

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = it->name;
		it->table = column(i, 2);
		it->sub = column(i, 3)[0];
		it->def = qualified(&r, i, 4);
		it->comment = column(i, 5);
		it->oid = oid_column(i, 6);
		if (column(i, 14)[0] == 't')
			it->def = plain_index(&r, i, it);
		if (it->sub == 'p')
			it->def = only_removed(it->def);
	}

	n = run_query(&r, Q_SEQUENCES, sequences_query, &s->sequences, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->sequences.items[i];

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = it->name;
		it->def = column(i, 2);
		it->table = column(i, 3);	/* owning column, if any */
		it->extra = column(i, 4);
		it->comment = column(i, 5);
		it->oid = oid_column(i, 6);
		it->seqmin = int8_column(i, 7);
		it->seqmax = int8_column(i, 8);
	}

	n = run_query(&r, Q_ENUMS, enums_query, &s->enums, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->enums.items[i];

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = it->name;
		read_labels(i, 2, it);
		it->comment = column(i, 3);
		it->oid = oid_column(i, 4);
	}

	n = run_query(&r, Q_VIEWS, views_query, &s->views, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->views.items[i];

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = it->name;
		it->sub = column(i, 2)[0];
		it->def = trim_end(qualified(&r, i, 3));
		it->comment = column(i, 4);
		read_labels(i, 5, it);
		it->oid = oid_column(i, 6);
		it->defoid = oid_column(i, 7);
		it->options = column(i, 8);
	}

	n = (plans && !functions) ? 0 :
		run_query(&r, Q_FUNCTIONS, functions_query, &s->functions, true);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->functions.items[i];
		char	   *args = qualified(&r, i, 2);

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = psprintf("%s(%s)", it->name, args);
		it->table = args;		/* identity arguments, for DROP */
		it->sub = column(i, 3)[0];
		it->def = trim_end(qualified(&r, i, 4));
		it->extra = qualified(&r, i, 5);
		it->comment = column(i, 6);
		it->atomic = column(i, 7)[0] == 't';
		read_labels(i, 8, it);	/* what uses it: kind letter + key */
		it->oid = oid_column(i, 9);
		it->body = column(i, 10);
	}

	n = run_query(&r, Q_TRIGGERS, triggers_query, &s->triggers, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->triggers.items[i];

		CHECK_FOR_INTERRUPTS();
		it->table = column(i, 1);
		it->name = column(i, 2);
		it->key = make_key(it->table, it->name);
		it->def = qualified(&r, i, 3);
		it->comment = column(i, 4);
		it->oid = oid_column(i, 5);
		it->sub = column(i, 6)[0];	/* tgenabled */
	}

	n = run_query(&r, Q_POLICIES, policies_query, &s->policies, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->policies.items[i];

		CHECK_FOR_INTERRUPTS();
		it->table = column(i, 1);
		it->name = column(i, 2);
		it->key = make_key(it->table, it->name);
		it->def = qualified(&r, i, 3);
		it->comment = column(i, 4);
		it->oid = oid_column(i, 5);
	}

	n = run_query(&r, Q_TYPES, types_query, &s->types, false);
	for (i = 0; i < n; i++)
	{
		DiffItem   *it = &s->types.items[i];
		int			j;

		CHECK_FOR_INTERRUPTS();
		it->name = column(i, 1);
		it->key = it->name;
		it->sub = column(i, 2)[0];
		it->type = qualified(&r, i, 3);
		it->extra = qualified(&r, i, 4);	/* collation */
		it->defexpr = qualified(&r, i, 5);
		it->notnull = column(i, 6)[0] == 't';
		read_labels(i, 7, it);
		for (j = 0; j < it->nlabels; j++)
			it->labels[j] = diff_requalify(it->labels[j], r.name, r.out);
		it->comment = column(i, 8);
		it->oid = oid_column(i, 9);
		it->defoid = oid_column(i, 10);	/* composite: its relation */
		read_oids(i, 11, it);
	}

	n = run_query(&r, Q_EXTENSIONS, extensions_query, &s->extensions, true);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		s->extensions.items[i].name = column(i, 1);
		s->extensions.items[i].key = s->extensions.items[i].name;
		s->extensions.items[i].def = column(i, 2);	/* version */
		s->extensions.items[i].extra = column(i, 3);	/* default version */
	}
	SPI_freetuptable(SPI_tuptable);

	sort_set(&s->tables);
	sort_set(&s->columns);
	sort_set(&s->constraints);
	sort_set(&s->indexes);
	sort_set(&s->sequences);
	sort_set(&s->enums);
	sort_set(&s->views);
	sort_set(&s->functions);
	sort_set(&s->triggers);
	sort_set(&s->policies);
	sort_set(&s->types);
	sort_set(&s->extensions);
	sort_set(&s->partitions);
	if (pgrev_diff_privileges && owners == NULL)
		diff_read_privileges(s, nsp, r.name);

	AtEOXact_GUC(false, nest_level);
	return s;
}

/*
 * diff_match
 *		Pair the items of two sorted sets by key: each item's match is the
 *		index of the item with the same key in the other set, or -1.
 */
void
diff_match(DiffSet *a, DiffSet *b)
{
	int			i = 0;
	int			j = 0;

	while (i < a->n && j < b->n)
	{
		int			cmp = strcmp(a->items[i].key, b->items[j].key);

		CHECK_FOR_INTERRUPTS();
		if (cmp < 0)
			a->items[i++].match = -1;
		else if (cmp > 0)
			b->items[j++].match = -1;
		else
		{
			a->items[i].match = j;
			b->items[j].match = i;
			i++;
			j++;
		}
	}
	for (; i < a->n; i++)
		a->items[i].match = -1;
	for (; j < b->n; j++)
		b->items[j].match = -1;
}

/* The index of key in a sorted set, or -1. */
int
diff_find(DiffSet *set, const char *key)
{
	int			lo = 0;
	int			hi = set->n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = strcmp(set->items[mid].key, key);

		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}
