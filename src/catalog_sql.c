/*-------------------------------------------------------------------------
 *
 * catalog_sql.c
 *	  The text of every query pg_revisions runs on its catalog tables.
 *
 * Rules for every query here: every table, function and operator is
 * schema-qualified (OPERATOR(pg_catalog.=), pg_catalog.unnest, ...), so
 * nothing on the caller's search_path can capture it; every value is a
 * $n parameter; lookups are written as LIMIT 1 subqueries or index scans
 * that stay O(log n) even with a plan made while the tables were empty
 * (see catalog.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "catalog_sql.h"

const CatalogQueryDef catalog_queries[NUM_CATALOG_QUERIES] = {
	[Q_LOAD_NODES] = {
		"SELECT r.revision, r.seq, CASE WHEN $1 THEN r.message END, r.branch_label,"
		" r.downgrade_sql IS NULL, a.applied_at, r.transactional, r.heads_count, r.replaces"
		" FROM revisions.revision r"
		" LEFT JOIN revisions.applied a ON a.revision OPERATOR(pg_catalog.=) r.revision"
		"  AND a.tenant OPERATOR(pg_catalog.=) $2",
		2, {BOOLOID, TEXTOID}
	},
	[Q_LOAD_EDGES] = {
		"SELECT e.revision::pg_catalog.name, e.kind OPERATOR(pg_catalog.=) 'depends_on',"
		" e.position, e.requires::pg_catalog.name"
		" FROM revisions.edge e",
		0, {0}
	},
	[Q_GET_REVISION] = {
		"SELECT r.checksum, r.branch_label,"
		" EXISTS (SELECT FROM revisions.applied a"
		"         WHERE a.revision OPERATOR(pg_catalog.=) r.revision),"
		" ARRAY(SELECT e.requires FROM revisions.edge e"
		"       WHERE e.revision OPERATOR(pg_catalog.=) r.revision"
		"         AND e.kind OPERATOR(pg_catalog.=) 'down_revision' ORDER BY e.position),"
		" ARRAY(SELECT e.requires FROM revisions.edge e"
		"       WHERE e.revision OPERATOR(pg_catalog.=) r.revision"
		"         AND e.kind OPERATOR(pg_catalog.=) 'depends_on' ORDER BY e.position),"
		" r.transactional"
		" FROM revisions.revision r WHERE r.revision OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[Q_HEADS] = {
		"SELECT r.revision FROM revisions.revision r"
		" WHERE NOT EXISTS (SELECT FROM revisions.edge e"
		"                   WHERE e.requires OPERATOR(pg_catalog.=) r.revision"
		"                     AND e.kind OPERATOR(pg_catalog.=) 'down_revision')"
		"   AND r.replaces IS NULL"
		" ORDER BY r.seq",
		0, {0}
	},
	[Q_NEWEST] = {
		"SELECT r.revision, r.heads_count FROM revisions.revision r"
		" WHERE r.replaces IS NULL ORDER BY r.seq DESC LIMIT 1",
		0, {0}
	},
	[Q_MISSING] = {
		"SELECT u.id FROM pg_catalog.unnest($1) WITH ORDINALITY AS u(id, n)"
		" WHERE (SELECT r.revision FROM revisions.revision r"
		"        WHERE r.revision OPERATOR(pg_catalog.=) u.id LIMIT 1) IS NULL"
		" ORDER BY u.n LIMIT 1",
		1, {TEXTARRAYOID}
	},
	[Q_LABEL_OWNER] = {
		"SELECT r.revision FROM revisions.revision r"
		" WHERE r.branch_label OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[Q_FIRST_DEPENDANT] = {
		"SELECT d.revision FROM ("
		"  SELECT e.revision FROM revisions.edge e WHERE e.requires OPERATOR(pg_catalog.=) $1"
		"  UNION ALL"
		"  SELECT r.revision FROM revisions.revision r WHERE r.replaces OPERATOR(pg_catalog.=) $1"
		" ) d ORDER BY d.revision LIMIT 1",
		1, {TEXTOID}
	},
	/*
	 * The new row and its edges.  Its heads_count: the newest row's, plus
	 * one for itself, minus its parents that were heads (had no child).
	 */
	[Q_INSERT_REVISION] = {
		"WITH newest AS ("
		"  SELECT r.heads_count FROM revisions.revision r WHERE r.replaces IS NULL ORDER BY r.seq DESC LIMIT 1),"
		" parent_heads AS ("
		"  SELECT pg_catalog.count(*) AS n FROM pg_catalog.unnest($8) AS p(id)"
		"  WHERE (SELECT e.requires FROM revisions.edge e"
		"         WHERE e.requires OPERATOR(pg_catalog.=) p.id"
		"           AND e.kind OPERATOR(pg_catalog.=) 'down_revision' LIMIT 1) IS NULL),"
		" rev AS ("
		"  INSERT INTO revisions.revision (revision, message, upgrade_sql, downgrade_sql,"
		"                                  branch_label, checksum, created_by, heads_count,"
		"                                  transactional)"
		"  SELECT $1, $2, $3, $4, $5, $6, $7::pg_catalog.name,"
		"         COALESCE((SELECT heads_count FROM newest), 0)"
		"         OPERATOR(pg_catalog.+) 1 OPERATOR(pg_catalog.-) parent_heads.n, $10"
		"  FROM parent_heads)"
		" INSERT INTO revisions.edge (revision, kind, position, requires)"
		" SELECT $1, 'down_revision', (p.n OPERATOR(pg_catalog.-) 1)::pg_catalog.int4, p.id"
		"   FROM pg_catalog.unnest($8) WITH ORDINALITY AS p(id, n)"
		" UNION ALL"
		" SELECT $1, 'depends_on', (d.n OPERATOR(pg_catalog.-) 1)::pg_catalog.int4, d.id"
		"   FROM pg_catalog.unnest($9) WITH ORDINALITY AS d(id, n)",
		10, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTARRAYOID, TEXTARRAYOID, BOOLOID}
	},
	/*
	 * Delete a head (its edges cascade) and give the newest remaining row
	 * the new heads count: one less, plus its parents left without child.
	 * A baseline is never a head: deleting one changes no count.
	 */
	[Q_DELETE_REVISION] = {
		"WITH gone AS ("
		"  DELETE FROM revisions.revision r WHERE r.revision OPERATOR(pg_catalog.=) $1"
		"  RETURNING r.seq, r.replaces),"
		" newest AS ("
		"  SELECT r.heads_count FROM revisions.revision r WHERE r.replaces IS NULL ORDER BY r.seq DESC LIMIT 1),"
		" new_heads AS ("
		"  SELECT pg_catalog.count(*) AS n FROM pg_catalog.unnest($2) AS p(id)"
		"  WHERE (SELECT e.requires FROM revisions.edge e"
		"         WHERE e.requires OPERATOR(pg_catalog.=) p.id"
		"           AND e.kind OPERATOR(pg_catalog.=) 'down_revision'"
		"           AND e.revision OPERATOR(pg_catalog.<>) $1 LIMIT 1) IS NULL)"
		" UPDATE revisions.revision r"
		" SET heads_count = newest.heads_count OPERATOR(pg_catalog.-) 1"
		"                   OPERATOR(pg_catalog.+) new_heads.n"
		" FROM newest, new_heads"
		" WHERE r.seq OPERATOR(pg_catalog.=) (SELECT r2.seq FROM revisions.revision r2"
		"                                     WHERE r2.revision OPERATOR(pg_catalog.<>) $1"
		"                                       AND r2.replaces IS NULL"
		"                                     ORDER BY r2.seq DESC LIMIT 1)"
		"   AND NOT EXISTS (SELECT FROM gone g WHERE g.replaces IS NOT NULL)",
		2, {TEXTOID, TEXTARRAYOID}
	},
	/*
	 * A baseline (rev_squash): no edges, and the heads count of the newest
	 * other revision, since a baseline is never a head.
	 */
	[Q_INSERT_BASELINE] = {
		"INSERT INTO revisions.revision (revision, message, upgrade_sql, downgrade_sql,"
		"                                checksum, created_by, heads_count, replaces)"
		" SELECT $1, $2, $3, $4, $5, $6::pg_catalog.name,"
		"        COALESCE((SELECT r.heads_count FROM revisions.revision r"
		"                  WHERE r.replaces IS NULL ORDER BY r.seq DESC LIMIT 1), 0), $7",
		7, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID}
	},
	[Q_FETCH_SQL] = {
		"SELECT r.upgrade_sql, r.downgrade_sql, r.checksum, r.message FROM revisions.revision r"
		" WHERE r.revision OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[Q_SCAN_SQL] = {
		"SELECT r.revision, r.upgrade_sql, r.downgrade_sql, r.checksum"
		" FROM revisions.revision r ORDER BY r.seq",
		0, {0}
	},
	/* One operation-log row, and the applied-state changes it made. */
	[Q_RECORD] = {
		"WITH op AS ("
		"  INSERT INTO revisions.operation (started_at, role, operation, target, revisions, duration,"
		"                                  tenant)"
		"  VALUES ($1, $2::pg_catalog.name, $3, $4, $5,"
		"          pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) $1, $9)"
		"  RETURNING id),"
		" gone AS ("
		"  DELETE FROM revisions.applied a WHERE a.tenant OPERATOR(pg_catalog.=) $9"
		"   AND a.revision OPERATOR(pg_catalog.=) ANY ($6))"
		" INSERT INTO revisions.applied (tenant, revision, applied_at, applied_by, operation_id)"
		" SELECT $9, u.id, u.at, $2::pg_catalog.name, op.id"
		"   FROM op, ROWS FROM (pg_catalog.unnest($7), pg_catalog.unnest($8)) AS u(id, at)",
		9, {TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTOID}
	},
	[Q_LOCK_STATE] = {
		"SELECT s.generation FROM revisions.state s FOR UPDATE",
		0, {0}
	},
	[Q_BUMP_STATE] = {
		"UPDATE revisions.state SET generation = generation OPERATOR(pg_catalog.+) 1",
		0, {0}
	},
	/* A tenant's state row: made on first use, then locked like revisions.state. */
	[Q_ENSURE_TENANT] = {
		"INSERT INTO revisions.tenant_state (tenant, generation) VALUES ($1, 0)"
		" ON CONFLICT (tenant) DO NOTHING",
		1, {TEXTOID}
	},
	[Q_LOCK_TENANT] = {
		"SELECT s.generation FROM revisions.tenant_state s"
		" WHERE s.tenant OPERATOR(pg_catalog.=) $1 FOR UPDATE",
		1, {TEXTOID}
	},
	[Q_BUMP_TENANT] = {
		"UPDATE revisions.tenant_state SET generation = generation OPERATOR(pg_catalog.+) 1"
		" WHERE tenant OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[Q_TENANTS] = {
		"SELECT DISTINCT a.tenant FROM revisions.applied a"
		" WHERE a.tenant OPERATOR(pg_catalog.<>) '' ORDER BY 1",
		0, {0}
	},
	/* revisions.state.checked: see the 1.1--1.2 update script. */
	[Q_MARK_UNCHECKED] = {
		"UPDATE revisions.state SET checked = false WHERE checked",
		0, {0}
	},
	[Q_MARK_CHECKED] = {
		"UPDATE revisions.state SET checked = true WHERE NOT checked",
		0, {0}
	},
	/* Which version of the state row this snapshot sees (graph_cache.c). */
	[Q_STATE_VERSION] = {
		"SELECT s.generation, s.xmin FROM revisions.state s",
		0, {0}
	},
	/*
	 * The SQL of several revisions, with their position in $1
	 * (catalog_fetch_sql's batches).  Revisions with more than 64 kB of SQL
	 * are left out (octet_length reads the size without detoasting), so a
	 * batch stays small: catalog_fetch_sql reads those one at a time.
	 */
	[Q_FETCH_SQL_MANY] = {
		"SELECT u.n, r.upgrade_sql, r.downgrade_sql, r.checksum, r.message"
		" FROM pg_catalog.unnest($1) WITH ORDINALITY AS u(id, n),"
		" LATERAL (SELECT r.upgrade_sql, r.downgrade_sql, r.checksum, r.message"
		"          FROM revisions.revision r"
		"          WHERE r.revision OPERATOR(pg_catalog.=) u.id"
		"            AND pg_catalog.octet_length(r.upgrade_sql)"
		"                OPERATOR(pg_catalog.+) COALESCE(pg_catalog.octet_length(r.downgrade_sql), 0)"
		"                OPERATOR(pg_catalog.<) 65536"
		"          LIMIT 1) r",
		1, {TEXTARRAYOID}
	},
	/* The newest revision, the number of heads, and is it applied (the database's own state). */
	[Q_NEWEST_APPLIED] = {
		"SELECT r.revision, r.heads_count,"
		" EXISTS (SELECT FROM revisions.applied a"
		"         WHERE a.tenant OPERATOR(pg_catalog.=) ''"
		"           AND a.revision OPERATOR(pg_catalog.=) r.revision),"
		" (SELECT s.checked FROM revisions.state s)"
		" FROM revisions.revision r WHERE r.replaces IS NULL ORDER BY r.seq DESC LIMIT 1",
		0, {0}
	},
};
