/*-------------------------------------------------------------------------
 *
 * diff_indexdef.c
 *	  The definition of a plain index, as pg_get_indexdef prints it, built
 *	  from its catalog rows without the deparser.
 *
 * pg_get_indexdef opens the indexed table (for its deparse context) and,
 * for each key column, scans pg_opclass to tell whether the operator class
 * is the default of the column's type: at 1,000 indexes a schema that was a
 * fifth of rev_diff, and half of its first call in a session (the tables'
 * relcache entries built).  Most indexes are on plain columns with the
 * defaults, and print as
 *
 *		CREATE [UNIQUE ]INDEX name ON schema.table USING am (column[, ...])
 *
 * The schema reader (diff_read.c) asks here for the indexes without
 * expressions, predicate, INCLUDE columns, storage parameters or NULLS NOT
 * DISTINCT; a key column that pg_get_indexdef would decorate (an operator
 * class that is not its type's default, a collation other than the
 * column's, DESC or NULLS FIRST, operator class options) sends the whole
 * index to pg_get_indexdef.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_opclass.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

static char *deparsed(Oid index);
static bool plain_key(Oid index, Oid table, int keyno, AttrNumber attnum, Oid opclass,
					  Oid collation, int16 option, StringInfo buf);

/* pg_get_indexdef(index), or NULL when the index is gone. */
static char *
deparsed(Oid index)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		def;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(index);
	fcinfo->args[0].isnull = false;
	def = pg_get_indexdef(fcinfo);
	return fcinfo->isnull ? NULL : TextDatumGetCString(def);
}

/*
 * plain_key
 *		Append key column keyno (0-based) of index on table, table column
 *		attnum, to buf as pg_get_indexdef prints it, when it prints as the
 *		bare column name: operator class the default of the column's type
 *		(by exact type, as GetDefaultOpClass finds it first), no other
 *		collation than the column's, no ordering option, no operator class
 *		options.  Else false (buf then holds a part of it).
 */
static bool
plain_key(Oid index, Oid table, int keyno, AttrNumber attnum, Oid opclass, Oid collation,
		  int16 option, StringInfo buf)
{
	HeapTuple	atttup;
	HeapTuple	opctup;
	bool		plain;

	if (attnum <= 0 || option != 0)
		return false;
	atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(table), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(atttup))
		return false;
	opctup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	plain = HeapTupleIsValid(opctup);
	if (plain)
	{
		Form_pg_attribute att = (Form_pg_attribute) GETSTRUCT(atttup);
		Form_pg_opclass opc = (Form_pg_opclass) GETSTRUCT(opctup);

		plain = !att->attisdropped && opc->opcdefault && opc->opcintype == att->atttypid &&
			(!OidIsValid(collation) || collation == att->attcollation) &&
			get_attoptions(index, keyno + 1) == (Datum) 0;
		if (plain)
			appendStringInfo(buf, "%s%s", keyno > 0 ? ", " : "",
							 quote_identifier(NameStr(att->attname)));
		ReleaseSysCache(opctup);
	}
	ReleaseSysCache(atttup);
	return plain;
}

/*
 * diff_index_definition
 *		The definition of index "name" (oid index, access method am) on table
 *		"tablename" (oid table) of schema nsp, from the columns of its pg_index
 *		row, as pg_get_indexdef(index) gives it.  The caller guarantees the
 *		index has no expression, predicate, INCLUDE column, storage parameter
 *		or NULLS NOT DISTINCT, is not partitioned and backs no constraint.
 *		NULL when the index is gone.
 */
char *
diff_index_definition(Oid index, const char *name, Oid table, const char *tablename, Oid nsp,
					  Oid am, bool unique, const int2vector *indkey, const oidvector *indclass,
					  const oidvector *indcollation, const int2vector *indoption)
{
	char	   *nspname = get_namespace_name_or_temp(nsp);
	char	   *amname = get_am_name(am);
	StringInfoData buf;
	int			k;

	if (nspname == NULL || amname == NULL || indkey->dim1 != indclass->dim1 ||
		indkey->dim1 != indcollation->dim1 || indkey->dim1 != indoption->dim1)
		return deparsed(index);
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE %sINDEX %s ON %s USING %s (", unique ? "UNIQUE " : "",
					 quote_identifier(name), quote_qualified_identifier(nspname, tablename),
					 quote_identifier(amname));
	for (k = 0; k < indkey->dim1; k++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!plain_key(index, table, k, indkey->values[k], indclass->values[k],
					   indcollation->values[k], indoption->values[k], &buf))
		{
			pfree(buf.data);
			return deparsed(index);
		}
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}
