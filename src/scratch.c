/*-------------------------------------------------------------------------
 *
 * scratch.c
 *	  A scratch schema that never outlives the call: scratch_run creates it
 *	  inside an internal subtransaction that is always rolled back, runs
 *	  SQL there as the caller, and lets the caller read the result before
 *	  the rollback.  Autogenerate (diff_autogen.c), rev_verify_schema and
 *	  rev_squash (verify.c, squash.c) and rev_test use it.
 *
 * The schema gets an unpredictable name, so that no other role can create
 * it first, and scratch_first_escape reports anything the SQL created or
 * changed outside it.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

/*
 * Objects created or changed outside the scratch schema: rows of the main
 * catalogs written by the subtransaction ($1), in another schema than the
 * scratch one ($2); the earliest first, with the command id that wrote it
 * (rev_verify_schema maps it to a revision).
 */
static const char *const escapes_query =
"SELECT kind, name, cmd FROM ("
" SELECT 'relation' AS kind, c.oid::pg_catalog.regclass::pg_catalog.text AS name,"
"  c.cmin::pg_catalog.text::pg_catalog.int8 AS cmd"
"  FROM pg_catalog.pg_class c WHERE c.xmin OPERATOR(pg_catalog.=) $1"
"  AND c.relnamespace OPERATOR(pg_catalog.<>) $2"
"  AND c.relnamespace OPERATOR(pg_catalog.<>) 'pg_toast'::pg_catalog.regnamespace"
" UNION ALL SELECT 'type', t.oid::pg_catalog.regtype::pg_catalog.text,"
"  t.cmin::pg_catalog.text::pg_catalog.int8"
"  FROM pg_catalog.pg_type t WHERE t.xmin OPERATOR(pg_catalog.=) $1"
"  AND t.typnamespace OPERATOR(pg_catalog.<>) $2"
" UNION ALL SELECT 'function', p.oid::pg_catalog.regprocedure::pg_catalog.text,"
"  p.cmin::pg_catalog.text::pg_catalog.int8"
"  FROM pg_catalog.pg_proc p WHERE p.xmin OPERATOR(pg_catalog.=) $1"
"  AND p.pronamespace OPERATOR(pg_catalog.<>) $2"
" UNION ALL SELECT 'schema', n.nspname::pg_catalog.text, n.cmin::pg_catalog.text::pg_catalog.int8"
"  FROM pg_catalog.pg_namespace n WHERE n.xmin OPERATOR(pg_catalog.=) $1"
"  AND n.oid OPERATOR(pg_catalog.<>) $2"
" UNION ALL SELECT 'trigger', g.tgname::pg_catalog.text, g.cmin::pg_catalog.text::pg_catalog.int8"
"  FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) g.tgrelid"
"  WHERE g.xmin OPERATOR(pg_catalog.=) $1 AND c.relnamespace OPERATOR(pg_catalog.<>) $2"
") x ORDER BY cmd LIMIT 1";

static void scratch_run_as(const char *live_name, ScratchStep fill, ScratchStep use,
						   void *arg, bool for_history);

/* Is scratch_run running (the drift ledger does not record its DDL)? */
static bool scratch_active = false;

/*
 * scratch_schema_name
 *		A name for the scratch schema that no other role can predict, and
 *		that no schema has now: "revisions_scratch_" and 16 random hex
 *		digits.  A pid-based name could be created first by any role with
 *		CREATE on the database, to block other sessions' autogenerate.
 */
char *
scratch_schema_name(void)
{
	int			attempt;

	for (attempt = 0; attempt < 8; attempt++)
	{
		uint32		random[2];
		char	   *name;

		if (!pg_strong_random(random, sizeof(random)))
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not generate a random scratch schema name")));
		name = psprintf("revisions_scratch_%08x%08x", random[0], random[1]);
		if (!OidIsValid(get_namespace_oid(name, true)))
			return name;
	}
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_SCHEMA),
			 errmsg("could not find an unused scratch schema name")));
	pg_unreachable();
}

/*
 * create_scratch_schema
 *		Create the scratch schema, owned by the caller, and return its oid.
 *		For_history (the registered history is replayed, not SQL the caller
 *		passes): only the CREATE SCHEMA runs as the extension owner, so that
 *		a role without CREATE on the database (a monitoring role granted
 *		rev_verify_schema) can use it; what runs in the schema still runs as
 *		the caller.  Else the caller creates it, and needs CREATE on the
 *		database (models are the caller's own SQL).  The caller is inside
 *		scratch_run's subtransaction, connected to SPI.
 */
static Oid
create_scratch_schema(const char *name, bool for_history)
{
	Oid			saved_userid;
	int			saved_sec_context;
	char	   *sql;
	int			rc;

	GetUserIdAndSecContext(&saved_userid, &saved_sec_context);
	if (for_history)
	{
		sql = psprintf("CREATE SCHEMA %s AUTHORIZATION %s", quote_identifier(name),
					   quote_identifier(GetUserNameFromId(saved_userid, false)));
		SetUserIdAndSecContext(catalog_owner(), saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	}
	else
		sql = psprintf("CREATE SCHEMA %s", quote_identifier(name));
	rc = SPI_execute(sql, false, 0);
	/* (On error, the subtransaction's abort restores the identity.) */
	SetUserIdAndSecContext(saved_userid, saved_sec_context);
	if (rc != SPI_OK_UTILITY)
		elog(ERROR, "could not create the scratch schema: %s", SPI_result_code_string(rc));
	return get_namespace_oid(name, false);
}

/*
 * scratch_first_escape
 *		Did what ran in the scratch subtransaction create or change an
 *		object outside the scratch schema?  If so, true, with its kind, its
 *		name and the command id that last wrote it (comparable with
 *		GetCurrentCommandId).  Call it inside scratch_run's subtransaction,
 *		connected to SPI.
 */
bool
scratch_first_escape(Oid scratch, char **kind, char **name, CommandId *command)
{
	Oid			argtypes[2] = {XIDOID, OIDOID};
	Datum		args[2];
	bool		isnull;
	int			rc;

	args[0] = TransactionIdGetDatum(GetCurrentTransactionIdIfAny());
	args[1] = ObjectIdGetDatum(scratch);
	rc = SPI_execute_with_args(escapes_query, 2, argtypes, args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not check the objects of the scratch schema: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return false;
	*kind = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	*name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	*command = (CommandId) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													   SPI_tuptable->tupdesc, 3, &isnull));
	return true;
}

/*
 * scratch_running
 *		Is scratch_run running?  Its DDL is rolled back whatever happens.
 */
bool
scratch_running(void)
{
	return scratch_active;
}

/*
 * scratch_run
 *		Inside an internal subtransaction that is always rolled back, create
 *		a scratch schema, call fill(scratch, arg) as the caller with
 *		search_path set to the scratch schema then live_name (so that the
 *		types and functions of extensions installed in the live schema
 *		resolve), restore search_path, then call use(scratch, arg) still
 *		inside.  What use allocates in CurrentMemoryContext survives; nothing
 *		of the scratch schema does, whatever happens.  The caller is
 *		connected to SPI.
 */
void
scratch_run(const char *live_name, ScratchStep fill, ScratchStep use, void *arg)
{
	scratch_run_as(live_name, fill, use, arg, false);
}

/*
 * scratch_run_history
 *		scratch_run for replaying the registered history (rev_verify_schema,
 *		rev_squash): the caller needs no CREATE on the database.
 */
void
scratch_run_history(const char *live_name, ScratchStep fill, ScratchStep use, void *arg)
{
	scratch_run_as(live_name, fill, use, arg, true);
}

/* scratch_run and scratch_run_history; for_history: see create_scratch_schema. */
static void
scratch_run_as(const char *live_name, ScratchStep fill, ScratchStep use, void *arg,
			   bool for_history)
{
	MemoryContext keep = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char	   *scratch_name = scratch_schema_name();

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(keep);
	scratch_active = true;
	PG_TRY();
	{
		Oid			scratch;
		int			nest_level;

		scratch = create_scratch_schema(scratch_name, for_history);

		/*
		 * The scratch schema first: the SQL creates its objects there.
		 * Then the live schema, for what the SQL uses but does not define,
		 * above all the types and functions of extensions installed there.
		 */
		nest_level = NewGUCNestLevel();
		(void) set_config_option("search_path",
								 psprintf("%s, %s", quote_identifier(scratch_name),
										  quote_identifier(live_name)),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		fill(scratch, arg);
		AtEOXact_GUC(false, nest_level);
		MemoryContextSwitchTo(keep);

		use(scratch, arg);

		scratch_active = false;
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(keep);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		scratch_active = false;
		MemoryContextSwitchTo(keep);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(keep);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
}
