/*-------------------------------------------------------------------------
 *
 * drift.c
 *	  The drift ledger: every DDL command run in this database outside
 *	  pg_revisions' own calls, recorded as it happens (revisions.drift), and
 *	  rev_drift(), which reads it.
 *
 * Two event triggers, created by the update script, call
 * pgrev_drift_record: on ddl_command_end it records one row per command
 * collected by the server (pg_event_trigger_ddl_commands), on sql_drop one
 * row per object the command named (pg_event_trigger_dropped_objects,
 * "original" objects only).  Each row is written by a kept, schema-qualified
 * query run as the extension owner (SECURITY_LOCAL_USERID_CHANGE, as
 * catalog.c does), never as the role running the DDL, which gets no right
 * over the ledger: it can neither read, forge nor erase a row.  A row is
 * part of the DDL's transaction: a failed statement leaves none.
 *
 * Not recorded:
 *	  - DDL run while rev_upgrade/rev_downgrade apply revisions (apply.c);
 *	  - the statements a session runs while it holds the claim on a
 *		non-transactional revision (outside.c);
 *	  - autogenerate's and rev_verify_schema's scratch schema (autogen.c;
 *		rolled back anyway);
 *	  - temporary objects, and what an extension's script creates or drops
 *		(the CREATE or ALTER EXTENSION itself is recorded);
 *	  - REFRESH MATERIALIZED VIEW (data, not schema);
 *	  - a restore: a session whose application_name is "pg_restore" (the
 *		name pg_restore gives itself) and whose session user is a superuser
 *		(only a superuser can run the CREATE EXTENSION of a dump, and a
 *		superuser could disable the triggers anyway, so an ordinary role
 *		cannot hide its DDL by naming itself pg_restore); binary upgrade
 *		(pg_upgrade); and session_replication_role = replica, under which
 *		the server fires no ordinary event trigger at all.
 *
 * The triggers must never block DDL: when the installed extension is not
 * the version of this library (a new library installed, ALTER EXTENSION
 * not run yet), nothing is recorded and a WARNING says why.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"
#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/cmdtag.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pgrev_drift_record);
PG_FUNCTION_INFO_V1(rev_drift);

/* Rows of rev_drift copied from SPI per fetch. */
#define DRIFT_FETCH 1000

/* The queries, each prepared once per backend and kept. */
typedef enum DriftQuery
{
	DQ_COMMANDS,				/* ddl_command_end */
	DQ_DROPPED,					/* sql_drop */
	DQ_READ,					/* rev_drift */
	NUM_DRIFT_QUERIES
} DriftQuery;

static const char *const drift_sql[NUM_DRIFT_QUERIES] = {
	"INSERT INTO revisions.drift (at, role, application, command, object_type, object_identity)"
	" SELECT $1, $2, $3, c.command_tag, c.object_type, c.object_identity"
	" FROM pg_catalog.pg_event_trigger_ddl_commands() c"
	" WHERE NOT c.in_extension"
	" AND c.schema_name IS DISTINCT FROM 'pg_temp'::pg_catalog.text",

	"INSERT INTO revisions.drift (at, role, application, command, object_type, object_identity)"
	" SELECT $1, $2, $3, $4, d.object_type, d.object_identity"
	" FROM pg_catalog.pg_event_trigger_dropped_objects() d"
	" WHERE d.original AND NOT d.is_temporary",

	"SELECT d.at, d.role, d.application, d.command, d.object_type, d.object_identity"
	" FROM revisions.drift d"
	" WHERE $1 IS NULL OR d.at OPERATOR(pg_catalog.>=) $1"
	" ORDER BY d.at, d.id"
};

static const int drift_nargs[NUM_DRIFT_QUERIES] = {3, 4, 1};
static Oid	drift_argtypes[NUM_DRIFT_QUERIES][4] = {
	{TIMESTAMPTZOID, NAMEOID, TEXTOID},
	{TIMESTAMPTZOID, NAMEOID, TEXTOID, TEXTOID},
	{TIMESTAMPTZOID}
};

static SPIPlanPtr drift_plans[NUM_DRIFT_QUERIES];

/* The extension owner, cached for one transaction (InvalidOid: none). */
static Oid	owner_oid = InvalidOid;
static LocalTransactionId owner_lxid = InvalidLocalTransactionId;

static Oid	drift_owner(bool for_trigger);
static SPIPlanPtr drift_plan(DriftQuery query);
static bool drift_skipped(CommandTag tag);

/*
 * drift_owner
 *		The role owning the pg_revisions extension, cached for the
 *		transaction.  When the installed extension is not this library's
 *		version: for the event trigger (for_trigger), a WARNING and
 *		InvalidOid, so DDL goes on; otherwise an error, as catalog.c gives.
 */
static Oid
drift_owner(bool for_trigger)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Datum		version;
	bool		isnull;
	char	   *installed = NULL;
	Oid			owner = InvalidOid;

	if (owner_lxid == PGREV_MY_LXID && OidIsValid(owner_oid))
		return owner_oid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("pg_revisions"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		version = heap_getattr(tuple, Anum_pg_extension_extversion,
							   RelationGetDescr(rel), &isnull);
		installed = isnull ? "?" : TextDatumGetCString(version);
		owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (installed == NULL || strcmp(installed, PGREV_VERSION) != 0)
	{
		if (for_trigger)
		{
			ereport(WARNING,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("DDL not recorded in the pg_revisions drift ledger"),
					 errdetail("pg_revisions %s is installed in this database, but the server has "
							   "the library of version %s.", installed ? installed : "(none)",
							   PGREV_VERSION),
					 errhint("Run ALTER EXTENSION pg_revisions UPDATE.")));
			return InvalidOid;
		}
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_revisions %s is installed in this database, but the server has "
						"the library of version %s", installed ? installed : "(none)",
						PGREV_VERSION),
				 errhint("Run ALTER EXTENSION pg_revisions UPDATE.")));
	}
	owner_oid = owner;
	owner_lxid = PGREV_MY_LXID;
	return owner;
}

/*
 * drift_plan
 *		The kept plan of query, prepared on first use.  Call it as the
 *		extension owner: parse analysis checks privileges.
 */
static SPIPlanPtr
drift_plan(DriftQuery query)
{
	if (drift_plans[query] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(drift_sql[query], drift_nargs[query],
									   drift_argtypes[query]);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for pg_revisions drift query %d: %s",
				 (int) query, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		drift_plans[query] = plan;
	}
	return drift_plans[query];
}

/*
 * drift_skipped
 *		Is the DDL now ending one the ledger leaves out (see the file
 *		header)?
 */
static bool
drift_skipped(CommandTag tag)
{
	if (applying_revisions() || scratch_running() || outside_claim_held())
		return true;
	if (tag == CMDTAG_REFRESH_MATERIALIZED_VIEW)
		return true;
	if (creating_extension)
		return true;				/* the script's commands; its CREATE/ALTER EXTENSION is not */
	if (IsBinaryUpgrade)
		return true;
	if (application_name != NULL && strcmp(application_name, "pg_restore") == 0 &&
		superuser_arg(GetSessionUserId()))
		return true;
	return false;
}

/*
 * pgrev_drift_record() RETURNS event_trigger
 *		The drift ledger's event trigger function, for ddl_command_end and
 *		sql_drop (see the file header).  Writes as the extension owner.
 */
Datum
pgrev_drift_record(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	bool		dropping;
	Oid			owner;
	Oid			saved_userid;
	int			saved_sec_context;
	Datum		values[4];
	int			rc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("revisions.drift_record() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (drift_skipped(trigdata->tag))
		PG_RETURN_NULL();
	dropping = (strcmp(trigdata->event, "sql_drop") == 0);

	/* Who ran it, before becoming the owner. */
	values[0] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[1] = CStringGetDatum(GetUserNameFromId(GetUserId(), false));
	values[1] = DirectFunctionCall1(namein, values[1]);
	values[2] = CStringGetTextDatum(application_name ? application_name : "");
	values[3] = CStringGetTextDatum(GetCommandTagName(trigdata->tag));

	owner = drift_owner(true);
	if (!OidIsValid(owner))
		PG_RETURN_NULL();

	SPI_connect();
	GetUserIdAndSecContext(&saved_userid, &saved_sec_context);
	SetUserIdAndSecContext(owner, saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	rc = SPI_execute_plan(drift_plan(dropping ? DQ_DROPPED : DQ_COMMANDS), values, NULL,
						  false, 0);
	SetUserIdAndSecContext(saved_userid, saved_sec_context);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not record DDL in the drift ledger: %s", SPI_result_code_string(rc));
	SPI_finish();
	PG_RETURN_NULL();
}

/*
 * rev_drift(since timestamptz DEFAULT NULL)
 *		RETURNS TABLE(at timestamptz, role name, application text,
 *		command text, object_type text, object_identity text)
 *		The ledger (from since on, when given), oldest first, read as the
 *		extension owner through a cursor, a batch at a time.
 */
Datum
rev_drift(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[1];
	char		nulls[1];
	Oid			owner;
	Oid			saved_userid;
	int			saved_sec_context;
	Portal		portal;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	values[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	nulls[0] = PG_ARGISNULL(0) ? 'n' : ' ';

	SPI_connect();
	owner = drift_owner(false);
	GetUserIdAndSecContext(&saved_userid, &saved_sec_context);
	SetUserIdAndSecContext(owner, saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	portal = SPI_cursor_open(NULL, drift_plan(DQ_READ), values, nulls, true);
	SetUserIdAndSecContext(saved_userid, saved_sec_context);
	for (;;)
	{
		uint64		i;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, DRIFT_FETCH);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			Datum		row[6];
			bool		isnull[6];
			int			c;

			for (c = 0; c < 6; c++)
				row[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
									   c + 1, &isnull[c]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, isnull);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_freetuptable(SPI_tuptable);
	SPI_cursor_close(portal);
	SPI_finish();
	return (Datum) 0;
}
