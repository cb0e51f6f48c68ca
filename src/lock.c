/*-------------------------------------------------------------------------
 *
 * lock.c
 *	  Serializing the calls that change the pg_revisions catalog.
 *
 * One transaction-level advisory lock per database, in a lock class of our
 * own (LOCKTAG field4), so it never collides with the keys users pass to
 * pg_advisory_lock(bigint) (class 1) or pg_advisory_lock(int, int)
 * (class 2), yet shows in pg_locks as an advisory lock with
 * objsubid = PGREV_LOCK_CLASS.  Commit or abort releases it.
 *
 * A second key of the same class is the session-level claim that
 * outside.c takes while a non-transactional revision runs.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/elog.h"

/* field4 of our advisory LOCKTAG: "RV"; core uses 1 and 2. */
#define PGREV_LOCK_CLASS 0x5256
/* field2/field3: an arbitrary constant, "pg_r" "evis". */
#define PGREV_LOCK_KEY1 0x70675f72
#define PGREV_LOCK_KEY2 0x65766973
/* field3 of the claim on non-transactional revisions (outside.c): "clai". */
#define PGREV_CLAIM_KEY2 0x636c6169
/* field2 of a tenant's lock, "tena"; field3 is a hash of the tenant's name. */
#define PGREV_TENANT_KEY1 0x74656e61

/*
 * Who holds the claim: how pg_locks shows an advisory lock's tag (database,
 * classid = field2, objid = field3, objsubid = field4).
 */
#define CLAIM_HOLDER_QUERY \
	"SELECT l.pid FROM pg_catalog.pg_locks l" \
	" WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'" \
	"   AND l.database OPERATOR(pg_catalog.=) $1" \
	"   AND l.classid OPERATOR(pg_catalog.=) $2" \
	"   AND l.objid OPERATOR(pg_catalog.=) $3" \
	"   AND l.objsubid OPERATOR(pg_catalog.=) $4" \
	"   AND l.granted LIMIT 1"

static void serialization_context(void *arg);

/* Error context for a serialization failure while checking the state row. */
static void
serialization_context(void *arg)
{
	errcontext("checking that no other session changed the pg_revisions catalog "
			   "since this transaction's snapshot was taken; retry the transaction");
}

/*
 * lock_revisions_catalog
 *		Wait for, and take, the pg_revisions catalog lock of this database,
 *		until the end of the transaction.  Then, if this transaction reads
 *		with one snapshot (REPEATABLE READ, SERIALIZABLE), make sure no other
 *		session changed the catalog since: if one did, fail with SQLSTATE
 *		40001 rather than act on stale state.  Under READ COMMITTED the
 *		catalog queries that follow take fresh snapshots and see the other
 *		session's work.
 *
 *		Caller must be connected to SPI.
 */
void
lock_revisions_catalog(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PGREV_LOCK_KEY1, PGREV_LOCK_KEY2,
						 PGREV_LOCK_CLASS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);

	if (IsolationUsesXactSnapshot())
	{
		ErrorContextCallback callback;

		callback.callback = serialization_context;
		callback.arg = NULL;
		callback.previous = error_context_stack;
		error_context_stack = &callback;
		catalog_lock_state();
		error_context_stack = callback.previous;
	}
}

/*
 * lock_applied_state
 *		Wait for, and take, what a call changing the applied state needs
 *		(rev_upgrade, rev_downgrade, rev_stamp, rev_claim, rev_record), until
 *		the end of the transaction.  The database's own state: the catalog
 *		lock (lock_revisions_catalog).  A tenant's (pg_revisions.tenant): the
 *		catalog lock in share mode, so the graph cannot change meanwhile but
 *		other tenants go on, and that tenant's own lock; then, under
 *		REPEATABLE READ or SERIALIZABLE, the same check as
 *		lock_revisions_catalog on the tenant's state row.  Two names with the
 *		same hash only wait for each other.  Caller must be connected to SPI.
 */
void
lock_applied_state(void)
{
	const char *tenant = tenant_current();
	LOCKTAG		tag;

	if (tenant[0] == '\0')
	{
		lock_revisions_catalog();
		return;
	}
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PGREV_LOCK_KEY1, PGREV_LOCK_KEY2,
						 PGREV_LOCK_CLASS);
	(void) LockAcquire(&tag, ShareLock, false, false);
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PGREV_TENANT_KEY1,
						 hash_bytes((const unsigned char *) tenant, strlen(tenant)),
						 PGREV_LOCK_CLASS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);

	if (IsolationUsesXactSnapshot())
	{
		ErrorContextCallback callback;

		callback.callback = serialization_context;
		callback.arg = NULL;
		callback.previous = error_context_stack;
		error_context_stack = &callback;
		catalog_lock_tenant_state(tenant);
		error_context_stack = callback.previous;
	}
}

/*
 * take_outside_claim
 *		Try to take this database's claim on running a non-transactional
 *		revision, a session-level lock (it survives the commits of the
 *		statements run meanwhile).  Never waits: returns false when another
 *		session holds it.  The caller must not hold it already.
 */
bool
take_outside_claim(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PGREV_LOCK_KEY1, PGREV_CLAIM_KEY2,
						 PGREV_LOCK_CLASS);
	return LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL;
}

/*
 * outside_claim_holder
 *		The pid of the session holding the claim of take_outside_claim, or 0
 *		when none does (any more).  Reads pg_locks as the caller (it is
 *		readable by everyone).  Caller must be connected to SPI.
 */
int
outside_claim_holder(void)
{
	Oid			types[4] = {OIDOID, OIDOID, OIDOID, INT2OID};
	Datum		values[4] = {ObjectIdGetDatum(MyDatabaseId),
							 ObjectIdGetDatum(PGREV_LOCK_KEY1),
							 ObjectIdGetDatum(PGREV_CLAIM_KEY2),
							 Int16GetDatum(PGREV_LOCK_CLASS)};
	int			pid = 0;
	bool		isnull;

	if (SPI_execute_with_args(CLAIM_HOLDER_QUERY, 4, types, values, NULL, true, 1)
		!= SPI_OK_SELECT)
		elog(ERROR, "could not read pg_locks");
	if (SPI_processed > 0)
	{
		Datum		value = SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			pid = DatumGetInt32(value);
	}
	SPI_freetuptable(SPI_tuptable);
	return pid;
}

/* Drop the claim taken by take_outside_claim; the caller holds it. */
void
release_outside_claim(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, PGREV_LOCK_KEY1, PGREV_CLAIM_KEY2,
						 PGREV_LOCK_CLASS);
	(void) LockRelease(&tag, ExclusiveLock, true);
}
