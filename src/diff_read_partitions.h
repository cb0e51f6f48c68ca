/*-------------------------------------------------------------------------
 *
 * diff_read_partitions.h
 *	  The parts of diff_read.c's queries that read what a partition has of
 *	  its own (indexes and constraints; diff_partitions.c), kept apart to
 *	  keep diff_read.c's queries readable.  Each is a UNION ALL branch
 *	  appended to the query reading the same kind on tables, with the same
 *	  columns and parameters ($1 the schema, $2 the owners), and uses the
 *	  macros of diff_read_queries.h, which includes this file.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_DIFF_READ_PARTITIONS_H
#define PGREV_DIFF_READ_PARTITIONS_H

/*
 * The constraints a partition has of its own: not cloned from its parent's
 * (conparentid), not inherited from it (coninhcount), nor merged with one
 * of its (conislocal).  The same columns as constraints_query's.
 */
#define PARTITION_CONSTRAINTS \
" UNION ALL SELECT c.relname, co.conname, co.contype, pg_catalog.pg_get_constraintdef(co.oid)," \
DESCRIPTION("pg_catalog.pg_constraint", "co.oid", "0") "," \
" (SELECT r.relname FROM pg_catalog.pg_class r WHERE r.oid = co.confrelid AND r.relnamespace = $1)," \
" co.oid" \
" FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid" \
" WHERE co.contype IN ('p', 'u', 'c', 'f', 'x') AND co.conislocal AND co.coninhcount = 0" \
" AND co.conparentid = 0 AND c.relnamespace = $1 AND c.relkind IN ('r', 'p') AND c.relispartition" \
OWNER_FILTER("c.relname") \
NOT_EXTENSION_MEMBER("pg_catalog.pg_class", "c.oid")

/*
 * The indexes a partition has of its own: not a partition of an index of
 * its parent (pg_inherits), backing no constraint.  The same columns as
 * indexes_query's (PLAIN_INDEX and DESCRIPTION are diff_read.c's).
 */
#define PARTITION_INDEXES \
" UNION ALL SELECT i.relname, c.relname, c.relkind," \
" CASE WHEN NOT" PLAIN_INDEX " THEN pg_catalog.pg_get_indexdef(i.oid) END," \
DESCRIPTION("pg_catalog.pg_class", "i.oid", "0") ", i.oid," \
" x.indrelid, i.relam, x.indisunique, x.indkey, x.indclass, x.indcollation, x.indoption," \
PLAIN_INDEX \
" FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid" \
" JOIN pg_catalog.pg_class c ON c.oid = x.indrelid" \
" WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p') AND c.relispartition" \
OWNER_FILTER("c.relname") \
" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = x.indexrelid)" \
" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = x.indexrelid" \
"  AND co.conrelid = x.indrelid AND co.contype IN ('p', 'u', 'x'))" \
NOT_EXTENSION_MEMBER("pg_catalog.pg_class", "c.oid")

#endif							/* PGREV_DIFF_READ_PARTITIONS_H */
