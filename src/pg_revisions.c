/*-------------------------------------------------------------------------
 *
 * pg_revisions.c
 *	  Module entry point of pg_revisions: Alembic-style schema migrations
 *	  stored in catalog tables and run transactionally inside the server.
 *
 * The SQL-callable functions live in register.c, migrate.c, inspect.c and
 * the files pg_revisions.h lists.  _PG_init defines the settings:
 *	  pg_revisions.lock_timeout  how long each lock a revision takes may be
 *	                             waited for (0: as lock_timeout says)
 *	  pg_revisions.lock_retries  how often a revision that timed out on a
 *	                             lock is rolled back alone and tried again
 *	  pg_revisions.tenant        whose applied state the functions use (tenants.c)
 *	  pg_revisions.diff_privileges  whether the schema diff also compares
 *	                             owners and privileges (diff_privileges.c)
 * and installs one hook, ProcessUtility_hook, which notes SET CONSTRAINTS
 * (constraints.c).  rev_test installs the object access hook on first
 * use (revtest_footprint.c).
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

/* Longest pg_revisions.lock_timeout (ms): beyond it the setting defeats its purpose. */
#define PGREV_MAX_LOCK_TIMEOUT (60 * 60 * 1000)

int			pgrev_lock_timeout = 0;
int			pgrev_lock_retries = 0;
bool		pgrev_diff_privileges = false;

void		_PG_init(void);

/*
 * _PG_init
 *		Define pg_revisions' settings (the GUC machinery refuses values out
 *		of range with a message naming the setting and its bounds) and
 *		install the hook, once per backend, on loading.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("pg_revisions.lock_timeout",
							"How long a revision waits for each lock before it is rolled back "
							"alone and retried (0: off).",
							"Each revision then runs in a subtransaction of its own with "
							"lock_timeout set to this value; see pg_revisions.lock_retries.",
							&pgrev_lock_timeout,
							0, 0, PGREV_MAX_LOCK_TIMEOUT,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_revisions.lock_retries",
							"How many times a revision that timed out on a lock is tried again.",
							"Needs pg_revisions.lock_timeout; each retry waits a growing, "
							"jittered pause first.",
							&pgrev_lock_retries,
							0, 0, PGREV_MAX_LOCK_RETRIES,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_revisions.diff_privileges",
							 "Whether rev_diff, rev_autogenerate, rev_check and rev_verify_schema "
							 "also compare owners and privileges.",
							 "When on, the generated statements include ALTER ... OWNER TO, GRANT "
							 "and REVOKE for the objects the diff compares.",
							 &pgrev_diff_privileges,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	tenant_define_setting();
	MarkGUCPrefixReserved("pg_revisions");
	constraints_init();
}
