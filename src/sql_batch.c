/*-------------------------------------------------------------------------
 *
 * sql_batch.c
 *	  Reading the SQL of the revisions a run applies, many per query.
 *
 * run_plan announces the revisions it will apply, in order
 * (catalog_expect_sql); catalog_fetch_sql then reads them FETCH_BATCH at a
 * time (catalog_fetch_sql_batch) instead of one query per revision.  A
 * fetch of another revision, or out of order, and a revision left out of
 * a batch (over 64 kB of SQL), are read one at a time
 * (catalog_fetch_one_sql).  One run at a time: the state is static.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "utils/memutils.h"

/* Revisions read per query. */
#define FETCH_BATCH 64

/* The run announced, and the batch read ahead. */
static struct
{
	const char *const *ids;		/* NULL: no run announced */
	int			nids;
	int			next;			/* index in ids of the next expected fetch */
	int			batch_start;	/* index in ids of batch[0] */
	int			batch_n;
	RevisionSql *batch;			/* id NULL: not in the batch, read alone */
	MemoryContext context;		/* holds the batch */
}			expected_sql;

/*
 * catalog_expect_sql
 *		Announce that catalog_fetch_sql will be called for ids[0..n-1], in
 *		that order.  ids must stay valid, and memory_context alive, until
 *		catalog_expect_sql_done(), which the caller must call on every exit
 *		(PG_FINALLY).
 */
void
catalog_expect_sql(const char *const *ids, int n, MemoryContext memory_context)
{
	expected_sql.ids = ids;
	expected_sql.nids = n;
	expected_sql.next = 0;
	expected_sql.batch_start = 0;
	expected_sql.batch_n = 0;
	expected_sql.batch = NULL;
	expected_sql.context = AllocSetContextCreate(memory_context, "pg_revisions SQL batch",
												 ALLOCSET_DEFAULT_SIZES);
}

/* End what catalog_expect_sql started (also after an error). */
void
catalog_expect_sql_done(void)
{
	if (expected_sql.context != NULL && expected_sql.ids != NULL)
		MemoryContextDelete(expected_sql.context);
	memset(&expected_sql, 0, sizeof(expected_sql));
}

/*
 * catalog_fetch_sql
 *		The stored SQL and checksum of revision id, in CurrentMemoryContext:
 *		from the batch read ahead when id is the next one announced.
 *		Caller must be connected to SPI.
 */
void
catalog_fetch_sql(const char *id, RevisionSql *out)
{
	if (expected_sql.ids != NULL && expected_sql.next < expected_sql.nids &&
		strcmp(expected_sql.ids[expected_sql.next], id) == 0)
	{
		RevisionSql *sql;

		if (expected_sql.next >= expected_sql.batch_start + expected_sql.batch_n)
		{
			MemoryContext caller_context;
			int			n = Min(FETCH_BATCH, expected_sql.nids - expected_sql.next);

			MemoryContextReset(expected_sql.context);
			caller_context = MemoryContextSwitchTo(expected_sql.context);
			expected_sql.batch = palloc0(sizeof(RevisionSql) * n);
			expected_sql.batch_start = expected_sql.next;
			expected_sql.batch_n = n;
			catalog_fetch_sql_batch(expected_sql.ids + expected_sql.next, n,
									expected_sql.batch);
			MemoryContextSwitchTo(caller_context);
		}
		sql = &expected_sql.batch[expected_sql.next - expected_sql.batch_start];
		expected_sql.next++;
		if (sql->id != NULL)
		{
			out->id = id;
			out->upgrade = pstrdup(sql->upgrade);
			out->downgrade = sql->downgrade ? pstrdup(sql->downgrade) : NULL;
			out->checksum = pstrdup(sql->checksum);
			out->message = sql->message ? pstrdup(sql->message) : NULL;
			return;
		}
	}
	catalog_fetch_one_sql(id, out);
}
