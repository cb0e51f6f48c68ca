/*-------------------------------------------------------------------------
 *
 * outside.c
 *	  Revisions that cannot run inside a transaction block (CREATE INDEX
 *	  CONCURRENTLY, VACUUM, ...): rev_claim and rev_record.
 *
 * Such a revision is registered with rev_add(..., transactional => false).
 * rev_upgrade and rev_downgrade refuse to run it (migrate.c).  Instead a
 * client:
 *	  1. SELECT * FROM rev_claim(id) : checks that the revision is next to
 *		 run, claims it for this session and returns its statements;
 *	  2. runs each statement on its own, at top level (autocommit);
 *	  3. SELECT rev_record(id) : records it as applied (or reverted) and
 *		 drops the claim.
 *
 * Between 1 and 3 the session holds only the claim, a session-level lock
 * that nobody ever waits for: a second claimer fails at once (55P03).  The
 * catalog lock is held only inside rev_claim's and rev_record's own short
 * transactions.  That matters: CREATE INDEX CONCURRENTLY waits for every
 * transaction with an older snapshot, so if it held a lock another
 * session's rev_upgrade were queued on, the two would deadlock.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(rev_claim);
PG_FUNCTION_INFO_V1(rev_record);

/* This session's claim: at most one revision at a time. */
static bool has_claim = false;
static bool release_at_commit = false;	/* recorded: drop the claim on commit */
static SubTransactionId recorded_subid = InvalidSubTransactionId;	/* where */
static bool callback_registered = false;
static char claimed_revision[NAMEDATALEN];
static RevDirection claimed_direction;
static TimestampTz claimed_at;

static int	find_revision(RevGraph *graph, const char *id);
static void check_next_to_run(RevGraph *graph, int node, RevDirection dir);
static List *split_statements(const char *revision, const char *sql);
static void drop_claim(void);
static void claim_xact_callback(XactEvent event, void *arg);
static void claim_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								   SubTransactionId parentSubid, void *arg);

/*
 * outside_claim_held
 *		Does this session hold the claim on a non-transactional revision
 *		(the drift ledger does not record the statements it runs then)?
 */
bool
outside_claim_held(void)
{
	return has_claim;
}

/* Release this session's claim and forget it.  The caller holds it. */
static void
drop_claim(void)
{
	release_outside_claim();
	has_claim = false;
	release_at_commit = false;
}

/*
 * claim_xact_callback
 *		Once rev_record has recorded the claimed revision, the claim goes
 *		when that transaction commits; if it aborts, nothing was recorded
 *		and the session keeps the claim, so rev_record can be retried (the
 *		same for a rolled-back subtransaction: claim_subxact_callback).
 */
static void
claim_xact_callback(XactEvent event, void *arg)
{
	if (!release_at_commit)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
		drop_claim();
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			 event == XACT_EVENT_PREPARE)
		release_at_commit = false;
}

/*
 * claim_subxact_callback
 *		The recording belongs to the subtransaction that called rev_record:
 *		if it rolls back (ROLLBACK TO SAVEPOINT, an exception block), nothing
 *		was recorded and the claim stays; if it commits, the recording moves
 *		to its parent.
 */
static void
claim_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (!release_at_commit || mySubid != recorded_subid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		release_at_commit = false;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		recorded_subid = parentSubid;
}

/*
 * find_revision
 *		The node of the revision named by the revision argument (a full id,
 *		not a target: these functions act on exactly one revision).
 */
static int
find_revision(RevGraph *graph, const char *id)
{
	int			node = graph_find(graph, id);

	if (node < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", clip_for_message(id)),
				 errhint("Pass the full id of a registered revision.")));
	return node;
}

/*
 * check_next_to_run
 *		Refuse unless graph->nodes[node] is registered as non-transactional
 *		and can be applied (dir = REV_UPGRADE: unapplied, its parents and
 *		dependencies applied) or reverted (applied, reversible, nothing
 *		applied needs it) right now.  Caller holds the catalog lock.
 */
static void
check_next_to_run(RevGraph *graph, int node, RevDirection dir)
{
	RevNode    *rev = &graph->nodes[node];
	bool	   *needed_by;
	int			k;

	if (rev->transactional)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" runs inside a transaction", rev->id),
				 errdetail("Only revisions registered with transactional => false are claimed."),
				 errhint("Use rev_%s().", dir == REV_UPGRADE ? "upgrade" : "downgrade")));
	if (dir == REV_UPGRADE)
	{
		if (rev->applied)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is already applied", rev->id)));
		for (k = 0; k < rev->nparents + rev->ndeps; k++)
		{
			int			need = k < rev->nparents ? graph->parents[rev->parents_start + k] :
				graph->deps[rev->deps_start + k - rev->nparents];

			CHECK_FOR_INTERRUPTS();
			if (!graph->nodes[need].applied)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("revision \"%s\" needs revision \"%s\", which is not applied",
								rev->id, graph->nodes[need].id),
						 errhint("Apply it first: SELECT rev_upgrade('%s').",
								 graph->nodes[need].id)));
		}
		return;
	}

	if (!rev->applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is not applied", rev->id)));
	if (rev->irreversible)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is irreversible", rev->id),
				 errdetail("It was registered without downgrade SQL.")));
	/*
	 * Anything applied that needs it, directly or not (the applied state is
	 * closed under ancestors, so the first such descendant needs it directly).
	 */
	needed_by = graph_descendants(graph, revlist_of_one(node));
	for (k = node + 1; k < graph->nnodes; k++)
	{
		CHECK_FOR_INTERRUPTS();
		if (needed_by[k] && graph->nodes[k].applied)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is needed by applied revision \"%s\"",
							rev->id, graph->nodes[k].id),
					 errhint("Revert it first: SELECT rev_downgrade('%s').", rev->id)));
	}
}

/* Where split_statements collects the statements, and for which revision. */
typedef struct SplitStatements
{
	const char *revision;
	MemoryContext context;		/* of the list and its strings */
	List	   *statements;
} SplitStatements;

/*
 * collect_statement
 *		Append the statement's text, without surrounding blanks, to the
 *		list; refuse one that changes how the lexer reads the rest (the
 *		client sends the statements exactly as split here).  An
 *		sql_foreach_statement visitor; arg is a SplitStatements.
 */
static void
collect_statement(SqlStatement *statement, void *arg)
{
	SplitStatements *split = (SplitStatements *) arg;
	const char *text = statement->text;
	int			len = strlen(text);

	check_lexer_setting(split->revision, statement);
	while (len > 0 && scanner_isspace(*text))
		text++, len--;
	while (len > 0 && scanner_isspace(text[len - 1]))
		len--;
	if (len > 0)
	{
		MemoryContext old = MemoryContextSwitchTo(split->context);

		split->statements = lappend(split->statements, pnstrdup(text, len));
		MemoryContextSwitchTo(old);
	}
}

/*
 * split_statements
 *		The statements of sql, each as its own string, in order, without
 *		leading or trailing blanks and without the ending semicolon.  Uses
 *		the server's own lexer and parser (statements.c), so semicolons in
 *		literals, comments and dollar quotes are handled; a syntax error is
 *		reported here.
 */
static List *
split_statements(const char *revision, const char *sql)
{
	SplitStatements split = {revision, CurrentMemoryContext, NIL};

	sql_foreach_statement(sql, collect_statement, &split);
	return split.statements;
}

/*
 * rev_claim(revision text, operation text DEFAULT 'upgrade') RETURNS SETOF text
 *		Claim a non-transactional revision for this session and return the
 *		statements of its upgrade (or downgrade) SQL, for the client to run
 *		one by one outside a transaction block.  Another session's claim is
 *		an error at once (55P03), never a wait.  Claiming another revision
 *		drops this session's previous claim.
 */
Datum
rev_claim(PG_FUNCTION_ARGS)
{
	char	   *id;
	RevDirection dir;
	RevGraph   *graph;
	int			node;
	RevisionSql stored;
	const char *sql;
	List	   *statements;

	check_not_applying("rev_claim");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("revision must not be NULL")));
	id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	dir = operation_argument(fcinfo, 1);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);

	SPI_connect();
	lock_applied_state();
	graph = catalog_load_graph(false);
	node = find_revision(graph, id);
	check_next_to_run(graph, node, dir);
	catalog_fetch_sql(graph->nodes[node].id, &stored);
	verify_revision_sql(&stored);
	sql = (dir == REV_UPGRADE) ? stored.upgrade : stored.downgrade;
	statements = split_statements(graph->nodes[node].id, sql);

	/* Nothing below can fail, so the claim is never left half taken. */
	if (release_at_commit)
		drop_claim();			/* recorded earlier in this transaction: done */
	if (!(has_claim && strcmp(claimed_revision, graph->nodes[node].id) == 0))
	{
		if (has_claim)
			drop_claim();
		if (!take_outside_claim())
		{
			int			holder = outside_claim_holder();

			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("cannot claim revision \"%s\": another session is running "
							"a non-transactional revision", graph->nodes[node].id),
					 holder ? errdetail("The session with process ID %d holds the claim.",
										holder) : 0,
					 errhint("Wait for it to finish, then retry.")));
		}
		has_claim = true;
		strlcpy(claimed_revision, graph->nodes[node].id, NAMEDATALEN);
	}
	claimed_direction = dir;
	claimed_at = GetCurrentTimestamp();

	return_strings(fcinfo, statements);
	SPI_finish();
	return (Datum) 0;
}

/*
 * rev_record(revision text) RETURNS void
 *		Record that the statements of the revision this session claimed
 *		have run: it is now applied (or, for a downgrade claim, no longer
 *		applied), with one operation-log row; the claim goes when this
 *		transaction commits (kept if it aborts, for a retry).
 */
Datum
rev_record(PG_FUNCTION_ARGS)
{
	char	   *id;
	RevGraph   *graph;
	int			node;
	bool		up;
	List	   *ids;
	TimestampTz *at;

	check_not_applying("rev_record");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("revision must not be NULL")));
	id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (!has_claim || strcmp(claimed_revision, id) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is not claimed by this session", clip_for_message(id)),
				 has_claim ? errdetail("This session claimed revision \"%s\".", claimed_revision) : 0,
				 errhint("Call rev_claim('%s') first, then run its statements.", clip_for_message(id))));
	up = (claimed_direction == REV_UPGRADE);

	SPI_connect();
	lock_applied_state();
	graph = catalog_load_graph(false);
	node = find_revision(graph, id);
	check_next_to_run(graph, node, claimed_direction);

	ids = list_make1((void *) graph->nodes[node].id);
	at = palloc(sizeof(TimestampTz));
	*at = GetCurrentTimestamp();
	catalog_record_operation(up ? "upgrade" : "downgrade", graph->nodes[node].id, claimed_at,
							 up ? ids : NIL, up ? list_make1(at) : NIL, up ? NIL : ids, ids);
	SPI_finish();

	/* The claim goes when this transaction commits (claim_xact_callback). */
	if (!callback_registered)
	{
		RegisterXactCallback(claim_xact_callback, NULL);
		RegisterSubXactCallback(claim_subxact_callback, NULL);
		callback_registered = true;
	}
	release_at_commit = true;
	recorded_subid = GetCurrentSubTransactionId();
	PG_RETURN_VOID();
}
