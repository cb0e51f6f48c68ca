/*-------------------------------------------------------------------------
 *
 * constraints.c
 *	  Keeping SET CONSTRAINTS run by a revision inside that revision.
 *
 * A revision runs in the caller's transaction, and the constraint mode set
 * by SET CONSTRAINTS lasts until the end of the transaction: a revision's
 * SET CONSTRAINTS ALL DEFERRED would otherwise hold for the revisions after
 * it and for the rest of the caller's transaction (PostgreSQL keeps no
 * per-function mode either).  PostgreSQL offers no way to read or save the
 * mode, so it is rebuilt instead: a ProcessUtility hook notes every SET
 * CONSTRAINTS that runs, at any depth, and after a revision that ran one
 * restore_constraint_mode():
 *	  1. makes the deferrable constraints declared INITIALLY IMMEDIATE
 *		 immediate again, which checks at once what the revision left
 *		 pending for them (as SET CONSTRAINTS ... IMMEDIATE does), with the
 *		 revision named in the error;
 *	  2. makes those declared INITIALLY DEFERRED deferred again (nothing is
 *		 checked: their checks stay for the commit, as the caller expects);
 *	  3. replays, in order, the SET CONSTRAINTS the caller itself ran in this
 *		 transaction (outside revisions, in subtransactions that did not roll
 *		 back) since this library was loaded.
 * So the caller's mode is back, except for a SET CONSTRAINTS the caller ran
 * in the same transaction before the library was loaded in the session
 * (before its first call of a pg_revisions function), which is not known.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/memutils.h"

#include "compat.h"

/* A SET CONSTRAINTS the caller ran, and the subtransaction that ran it. */
typedef struct CallerSetting
{
	ConstraintsSetStmt *stmt;	/* in TopTransactionContext */
	SubTransactionId subid;
} CallerSetting;

/*
 * The deferrable constraints by schema and name, with their declared mode.
 * A name that some constraint of its schema cannot defer is left out of the
 * INITIALLY DEFERRED list (SET CONSTRAINTS name DEFERRED would fail); a
 * name shared by constraints of both modes goes into the IMMEDIATE list.
 */
static const char *const deferrable_query =
"SELECT n.nspname::pg_catalog.text, c.conname::pg_catalog.text,"
" pg_catalog.bool_and(c.condeferred) AND pg_catalog.bool_and(c.condeferrable)"
" FROM pg_catalog.pg_constraint c"
" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.connamespace"
" GROUP BY 1, 2 HAVING pg_catalog.bool_or(c.condeferrable)";

static ProcessUtility_hook_type previous_hook = NULL;
static bool revision_set_constraints = false;
static List *caller_settings = NIL;	/* of CallerSetting, this transaction's */
static LocalTransactionId caller_settings_lxid = InvalidLocalTransactionId;
static bool subxact_callback_registered = false;

static void constraints_utility_hook(PlannedStmt *pstmt, const char *queryString,
									 bool readOnlyTree, ProcessUtilityContext context,
									 ParamListInfo params, QueryEnvironment *queryEnv,
									 DestReceiver *dest, QueryCompletion *qc);
static void note_caller_setting(ConstraintsSetStmt *stmt);
static void caller_settings_subxact(SubXactEvent event, SubTransactionId mySubid,
									SubTransactionId parentSubid, void *arg);

/* Install the hook (from _PG_init). */
void
constraints_init(void)
{
	previous_hook = ProcessUtility_hook;
	ProcessUtility_hook = constraints_utility_hook;
}

/*
 * constraints_utility_hook
 *		Note each SET CONSTRAINTS: run by a revision (applying_revision()),
 *		that it must be undone; run by the caller, the statement itself.
 */
static void
constraints_utility_hook(PlannedStmt *pstmt, const char *queryString,
						 bool readOnlyTree, ProcessUtilityContext context,
						 ParamListInfo params, QueryEnvironment *queryEnv,
						 DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (stmt != NULL && IsA(stmt, ConstraintsSetStmt))
	{
		if (applying_revision())
			revision_set_constraints = true;
		else
			note_caller_setting((ConstraintsSetStmt *) stmt);
	}
	if (previous_hook)
		previous_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

/* Remember a caller's SET CONSTRAINTS for this transaction. */
static void
note_caller_setting(ConstraintsSetStmt *stmt)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	CallerSetting *setting = palloc(sizeof(CallerSetting));

	if (caller_settings_lxid != PGREV_MY_LXID)
	{
		caller_settings = NIL;	/* an earlier transaction's, freed with it */
		caller_settings_lxid = PGREV_MY_LXID;
	}
	if (!subxact_callback_registered)
	{
		RegisterSubXactCallback(caller_settings_subxact, NULL);
		subxact_callback_registered = true;
	}
	setting->stmt = copyObject(stmt);
	setting->subid = GetCurrentSubTransactionId();
	caller_settings = lappend(caller_settings, setting);
	MemoryContextSwitchTo(old);
}

/*
 * caller_settings_subxact
 *		A rolled-back subtransaction's SET CONSTRAINTS are undone by
 *		PostgreSQL: forget them; a committed one's now belong to its parent.
 */
static void
caller_settings_subxact(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (caller_settings_lxid != PGREV_MY_LXID)
		return;
	foreach(lc, caller_settings)
	{
		CallerSetting *setting = lfirst(lc);

		if (setting->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			caller_settings = foreach_delete_current(caller_settings, lc);
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
			setting->subid = parentSubid;
	}
}

/*
 * restore_constraint_mode
 *		Call after the statements of each revision ran, with the revision
 *		still named in the error context: if the revision ran SET
 *		CONSTRAINTS, check what it deferred and put back the caller's mode
 *		(see the header comment).  Does nothing otherwise.  The caller is
 *		connected to SPI.
 */
void
restore_constraint_mode(void)
{
	MemoryContext context = CurrentMemoryContext;
	ConstraintsSetStmt *immediate;
	ConstraintsSetStmt *deferred;
	uint64		i;
	int			rc;

	if (!revision_set_constraints)
		return;
	revision_set_constraints = false;

	rc = SPI_execute(deferrable_query, true, 0);
	MemoryContextSwitchTo(context);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the deferrable constraints: %s", SPI_result_code_string(rc));
	immediate = makeNode(ConstraintsSetStmt);
	immediate->deferred = false;
	deferred = makeNode(ConstraintsSetStmt);
	deferred->deferred = true;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		RangeVar   *name = makeRangeVar(SPI_getvalue(tuple, desc, 1),
										SPI_getvalue(tuple, desc, 2), -1);

		CHECK_FOR_INTERRUPTS();
		if (DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull)))
			deferred->constraints = lappend(deferred->constraints, name);
		else
			immediate->constraints = lappend(immediate->constraints, name);
	}
	SPI_freetuptable(SPI_tuptable);

	if (immediate->constraints != NIL)
		AfterTriggerSetState(immediate);
	if (deferred->constraints != NIL)
		AfterTriggerSetState(deferred);
	if (caller_settings_lxid == PGREV_MY_LXID)
	{
		ListCell   *lc;

		foreach(lc, caller_settings)
			AfterTriggerSetState(((CallerSetting *) lfirst(lc))->stmt);
	}
}
