/*-------------------------------------------------------------------------
 *
 * revtest.c
 *	  rev_test: test the revisions rev_upgrade would apply ("stairway"
 *	  tests), inside one internal subtransaction that is always rolled back.
 *
 * For each revision of the plan rev_upgrade(target) would run, in order:
 * apply it, revert it and compare live_schema with its state before the
 * revision (test downgrade_leaves_no_trace), apply it again and compare
 * with the first application (test reapply_same).  The revision SQL runs
 * through apply_revision (apply.c), the applier rev_upgrade uses; the
 * schema is read by diff_read_schema (whole once, then only where a step
 * touched it: revtest_model.c) and compared by diff_statements, the engine
 * behind rev_diff, so "what differs" is the statements that would repair
 * it.  An irreversible revision gets one row (reversible, false) and
 * is applied once to go on; a revision registered with transactional =>
 * false cannot run inside a transaction block: it gets one row
 * (transactional, passed NULL: not tested) and is skipped.
 *
 * The subtransaction is rolled back on success as on error, so neither the
 * revisions' objects nor anything else of the call outlives it (sequence
 * values advanced by nextval() excepted: they never roll back).  The rows
 * are collected in the function's memory and only put into the result
 * after the rollback, because a tuplestore spilling to a temporary file
 * inside the subtransaction would lose the file with it.
 *
 *-------------------------------------------------------------------------
 */
#include "revtest.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(rev_test);

/* One result row, kept until the subtransaction is rolled back. */
typedef struct TestRow
{
	const char *revision;
	const char *test;
	int			passed;			/* 1, 0, or -1 for NULL (not tested) */
	char	   *detail;			/* NULL when none */
} TestRow;

/* What the loop over the plan shares with its helpers. */
typedef struct TestRun
{
	MemoryContext keep;			/* rows live here */
	Oid			live;
	const char *live_name;
	List	   *rows;
	SchemaModel model;			/* the live schema, kept between steps */
	DiffReadPlans *plans;		/* the schema reader's queries, planned once */
} TestRun;

static void add_row(TestRun *run, const char *revision, const char *test,
					int passed, const char *detail);
static char *repair_statements(DiffSchema *now, DiffSchema *wanted);
static void compare(TestRun *run, const char *revision, const char *test,
					DiffSchema *now, DiffSchema *wanted);
static void try_revert_and_reapply(TestRun *run, RevGraph *graph, int node,
								   int position, int total, DiffSchema *before,
								   DiffSchema *applied);
static void test_plan(TestRun *run, RevGraph *graph, RevList plan);
static void run_in_rolled_back_subtransaction(TestRun *run, RevGraph *graph,
											  RevList plan);

/* Keep one result row (copying its strings into the run's memory). */
static void
add_row(TestRun *run, const char *revision, const char *test, int passed,
		const char *detail)
{
	MemoryContext old = MemoryContextSwitchTo(run->keep);
	TestRow    *row = palloc(sizeof(TestRow));

	row->revision = pstrdup(revision);
	row->test = test;
	row->passed = passed;
	row->detail = detail ? pstrdup(detail) : NULL;
	run->rows = lappend(run->rows, row);
	MemoryContextSwitchTo(old);
}

/*
 * repair_statements
 *		The statements turning schema now into schema wanted, one a line,
 *		each ended by a semicolon; NULL when they are the same.
 */
static char *
repair_statements(DiffSchema *now, DiffSchema *wanted)
{
	List	   *statements = diff_statements(now, wanted);
	StringInfoData buf;
	ListCell   *lc;

	if (statements == NIL)
		return NULL;
	initStringInfo(&buf);
	foreach(lc, statements)
		appendStringInfo(&buf, "%s%s;", buf.len > 0 ? "\n" : "", (char *) lfirst(lc));
	return buf.data;
}

/*
 * Compare the schema now with the one wanted and keep the row of test:
 * the touched part first (revtest_model.c), the whole for the statements
 * that would repair a difference.
 */
static void
compare(TestRun *run, const char *revision, const char *test,
		DiffSchema *now, DiffSchema *wanted)
{
	char	   *detail = NULL;

	if (model_differs(&run->model, now, wanted))
		detail = repair_statements(now, wanted);
#ifdef REVTEST_VERIFY
	if ((detail == NULL) != (repair_statements(now, wanted) == NULL))
		elog(WARNING, "rev_test: comparing the touched part disagrees with the whole");
#endif
	add_row(run, revision, test, detail == NULL ? 1 : 0, detail);
}

/* Drop what the hooks captured: the schema is back as it was before it. */
static void
forget_footprint(void)
{
	bool		functions;
	bool		everything;

	list_free_deep(footprint_take(&functions, &everything));
}

/*
 * after_step
 *		The live schema after the step that just ended, from the schema
 *		before it (revtest_model.c).  Built with -DREVTEST_VERIFY, also read
 *		whole and compared, a WARNING naming any difference (for testing the
 *		footprint).
 */
static DiffSchema *
after_step(TestRun *run, DiffSchema *before)
{
	DiffSchema *now = model_after_step(&run->model, before);

#ifdef REVTEST_VERIFY
	{
		DiffSchema *whole = diff_read_schema(run->live, run->live_name);
		char	   *missed = repair_statements(now, whole);

		if (missed == NULL)
			missed = repair_statements(whole, now);
		if (missed)
			elog(WARNING, "rev_test model differs from the schema: %s", missed);
	}
#endif
	return now;
}

/*
 * try_revert_and_reapply
 *		Revert revision node, compare with before; apply it again, compare
 *		with applied (the schema after its first application).  Runs in a
 *		nested internal subtransaction that is rolled back afterwards, so
 *		the schema is back to applied whatever the downgrade left behind.
 *		An error of the revision SQL becomes the failed row of the step
 *		that raised it; a cancel (statement_timeout, pg_cancel_backend) is
 *		raised again.  Memory is allocated in CurrentMemoryContext.
 */
static void
try_revert_and_reapply(TestRun *run, RevGraph *graph, int node, int position, int total,
					   DiffSchema *before, DiffSchema *applied)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	const char *id = graph->nodes[node].id;
	const char *volatile step = "downgrade_leaves_no_trace";

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		DiffSchema *reverted;
		DiffSchema *reapplied;

		apply_revision(graph, node, REV_DOWNGRADE, position, total);
		reverted = after_step(run, applied);
		compare(run, id, step, reverted, before);
		step = "reapply_same";
		apply_revision(graph, node, REV_UPGRADE, position, total);
		reapplied = after_step(run, reverted);
		compare(run, id, step, reapplied, applied);

		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		forget_footprint();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		forget_footprint();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		add_row(run, id, step, 0,
				psprintf("%s failed: %s",
						 strcmp(step, "reapply_same") == 0 ?
						 "Applying it again after its downgrade" : "Its downgrade",
						 edata->message));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * test_plan
 *		Run the stairway over plan: for each revision apply it, read the
 *		schema, then revert and re-apply it in a nested subtransaction
 *		(try_revert_and_reapply) that puts the schema back as the first
 *		application left it.  That schema is the state before the next
 *		revision.  The schema is read whole once; after each step only what
 *		the step touched is read again (revtest_model.c).  Two memory
 *		contexts take turns for the models' arrays, so memory stays bounded
 *		by two revisions' worth.
 *		The caller has started the subtransaction that undoes all of it, is
 *		connected to SPI and has called begin_applying().
 */
static void
test_plan(TestRun *run, RevGraph *graph, RevList plan)
{
	MemoryContext previous = AllocSetContextCreate(run->keep, "pg_revisions test",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext current = AllocSetContextCreate(run->keep, "pg_revisions test",
												  ALLOCSET_DEFAULT_SIZES);
	DiffSchema *before;
	int			i;

	model_init(&run->model, run->live, run->live_name, run->keep, run->plans);
	before = model_read_all(&run->model);
	footprint_start(run->live, run->keep);

	for (i = 0; i < plan.n; i++)
	{
		RevNode    *rev = &graph->nodes[plan.items[i]];
		DiffSchema *applied;
		MemoryContext swap;

		CHECK_FOR_INTERRUPTS();
		if (!rev->transactional)
		{
			add_row(run, rev->id, "transactional", -1,
					"Registered with transactional => false: it must run outside a transaction "
					"block, which rev_test cannot roll back. Not tested and not applied; "
					"the revisions after it were tested without it.");
			continue;
		}

		MemoryContextSwitchTo(current);
		model_forget_touched(&run->model);
		apply_revision(graph, plan.items[i], REV_UPGRADE, i + 1, plan.n);
		applied = after_step(run, before);
		if (rev->irreversible)
			add_row(run, rev->id, "reversible", 0,
					"Registered without downgrade SQL: it cannot be reverted. "
					"Applied once, untested, to go on.");
		else
			try_revert_and_reapply(run, graph, plan.items[i], i + 1, plan.n, before, applied);

		/* The schema is as the first application left it: the next "before". */
		MemoryContextSwitchTo(run->keep);
		before = model_compact(&run->model, applied);
		MemoryContextReset(previous);
		swap = previous;
		previous = current;
		current = swap;
	}
	MemoryContextSwitchTo(run->keep);
	MemoryContextDelete(previous);
	MemoryContextDelete(current);
}

/*
 * run_in_rolled_back_subtransaction
 *		test_plan inside an internal subtransaction that is rolled back
 *		whatever happens; an error is raised again after the rollback, with
 *		the memory context and resource owner of the caller restored (as
 *		scratch.c does).  The caller is connected to SPI.
 */
static void
run_in_rolled_back_subtransaction(TestRun *run, RevGraph *graph, RevList plan)
{
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(run->keep);
	begin_applying();
	PG_TRY();
	{
		test_plan(run, graph, plan);
		footprint_stop();
		end_applying();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(run->keep);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		footprint_stop();
		end_applying();
		MemoryContextSwitchTo(run->keep);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(run->keep);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
}

/*
 * rev_test(target text DEFAULT 'heads', live_schema name DEFAULT 'public')
 *		RETURNS TABLE(revision text, test text, passed boolean, detail text)
 *		Test each revision rev_upgrade(target) would apply (see the file
 *		header); nothing persists.  Takes the catalog lock, as rev_upgrade
 *		does, so the plan cannot change under it.
 */
Datum
rev_test(PG_FUNCTION_ARGS)
{
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TestRun		run;
	RevGraph   *graph;
	RevPosition pos;
	RevList		plan;
	ListCell   *lc;

	check_not_applying("rev_test");
	check_target_text(target);
	run.live = diff_schema_argument(fcinfo, 1, "live");
	run.live_name = NameStr(*PG_GETARG_NAME(1));
	run.rows = NIL;
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	run.keep = CurrentMemoryContext;
	lock_revisions_catalog();
	graph = catalog_load_graph(false);
	resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
	plan = plan_upgrade(graph, &pos);
	run.plans = plan.n > 0 ? diff_read_prepare() : NULL;

	run_in_rolled_back_subtransaction(&run, graph, plan);

	foreach(lc, run.rows)
	{
		TestRow    *row = (TestRow *) lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {false, false, row->passed < 0, row->detail == NULL};

		values[0] = CStringGetTextDatum(row->revision);
		values[1] = CStringGetTextDatum(row->test);
		values[2] = BoolGetDatum(row->passed > 0);
		values[3] = row->detail ? CStringGetTextDatum(row->detail) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
