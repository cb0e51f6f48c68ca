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
 * restore_constraint_mode() computes the mode the caller had for each
 * deferrable constraint (its declared INITIALLY DEFERRED or IMMEDIATE,
 * overridden by the SET CONSTRAINTS the caller itself ran in this
 * transaction: outside revisions, not rolled back with a savepoint,
 * resolved by name as PostgreSQL does) and sets it back:
 *	  1. first the constraints the caller had deferred: deferred again,
 *		 nothing is checked (their checks wait for the commit, or for the
 *		 caller's own SET CONSTRAINTS ... IMMEDIATE, as the caller expects);
 *	  2. then those the caller had immediate: immediate again, which checks
 *		 at once what the revision left pending for them (as SET CONSTRAINTS
 *		 ... IMMEDIATE does), with the revision named in the error.
 * SET CONSTRAINTS works on names, so constraints sharing a schema and a
 * name get one mode: immediate when they should differ.  Not known, so not
 * restored: a SET CONSTRAINTS the caller ran in the same transaction before
 * the library was loaded in the session (its first call of a pg_revisions
 * function); and the mode of constraints created after the revision (SET
 * CONSTRAINTS ALL's default for new ones stays the revision's).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/xact.h"
#include "catalog/namespace.h"
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
 * Every constraint, with its schema and declared mode: what SET
 * CONSTRAINTS resolves names against.
 */
static const char *const constraints_query =
"SELECT c.connamespace, n.nspname::pg_catalog.text, c.conname::pg_catalog.text,"
" c.condeferrable, c.condeferred"
" FROM pg_catalog.pg_constraint c"
" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.connamespace"
" ORDER BY 2, 3";

/* One constraint, and the mode the caller had for it. */
typedef struct ConstraintMode
{
	Oid			nsp;
	char	   *nspname;
	char	   *name;
	bool		deferrable;
	bool		deferred;		/* the caller's mode */
} ConstraintMode;

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
static ConstraintMode *load_constraints(int *count);
static void apply_caller_setting(ConstraintMode *modes, int count, ConstraintsSetStmt *stmt);
static void set_modes(ConstraintMode *modes, int count, bool deferred);

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
 * load_constraints
 *		Every constraint, by schema and name, each with its declared mode.
 *		The caller is connected to SPI; the array is in CurrentMemoryContext.
 */
static ConstraintMode *
load_constraints(int *count)
{
	MemoryContext context = CurrentMemoryContext;
	ConstraintMode *modes;
	uint64		i;
	int			rc;

	rc = SPI_execute(constraints_query, true, 0);
	MemoryContextSwitchTo(context);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the constraints: %s", SPI_result_code_string(rc));
	if (SPI_processed > (uint64) (MaxAllocSize / sizeof(ConstraintMode)) - 1)
		elog(ERROR, "too many constraints: " UINT64_FORMAT, SPI_processed);
	modes = palloc(sizeof(ConstraintMode) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		modes[i].nsp = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		modes[i].nspname = SPI_getvalue(tuple, desc, 2);
		modes[i].name = SPI_getvalue(tuple, desc, 3);
		modes[i].deferrable = DatumGetBool(SPI_getbinval(tuple, desc, 4, &isnull));
		modes[i].deferred = DatumGetBool(SPI_getbinval(tuple, desc, 5, &isnull));
	}
	*count = (int) SPI_processed;
	SPI_freetuptable(SPI_tuptable);
	return modes;
}

/*
 * apply_caller_setting
 *		Apply one SET CONSTRAINTS of the caller to modes, resolving its
 *		names as AfterTriggerSetState does: a qualified name in its schema,
 *		an unqualified one in the first schema of the search path that has
 *		a constraint of that name.
 */
static void
apply_caller_setting(ConstraintMode *modes, int count, ConstraintsSetStmt *stmt)
{
	ListCell   *lc;
	int			i;

	if (stmt->constraints == NIL)
	{
		for (i = 0; i < count; i++)
			modes[i].deferred = stmt->deferred;
		return;
	}
	foreach(lc, stmt->constraints)
	{
		RangeVar   *name = lfirst_node(RangeVar, lc);
		List	   *namespaces;
		ListCell   *nc;

		if (name->schemaname)
		{
			Oid			nsp = LookupExplicitNamespace(name->schemaname, true);

			namespaces = OidIsValid(nsp) ? list_make1_oid(nsp) : NIL;
		}
		else
			namespaces = fetch_search_path(true);
		foreach(nc, namespaces)
		{
			bool		found = false;

			for (i = 0; i < count; i++)
				if (modes[i].nsp == lfirst_oid(nc) && strcmp(modes[i].name, name->relname) == 0)
				{
					modes[i].deferred = stmt->deferred;
					found = true;
				}
			if (found)
				break;
		}
	}
}

/*
 * set_modes
 *		SET CONSTRAINTS ... DEFERRED (deferred) or IMMEDIATE for every schema
 *		and name whose deferrable constraints should all have that mode.  A
 *		name with constraints of both modes, or with one that cannot be
 *		deferred, goes with IMMEDIATE.  modes is sorted by schema and name.
 */
static void
set_modes(ConstraintMode *modes, int count, bool deferred)
{
	ConstraintsSetStmt *stmt = makeNode(ConstraintsSetStmt);
	int			i = 0;

	stmt->deferred = deferred;
	while (i < count)
	{
		int			end = i;
		bool		any_deferrable = false;
		bool		all_deferred = true;

		CHECK_FOR_INTERRUPTS();
		while (end < count && modes[end].nsp == modes[i].nsp &&
			   strcmp(modes[end].name, modes[i].name) == 0)
		{
			any_deferrable |= modes[end].deferrable;
			all_deferred &= modes[end].deferrable && modes[end].deferred;
			end++;
		}
		if (any_deferrable && all_deferred == deferred)
			stmt->constraints = lappend(stmt->constraints,
										makeRangeVar(modes[i].nspname, modes[i].name, -1));
		i = end;
	}
	if (stmt->constraints != NIL)
		AfterTriggerSetState(stmt);
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
	ConstraintMode *modes;
	int			count;

	if (!revision_set_constraints)
		return;
	revision_set_constraints = false;

	modes = load_constraints(&count);
	if (caller_settings_lxid == PGREV_MY_LXID)
	{
		ListCell   *lc;

		foreach(lc, caller_settings)
			apply_caller_setting(modes, count, ((CallerSetting *) lfirst(lc))->stmt);
	}
	set_modes(modes, count, true);
	set_modes(modes, count, false);
}
