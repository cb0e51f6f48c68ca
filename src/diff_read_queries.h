/*-------------------------------------------------------------------------
 *
 * diff_read_queries.h
 *	  The text of diff_read.c's catalog queries, one per object kind, and
 *	  the macros they share.  Included by diff_read.c only (the queries are
 *	  static); what a partition has of its own is in diff_read_partitions.h.
 *	  Every query takes $1 (the schema's oid) and $2 (the owners, a name[],
 *	  NULL for all: see OWNER_FILTER, whose exact text diff_read.c cuts out
 *	  of the plans it keeps).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_DIFF_READ_QUERIES_H
#define PGREV_DIFF_READ_QUERIES_H

#include "diff_read_partitions.h"

/*
 * The comment of an object of catalog cat (sub-object sub: a column's
 * attnum, else 0), as obj_description and col_description give it.  Those
 * are SQL functions, run by the SQL-function executor for every row (some
 * 15 microseconds each, more than the row's deparsing): this subquery is an
 * index lookup.
 */
#define DESCRIPTION(cat, oid, sub) \
	" (SELECT ds.description FROM pg_catalog.pg_description ds" \
	" WHERE ds.objoid = " oid " AND ds.classoid = '" cat "'::pg_catalog.regclass" \
	" AND ds.objsubid = " sub ")"

/*
 * "not a member of an extension", for an object of catalog cat.  Members
 * are looked for from their extension (refclassid: pg_depend's index on the
 * referenced object finds the few rows of deptype 'e', which always refer to
 * an extension): by classid and objid alone, the planner scanned all of
 * pg_depend for each query.
 */
#define NOT_EXTENSION_MEMBER(cat, oid) \
	" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e" \
	" WHERE e.classid = '" cat "'::pg_catalog.regclass AND e.objid = " oid \
	" AND e.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND e.deptype = 'e')"

/* A relation's storage parameters or view options, as "name='value', ...". */
#define RELOPTIONS \
" CASE WHEN c.reloptions IS NOT NULL THEN" \
" (SELECT pg_catalog.string_agg(pg_catalog.split_part(o, '=', 1) || '=' ||" \
"   pg_catalog.quote_literal(pg_catalog.substr(o, pg_catalog.strpos(o, '=') + 1)), ', ' ORDER BY o)" \
"  FROM pg_catalog.unnest(c.reloptions) o) END"

/*
 * Only the objects of the owners named by $2 (a name[]; NULL: all), owner
 * being the table, view, sequence or type an object belongs to (rev_test
 * re-reads only what a revision touched).
 */
#define OWNER_FILTER(owner) " AND ($2 IS NULL OR " owner " = ANY ($2))"

/* Plain and partitioned tables of the schema (not partitions). */
#define TABLE_FILTER \
	" c.relnamespace = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition" \
	OWNER_FILTER("c.relname") \
	NOT_EXTENSION_MEMBER("pg_catalog.pg_class", "c.oid")

static const char *const tables_query =
"SELECT c.relname," DESCRIPTION("pg_catalog.pg_class", "c.oid", "0") ", c.oid,"
RELOPTIONS ", c.relrowsecurity, c.relforcerowsecurity, c.relkind,"
" CASE c.relkind WHEN 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END"
" FROM pg_catalog.pg_class c WHERE" TABLE_FILTER;

/* Partitions (of partitioned tables of the schema): parent, bound, key. */
static const char *const partitions_query =
"SELECT c.relname, p.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid),"
" CASE c.relkind WHEN 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,"
DESCRIPTION("pg_catalog.pg_class", "c.oid", "0") ", c.oid"
" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid"
" JOIN pg_catalog.pg_class p ON p.oid = i.inhparent"
" WHERE c.relnamespace = $1 AND c.relispartition AND c.relkind IN ('r', 'p')"
OWNER_FILTER("c.relname")
NOT_EXTENSION_MEMBER("pg_catalog.pg_class", "c.oid");

static const char *const columns_query =
"SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),"
" a.atttypid, a.atttypmod, a.attnotnull, a.attidentity, a.attgenerated,"
/* a default reads no column: no relation to open and describe */
" pg_catalog.pg_get_expr(d.adbin, CASE WHEN a.attgenerated = '' THEN 0::pg_catalog.oid ELSE d.adrelid END),"
" CASE WHEN a.attcollation <> t.typcollation THEN"
"  (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname)"
"   FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace"
"   WHERE co.oid = a.attcollation) END,"
" CASE WHEN cm.commented THEN" DESCRIPTION("pg_catalog.pg_class", "c.oid", "a.attnum") " END,"
" EXISTS (SELECT 1 FROM pg_catalog.pg_depend dp JOIN pg_catalog.pg_proc p ON p.oid = dp.refobjid"
"  WHERE dp.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND dp.objid = d.oid"
"  AND dp.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass"
"  AND p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace),"
" a.attnum, c.oid, d.oid, idn.relname, idn.options, idn.seqmin, idn.seqmax, idn.alter,"
" a.attstorage, t.typstorage, a.attcompression"
" FROM pg_catalog.pg_class c"
/* one lookup a table, not one a column, when it has no comment at all */
" CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_description ds"
"  WHERE ds.objoid = c.oid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass)"
"  AS commented OFFSET 0) cm"
/* a fence (OFFSET 0): the planner would rather scan all of pg_attribute */
" CROSS JOIN LATERAL (SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, a.attnotnull,"
"  a.attidentity, a.attgenerated, a.attcollation, a.attnum, a.attstorage, a.attcompression"
"  FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
"  AND NOT a.attisdropped OFFSET 0) a"
" JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
" LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
" LEFT JOIN LATERAL (SELECT sc.relname, pg_catalog.format('START WITH %s INCREMENT BY %s "
"MINVALUE %s MAXVALUE %s CACHE %s %sCYCLE', s.seqstart, s.seqincrement, s.seqmin, s.seqmax,"
"   s.seqcache, CASE WHEN s.seqcycle THEN '' ELSE 'NO ' END) AS options, s.seqmin, s.seqmax,"
"  pg_catalog.format('SET START WITH %s SET INCREMENT BY %s SET MINVALUE %s SET MAXVALUE %s "
"SET CACHE %s SET %sCYCLE', s.seqstart, s.seqincrement, s.seqmin, s.seqmax,"
"   s.seqcache, CASE WHEN s.seqcycle THEN '' ELSE 'NO ' END) AS alter"
"  FROM pg_catalog.pg_depend dd JOIN pg_catalog.pg_class sc ON sc.oid = dd.objid"
"  JOIN pg_catalog.pg_sequence s ON s.seqrelid = sc.oid"
"  WHERE a.attidentity <> '' AND dd.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
"  AND dd.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dd.refobjid = c.oid"
"  AND dd.refobjsubid = a.attnum AND dd.deptype = 'i') idn ON true"
" WHERE" TABLE_FILTER;

/*
 * A foreign key referencing a partitioned table has clones (conparentid)
 * on the referencing table, one per partition: its own, not read.
 */
static const char *const constraints_query =
"SELECT c.relname, co.conname, co.contype, pg_catalog.pg_get_constraintdef(co.oid),"
DESCRIPTION("pg_catalog.pg_constraint", "co.oid", "0") ","
" (SELECT r.relname FROM pg_catalog.pg_class r WHERE r.oid = co.confrelid AND r.relnamespace = $1),"
" co.oid"
" FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid"
" WHERE co.contype IN ('p', 'u', 'c', 'f', 'x') AND co.conparentid = 0 AND" TABLE_FILTER
PARTITION_CONSTRAINTS;

/*
 * An index on plain columns: no expression, predicate, INCLUDE, storage
 * parameter or NULLS NOT DISTINCT, not partitioned.
 */
#define PLAIN_INDEX \
	" (x.indexprs IS NULL AND x.indpred IS NULL AND i.reloptions IS NULL" \
	" AND x.indnatts = x.indnkeyatts AND NOT x.indnullsnotdistinct AND i.relkind = 'i')"

/*
 * Indexes that back no constraint.  The plain ones have no definition here:
 * diff_index_definition builds it from their pg_index row (the last
 * columns), without the deparser.
 */
static const char *const indexes_query =
"SELECT i.relname, c.relname, c.relkind,"
" CASE WHEN NOT" PLAIN_INDEX " THEN pg_catalog.pg_get_indexdef(i.oid) END,"
DESCRIPTION("pg_catalog.pg_class", "i.oid", "0") ", i.oid,"
" x.indrelid, i.relam, x.indisunique, x.indkey, x.indclass, x.indcollation, x.indoption,"
PLAIN_INDEX
" FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
" JOIN pg_catalog.pg_class c ON c.oid = x.indrelid"
" WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'm', 'p') AND NOT c.relispartition"
OWNER_FILTER("c.relname")
" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = x.indexrelid"
"  AND co.conrelid = x.indrelid AND co.contype IN ('p', 'u', 'x'))"
NOT_EXTENSION_MEMBER("pg_catalog.pg_class", "c.oid")
PARTITION_INDEXES;

static const char *const sequences_query =
"SELECT c.relname, pg_catalog.format('AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE',"
"  pg_catalog.format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax, s.seqstart,"
"  s.seqcache, CASE WHEN s.seqcycle THEN '' ELSE 'NO ' END),"
" o.relname, o.attname," DESCRIPTION("pg_catalog.pg_class", "c.oid", "0") ", c.oid, s.seqmin, s.seqmax"
" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid"
" LEFT JOIN LATERAL (SELECT t.relname, a.attname"
"  FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid"
"  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
"  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid"
"  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a'"
"  AND t.relnamespace = $1) o ON true"
" WHERE c.relnamespace = $1 AND c.relkind = 'S'" OWNER_FILTER("c.relname")
" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
"  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid"
"  AND d.deptype = 'i')"
NOT_EXTENSION_MEMBER("pg_catalog.pg_class", "c.oid");

static const char *const enums_query =
"SELECT t.typname, ARRAY(SELECT e.enumlabel::pg_catalog.text FROM pg_catalog.pg_enum e"
"  WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),"
DESCRIPTION("pg_catalog.pg_type", "t.oid", "0") ", t.oid"
" FROM pg_catalog.pg_type t WHERE t.typnamespace = $1 AND t.typtype = 'e'" OWNER_FILTER("t.typname")
NOT_EXTENSION_MEMBER("pg_catalog.pg_type", "t.oid");

static const char *const views_query =
"SELECT c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid, true),"
DESCRIPTION("pg_catalog.pg_class", "c.oid", "0") ","
" ARRAY(SELECT DISTINCT r.relname::pg_catalog.text FROM pg_catalog.pg_depend d"
"  JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid"
"  JOIN pg_catalog.pg_class r ON r.oid = d.refobjid"
"  WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND w.ev_class = c.oid"
"  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> c.oid"
"  AND r.relnamespace = $1), c.oid,"
" (SELECT w.oid FROM pg_catalog.pg_rewrite w WHERE w.ev_class = c.oid AND w.rulename = '_RETURN'),"
RELOPTIONS
" FROM pg_catalog.pg_class c WHERE c.relnamespace = $1 AND c.relkind IN ('v', 'm')"
OWNER_FILTER("c.relname")
NOT_EXTENSION_MEMBER("pg_catalog.pg_class", "c.oid");

static const char *const functions_query =
"SELECT p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind,"
" pg_catalog.pg_get_functiondef(p.oid),"
" pg_catalog.pg_get_function_arguments(p.oid) || ' -> ' ||"
"  COALESCE(pg_catalog.pg_get_function_result(p.oid), ''),"
DESCRIPTION("pg_catalog.pg_proc", "p.oid", "0") ", p.prosqlbody IS NOT NULL,"
" ARRAY(SELECT x FROM (SELECT CASE d.classid"
"   WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN (SELECT 'v' || c.relname"
"    FROM pg_catalog.pg_rewrite w JOIN pg_catalog.pg_class c ON c.oid = w.ev_class WHERE w.oid = d.objid)"
"   WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN (SELECT 'd' || c.relname || E'\\x01' || a.attname"
"    FROM pg_catalog.pg_attrdef ad JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid"
"    JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum WHERE ad.oid = d.objid)"
"   WHEN 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN (SELECT 'c' || c.relname || E'\\x01' || co.conname"
"    FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid WHERE co.oid = d.objid)"
"   WHEN 'pg_catalog.pg_class'::pg_catalog.regclass THEN (SELECT 'i' || c.relname"
"    FROM pg_catalog.pg_class c WHERE c.oid = d.objid AND c.relkind = 'i')"
"   WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN (SELECT 't' || c.relname || E'\\x01' || g.tgname"
"    FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid WHERE g.oid = d.objid)"
"   END FROM pg_catalog.pg_depend d WHERE d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass"
"   AND d.refobjid = p.oid AND d.deptype = 'n') y(x) WHERE x IS NOT NULL),"
" p.oid, CASE WHEN p.prosqlbody IS NULL AND p.prolang = (SELECT l.oid FROM pg_catalog.pg_language l"
"  WHERE l.lanname = 'sql') THEN p.prosrc END"
" FROM pg_catalog.pg_proc p WHERE p.pronamespace = $1 AND p.prokind IN ('f', 'p')"
OWNER_FILTER("p.proname")
NOT_EXTENSION_MEMBER("pg_catalog.pg_proc", "p.oid");

static const char *const triggers_query =
"SELECT c.relname, t.tgname, pg_catalog.pg_get_triggerdef(t.oid),"
DESCRIPTION("pg_catalog.pg_trigger", "t.oid", "0") ", t.oid, t.tgenabled"
" FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
" WHERE NOT t.tgisinternal AND" TABLE_FILTER;

static const char *const policies_query =
"SELECT c.relname, p.polname, 'AS ' || CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END"
"  || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'"
"   WHEN 'd' THEN 'DELETE' ELSE 'ALL' END"
"  || ' TO ' || CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE (SELECT pg_catalog.string_agg("
"   pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname) FROM pg_catalog.pg_roles r"
"   WHERE r.oid = ANY (p.polroles)) END"
"  || COALESCE(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', '')"
"  || COALESCE(' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),"
DESCRIPTION("pg_catalog.pg_policy", "p.oid", "0") ", p.oid"
" FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid"
" WHERE" TABLE_FILTER;

/*
 * Domains (base type, collation, default, NOT NULL, constraints as
 * "name\x01definition") and composite types (attributes as "name\x01type").
 * PostgreSQL 18 also keeps a domain's NOT NULL in pg_constraint (contype
 * 'n'): typnotnull already says it, so those rows are left out.
 */
static const char *const types_query =
"SELECT t.typname, t.typtype, pg_catalog.format_type(t.typbasetype, t.typtypmod),"
" CASE WHEN t.typcollation <> b.typcollation THEN"
"  (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname)"
"   FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace"
"   WHERE co.oid = t.typcollation) END,"
" pg_catalog.pg_get_expr(t.typdefaultbin, 0), t.typnotnull,"
" CASE t.typtype WHEN 'd' THEN ARRAY(SELECT co.conname || E'\\x01' || pg_catalog.pg_get_constraintdef(co.oid)"
"   FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.contype <> 'n' ORDER BY co.conname)"
"  ELSE ARRAY(SELECT pg_catalog.quote_ident(a.attname) || E'\\x01' ||"
"   pg_catalog.format_type(a.atttypid, a.atttypmod) ||"
"   CASE WHEN a.attcollation <> at.typcollation THEN ' COLLATE ' ||"
"    (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(co.collname)"
"     FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace"
"     WHERE co.oid = a.attcollation) ELSE '' END"
"   FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid"
"   WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) END,"
DESCRIPTION("pg_catalog.pg_type", "t.oid", "0") ", t.oid, t.typrelid,"
" ARRAY(SELECT co.oid FROM pg_catalog.pg_constraint co WHERE co.contypid = t.oid AND co.contype <> 'n' ORDER BY co.conname)"
" FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype"
" WHERE t.typnamespace = $1 AND (t.typtype = 'd' OR (t.typtype = 'c' AND"
"  (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))"
OWNER_FILTER("t.typname")
NOT_EXTENSION_MEMBER("pg_catalog.pg_type", "t.oid");

/* Extensions: their version, and the default version CREATE EXTENSION installs. */
static const char *const extensions_query =
"SELECT x.extname, x.extversion, (SELECT a.default_version FROM pg_catalog.pg_available_extensions a"
"  WHERE a.name = x.extname)"
" FROM pg_catalog.pg_extension x WHERE x.extnamespace = $1";

#endif							/* PGREV_DIFF_READ_QUERIES_H */
