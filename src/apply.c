/*-------------------------------------------------------------------------
 *
 * apply.c
 *	  Running one revision's upgrade or downgrade SQL, as the calling role,
 *	  in the caller's transaction.  The SQL is checked against the checksum
 *	  it was registered with first (immutable.c).
 *
 * For each revision: a NOTICE reports progress; the SQL is parsed first so
 * that statements which cannot run inside a transaction (VACUUM, CREATE
 * INDEX CONCURRENTLY, ...) or which would end it (COMMIT, ROLLBACK, ...)
 * are refused with a clear error before anything of the revision runs;
 * then SPI executes it at a new GUC nest level, so that any SET inside the
 * revision is undone when the revision ends, and so is any SET CONSTRAINTS
 * (constraints.c).  An error context callback
 * names the revision in every error raised meanwhile.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "commands/defrem.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/elog.h"
#include "utils/guc.h"

/* What the error context callback needs to know. */
typedef struct ApplyContext
{
	const char *revision;
	RevDirection dir;
	const char *sql;			/* set while parsing, for syntax errors */
} ApplyContext;

/* Is a state-changing call running revision SQL right now? */
static bool applying = false;

static void apply_error_context(void *arg);
static const char *statement_outside_transaction(Node *stmt);
static void check_statements(const char *revision, List *statements);

/*
 * apply_error_context
 *		Name the revision being applied or reverted.  While parsing, move a
 *		syntax error's cursor into the revision's SQL, as SPI does.
 */
static void
apply_error_context(void *arg)
{
	ApplyContext *context = (ApplyContext *) arg;
	int			position = geterrposition();

	if (context->sql && position > 0)
	{
		errposition(0);
		internalerrposition(position);
		internalerrquery(context->sql);
	}
	if (context->dir == REV_UPGRADE)
		errcontext("while applying revision \"%s\"", context->revision);
	else
		errcontext("while reverting revision \"%s\"", context->revision);
}

/*
 * statement_outside_transaction
 *		If stmt (a raw parse tree) cannot run inside a transaction block,
 *		its name; else NULL.  The server would refuse the rest too, with the
 *		revision named in the error context; these get a clearer message.
 */
static const char *
statement_outside_transaction(Node *stmt)
{
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_VacuumStmt:
			if (((VacuumStmt *) stmt)->is_vacuumcmd)
				return "VACUUM";
			break;
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
				return "CREATE INDEX CONCURRENTLY";
			break;
		case T_DropStmt:
			if (((DropStmt *) stmt)->concurrent)
				return "DROP INDEX CONCURRENTLY";
			break;
		case T_ReindexStmt:
			foreach(lc, ((ReindexStmt *) stmt)->params)
			{
				DefElem    *option = lfirst_node(DefElem, lc);

				if (strcmp(option->defname, "concurrently") == 0 && defGetBoolean(option))
					return "REINDEX CONCURRENTLY";
			}
			if (((ReindexStmt *) stmt)->kind == REINDEX_OBJECT_SYSTEM ||
				((ReindexStmt *) stmt)->kind == REINDEX_OBJECT_DATABASE)
				return "REINDEX DATABASE";
			break;
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				if (cmd->subtype == AT_DetachPartition &&
					((PartitionCmd *) cmd->def)->concurrent)
					return "DETACH PARTITION CONCURRENTLY";
			}
			break;
		default:
			break;
	}
	return NULL;
}

/*
 * check_statements
 *		Refuse, before anything runs, a revision whose SQL would end the
 *		caller's transaction, cannot run in one, or needs a client for COPY.
 */
static void
check_statements(const char *revision, List *statements)
{
	ListCell   *lc;

	foreach(lc, statements)
	{
		Node	   *stmt = lfirst_node(RawStmt, lc)->stmt;
		const char *what;

		if (IsA(stmt, TransactionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("revision \"%s\" contains %s", revision,
							GetCommandTagName(CreateCommandTag(stmt))),
					 errdetail("A revision runs inside the caller's transaction: it cannot "
							   "begin, commit or roll back transactions or savepoints."),
					 errhint("Remove the statement: the caller's transaction commits "
							 "the revisions, or rolls all of them back.")));
		if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->filename == NULL &&
			!((CopyStmt *) stmt)->is_program)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("revision \"%s\" contains COPY %s", revision,
							((CopyStmt *) stmt)->is_from ? "FROM STDIN" : "TO STDOUT"),
					 errdetail("Revision SQL runs inside the server, with no client to exchange data with."),
					 errhint("Use INSERT ... VALUES, or COPY from a file the server can read.")));
		what = statement_outside_transaction(stmt);
		if (what)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("revision \"%s\" contains %s, which cannot run inside a transaction block",
							revision, what),
					 errdetail("pg_revisions runs every revision inside the caller's transaction."),
					 errhint("Put it in a revision of its own registered with transactional => false: "
							 "the pg_revisions client runs those outside a transaction block.")));
	}
}

/*
 * apply_revision
 *		Run the upgrade (or downgrade) SQL of graph->nodes[node] as the
 *		calling role, reporting "position of total" in a NOTICE.  Settings
 *		changed by the SQL are restored afterwards.  The caller holds the
 *		catalog lock, is connected to SPI, has checked that a downgrade is
 *		not irreversible, and records the change in the catalog itself.
 *		Allocates in CurrentMemoryContext, which the caller should reset
 *		between revisions.
 */
void
apply_revision(RevGraph *graph, int node, RevDirection dir, int position, int total)
{
	RevNode    *rev = &graph->nodes[node];
	ApplyContext context = {rev->id, dir, NULL};
	ErrorContextCallback callback;
	List	   *statements;
	RevisionSql stored;
	char	   *sql;
	int			nest_level;

	catalog_fetch_sql(rev->id, &stored);
	verify_revision_sql(&stored);
	sql = (dir == REV_UPGRADE) ? stored.upgrade : stored.downgrade;
	if (sql == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is irreversible", rev->id)));

	ereport(NOTICE,
			(errmsg("%s revision \"%s\" (%d of %d)%s%s",
					dir == REV_UPGRADE ? "applying" : "reverting",
					rev->id, position, total,
					stored.message ? ": " : "", stored.message ? stored.message : "")));

	callback.callback = apply_error_context;
	callback.arg = &context;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	context.sql = sql;
	statements = raw_parser(sql, RAW_PARSE_DEFAULT);
	context.sql = NULL;
	check_statements(rev->id, statements);

	if (statements != NIL)
	{
		MemoryContext revision_context = CurrentMemoryContext;
		int			rc;

		nest_level = NewGUCNestLevel();
		rc = SPI_execute(sql, false, 0);
		MemoryContextSwitchTo(revision_context);
		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("could not run the SQL of revision \"%s\": %s",
							rev->id, SPI_result_code_string(rc))));
		SPI_freetuptable(SPI_tuptable);
		AtEOXact_GUC(false, nest_level);
		restore_constraint_mode();
	}

	error_context_stack = callback.previous;
}

/*
 * check_not_applying
 *		Refuse a state-changing call made from inside revision SQL: the outer
 *		call has not recorded its progress yet, so the inner one would act on
 *		a state that is about to change.
 */
void
check_not_applying(const char *function_name)
{
	if (applying)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot be called from the SQL of a revision", function_name)));
}

/* Mark the start of a run of apply_revision calls (see check_not_applying). */
void
begin_applying(void)
{
	applying = true;
}

/* Is revision SQL running right now (between begin_ and end_applying)? */
bool
applying_revision(void)
{
	return applying;
}

/* Mark its end; call from PG_FINALLY so an error clears it too. */
void
end_applying(void)
{
	applying = false;
}
