/*-------------------------------------------------------------------------
 *
 * pg_revisions.c
 *	  Module entry point of pg_revisions: Alembic-style schema migrations
 *	  stored in catalog tables and run transactionally inside the server.
 *
 * The SQL-callable functions live in register.c, migrate.c and inspect.c;
 * pg_revisions.h lists what every other file does.  There are no GUCs, and
 * the only hooks are installed by rev_test on first use
 * (revtest_footprint.c), so there is no _PG_init.
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
