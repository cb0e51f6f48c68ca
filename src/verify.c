/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  rev_verify_schema: is the live schema what the history says it is?
 *
 * The upgrade SQL of the target and its ancestors (NULL: of the applied
 * revisions) is replayed, oldest first as rev_upgrade would run it from
 * nothing, in a scratch schema standing for the live schema (scratch.c's
 * scratch_run_history: as the caller, in a schema made for it, inside a
 * subtransaction that is always rolled back), and the diff engine says
 * what would turn the live schema into what was built.  No rows: they
 * match.
 *
 * Statements that cannot run inside a transaction block (the revisions
 * registered with transactional => false) are replayed for their effect on
 * the schema: CREATE INDEX / DROP INDEX / DETACH PARTITION CONCURRENTLY run
 * without CONCURRENTLY, VACUUM, ANALYZE and REINDEX are skipped.
 *
 * SQL that reaches outside the scratch schema (a qualified name, SET
 * search_path, CREATE SCHEMA) is an error naming the revision and the
 * object: the replay cannot stand for the live schema then, and nothing is
 * silently skipped.  Each revision's first command id is kept, so the
 * command that last wrote an escaped catalog row names its revision.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "access/xact.h"
#include "funcapi.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(rev_verify_schema);

/* What the replay steps inside the scratch schema share. */
typedef struct VerifyRun
{
	RevGraph   *graph;
	RevList		plan;
	CommandId  *first_command;	/* per plan step */
	const char *live_name;
	const char *caller;			/* the SQL function, for messages */
	DiffSchema *built;			/* the result: the scratch schema, read */
} VerifyRun;

static void replay_error_context(void *arg);
static char *without_concurrently(const char *text);
static void replay_statement(SqlStatement *statement, void *arg);
static void replay_history(Oid scratch, void *arg);
static void read_replayed(Oid scratch, void *arg);

/* Name the revision being replayed. */
static void
replay_error_context(void *arg)
{
	errcontext("while replaying revision \"%s\" in a scratch schema (rev_verify_schema)",
			   (const char *) arg);
}

/*
 * without_concurrently
 *		statement's text with its first CONCURRENTLY keyword blanked out, or
 *		NULL when it has none.  For the statements whose raw parse tree says
 *		they are concurrent, where that keyword is the one.
 */
static char *
without_concurrently(const char *text)
{
	char	   *copy = pstrdup(text);
	char	   *p;

	for (p = copy; *p; p++)
	{
		if (pg_strncasecmp(p, "concurrently", 12) == 0 &&
			(p == copy || !(isalnum((unsigned char) p[-1]) || p[-1] == '_')) &&
			!(isalnum((unsigned char) p[12]) || p[12] == '_'))
		{
			memset(p, ' ', 12);
			return copy;
		}
	}
	return NULL;
}

/*
 * replay_statement
 *		Run one statement of a revision in the scratch schema, for its effect
 *		on the schema (see the file header for the statements that cannot
 *		run in a transaction).  An sql_foreach_statement visitor; arg is the
 *		revision id.
 */
static void
replay_statement(SqlStatement *statement, void *arg)
{
	const char *revision = (const char *) arg;
	Node	   *stmt = statement->raw->stmt;
	bool		concurrent = false;
	ListCell   *lc;

	check_lexer_setting(revision, statement);
	switch (nodeTag(stmt))
	{
		case T_VacuumStmt:
		case T_ReindexStmt:
			return;				/* no effect on the schema */
		case T_IndexStmt:
			concurrent = ((IndexStmt *) stmt)->concurrent;
			break;
		case T_DropStmt:
			concurrent = ((DropStmt *) stmt)->concurrent;
			break;
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				if (cmd->subtype == AT_DetachPartition &&
					((PartitionCmd *) cmd->def)->concurrent)
					concurrent = true;
			}
			break;
		default:
			break;
	}
	if (concurrent)
	{
		char	   *text = without_concurrently(statement->text);

		if (text != NULL)
			statement->text = text;
	}
	sql_run_statement(statement, NULL);
}

/*
 * replay_history
 *		Replay the plan's upgrade SQL, oldest first, each revision checked
 *		against its checksum and at a GUC nest level of its own (as
 *		apply.c runs it), in a memory context reset after it.  A scratch_run
 *		fill step.
 */
static void
replay_history(Oid scratch, void *arg)
{
	VerifyRun  *run = (VerifyRun *) arg;
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext per_revision = AllocSetContextCreate(CurrentMemoryContext,
													   "pg_revisions replay",
													   ALLOCSET_DEFAULT_SIZES);
	int			i;

	for (i = 0; i < run->plan.n; i++)
	{
		RevNode    *rev = &run->graph->nodes[run->plan.items[i]];
		ErrorContextCallback callback;
		RevisionSql stored;
		int			nest_level;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(per_revision);
		run->first_command[i] = GetCurrentCommandId(false);
		catalog_fetch_sql(rev->id, &stored);
		verify_revision_sql(&stored);

		callback.callback = replay_error_context;
		callback.arg = (void *) rev->id;
		callback.previous = error_context_stack;
		error_context_stack = &callback;
		nest_level = NewGUCNestLevel();
		sql_foreach_statement(stored.upgrade, replay_statement, (void *) rev->id);
		AtEOXact_GUC(false, nest_level);
		error_context_stack = callback.previous;

		MemoryContextSwitchTo(outer);
		MemoryContextReset(per_revision);
	}
	MemoryContextDelete(per_revision);
}

/*
 * read_replayed
 *		Refuse a replay that reached outside the scratch schema, naming the
 *		revision that last wrote the object; else read the scratch schema
 *		as standing for the live one.  A scratch_run use step.
 */
static void
read_replayed(Oid scratch, void *arg)
{
	VerifyRun  *run = (VerifyRun *) arg;
	char	   *kind;
	char	   *name;
	CommandId	command;
	bool		escaped;
	int			nest_level;

	/* With only pg_catalog on the path, every name comes out qualified. */
	nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	escaped = scratch_first_escape(scratch, &kind, &name, &command);
	AtEOXact_GUC(false, nest_level);
	if (escaped)
	{
		const char *revision = "?";
		int			i;

		for (i = 0; i < run->plan.n; i++)
			if (run->first_command[i] <= command)
				revision = run->graph->nodes[run->plan.items[i]].id;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_DEFINITION),
				 errmsg("revision \"%s\" created or changed %s %s outside the scratch schema",
						revision, kind, name),
				 errdetail("%s replays the history in a scratch schema standing for "
						   "schema \"%s\"; SQL that names another schema cannot be compared.",
						   run->caller, run->live_name),
				 errhint("Write revisions with unqualified names, without SET search_path or CREATE SCHEMA.")));
	}
	run->built = diff_read_schema(scratch, run->live_name);
}

/*
 * replay_schema
 *		Replay the upgrade SQL of plan's revisions, oldest first, in a
 *		scratch schema standing for schema live_name (as the caller, in a
 *		subtransaction always rolled back: nothing of it outlives the call)
 *		and return what was built, read by the diff engine and qualified
 *		with live_name.  SQL reaching outside the scratch schema is an error
 *		naming the revision; caller names the SQL function in it.  The
 *		caller is connected to SPI; the result is allocated in
 *		CurrentMemoryContext.
 */
DiffSchema *
replay_schema(RevGraph *graph, RevList plan, const char *live_name, const char *caller)
{
	VerifyRun	run;

	memset(&run, 0, sizeof(run));
	run.graph = graph;
	run.plan = plan;
	run.first_command = palloc0(sizeof(CommandId) * (plan.n + 1));
	run.live_name = live_name;
	run.caller = caller;
	scratch_run_history(live_name, replay_history, read_replayed, &run);
	return run.built;
}

/*
 * verify_schema
 *		The statements that would turn schema live (named live_name) into
 *		what the upgrade SQL of target and its ancestors builds from nothing
 *		(target NULL: the applied revisions).  The caller is connected to
 *		SPI; the list is allocated in CurrentMemoryContext.
 */
List *
verify_schema(const char *target, Oid live, const char *live_name)
{
	RevGraph   *graph = catalog_load_graph(false);
	RevPosition pos;
	DiffSchema *current;
	int			n;

	if (target == NULL)
	{
		memset(&pos, 0, sizeof(pos));
		pos.top = graph_current(graph);
	}
	else
		resolve_target(graph, target, TARGET_FOR_STAMP, &pos);
	/* From nothing: the plan of an upgrade with nothing applied. */
	for (n = 0; n < graph->nnodes; n++)
		graph->nodes[n].applied = false;

	current = diff_read_schema(live, live_name);
	return diff_statements(current, replay_schema(graph, plan_upgrade(graph, &pos), live_name,
												  "rev_verify_schema"));
}

/*
 * rev_verify_schema(target text DEFAULT NULL, live_schema name DEFAULT 'public')
 *		RETURNS SETOF text
 *		The statements that would turn live_schema into the schema the
 *		history up to target builds; no rows when they match.
 */
Datum
rev_verify_schema(PG_FUNCTION_ARGS)
{
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			live = diff_schema_argument(fcinfo, 1, "live");
	const char *live_name = NameStr(*PG_GETARG_NAME(1));
	List	   *statements;

	if (target != NULL)
		check_target_text(target);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	statements = verify_schema(target, live, live_name);
	return_strings(fcinfo, statements);
	SPI_finish();
	return (Datum) 0;
}
