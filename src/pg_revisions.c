/*-------------------------------------------------------------------------
 *
 * pg_revisions.c
 *	  Module entry point of pg_revisions: Alembic-style schema migrations
 *	  stored in catalog tables and run transactionally inside the server.
 *
 * The SQL-callable functions live in register.c, migrate.c and inspect.c;
 * pg_revisions.h lists what every other file does.  _PG_init defines the
 * settings (pg_revisions.*) and installs one hook, ProcessUtility_hook,
 * which notes SET CONSTRAINTS (constraints.c).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "fmgr.h"
#include "utils/guc.h"

#ifdef PG_MODULE_MAGIC_EXT
PG_MODULE_MAGIC_EXT(.name = "pg_revisions",.version = PGREV_VERSION);
#else
PG_MODULE_MAGIC;
#endif

void		_PG_init(void);

/* Define the settings and install the hook, once per backend, on loading. */
void
_PG_init(void)
{
	tenant_define_setting();
	MarkGUCPrefixReserved("pg_revisions");
	constraints_init();
}
