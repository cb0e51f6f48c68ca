/*-------------------------------------------------------------------------
 *
 * lint.c
 *	  rev_lint: reviewing every statement rev_upgrade(target) would run for
 *	  what hurts a busy production database, against the live catalog.
 *
 * The statements are walked with the server's own parser
 * (sql_foreach_statement: raw parse trees, never regular expressions over
 * the text) and judged with what only the server knows: the size of each
 * table touched, the indexes and constraints it already has, whether a
 * type change is binary-coercible (the server's coercion rules), the lock
 * ALTER TABLE takes (AlterTableGetLockLevel, the function the server uses
 * itself).  Nothing runs.
 *
 * A finding is an error when, on an existing table with rows, the
 * statement rewrites it, scans it under a lock that blocks writes, or
 * builds or drops an index while blocking writes; a warning when it breaks
 * running clients or is risky.  Tables (and indexes) created earlier in
 * the same plan are never flagged for locking: the walk remembers them.
 * The rules, their names and the lock each takes are in lint_rules.c;
 * the catalog facts they need (sizes, indexes, constraints) are here.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "lint.h"

PG_FUNCTION_INFO_V1(rev_lint);

/* A relation created earlier in the plan (schema NULL: unqualified). */
typedef struct CreatedRelation
{
	char	   *schema;
	char	   *name;
} CreatedRelation;

/* An existing table renamed earlier in the plan: its schema, new name, oid. */
typedef struct RenamedRelation
{
	char	   *schema;
	char	   *name;
	Oid			oid;
} RenamedRelation;

static void lint_statement(SqlStatement *statement, void *arg);
static bool created_in_plan(LintState *state, RangeVar *rv);
static Oid	renamed_in_plan(LintState *state, RangeVar *rv);

/*
 * lint_emit
 *		Add one finding for the current statement.  relation may be NULL.
 */
void
lint_emit(LintState *state, const char *severity, const char *rule,
		  const char *relation, const char *message, const char *hint)
{
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	values[0] = CStringGetTextDatum(state->revision);
	values[1] = Int32GetDatum(state->statement);
	values[2] = CStringGetTextDatum(severity);
	values[3] = CStringGetTextDatum(rule);
	if (relation)
		values[4] = CStringGetTextDatum(relation);
	else
		nulls[4] = true;
	values[5] = CStringGetTextDatum(message);
	if (hint)
		values[6] = CStringGetTextDatum(hint);
	else
		nulls[6] = true;
	tuplestore_putvalues(state->store, state->desc, values, nulls);
	if (strcmp(severity, "error") == 0)
		state->errors++;
}

/*
 * lint_remember_created
 *		Remember that the plan creates relation rv (a table, index, view,
 *		sequence...), so later statements on it are never flagged for
 *		locking.
 */
void
lint_remember_created(LintState *state, RangeVar *rv, const char *name)
{
	MemoryContext old = MemoryContextSwitchTo(state->keep);
	CreatedRelation *created = palloc(sizeof(CreatedRelation));

	created->schema = (rv && rv->schemaname) ? pstrdup(rv->schemaname) : NULL;
	created->name = pstrdup(name ? name : rv->relname);
	state->created = lappend(state->created, created);
	MemoryContextSwitchTo(old);
}

/*
 * created_in_plan
 *		Was rv created by an earlier statement of the plan?  An unqualified
 *		name on either side matches any schema: a false "created" only
 *		silences a finding on a table that the plan made anyway.
 */
static bool
created_in_plan(LintState *state, RangeVar *rv)
{
	ListCell   *lc;

	foreach(lc, state->created)
	{
		CreatedRelation *created = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (strcmp(created->name, rv->relname) == 0 &&
			(created->schema == NULL || rv->schemaname == NULL ||
			 strcmp(created->schema, rv->schemaname) == 0))
			return true;
	}
	return false;
}

/*
 * lint_remember_renamed
 *		Remember that the plan renames the existing table to newname (same
 *		schema), so later statements naming it by its new name are reviewed
 *		as statements on that existing table.
 */
void
lint_remember_renamed(LintState *state, LintTable *table, const char *newname)
{
	MemoryContext old = MemoryContextSwitchTo(state->keep);
	RenamedRelation *renamed = palloc(sizeof(RenamedRelation));

	renamed->schema = get_namespace_name(get_rel_namespace(table->oid));
	renamed->name = pstrdup(newname);
	renamed->oid = table->oid;
	state->renamed = lappend(state->renamed, renamed);
	MemoryContextSwitchTo(old);
}

/*
 * renamed_in_plan
 *		The existing table that an earlier statement of the plan renamed to
 *		rv's name (an unqualified rv matches any schema), else InvalidOid.
 *		The latest rename wins.
 */
static Oid
renamed_in_plan(LintState *state, RangeVar *rv)
{
	Oid			found = InvalidOid;
	ListCell   *lc;

	foreach(lc, state->renamed)
	{
		RenamedRelation *renamed = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (strcmp(renamed->name, rv->relname) == 0 &&
			(rv->schemaname == NULL || strcmp(renamed->schema, rv->schemaname) == 0))
			found = renamed->oid;
	}
	return found;
}

/*
 * relation_bytes
 *		The size of a table's main fork in bytes, summed over its partitions
 *		for a partitioned table.  Takes ACCESS SHARE on each, as a SELECT
 *		would (released at the end of the transaction).
 */
static int64
relation_bytes(Oid relid)
{
	List	   *all = find_all_inheritors(relid, AccessShareLock, NULL);
	ListCell   *lc;
	int64		bytes = 0;

	foreach(lc, all)
	{
		Relation	rel;

		CHECK_FOR_INTERRUPTS();
		rel = try_relation_open(lfirst_oid(lc), AccessShareLock);
		if (rel == NULL)
			continue;
		if (RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
			bytes += (int64) RelationGetNumberOfBlocks(rel) * BLCKSZ;
		relation_close(rel, NoLock);
	}
	return bytes;
}

/*
 * lint_existing_table
 *		Fill *out for the table rv names and return true, when it exists
 *		now and was not created earlier in the plan; else false (a table the
 *		plan creates, or one that does not exist: nothing to say).  When rv
 *		names an index, out describes the index's table (index_oid set).
 */
bool
lint_existing_table(LintState *state, RangeVar *rv, LintTable *out)
{
	Oid			relid;
	char		relkind;

	memset(out, 0, sizeof(LintTable));
	if (rv == NULL || created_in_plan(state, rv))
		return false;
	relid = renamed_in_plan(state, rv);
	if (!OidIsValid(relid))
		relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		return false;
	relkind = get_rel_relkind(relid);
	if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
	{
		out->index_oid = relid;
		relid = IndexGetRelation(relid, true);
		if (!OidIsValid(relid))
			return false;
		relkind = get_rel_relkind(relid);
	}
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_MATVIEW)
		return false;
	out->oid = relid;
	out->name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
										   get_rel_name(relid));
	out->bytes = relation_bytes(relid);
	out->size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																   Int64GetDatum(out->bytes))));
	return true;
}

/*
 * has_not_null_check
 *		Does relid have a validated CHECK (column IS NOT NULL) on attnum, so
 *		that SET NOT NULL skips its scan?
 */
bool
lint_has_not_null_check(Oid relid, AttrNumber attnum)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	bool		found = false;
	uint64		i;

	if (SPI_execute_with_args("SELECT c.conbin::pg_catalog.text FROM pg_catalog.pg_constraint c "
							  "WHERE c.conrelid OPERATOR(pg_catalog.=) $1 "
							  "AND c.contype OPERATOR(pg_catalog.=) 'c' AND c.convalidated",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the constraints of relation %u", relid);
	for (i = 0; i < SPI_processed && !found; i++)
	{
		char	   *bin = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		Node	   *expr;

		CHECK_FOR_INTERRUPTS();
		if (bin == NULL)
			continue;
		expr = stringToNode(bin);
		if (IsA(expr, NullTest) && ((NullTest *) expr)->nulltesttype == IS_NOT_NULL &&
			IsA(((NullTest *) expr)->arg, Var) &&
			((Var *) ((NullTest *) expr)->arg)->varattno == attnum)
			found = true;
	}
	SPI_freetuptable(SPI_tuptable);
	return found;
}

/*
 * has_index_on
 *		Does relid have a valid, non-partial index whose leading columns are
 *		exactly the named columns (in any order)?  An unknown column counts
 *		as indexed (nothing to say about it).
 */
bool
lint_has_index_on(Oid relid, List *columns)
{
	Oid			types[3] = {OIDOID, INT2ARRAYOID, INT4OID};
	Datum		values[3];
	Datum	   *attnums;
	ListCell   *lc;
	int			n = 0;
	bool		found;
	bool		isnull;
	Datum		result;

	if (columns == NIL)
		return true;
	attnums = palloc(sizeof(Datum) * list_length(columns));
	foreach(lc, columns)
	{
		AttrNumber	attnum = get_attnum(relid, strVal(lfirst(lc)));

		if (attnum == InvalidAttrNumber)
			return true;
		attnums[n++] = Int16GetDatum(attnum);
	}
	values[0] = ObjectIdGetDatum(relid);
	values[1] = PointerGetDatum(construct_array(attnums, n, INT2OID, 2, true, TYPALIGN_SHORT));
	values[2] = Int32GetDatum(n);
	if (SPI_execute_with_args("SELECT EXISTS (SELECT FROM pg_catalog.pg_index i "
							  "WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indisvalid "
							  "AND i.indpred IS NULL "
							  "AND (pg_catalog.string_to_array(i.indkey::pg_catalog.text, ' ')"
							  "::pg_catalog.int2[])[1:$3] OPERATOR(pg_catalog.@>) $2)",
							  3, types, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read the indexes of relation %u", relid);
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	found = !isnull && DatumGetBool(result);
	SPI_freetuptable(SPI_tuptable);
	return found;
}

/*
 * lint_lock_name
 *		A lock mode as SQL spells it in LOCK TABLE ("ACCESS EXCLUSIVE").
 */
const char *
lint_lock_name(LOCKMODE mode)
{
	switch (mode)
	{
		case AccessShareLock:
			return "ACCESS SHARE";
		case RowShareLock:
			return "ROW SHARE";
		case RowExclusiveLock:
			return "ROW EXCLUSIVE";
		case ShareUpdateExclusiveLock:
			return "SHARE UPDATE EXCLUSIVE";
		case ShareLock:
			return "SHARE";
		case ShareRowExclusiveLock:
			return "SHARE ROW EXCLUSIVE";
		case ExclusiveLock:
			return "EXCLUSIVE";
		default:
			return "ACCESS EXCLUSIVE";
	}
}

/*
 * lint_lock_blocks
 *		What a lock of that mode blocks, for messages (PostgreSQL's
 *		"Explicit Locking" table).
 */
const char *
lint_lock_blocks(LOCKMODE mode)
{
	if (mode >= AccessExclusiveLock)
		return "every read and write of it";
	if (mode >= ShareLock)
		return "every write to it (INSERT, UPDATE, DELETE)";
	if (mode == ShareUpdateExclusiveLock)
		return "only schema changes and VACUUM of it";
	return "only ACCESS EXCLUSIVE locks on it";
}

/*
 * lint_took_lock
 *		Note that the current statement takes mode on an existing table:
 *		the strongest one is checked against the lock timeout when the
 *		statement ends (lint_statement).
 */
void
lint_took_lock(LintState *state, LintTable *table, LOCKMODE mode)
{
	if (mode <= state->lock_mode)
		return;
	state->lock_mode = mode;
	state->lock_table = table->name;
}

/*
 * lock_timeout_in_force
 *		Will the strong lock the statement takes wait for a bounded time?
 *		Yes when the revision set lock_timeout itself, or, failing that, when
 *		this session's lock_timeout or pg_revisions.lock_timeout is set.
 */
static bool
lock_timeout_in_force(LintState *state)
{
	if (state->revision_lock_timeout >= 0)
		return state->revision_lock_timeout > 0;
	return LockTimeout > 0 || pgrev_lock_timeout > 0;
}

/*
 * note_lock_timeout_setting
 *		Track SET [LOCAL] lock_timeout / RESET lock_timeout inside the
 *		revision (the setting ends with the revision, as apply.c does).
 */
static void
note_lock_timeout_setting(LintState *state, VariableSetStmt *set)
{
	if (set->name == NULL || pg_strcasecmp(set->name, "lock_timeout") != 0)
		return;
	if (set->kind == VAR_SET_VALUE && list_length(set->args) == 1 &&
		IsA(linitial(set->args), A_Const))
	{
		A_Const    *value = linitial_node(A_Const, set->args);

		if (value->isnull)
			state->revision_lock_timeout = 0;
		else if (IsA(&value->val, Integer))
			state->revision_lock_timeout = intVal(&value->val) != 0;
		else if (IsA(&value->val, String))
		{
			int			ms;

			state->revision_lock_timeout =
				!parse_int(strVal(&value->val), &ms, GUC_UNIT_MS, NULL) || ms != 0;
		}
		else
			state->revision_lock_timeout = 1;
	}
	else if (set->kind == VAR_SET_VALUE)
		state->revision_lock_timeout = 1;
	else
		state->revision_lock_timeout = -1;
}

/*
 * lint_statement
 *		Judge one statement of the plan (an sql_foreach_statement visitor;
 *		arg is the LintState).  Runs in a context reset after it.
 */
static void
lint_statement(SqlStatement *statement, void *arg)
{
	LintState  *state = (LintState *) arg;
	Node	   *stmt = statement->raw->stmt;

	CHECK_FOR_INTERRUPTS();
	state->statement = statement->number;
	state->lock_mode = NoLock;
	state->lock_table = NULL;

	if (state->exclusive_table != NULL && !IsA(stmt, VariableSetStmt))
	{
		lint_emit(state, "warning", "statements-after-access-exclusive", state->exclusive_table,
				  psprintf("Table %s stays locked ACCESS EXCLUSIVE (taken by statement %d of "
						   "revision \"%s\"), blocking every read and write of it, while this "
						   "statement and the rest of the transaction run.",
						   state->exclusive_table, state->exclusive_statement,
						   state->exclusive_revision),
				  "Put the statement that takes the ACCESS EXCLUSIVE lock last, in a revision of "
				  "its own, and apply with CALL rev_upgrade_each() so that its lock is released "
				  "as soon as it is done.");
		pfree(state->exclusive_table);
		state->exclusive_table = NULL;
	}

	if (IsA(stmt, VariableSetStmt))
		note_lock_timeout_setting(state, (VariableSetStmt *) stmt);
	else
		lint_rules(state, stmt);

	if (state->lock_mode >= ShareLock && !lock_timeout_in_force(state))
		lint_emit(state, "warning", "lock-without-timeout", state->lock_table,
				  psprintf("The statement takes a%s %s lock on table %s with no lock timeout: "
						   "while it waits for sessions already using the table, every later "
						   "query on the table queues behind it.",
						   state->lock_mode == ExclusiveLock ||
						   state->lock_mode == AccessExclusiveLock ? "n" : "",
						   lint_lock_name(state->lock_mode), state->lock_table),
				  "SET LOCAL lock_timeout = '100ms' at the start of the revision, or set "
				  "pg_revisions.lock_timeout and pg_revisions.lock_retries for the deploy.");
	if (state->lock_mode >= AccessExclusiveLock && state->exclusive_table == NULL)
	{
		state->exclusive_table = MemoryContextStrdup(state->keep, state->lock_table);
		state->exclusive_statement = statement->number;
		state->exclusive_revision = state->revision;
	}
}

/*
 * rev_lint(target text DEFAULT 'heads')
 *		RETURNS TABLE(revision text, statement integer, severity text,
 *					  rule text, relation text, message text, hint text)
 *		Review every statement rev_upgrade(target) would run; run nothing.
 */
Datum
rev_lint(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext per_revision;
	MemoryContext outer;
	LintState	state;
	RevGraph   *graph;
	RevPosition pos;
	RevList		plan;
	int			i;
	int			nest_level;

	check_target_text(target);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	graph = catalog_load_graph(false);
	resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
	plan = plan_upgrade(graph, &pos);

	memset(&state, 0, sizeof(state));
	state.store = rsinfo->setResult;
	state.desc = rsinfo->setDesc;
	state.keep = CurrentMemoryContext;
	outer = CurrentMemoryContext;
	per_revision = AllocSetContextCreate(CurrentMemoryContext, "pg_revisions lint",
										 ALLOCSET_DEFAULT_SIZES);
	/* Names resolve as rev_upgrade's would: in the tenant's schema. */
	nest_level = tenant_search_path_push();
	for (i = 0; i < plan.n; i++)
	{
		RevisionSql stored;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(per_revision);
		catalog_fetch_sql(graph->nodes[plan.items[i]].id, &stored);
		verify_revision_sql(&stored);
		state.revision = graph->nodes[plan.items[i]].id;
		state.revision_lock_timeout = -1;
		sql_foreach_statement(stored.upgrade, lint_statement, &state);
		MemoryContextSwitchTo(outer);
		MemoryContextReset(per_revision);
	}
	AtEOXact_GUC(false, nest_level);
	MemoryContextDelete(per_revision);
	SPI_finish();
	return (Datum) 0;
}
