/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  rev_diff(source, target): the DDL statements, in a dependency-safe
 *	  order, that turn schema source into schema target.
 *
 * Both schemas are read (diff_read.c) with their definitions qualified with
 * source's name, their objects paired by key, and the statements generated
 * per kind (diff_tables.c, diff_objects.c; owners and privileges with
 * pg_revisions.diff_privileges on, diff_privileges.c), each in a stage (diff.h), and
 * ordered (diff_order.c) by the dependencies read from both schemas: drops
 * of dependants first, then creations in dependency order, the stages
 * breaking ties.  The helpers here format statements for those files.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"
#include "compat.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(rev_diff);

static void reset_set(DiffSet *set);
static List *option_keys(const char *options);
static int	errmsg_null_schema(const char *what);
static int	errdetail_given_as(const char *what);

/*
 * diff_emit
 *		Append one statement, formatted from fmt, to a stage.  loss, when not
 *		NULL, says what data the statement destroys: it becomes a "-- " line
 *		before the statement.  The caller may tie the statement to the
 *		object it creates or drops (diff_for) to order it by dependencies.
 */
DiffStmt *
diff_emit(DiffOutput *o, DiffStage stage, const char *loss, const char *fmt,...)
{
	StringInfoData buf;
	DiffStmt   *stmt = palloc0(sizeof(DiffStmt));

	initStringInfo(&buf);
	if (loss)
		appendStringInfo(&buf, "-- %s\n", loss);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	stmt->text = buf.data;
	stmt->stage = stage;
	stmt->seq = list_length(o->stmts);
	o->stmts = lappend(o->stmts, stmt);
	return stmt;
}

/*
 * diff_aside_name
 *		The name (unquoted) a type is renamed to while a new one takes its
 *		name: name + "_pgrev_old", name cut on a character boundary so that
 *		the whole fits NAMEDATALEN.
 */
char *
diff_aside_name(const char *name)
{
	return psprintf("%.*s_pgrev_old", pg_mbcliplen(name, strlen(name), 50), name);
}

/* name (unquoted) qualified with the output schema, quoted as needed. */
char *
diff_qname(DiffOutput *o, const char *name)
{
	return psprintf("%s.%s", o->out, quote_identifier(name));
}

/* Are two strings, either of which may be NULL, equal? */
bool
diff_str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * diff_comment
 *		Emit COMMENT ON object when the object's comment must change: it is
 *		to, it was from; fresh means the object is created by the script (so
 *		it has no comment yet).
 */
void
diff_comment(DiffOutput *o, const char *object, const char *to, const char *from,
			 bool fresh)
{
	if (fresh ? to == NULL : diff_str_equal(to, from))
		return;
	diff_emit(o, STAGE_COMMENT, NULL, "COMMENT ON %s IS %s", object,
			  to ? quote_literal_cstr(to) : "NULL");
}

/*
 * diff_table_columns
 *		The index of the first column of table in a sorted column set, or -1
 *		when it has none; *end is set past its last column.
 */
int
diff_table_columns(DiffSet *columns, const char *table, int *end)
{
	char	   *prefix = psprintf("%s\x01", table);
	size_t		len = strlen(prefix);
	int			lo = 0;
	int			hi = columns->n;
	int			i;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (strcmp(columns->items[mid].key, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < columns->n && strncmp(columns->items[i].key, prefix, len) == 0; i++)
		;
	*end = i;
	pfree(prefix);
	return i > lo ? lo : -1;
}

/*
 * option_keys
 *		The names of the options in a reloptions text as diff_read.c
 *		formats it ("name='value', ..."; values are literals, which may
 *		hold ", "), as a List of palloc'd strings.
 */
static List *
option_keys(const char *options)
{
	List	   *keys = NIL;
	const char *p = options;

	while (p && *p)
	{
		const char *eq = strchr(p, '=');

		CHECK_FOR_INTERRUPTS();
		if (eq == NULL)
			break;
		keys = lappend(keys, pnstrdup(p, eq - p));
		p = eq + 1;
		if (*p == 'E')
			p++;
		if (*p == '\'')
		{
			/* the literal: '' is a quote inside it */
			for (p++; *p; p++)
				if (*p == '\'' && p[1] == '\'')
					p++;
				else if (*p == '\'')
					break;
			if (*p)
				p++;
		}
		while (*p == ',' || *p == ' ')
			p++;
	}
	return keys;
}

/*
 * diff_options
 *		ALTER kind qname RESET/SET the storage parameters or view options
 *		that differ between from and to (either may be NULL: none).
 */
void
diff_options(DiffOutput *o, DiffStage stage, const char *kind, const char *qname,
			 const char *from, const char *to)
{
	List	   *fkeys;
	List	   *tkeys;
	StringInfoData reset;
	ListCell   *lc;

	if (diff_str_equal(from, to))
		return;
	fkeys = option_keys(from);
	tkeys = option_keys(to);
	initStringInfo(&reset);
	foreach(lc, fkeys)
	{
		ListCell   *lt;
		bool		kept = false;

		foreach(lt, tkeys)
			if (strcmp((char *) lfirst(lc), (char *) lfirst(lt)) == 0)
				kept = true;
		if (!kept)
			appendStringInfo(&reset, "%s%s", reset.len ? ", " : "", (char *) lfirst(lc));
	}
	if (reset.len)
		diff_emit(o, stage, NULL, "ALTER %s %s RESET (%s)", kind, qname, reset.data);
	if (to)
		diff_emit(o, stage, NULL, "ALTER %s %s SET (%s)", kind, qname, to);
}

/*
 * diff_clamp_sequence
 *		Before a sequence's range becomes [tmin, tmax] (it was [fmin, fmax]),
 *		move a current value outside the new range to its nearest end: the
 *		server refuses the new bounds otherwise ("RESTART value ... cannot
 *		be less than MINVALUE").  Nothing when the range does not narrow.
 */
void
diff_clamp_sequence(DiffOutput *o, DiffStage stage, const char *qseq,
					int64 fmin, int64 fmax, int64 tmin, int64 tmax)
{
	if (tmin <= fmin && tmax >= fmax)
		return;
	diff_emit(o, stage,
			  psprintf("moves the current value of sequence %s into its new range, " INT64_FORMAT " to " INT64_FORMAT ", when it lies outside (that value is lost)",
					   qseq, tmin, tmax),
			  "SELECT pg_catalog.setval(%s::pg_catalog.regclass, CASE WHEN last_value OPERATOR(pg_catalog.<) " INT64_FORMAT " THEN " INT64_FORMAT " ELSE " INT64_FORMAT " END, false) FROM %s WHERE last_value OPERATOR(pg_catalog.<) " INT64_FORMAT " OR last_value OPERATOR(pg_catalog.>) " INT64_FORMAT,
			  quote_literal_cstr(qseq), tmin, tmin, tmax, qseq, tmin, tmax);
}

/* Clear the comparison marks of a set. */
static void
reset_set(DiffSet *set)
{
	int			i;

	for (i = 0; i < set->n; i++)
	{
		set->items[i].rebuild = false;
		set->items[i].altered = false;
		set->items[i].visited = false;
		set->items[i].recreated = false;
		set->items[i].stmts = NIL;
		set->items[i].dstmts = NIL;
	}
}

/*
 * diff_statements
 *		The statements turning schema "from" into schema "to", in order, as
 *		a List of palloc'd strings.  Both were read with the same output
 *		schema.  Can be called again with the arguments swapped.
 */
List *
diff_statements(DiffSchema *from, DiffSchema *to)
{
	DiffOutput	o;
	DiffSet    *a[] = {&from->tables, &from->columns, &from->constraints, &from->indexes,
		&from->sequences, &from->enums, &from->views, &from->functions, &from->triggers,
	&from->policies, &from->types, &from->extensions, &from->partitions};
	DiffSet    *b[] = {&to->tables, &to->columns, &to->constraints, &to->indexes,
		&to->sequences, &to->enums, &to->views, &to->functions, &to->triggers,
	&to->policies, &to->types, &to->extensions, &to->partitions};
	int			k;

	Assert(strcmp(from->out, to->out) == 0);
	memset(&o, 0, sizeof(o));
	o.out = quote_identifier(from->out);
	for (k = 0; k < (int) lengthof(a); k++)
	{
		reset_set(a[k]);
		reset_set(b[k]);
		diff_match(a[k], b[k]);
	}
	diff_mark_recreated(from, to);
	diff_mark_functions(from, to);
	diff_tables(from, to, &o);
	diff_objects(from, to, &o);
	diff_privileges(from, to, &o);
	return diff_order(from, to, &o);
}

/*
 * errmsg_null_schema, errdetail_given_as
 *		The messages about a schema argument, whole sentences for each role
 *		(what: "source", "target" or "live").
 */
static int
errmsg_null_schema(const char *what)
{
	if (strcmp(what, "source") == 0)
		return errmsg("source schema must not be NULL");
	if (strcmp(what, "target") == 0)
		return errmsg("target schema must not be NULL");
	return errmsg("live schema must not be NULL");
}

static int
errdetail_given_as(const char *what)
{
	if (strcmp(what, "source") == 0)
		return errdetail("It was given as the source schema.");
	if (strcmp(what, "target") == 0)
		return errdetail("It was given as the target schema.");
	return errdetail("It was given as the live schema.");
}

/*
 * diff_schema_argument
 *		The OID of the schema named by argument argno of fcinfo, checked: not
 *		NULL, existing, and usable by the caller.  what names the argument in
 *		errors: "source", "target" or "live".
 */
Oid
diff_schema_argument(FunctionCallInfo fcinfo, int argno, const char *what)
{
	char	   *name;
	Oid			nsp;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg_null_schema(what)));
	name = NameStr(*PG_GETARG_NAME(argno));
	nsp = get_namespace_oid(name, true);
	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", name),
				 errdetail_given_as(what)));
	if (pgrev_namespace_aclcheck(nsp, GetUserId(), ACL_USAGE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for schema %s", name)));
	return nsp;
}

/*
 * rev_diff(source name, target name) RETURNS SETOF text
 *		The statements turning schema source into schema target, qualified
 *		with source's name.  Reads the catalogs only; changes nothing.
 */
Datum
rev_diff(PG_FUNCTION_ARGS)
{
	Oid			source = diff_schema_argument(fcinfo, 0, "source");
	Oid			target = diff_schema_argument(fcinfo, 1, "target");
	char	   *out = NameStr(*PG_GETARG_NAME(0));
	DiffSchema *from;
	DiffSchema *to;
	List	   *statements;

	if (source == target)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source and target are the same schema \"%s\"", out),
				 errhint("Compare two different schemas.")));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	from = diff_read_schema(source, out);
	to = diff_read_schema(target, out);
	statements = diff_statements(from, to);
	return_strings(fcinfo, statements);
	SPI_finish();
	return (Datum) 0;
}
