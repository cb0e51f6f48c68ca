/*-------------------------------------------------------------------------
 *
 * catalog_sql.h
 *	  The fixed queries catalog.c runs on the catalog tables: their ids and
 *	  their definitions (catalog_sql.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_CATALOG_SQL_H
#define PGREV_CATALOG_SQL_H

#include "postgres.h"

/* The catalog queries; see catalog_queries[] for their text. */
typedef enum CatalogQuery
{
	Q_LOAD_NODES,
	Q_LOAD_EDGES,
	Q_GET_REVISION,
	Q_HEADS,
	Q_NEWEST,
	Q_MISSING,
	Q_LABEL_OWNER,
	Q_FIRST_DEPENDANT,
	Q_INSERT_REVISION,
	Q_DELETE_REVISION,
	Q_INSERT_BASELINE,
	Q_FETCH_SQL,
	Q_SCAN_SQL,
	Q_RECORD,
	Q_LOCK_STATE,
	Q_BUMP_STATE,
	Q_ENSURE_TENANT,
	Q_LOCK_TENANT,
	Q_BUMP_TENANT,
	Q_TENANTS,
	Q_MARK_UNCHECKED,
	Q_MARK_CHECKED,
	Q_STATE_VERSION,
	Q_NEWEST_APPLIED,
	Q_FETCH_SQL_MANY,
	NUM_CATALOG_QUERIES
} CatalogQuery;

typedef struct CatalogQueryDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[10];
} CatalogQueryDef;

extern const CatalogQueryDef catalog_queries[NUM_CATALOG_QUERIES];

#endif							/* PGREV_CATALOG_SQL_H */
