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
 * "original" objects only).  Both server functions are called directly and
 * each row is inserted through the table access method by this C code, with
 * no SQL and no privilege check: the role running the DDL gets no right over
 * the ledger (it can neither read, forge nor erase a row), and DDL pays no
 * query's planning or executor start-up.  A row is part of the DDL's
 * transaction: a failed statement leaves none.  rev_drift reads the ledger
 * with a kept query run as the extension owner (SECURITY_LOCAL_USERID_CHANGE,
 * as catalog.c does).
 *
 * Not recorded:
 *	  - DDL run while rev_upgrade/rev_downgrade apply revisions (apply.c);
 *	  - the statements a session runs while it holds the claim on a
 *		non-transactional revision (outside.c);
 *	  - autogenerate's and rev_verify_schema's scratch schema (scratch.c;
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
#include "access/tableam.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/cmdtag.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pgrev_drift_record);
PG_FUNCTION_INFO_V1(rev_drift);

/* Rows of rev_drift copied from SPI per fetch. */
#define DRIFT_FETCH 1000

/* rev_drift's query, prepared once per backend and kept. */
static const char *const drift_read_sql =
"SELECT d.at, d.role, d.application, d.command, d.object_type, d.object_identity"
" FROM revisions.drift d"
" WHERE $1 IS NULL OR d.at OPERATOR(pg_catalog.>=) $1"
" ORDER BY d.at, d.id";
static SPIPlanPtr drift_read_plan = NULL;

/* Columns of revisions.drift (the 1.2 update script). */
#define DRIFT_NATTS 7
enum
{
	DRIFT_ID, DRIFT_AT, DRIFT_ROLE, DRIFT_APPLICATION, DRIFT_COMMAND, DRIFT_OBJECT_TYPE,
	DRIFT_OBJECT_IDENTITY
};

/* Columns of the server's functions read here (1-based, as in pg_proc.dat). */
#define DDL_COMMAND_TAG 4
#define DDL_OBJECT_TYPE 5
#define DDL_SCHEMA_NAME 6
#define DDL_OBJECT_IDENTITY 7
#define DDL_IN_EXTENSION 8
#define DROPPED_ORIGINAL 4
#define DROPPED_IS_TEMPORARY 6
#define DROPPED_OBJECT_TYPE 7
#define DROPPED_OBJECT_IDENTITY 10

/* The extension owner, cached for one transaction (InvalidOid: none). */
static Oid	owner_oid = InvalidOid;
static LocalTransactionId owner_lxid = InvalidLocalTransactionId;

static Oid	drift_owner(bool for_trigger);
static bool drift_skipped(CommandTag tag);
static Tuplestorestate *call_event_function(Oid function, TupleDesc *desc);

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
 * drift_skipped
 *		Is the DDL now ending one the ledger leaves out (see the file
 *		header)?
 */
static bool
drift_skipped(CommandTag tag)
{
	if (applying_revision() || scratch_running() || outside_claim_held())
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
 * call_event_function
 *		Call pg_event_trigger_ddl_commands() or
 *		pg_event_trigger_dropped_objects() (function, by OID) as the
 *		executor calls a set-returning function in materialize mode; its
 *		rows and their descriptor, in CurrentMemoryContext.  Only inside an
 *		event trigger of the matching event.
 */
static Tuplestorestate *
call_event_function(Oid function, TupleDesc *desc)
{
	FmgrInfo	flinfo;
	ReturnSetInfo rsinfo;
	LOCAL_FCINFO(fcinfo, 0);

	fmgr_info(function, &flinfo);
	memset(&rsinfo, 0, sizeof(rsinfo));
	rsinfo.type = T_ReturnSetInfo;
	rsinfo.econtext = CreateStandaloneExprContext();
	rsinfo.allowedModes = (int) SFRM_Materialize;
	rsinfo.returnMode = SFRM_Materialize;
	InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, NULL, (Node *) &rsinfo);
	(void) FunctionCallInvoke(fcinfo);
	FreeExprContext(rsinfo.econtext, true);
	if (rsinfo.returnMode != SFRM_Materialize || rsinfo.setDesc == NULL)
		elog(ERROR, "function %u did not return a materialized set", function);
	*desc = rsinfo.setDesc;
	return rsinfo.setResult;	/* NULL: no rows */
}

/*
 * pgrev_drift_record() RETURNS event_trigger
 *		The drift ledger's event trigger function, for ddl_command_end and
 *		sql_drop (see the file header): one row of revisions.drift per
 *		object the server reports for the command.
 */
Datum
pgrev_drift_record(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	bool		dropping;
	Tuplestorestate *rows;
	TupleDesc	desc;
	TupleTableSlot *in;
	TupleTableSlot *out;
	Relation	rel;
	Oid			relid;
	Oid			seqid;
	Datum		values[DRIFT_NATTS];
	bool		nulls[DRIFT_NATTS] = {false};

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("revisions.drift_record() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (drift_skipped(trigdata->tag))
		PG_RETURN_NULL();
	dropping = (strcmp(trigdata->event, "sql_drop") == 0);
	rows = call_event_function(dropping ? F_PG_EVENT_TRIGGER_DROPPED_OBJECTS :
							   F_PG_EVENT_TRIGGER_DDL_COMMANDS, &desc);
	/* Nothing to record (a DROP's ddl_command_end): nothing to look up. */
	if (rows == NULL || tuplestore_tuple_count(rows) == 0)
		PG_RETURN_NULL();
	if (!OidIsValid(drift_owner(true)))
		PG_RETURN_NULL();

	/* What every row of this command shares. */
	values[DRIFT_AT] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[DRIFT_ROLE] = DirectFunctionCall1(namein,
											 CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	values[DRIFT_APPLICATION] = CStringGetTextDatum(application_name ? application_name : "");

	relid = get_relname_relid("drift", get_namespace_oid(PGREV_SCHEMA, false));
	seqid = get_relname_relid("drift_id_seq", get_namespace_oid(PGREV_SCHEMA, false));
	if (!OidIsValid(relid) || !OidIsValid(seqid))
		elog(ERROR, "pg_revisions drift ledger is missing: %s.drift", PGREV_SCHEMA);
	rel = table_open(relid, RowExclusiveLock);
	if (RelationGetDescr(rel)->natts != DRIFT_NATTS)
		elog(ERROR, "pg_revisions drift ledger %s.drift has %d columns, expected %d",
			 PGREV_SCHEMA, RelationGetDescr(rel)->natts, DRIFT_NATTS);
	in = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	out = table_slot_create(rel, NULL);
	while (tuplestore_gettupleslot(rows, true, false, in))
	{
		bool		isnull;
		int			type_column = dropping ? DROPPED_OBJECT_TYPE : DDL_OBJECT_TYPE;
		int			identity_column = dropping ? DROPPED_OBJECT_IDENTITY : DDL_OBJECT_IDENTITY;

		CHECK_FOR_INTERRUPTS();
		if (dropping)
		{
			if (!DatumGetBool(slot_getattr(in, DROPPED_ORIGINAL, &isnull)) ||
				DatumGetBool(slot_getattr(in, DROPPED_IS_TEMPORARY, &isnull)))
				continue;
			values[DRIFT_COMMAND] = CStringGetTextDatum(GetCommandTagName(trigdata->tag));
		}
		else
		{
			Datum		schema = slot_getattr(in, DDL_SCHEMA_NAME, &isnull);

			bool		no_schema = isnull;

			if (DatumGetBool(slot_getattr(in, DDL_IN_EXTENSION, &isnull)))
				continue;
			if (!no_schema && strcmp(TextDatumGetCString(schema), "pg_temp") == 0)
				continue;
			values[DRIFT_COMMAND] = slot_getattr(in, DDL_COMMAND_TAG, &nulls[DRIFT_COMMAND]);
		}
		values[DRIFT_OBJECT_TYPE] = slot_getattr(in, type_column, &nulls[DRIFT_OBJECT_TYPE]);
		values[DRIFT_OBJECT_IDENTITY] = slot_getattr(in, identity_column,
													  &nulls[DRIFT_OBJECT_IDENTITY]);
		values[DRIFT_ID] = Int64GetDatum(nextval_internal(seqid, false));

		ExecClearTuple(out);
		memcpy(out->tts_values, values, sizeof(values));
		memcpy(out->tts_isnull, nulls, sizeof(nulls));
		ExecStoreVirtualTuple(out);
		simple_table_tuple_insert(rel, out);
	}
	ExecDropSingleTupleTableSlot(out);
	ExecDropSingleTupleTableSlot(in);
	table_close(rel, RowExclusiveLock);
	tuplestore_end(rows);
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
	if (drift_read_plan == NULL)
	{
		Oid			argtypes[1] = {TIMESTAMPTZOID};
		SPIPlanPtr	plan = SPI_prepare(drift_read_sql, 1, argtypes);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for pg_revisions' drift ledger: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		drift_read_plan = plan;
	}
	portal = SPI_cursor_open(NULL, drift_read_plan, values, nulls, true);
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
