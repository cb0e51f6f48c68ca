/*-------------------------------------------------------------------------
 *
 * diff_tables.c
 *	  The statements for tables, columns, sequences and enum types.
 *
 * Tables are matched by name, columns by table and name; a column is
 * changed in place with ALTER COLUMN (TYPE ... USING, through text when
 * the types have no cast; SET/DROP DEFAULT, SET/DROP NOT NULL, ADD/SET/DROP
 * IDENTITY), except a change of generation expression, which drops and adds
 * the column.  A type change that is not a
 * widening (int2 -> int4 -> int8, float4 -> float8, varchar(n) -> larger or
 * text, numeric precision up) is flagged as destructive.  New enum values
 * are added with ADD VALUE ... BEFORE/AFTER; removed or reordered values
 * rebuild the type and convert the columns using it.  A sequence owned by a
 * column travels with it: dropping the column drops it.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"

static bool is_widening(DiffItem *from, DiffItem *to);
static char *column_definition(DiffOutput *o, DiffItem *col);
static const char *compression_name(char method);
static const char *storage_name(char storage);
static void set_storage(DiffOutput *o, const char *qtable, DiffItem *col, char was);
static void row_security(DiffOutput *o, const char *qtable, DiffItem *f, DiffItem *t);
static void create_table(DiffSchema *to, DiffItem *table, DiffOutput *o);
static void add_column(DiffItem *col, const char *qtable, bool late, DiffOutput *o);
static bool type_changes(DiffItem *f, DiffItem *t);
static void alter_column(DiffItem *f, DiffItem *t, const char *qtable, bool types_change,
						 DiffItem *ftable, DiffOutput *o);
static void diff_columns(DiffSchema *from, DiffSchema *to, DiffItem *ft,
						 DiffOutput *o);
static bool owner_gone(DiffSchema *from, DiffItem *f);
static void diff_sequences(DiffSchema *from, DiffSchema *to, DiffOutput *o);
static char *enum_labels(DiffItem *e);
static bool is_subsequence(DiffItem *f, DiffItem *t);
static void rebuild_enum(DiffSchema *from, DiffSchema *to, DiffItem *f,
						 DiffItem *t, DiffOutput *o);
static void diff_enums(DiffSchema *from, DiffSchema *to, DiffOutput *o);

/* Precision and scale of a numeric typmod (not -1). */
#define NUMERIC_PRECISION(typmod) ((((typmod) - VARHDRSZ) >> 16) & 0xffff)
#define NUMERIC_SCALE(typmod) (((((typmod) - VARHDRSZ) & 0x7ff) ^ 1024) - 1024)

/*
 * is_widening
 *		Does changing a column's type from "from" to "to" keep every value?
 *		Only the listed built-in widenings do; anything else is flagged.
 */
static bool
is_widening(DiffItem *from, DiffItem *to)
{
	Oid			f = from->typid;
	Oid			t = to->typid;

	if ((f == INT2OID && (t == INT4OID || t == INT8OID)) ||
		(f == INT4OID && t == INT8OID) ||
		(f == FLOAT4OID && t == FLOAT8OID) ||
		((f == INT2OID || f == INT4OID || f == INT8OID) && t == NUMERICOID && to->typmod < 0))
		return true;
	if ((f == VARCHAROID || f == TEXTOID) && t == TEXTOID)
		return true;
	if ((f == VARCHAROID || f == TEXTOID) && t == VARCHAROID && to->typmod < 0)
		return true;
	if (f == VARCHAROID && t == VARCHAROID)
		return from->typmod >= 0 && to->typmod >= from->typmod;
	if (f == NUMERICOID && t == NUMERICOID)
	{
		if (to->typmod < 0)
			return true;
		if (from->typmod < 0)
			return false;
		return NUMERIC_SCALE(to->typmod) >= NUMERIC_SCALE(from->typmod) &&
			NUMERIC_PRECISION(to->typmod) - NUMERIC_SCALE(to->typmod) >=
			NUMERIC_PRECISION(from->typmod) - NUMERIC_SCALE(from->typmod);
	}
	return false;
}

/*
 * column_definition
 *		A column as written in CREATE TABLE or ADD COLUMN: name, type,
 *		collation, generation or identity (with its sequence's name and
 *		options), default (unless it calls a user
 *		function: then it is set once the functions exist), NOT NULL.
 */
static char *
column_definition(DiffOutput *o, DiffItem *col)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s", quote_identifier(col->name), col->type);
	if (col->extra)
		appendStringInfo(&buf, " COLLATE %s", col->extra);
	if (col->generated == 's')
		appendStringInfo(&buf, " GENERATED ALWAYS AS (%s) STORED", col->defexpr);
	else if (col->sub)
		appendStringInfo(&buf, " GENERATED %s AS IDENTITY (SEQUENCE NAME %s %s)",
						 col->sub == 'a' ? "ALWAYS" : "BY DEFAULT",
						 diff_qname(o, col->seqname), col->def);
	else if (col->defexpr && !col->late_default)
		appendStringInfo(&buf, " DEFAULT %s", col->defexpr);
	if (col->notnull)
		appendStringInfoString(&buf, " NOT NULL");
	if (col->compression)
		appendStringInfo(&buf, " COMPRESSION %s", compression_name(col->compression));
	return buf.data;
}

/* The name of a compression method (attcompression), for SET COMPRESSION. */
static const char *
compression_name(char method)
{
	switch (method)
	{
		case 'p':
			return "pglz";
		case 'l':
			return "lz4";
		default:
			return "default";
	}
}

/* The keyword of a storage mode (attstorage), for SET STORAGE. */
static const char *
storage_name(char storage)
{
	switch (storage)
	{
		case 'p':
			return "PLAIN";
		case 'e':
			return "EXTERNAL";
		case 'm':
			return "MAIN";
		default:
			return "EXTENDED";
	}
}

/*
 * set_storage
 *		SET STORAGE for column col of qtable when it is not was (for a new
 *		column: its type's default); CREATE TABLE has no STORAGE clause
 *		before PostgreSQL 16.
 */
static void
set_storage(DiffOutput *o, const char *qtable, DiffItem *col, char was)
{
	if (col->storage != was)
		diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s",
				  qtable, quote_identifier(col->name), storage_name(col->storage));
}

/*
 * row_security
 *		ENABLE/DISABLE and FORCE/NO FORCE ROW LEVEL SECURITY of table t (f:
 *		the same table before, or NULL when it is created).
 */
static void
row_security(DiffOutput *o, const char *qtable, DiffItem *f, DiffItem *t)
{
	if (t->rls != (f ? f->rls : false))
		diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s %s ROW LEVEL SECURITY", qtable,
				  t->rls ? "ENABLE" : "DISABLE");
	if (t->force_rls != (f ? f->force_rls : false))
		diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s %s ROW LEVEL SECURITY", qtable,
				  t->force_rls ? "FORCE" : "NO FORCE");
}

/* Order of columns by attnum, for qsort. */
static int
compare_attnum(const void *a, const void *b)
{
	return (*(DiffItem *const *) a)->attnum - (*(DiffItem *const *) b)->attnum;
}

/*
 * create_table
 *		CREATE TABLE for a table of "to" that "from" lacks, with its columns
 *		in their order; late defaults, generated columns calling user
 *		functions and comments in their stages.
 */
static void
create_table(DiffSchema *to, DiffItem *table, DiffOutput *o)
{
	char	   *qtable = diff_qname(o, table->name);
	int			end;
	int			start = diff_table_columns(&to->columns, table->name, &end);
	int			ncols = start < 0 ? 0 : end - start;
	DiffItem  **cols = palloc(sizeof(DiffItem *) * (ncols + 1));
	StringInfoData buf;
	bool		first;
	int			i;

	for (i = 0; i < ncols; i++)
		cols[i] = &to->columns.items[start + i];
	qsort(cols, ncols, sizeof(DiffItem *), compare_attnum);

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE TABLE %s (", qtable);
	for (i = 0, first = true; i < ncols; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (cols[i]->generated && cols[i]->late_default)
			continue;			/* added once its functions exist */
		appendStringInfo(&buf, "%s\n    %s", first ? "" : ",", column_definition(o, cols[i]));
		first = false;
	}
	appendStringInfoString(&buf, first ? ")" : "\n)");
	if (table->def)
		appendStringInfo(&buf, " PARTITION BY %s", table->def);
	if (table->options)
		appendStringInfo(&buf, " WITH (%s)", table->options);
	diff_for(diff_emit(o, STAGE_CREATE_TABLE, NULL, "%s", buf.data), table);

	diff_comment(o, psprintf("TABLE %s", qtable), table->comment, NULL, true);
	row_security(o, qtable, NULL, table);
	for (i = 0; i < ncols; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (cols[i]->generated && cols[i]->late_default)
		{
			add_column(cols[i], qtable, false, o);
			continue;
		}
		set_storage(o, qtable, cols[i], cols[i]->typstorage);
		if (cols[i]->late_default && !cols[i]->generated)
			diff_for_default(diff_emit(o, STAGE_SET_DEFAULT, NULL,
									   "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
									   qtable, quote_identifier(cols[i]->name), cols[i]->defexpr),
							 cols[i]);
		diff_comment(o, psprintf("COLUMN %s.%s", qtable, quote_identifier(cols[i]->name)),
					 cols[i]->comment, NULL, true);
	}
}

/*
 * add_column
 *		ADD COLUMN for a column new in an existing table; a generated column
 *		calling a user function is added once the functions exist, and so is
 *		one re-added (late: after every type change of its table).
 */
static void
add_column(DiffItem *col, const char *qtable, bool late, DiffOutput *o)
{
	diff_for(diff_emit(o, col->generated && (late || col->late_default) ? STAGE_SET_DEFAULT : STAGE_ALTER_COLUMN,
					   NULL, "ALTER TABLE %s ADD COLUMN %s", qtable, column_definition(o, col)),
			 col);
	set_storage(o, qtable, col, col->typstorage);
	if (col->late_default && !col->generated)
		diff_for_default(diff_emit(o, STAGE_SET_DEFAULT, NULL, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
								   qtable, quote_identifier(col->name), col->defexpr),
						 col);
	diff_comment(o, psprintf("COLUMN %s.%s", qtable, quote_identifier(col->name)),
				 col->comment, NULL, true);
}

/* Whether column f of "from" changes type (or collation) to become t. */
static bool
type_changes(DiffItem *f, DiffItem *t)
{
	return !diff_str_equal(f->type, t->type) || !diff_str_equal(f->extra, t->extra);
}

/*
 * alter_column
 *		The statements changing column f into t, in place when possible.
 *		Marks ftable altered when the column is dropped or its type changes
 *		(views reading it are then rebuilt), rebuilt when it is re-added
 *		(its indexes and constraints are then rebuilt).  types_change: a
 *		plain column of the table changes type; a generated column, which
 *		may read it (PostgreSQL then refuses the type change), is dropped
 *		first and re-added after.
 */
static void
alter_column(DiffItem *f, DiffItem *t, const char *qtable, bool types_change,
			 DiffItem *ftable, DiffOutput *o)
{
	const char *qcol = quote_identifier(t->name);
	bool		type_changed = type_changes(f, t);
	bool		default_changed = !diff_str_equal(f->defexpr, t->defexpr);
	bool		default_dropped = false;

	/* f->rebuild: its expression calls a function dropped and created again */
	if (f->generated != t->generated ||
		(f->generated && (f->rebuild || types_change || !diff_str_equal(f->defexpr, t->defexpr))))
	{
		DiffStmt   *drop;

		drop = diff_emit(o, f->generated ? STAGE_DROP_GENERATED : STAGE_DROP_COLUMN,
				  psprintf(!f->generated ?
						   "drops column %s.%s and its data: it is re-added as a generated column" :
						   f->generated != t->generated || f->rebuild || !diff_str_equal(f->defexpr, t->defexpr) ?
						   "drops generated column %s.%s to re-add it with a new definition (its values are recomputed)" :
						   "drops generated column %s.%s to re-add it after the type change of a column it may read (its values are recomputed)",
						   qtable, qcol),
				  "ALTER TABLE %s DROP COLUMN %s", qtable, qcol);
		diff_for(drop, f);
		add_column(t, qtable, true, o);
		ftable->altered = true;
		ftable->rebuild = true;
		return;
	}

	/*
	 * A default that changes, or that may not survive a type change, is
	 * dropped early (before functions it calls may be dropped) and set again
	 * late (after functions it calls are created), as is one calling a
	 * function dropped and created again (f->rebuild).  t->rebuild: its enum
	 * type was rebuilt, which already dropped the default.
	 */
	if (f->defexpr && !t->rebuild && (type_changed || default_changed || f->rebuild))
	{
		diff_for_default(diff_emit(o, STAGE_DROP_COLUMN, NULL,
								   "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", qtable, qcol),
						 f);
		default_dropped = true;
	}
	if (t->defexpr && (default_dropped || t->rebuild || default_changed))
		diff_for_default(diff_emit(o, STAGE_SET_DEFAULT, NULL,
								   "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
								   qtable, qcol, t->defexpr),
						 t);

	/*
	 * An identity goes early: before a type change (the new type may not
	 * allow it) and before a sequence takes its sequence's name (an identity
	 * column becoming serial).
	 */
	if (f->sub && !t->sub)
		diff_emit(o, STAGE_DISOWN_SEQUENCE,
				  psprintf("drops the identity of %s.%s and its sequence %s (and its current value)",
						   qtable, qcol, diff_qname(o, f->seqname)),
				  "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY", qtable, qcol);
	if (type_changed)
	{
		char	   *loss = NULL;
		Oid			funcid;
		bool		direct;

		if (!is_widening(f, t) && !diff_str_equal(f->type, t->type))
			loss = psprintf("changes the type of %s.%s from %s to %s: values that do not fit are lost or make the conversion fail",
							qtable, qcol, f->type, t->type);
		/* no cast between the types (date -> int, int -> enum): through text */
		direct = find_coercion_pathway(t->typid, f->typid, COERCION_EXPLICIT,
									   &funcid) != COERCION_PATH_NONE;
		/* the column stops needing its old type: a drop of it waits for this */
		diff_for(diff_emit(o, STAGE_ALTER_COLUMN, loss, "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s USING %s%s::%s",
						   qtable, qcol, t->type, t->extra ? " COLLATE " : "", t->extra ? t->extra : "",
						   qcol, direct ? "" : "::text", t->type),
				 f);
		ftable->altered = true;
	}

	if (t->notnull && !f->notnull)
		diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL",
				  qtable, qcol);
	if (f->sub != t->sub && t->sub)
	{
		const char *how = t->sub == 'a' ? "ALWAYS" : "BY DEFAULT";

		if (!f->sub)
			diff_emit(o, STAGE_ALTER_COLUMN, NULL,
					  "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY (SEQUENCE NAME %s %s)",
					  qtable, qcol, how, diff_qname(o, t->seqname), t->def);
		else
			diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s",
					  qtable, qcol, how);
	}
	if (f->sub && t->sub)
	{
		/* its sequence's name and options, in one statement the server accepts */
		char	   *qseq = diff_qname(o, t->seqname);

		if (!diff_str_equal(f->seqname, t->seqname))
			diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER SEQUENCE %s RENAME TO %s",
					  diff_qname(o, f->seqname), quote_identifier(t->seqname));
		if (!diff_str_equal(f->def, t->def))
		{
			diff_clamp_sequence(o, STAGE_ALTER_COLUMN, qseq, f->seqmin, f->seqmax,
								t->seqmin, t->seqmax);
			diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s ALTER COLUMN %s %s",
					  qtable, qcol, t->seqalter);
		}
	}
	if (!t->notnull && f->notnull)
		diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL",
				  qtable, qcol);
	/* a type change gives the column its new type's storage */
	set_storage(o, qtable, t, type_changed ? t->typstorage : f->storage);
	if (f->compression != t->compression)
		diff_emit(o, STAGE_ALTER_COLUMN, NULL, "ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s",
				  qtable, qcol, compression_name(t->compression));

	diff_comment(o, psprintf("COLUMN %s.%s", qtable, qcol), t->comment, f->comment, false);
}

/*
 * diff_columns
 *		The column statements for table ft of "from", which "to" also has.
 */
static void
diff_columns(DiffSchema *from, DiffSchema *to, DiffItem *ft, DiffOutput *o)
{
	char	   *qtable = diff_qname(o, ft->name);
	int			fend;
	int			tend;
	int			fstart = diff_table_columns(&from->columns, ft->name, &fend);
	int			tstart = diff_table_columns(&to->columns, ft->name, &tend);
	bool		types_change = false;
	int			i;

	for (i = fstart; fstart >= 0 && i < fend; i++)
		if (from->columns.items[i].match >= 0 && !from->columns.items[i].generated &&
			type_changes(&from->columns.items[i], &to->columns.items[from->columns.items[i].match]))
			types_change = true;
	for (i = fstart; fstart >= 0 && i < fend; i++)
	{
		DiffItem   *f = &from->columns.items[i];

		CHECK_FOR_INTERRUPTS();
		if (f->match < 0)
		{
			diff_for(diff_emit(o, f->generated ? STAGE_DROP_GENERATED : STAGE_DROP_COLUMN,
							   psprintf("drops column %s.%s and its data", qtable, quote_identifier(f->name)),
							   "ALTER TABLE %s DROP COLUMN %s", qtable, quote_identifier(f->name)),
					 f);
			ft->altered = true;
		}
		else
			alter_column(f, &to->columns.items[f->match], qtable, types_change, ft, o);
	}
	if (tstart >= 0)
	{
		int			ncols = tend - tstart;
		DiffItem  **cols = palloc(sizeof(DiffItem *) * (ncols + 1));
		int			nnew = 0;

		for (i = tstart; i < tend; i++)
			if (to->columns.items[i].match < 0)
				cols[nnew++] = &to->columns.items[i];
		qsort(cols, nnew, sizeof(DiffItem *), compare_attnum);
		for (i = 0; i < nnew; i++)
		{
			CHECK_FOR_INTERRUPTS();
			add_column(cols[i], qtable, false, o);
		}
	}
}

/*
 * owner_gone
 *		Is sequence f of "from" owned by a column that is dropped (or
 *		recreated with its table)?  Then it is disowned first, so that it
 *		survives, and owned again if it must be.
 */
static bool
owner_gone(DiffSchema *from, DiffItem *f)
{
	char	   *key;
	int			c;

	if (f->table == NULL)
		return false;
	key = psprintf("%s\x01%s", f->table, f->extra);
	c = diff_find(&from->columns, key);
	pfree(key);
	return c < 0 || from->columns.items[c].match < 0;
}

/*
 * diff_sequences
 *		Sequences that are not identity sequences: created, altered, owned
 *		by their column, dropped unless their owning column's drop takes
 *		them along.
 */
static void
diff_sequences(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < from->sequences.n; i++)
	{
		DiffItem   *f = &from->sequences.items[i];
		DiffItem   *t = f->match >= 0 ? &to->sequences.items[f->match] : NULL;
		bool		owner_dropped = owner_gone(from, f);

		CHECK_FOR_INTERRUPTS();
		if (t == NULL && !owner_dropped)
			diff_for(diff_emit(o, STAGE_DROP_SEQUENCE,
							   psprintf("drops sequence %s and its current value", diff_qname(o, f->name)),
							   "DROP SEQUENCE %s", diff_qname(o, f->name)),
					 f);
		else if (t && owner_dropped)
			diff_emit(o, STAGE_DISOWN_SEQUENCE, NULL, "ALTER SEQUENCE %s OWNED BY NONE",
					  diff_qname(o, f->name));
	}
	for (i = 0; i < to->sequences.n; i++)
	{
		DiffItem   *t = &to->sequences.items[i];
		DiffItem   *f = t->match >= 0 ? &from->sequences.items[t->match] : NULL;
		char	   *qseq = diff_qname(o, t->name);

		CHECK_FOR_INTERRUPTS();
		if (f == NULL)
			diff_for(diff_emit(o, STAGE_CREATE_SEQUENCE, NULL, "CREATE SEQUENCE %s %s", qseq, t->def),
					 t);
		else if (!diff_str_equal(f->def, t->def))
		{
			diff_clamp_sequence(o, STAGE_CREATE_SEQUENCE, qseq, f->seqmin, f->seqmax,
								t->seqmin, t->seqmax);
			diff_emit(o, STAGE_CREATE_SEQUENCE, NULL, "ALTER SEQUENCE %s %s", qseq, t->def);
		}
		if (t->table && (f == NULL || owner_gone(from, f) || !diff_str_equal(f->table, t->table) ||
						 !diff_str_equal(f->extra, t->extra)))
			diff_emit(o, STAGE_OWN_SEQUENCE, NULL, "ALTER SEQUENCE %s OWNED BY %s.%s",
					  qseq, diff_qname(o, t->table), quote_identifier(t->extra));
		else if (!t->table && f && f->table)
			diff_emit(o, STAGE_OWN_SEQUENCE, NULL, "ALTER SEQUENCE %s OWNED BY NONE", qseq);
		diff_comment(o, psprintf("SEQUENCE %s", qseq), t->comment, f ? f->comment : NULL,
					 f == NULL);
	}
}

/* The labels of an enum as a list of literals. */
static char *
enum_labels(DiffItem *e)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < e->nlabels; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", quote_literal_cstr(e->labels[i]));
	return buf.data;
}

/* Are f's labels a subsequence of t's, in the same order? */
static bool
is_subsequence(DiffItem *f, DiffItem *t)
{
	int			i = 0;
	int			j;

	for (j = 0; j < t->nlabels && i < f->nlabels; j++)
		if (strcmp(f->labels[i], t->labels[j]) == 0)
			i++;
	return i == f->nlabels;
}

/*
 * rebuild_enum
 *		Values of enum f were removed or reordered: rename the old type,
 *		create t, convert every column that keeps the type through text,
 *		drop the old type at the end of the script.  The converted columns'
 *		defaults are set again (alter_column, through t->rebuild).
 */
static void
rebuild_enum(DiffSchema *from, DiffSchema *to, DiffItem *f, DiffItem *t,
			 DiffOutput *o)
{
	char	   *qtype = diff_qname(o, t->name);
	char	   *old = diff_aside_name(t->name);
	char	   *qarray = psprintf("%s[]", qtype);
	StringInfoData removed;
	int			i;
	int			j;

	initStringInfo(&removed);
	for (i = 0; i < f->nlabels; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < t->nlabels; j++)
			if (strcmp(f->labels[i], t->labels[j]) == 0)
				break;
		if (j == t->nlabels)
			appendStringInfo(&removed, "%s%s", removed.len ? ", " : "",
							 quote_literal_cstr(f->labels[i]));
	}
	diff_emit(o, STAGE_CREATE_TYPE,
			  psprintf("rebuilds enum type %s (values %s): %s%s", qtype,
					   removed.len ? "removed or reordered" : "reordered",
					   removed.len ? "rows holding a removed value " : "no value is lost",
					   removed.len ? psprintf("(%s) make the conversion fail", removed.data) : ""),
			  "ALTER TYPE %s RENAME TO %s", qtype, quote_identifier(old));
	diff_for(diff_emit(o, STAGE_CREATE_TYPE, NULL, "CREATE TYPE %s AS ENUM (%s)", qtype, enum_labels(t)),
			 t);
	for (i = 0; i < from->columns.n; i++)
	{
		DiffItem   *fc = &from->columns.items[i];
		DiffItem   *tc = fc->match >= 0 ? &to->columns.items[fc->match] : NULL;
		bool		array;
		char	   *qtable;

		CHECK_FOR_INTERRUPTS();
		if (tc == NULL || !diff_str_equal(fc->type, tc->type))
			continue;
		if (strcmp(fc->type, qtype) == 0)
			array = false;
		else if (strcmp(fc->type, qarray) == 0)
			array = true;
		else
			continue;
		qtable = diff_qname(o, fc->table);
		if (fc->defexpr)
			diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT",
					  qtable, quote_identifier(fc->name));
		diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text%s::%s",
				  qtable, quote_identifier(fc->name), fc->type, quote_identifier(fc->name),
				  array ? "[]" : "", fc->type);
		tc->rebuild = true;
		j = diff_find(&from->tables, fc->table);
		if (j >= 0)
			from->tables.items[j].altered = true;
	}
	diff_emit(o, STAGE_CLEANUP, NULL, "DROP TYPE %s.%s", o->out, quote_identifier(old));
	o->rebuilt_types = lappend(o->rebuilt_types, qtype);
}

/*
 * diff_enums
 *		Enum types: created, dropped, values added in place, or rebuilt.
 */
static void
diff_enums(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < from->enums.n; i++)
		if (from->enums.items[i].match < 0)
			diff_for(diff_emit(o, STAGE_DROP_TYPE,
							   psprintf("drops enum type %s (the columns using it were dropped before)",
										diff_qname(o, from->enums.items[i].name)),
							   "DROP TYPE %s", diff_qname(o, from->enums.items[i].name)),
					 &from->enums.items[i]);
	for (i = 0; i < to->enums.n; i++)
	{
		DiffItem   *t = &to->enums.items[i];
		DiffItem   *f = t->match >= 0 ? &from->enums.items[t->match] : NULL;
		char	   *qtype = diff_qname(o, t->name);
		bool		fresh = f == NULL;
		int			j;

		CHECK_FOR_INTERRUPTS();
		if (f == NULL)
			diff_for(diff_emit(o, STAGE_CREATE_TYPE, NULL, "CREATE TYPE %s AS ENUM (%s)", qtype,
							   enum_labels(t)),
					 t);
		else if (is_subsequence(f, t))
		{
			for (j = 0; j < t->nlabels; j++)
			{
				int			k;

				CHECK_FOR_INTERRUPTS();
				for (k = 0; k < f->nlabels; k++)
					if (strcmp(f->labels[k], t->labels[j]) == 0)
						break;
				if (k < f->nlabels)
					continue;
				if (j > 0)
					diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TYPE %s ADD VALUE %s AFTER %s", qtype,
							  quote_literal_cstr(t->labels[j]), quote_literal_cstr(t->labels[j - 1]));
				else if (f->nlabels > 0)
					diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TYPE %s ADD VALUE %s BEFORE %s", qtype,
							  quote_literal_cstr(t->labels[j]), quote_literal_cstr(f->labels[0]));
				else
					diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TYPE %s ADD VALUE %s", qtype,
							  quote_literal_cstr(t->labels[j]));
			}
		}
		else
		{
			/* the new type has no comment yet */
			rebuild_enum(from, to, f, t, o);
			fresh = true;
		}
		diff_comment(o, psprintf("TYPE %s", qtype), t->comment, f ? f->comment : NULL, fresh);
	}
}

/*
 * diff_tables
 *		The statements for enums, sequences, tables and columns.  Sets the
 *		altered and rebuild marks of "from"'s tables for diff_objects.
 */
void
diff_tables(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	diff_enums(from, to, o);
	diff_types(from, to, o);
	diff_sequences(from, to, o);
	for (i = 0; i < from->tables.n; i++)
	{
		DiffItem   *f = &from->tables.items[i];

		CHECK_FOR_INTERRUPTS();
		if (f->match < 0)
			diff_for(diff_emit(o, STAGE_DROP_TABLE,
							   f->recreated ?
							   psprintf("recreates table %s for its new partition key (PostgreSQL cannot change one in place): it is dropped with its partitions and all their rows, and created again empty", diff_qname(o, f->name)) :
							   psprintf("drops table %s and all its rows", diff_qname(o, f->name)),
							   "DROP TABLE %s", diff_qname(o, f->name)),
					 f);
		else
		{
			diff_columns(from, to, f, o);
			diff_options(o, STAGE_ALTER_COLUMN, "TABLE", diff_qname(o, f->name), f->options,
						 to->tables.items[f->match].options);
			row_security(o, diff_qname(o, f->name), f, &to->tables.items[f->match]);
			diff_comment(o, psprintf("TABLE %s", diff_qname(o, f->name)),
						 to->tables.items[f->match].comment, f->comment, false);
		}
	}
	for (i = 0; i < to->tables.n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (to->tables.items[i].match < 0)
			create_table(to, &to->tables.items[i], o);
	}
	diff_partitions(from, to, o);
}
