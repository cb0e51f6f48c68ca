/*-------------------------------------------------------------------------
 *
 * rehearse.c
 *	  rev_rehearse(target): what rev_upgrade(target) would run, run for
 *	  real on the real data inside a subtransaction that is always rolled
 *	  back, reporting per statement the locks it newly took on relations
 *	  that existed before the call, whether it rewrote one, and how long it
 *	  took.
 *
 * The revisions run through the applier (apply.c's apply_revision) with a
 * per-statement observer: before a statement, this backend's relation
 * locks are read from the lock manager (GetLockStatusData, filtered to
 * this process: what pg_locks shows for it); after it, they are read again
 * and every (relation, mode) that is new is a row, lock_mode spelled as
 * pg_locks.mode.  A rewrite is seen as a new relfilenode (the storage of
 * the table replaced).  Relations the plan creates are left out: only
 * relations that existed when the call started (user relations, OID at
 * or above FirstNormalObjectId) are reported.
 *
 * Nothing persists: the subtransaction is rolled back on success as on
 * error; the rows are kept outside it and returned afterwards.  The
 * statement that called rev_rehearse is still the one statement_timeout
 * measures.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(rev_rehearse);

/* A relation that existed when the call started. */
typedef struct KnownRelation
{
	Oid			oid;			/* hash key */
	Oid			relfilenode;	/* as last seen */
	char	   *name;			/* schema-qualified */
	LOCKMASK	held;			/* modes this backend held before the statement */
} KnownRelation;

/* One result row, kept outside the subtransaction. */
typedef struct RehearseRow
{
	const char *revision;
	int			statement;
	char	   *command;
	char	   *relation;		/* NULL: no lock on an existing relation */
	const char *lock_mode;		/* NULL: none newly taken */
	bool		rewrote;
	double		duration_ms;
} RehearseRow;

/* The observer's state. */
typedef struct RehearseState
{
	HTAB	   *known;			/* KnownRelation by oid */
	MemoryContext keep;			/* outlives the subtransaction */
	List	   *rows;			/* RehearseRow, in order */
	const char *revision;
	TimestampTz started;
} RehearseState;

static void load_known_relations(RehearseState *state);
static void read_held_locks(RehearseState *state, bool before, List **taken);
static void before_statement(SqlStatement *statement, void *arg);
static void after_statement(SqlStatement *statement, void *arg);
static void add_row(RehearseState *state, SqlStatement *statement, const char *relation,
					const char *lock_mode, bool rewrote, double duration_ms);

/*
 * load_known_relations
 *		Remember every user relation of the database (its relfilenode and
 *		name) as it is before anything runs.  Caller is connected to SPI.
 */
static void
load_known_relations(RehearseState *state)
{
	HASHCTL		ctl;
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(FirstNormalObjectId)};
	uint64		i;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(KnownRelation);
	ctl.hcxt = state->keep;
	state->known = hash_create("pg_revisions rehearsal relations", 1024, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (SPI_execute_with_args("SELECT c.oid, c.relfilenode, "
							  "pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' "
							  "OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname) "
							  "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
							  "ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
							  "WHERE c.oid OPERATOR(pg_catalog.>=) $1",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_class");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			oid = DatumGetObjectId(SPI_getbinval(tuple, desc, 1, &isnull));
		KnownRelation *known;

		CHECK_FOR_INTERRUPTS();
		known = hash_search(state->known, &oid, HASH_ENTER, NULL);
		known->relfilenode = DatumGetObjectId(SPI_getbinval(tuple, desc, 2, &isnull));
		known->name = MemoryContextStrdup(state->keep, SPI_getvalue(tuple, desc, 3));
		known->held = 0;
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * read_held_locks
 *		Read this backend's relation locks from the lock manager.  before:
 *		record them as each known relation's held modes.  Else append to
 *		*taken one (KnownRelation *, mode) pair per mode held now and not
 *		before, as a list of KnownRelation pointers and a parallel list of
 *		modes, and make the new modes held.
 */
static void
read_held_locks(RehearseState *state, bool before, List **taken)
{
	LockData   *data = GetLockStatusData();
	HASH_SEQ_STATUS scan;
	KnownRelation *known;
	int			i;

	if (before)
	{
		hash_seq_init(&scan, state->known);
		while ((known = hash_seq_search(&scan)) != NULL)
			known->held = 0;
	}
	for (i = 0; i < data->nelements; i++)
	{
		LockInstanceData *lock = &data->locks[i];
		Oid			relid;
		LOCKMODE	mode;

		CHECK_FOR_INTERRUPTS();
		if (lock->pid != MyProcPid || lock->locktag.locktag_type != LOCKTAG_RELATION ||
			lock->locktag.locktag_field1 != MyDatabaseId)
			continue;
		relid = lock->locktag.locktag_field2;
		known = hash_search(state->known, &relid, HASH_FIND, NULL);
		if (known == NULL)
			continue;
		for (mode = AccessShareLock; mode <= AccessExclusiveLock; mode++)
		{
			if ((lock->holdMask & LOCKBIT_ON(mode)) == 0)
				continue;
			if (before)
				known->held |= LOCKBIT_ON(mode);
			else if ((known->held & LOCKBIT_ON(mode)) == 0)
			{
				taken[0] = lappend(taken[0], known);
				taken[1] = lappend_int(taken[1], mode);
			}
		}
	}
}

/* The observer before each statement: what is held, and the clock. */
static void
before_statement(SqlStatement *statement, void *arg)
{
	RehearseState *state = (RehearseState *) arg;

	read_held_locks(state, true, NULL);
	state->started = GetCurrentTimestamp();
}

/* Keep one result row (in the context that outlives the subtransaction). */
static void
add_row(RehearseState *state, SqlStatement *statement, const char *relation,
		const char *lock_mode, bool rewrote, double duration_ms)
{
	MemoryContext old = MemoryContextSwitchTo(state->keep);
	RehearseRow *row = palloc(sizeof(RehearseRow));

	row->revision = state->revision;
	row->statement = statement->number;
	row->command = pstrdup(GetCommandTagName(CreateCommandTag(statement->raw->stmt)));
	row->relation = relation ? pstrdup(relation) : NULL;
	row->lock_mode = lock_mode;
	row->rewrote = rewrote;
	row->duration_ms = duration_ms;
	state->rows = lappend(state->rows, row);
	MemoryContextSwitchTo(old);
}

/*
 * after_statement
 *		The observer after each statement: the locks newly taken on known
 *		relations, and which known relations got new storage.
 */
static void
after_statement(SqlStatement *statement, void *arg)
{
	RehearseState *state = (RehearseState *) arg;
	long		secs;
	int			usecs;
	double		duration_ms;
	List	   *taken[2] = {NIL, NIL};
	List	   *rewritten = NIL;
	ListCell   *lc;
	ListCell   *mc;
	HASH_SEQ_STATUS scan;
	KnownRelation *known;
	int			rows = 0;

	TimestampDifference(state->started, GetCurrentTimestamp(), &secs, &usecs);
	duration_ms = secs * 1000.0 + usecs / 1000.0;
	read_held_locks(state, false, taken);

	/* Storage replaced: a rewrite (CLUSTER, VACUUM FULL, ALTER TABLE, TRUNCATE). */
	hash_seq_init(&scan, state->known);
	while ((known = hash_seq_search(&scan)) != NULL)
	{
		HeapTuple	tuple;

		CHECK_FOR_INTERRUPTS();
		if (known->held == 0 && !list_member_ptr(taken[0], known))
			continue;			/* not locked: cannot have been rewritten */
		tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(known->oid));
		if (!HeapTupleIsValid(tuple))
			continue;
		if (((Form_pg_class) GETSTRUCT(tuple))->relfilenode != known->relfilenode)
		{
			known->relfilenode = ((Form_pg_class) GETSTRUCT(tuple))->relfilenode;
			rewritten = lappend(rewritten, known);
		}
		ReleaseSysCache(tuple);
	}

	forboth(lc, taken[0], mc, taken[1])
	{
		known = lfirst(lc);
		add_row(state, statement, known->name,
				GetLockmodeName(DEFAULT_LOCKMETHOD, lfirst_int(mc)),
				list_member_ptr(rewritten, known), duration_ms);
		rows++;
	}
	foreach(lc, rewritten)
	{
		known = lfirst(lc);
		if (!list_member_ptr(taken[0], known))
		{
			add_row(state, statement, known->name, NULL, true, duration_ms);
			rows++;
		}
	}
	if (rows == 0)
		add_row(state, statement, NULL, NULL, false, duration_ms);
}

/*
 * rev_rehearse(target text DEFAULT 'heads')
 *		RETURNS TABLE(revision text, statement integer, command text,
 *					  relation text, lock_mode text, rewrote boolean,
 *					  duration_ms double precision)
 *		Run what rev_upgrade(target) would run, always rolled back.
 */
Datum
rev_rehearse(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext context;
	ResourceOwner owner = CurrentResourceOwner;
	RehearseState state;
	ApplyObserver observer;
	RevGraph   *graph;
	RevPosition pos;
	RevList		plan;
	ListCell   *lc;

	check_not_applying("rev_rehearse");
	check_target_text(target);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	context = CurrentMemoryContext;
	graph = catalog_load_graph(false);
	resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
	plan = plan_upgrade(graph, &pos);
	check_transactional(graph, plan, REV_UPGRADE);

	memset(&state, 0, sizeof(state));
	state.keep = context;
	load_known_relations(&state);
	observer.before = before_statement;
	observer.after = after_statement;
	observer.arg = &state;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		MemoryContext per_revision = AllocSetContextCreate(context, "pg_revisions rehearsal",
														   ALLOCSET_DEFAULT_SIZES);
		int			i;

		begin_applying();
		apply_set_observer(&observer);
		for (i = 0; i < plan.n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(per_revision);
			state.revision = graph->nodes[plan.items[i]].id;
			apply_revision(graph, plan.items[i], REV_UPGRADE, i + 1, plan.n);
			MemoryContextSwitchTo(context);
			MemoryContextReset(per_revision);
		}
		apply_set_observer(NULL);
		end_applying();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		apply_set_observer(NULL);
		end_applying();
		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(context);
	CurrentResourceOwner = owner;

	foreach(lc, state.rows)
	{
		RehearseRow *row = lfirst(lc);
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(row->revision);
		values[1] = Int32GetDatum(row->statement);
		values[2] = CStringGetTextDatum(row->command);
		if (row->relation)
			values[3] = CStringGetTextDatum(row->relation);
		else
			nulls[3] = true;
		if (row->lock_mode)
			values[4] = CStringGetTextDatum(row->lock_mode);
		else
			nulls[4] = true;
		values[5] = BoolGetDatum(row->rewrote);
		values[6] = Float8GetDatum(row->duration_ms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
