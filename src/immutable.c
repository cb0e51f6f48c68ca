/*-------------------------------------------------------------------------
 *
 * immutable.c
 *	  Immutable history: the SQL of a registered revision never changes.
 *
 *	  - revision_checksum: the SHA-256 stored with every revision;
 *	  - verify_revision_sql: checked before any revision SQL runs or is
 *	    shown, so tampered SQL is never applied;
 *	  - catalog_guard: a statement trigger on the catalog tables that
 *	    refuses UPDATE, DELETE and TRUNCATE except from the extension's own
 *	    queries, even for the owner (a superuser can still disable it: it
 *	    guards against accidents and scripts, not against superusers);
 *	  - rev_verify(): the revisions whose stored SQL no longer matches its
 *	    checksum.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pgrev_catalog_guard);
PG_FUNCTION_INFO_V1(rev_verify);

static void add_if_corrupted(RevisionSql *sql, void *arg);

/*
 * revision_checksum
 *		Hex SHA-256 over the upgrade and downgrade SQL, each length-prefixed,
 *		with a NULL downgrade distinct from ''.  What is hashed, per part:
 *		a tag byte ('T' for text, 'N' for NULL), the length in bytes as a
 *		64-bit little-endian integer, then the bytes of the SQL.
 */
char *
revision_checksum(const char *upgrade, const char *downgrade)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	const char *parts[2] = {upgrade, downgrade};
	char	   *hex = palloc(PG_SHA256_DIGEST_STRING_LENGTH);
	int			i;

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not initialize SHA-256");
	for (i = 0; i < 2; i++)
	{
		uint64		len = parts[i] ? strlen(parts[i]) : 0;
		uint8		tag = parts[i] ? 'T' : 'N';
		uint8		len_le[sizeof(uint64)];
		int			k;

		/*
		 * The length always little-endian: checksums stored by releases
		 * that hashed the host's uint64 were made on little-endian machines
		 * (x86-64, arm64), so they stay valid, and a big-endian server
		 * computes the same checksum for the same SQL.
		 */
		for (k = 0; k < (int) sizeof(uint64); k++)
			len_le[k] = (uint8) (len >> (8 * k));
		if (pg_cryptohash_update(ctx, &tag, 1) < 0 ||
			pg_cryptohash_update(ctx, len_le, sizeof(len_le)) < 0 ||
			(len > 0 && pg_cryptohash_update(ctx, (const uint8 *) parts[i], len) < 0))
			elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	}
	if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute SHA-256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	/* No terminator is written (a sprintf per byte cost more than the hash). */
	hex_encode((const char *) digest, PG_SHA256_DIGEST_LENGTH, hex);
	hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
	return hex;
}

/*
 * verify_revision_sql
 *		Raise a data-corruption error (XX001) if the stored SQL of a revision
 *		does not match the checksum it was registered with.
 */
void
verify_revision_sql(RevisionSql *sql)
{
	char	   *computed = revision_checksum(sql->upgrade, sql->downgrade);

	if (strcmp(computed, sql->checksum) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the stored SQL of revision \"%s\" does not match its checksum", sql->id),
				 errdetail("Registered with checksum %s; the SQL now hashes to %s.",
						   sql->checksum, computed),
				 errhint("Someone changed revisions.revision behind pg_revisions' back; "
						 "rev_verify() lists every such revision.")));
	pfree(computed);
}

/*
 * pgrev_catalog_guard
 *		BEFORE UPDATE OR DELETE OR TRUNCATE ... FOR EACH STATEMENT trigger on
 *		the catalog tables: only the extension's own queries may change or
 *		remove rows.  (Inserts stay possible, for pg_restore.)
 */
Datum
pgrev_catalog_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("catalog_guard must be called as a trigger")));
	if (!catalog_query_in_progress())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the pg_revisions catalog table \"%s\" can only be changed by pg_revisions functions",
						RelationGetRelationName(trigdata->tg_relation)),
				 errdetail("History is immutable: revisions, their DAG, the applied state and the operation log are not edited by hand."),
				 errhint("Use rev_add, rev_drop, rev_upgrade, rev_downgrade or rev_stamp.")));
	return PointerGetDatum(NULL);
}

/* rev_verify's callback: one result row per corrupted revision. */
static void
add_if_corrupted(RevisionSql *sql, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	char	   *computed = revision_checksum(sql->upgrade, sql->downgrade);

	if (strcmp(computed, sql->checksum) != 0)
	{
		Datum		values[3] = {CStringGetTextDatum(sql->id),
			CStringGetTextDatum(sql->checksum),
		CStringGetTextDatum(computed)};
		bool		nulls[3] = {false, false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(computed);
}

/*
 * rev_verify() RETURNS TABLE(revision text, stored_checksum text,
 *							   computed_checksum text)
 *		The revisions whose stored SQL no longer matches the checksum they
 *		were registered with; no rows when all is well.
 */
Datum
rev_verify(PG_FUNCTION_ARGS)
{
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	catalog_scan_sql(add_if_corrupted, fcinfo->resultinfo);
	SPI_finish();
	return (Datum) 0;
}
