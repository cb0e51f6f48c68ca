/*-------------------------------------------------------------------------
 *
 * pg_revisions.c
 *	  Module entry point of pg_revisions: Alembic-style schema migrations
 *	  stored in catalog tables and run transactionally inside the server.
 *
 * The SQL-callable functions live in register.c, migrate.c and inspect.c;
 * pg_revisions.h lists what every other file does.  There are no GUCs; one
 * hook, ProcessUtility_hook, notes SET CONSTRAINTS (constraints.c).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "fmgr.h"

#ifdef PG_MODULE_MAGIC_EXT
PG_MODULE_MAGIC_EXT(.name = "pg_revisions",.version = PGREV_VERSION);
#else
PG_MODULE_MAGIC;
#endif

PGDLLEXPORT void _PG_init(void);

/* Install the hook, once per backend that loads the library. */
void
_PG_init(void)
{
	constraints_init();
}
