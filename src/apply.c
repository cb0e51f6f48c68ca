/*-------------------------------------------------------------------------
 *
 * apply.c
 *	  Running one revision's upgrade or downgrade SQL, as the calling role,
 *	  in the caller's transaction.  The SQL is checked against the checksum
 *	  it was registered with first (immutable.c).
 *
 * For each revision: a NOTICE reports progress; every statement is parsed
 * and checked first so that statements which cannot run inside a
 * transaction (VACUUM, CREATE INDEX CONCURRENTLY, ...), which would end it
 * (COMMIT, ROLLBACK, ...) or which change how the lexer reads the rest
 * (standard_conforming_strings) are refused with a clear error before
 * anything of the revision runs; then the statements run one by one
 * through SPI (statements.c: memory flat in their number) at a new GUC
 * nest level, so that any SET inside the revision is undone when the
 * revision ends, and so is any SET CONSTRAINTS (constraints.c).  For a
 * tenant (pg_revisions.tenant), search_path is that schema while the
 * revision runs.  An error context callback names the revision in every
 * error raised meanwhile.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "commands/defrem.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/elog.h"
#include "utils/guc.h"

/* What the error context callback needs to know. */
typedef struct ApplyContext
{
	const char *revision;
	RevDirection dir;
} ApplyContext;

/* Is a state-changing call running revision SQL right now? */
static bool applying = false;

/* The text of the statement running now (NULL between statements). */
static const char *running_statement = NULL;

/* Called around each statement apply_revision runs, when set. */
static ApplyObserver *observer = NULL;

static void apply_error_context(void *arg);
static const char *statement_outside_transaction(Node *stmt);

/*
 * apply_error_context
 *		Name the revision being applied or reverted.
 */
static void
apply_error_context(void *arg)
{
	ApplyContext *context = (ApplyContext *) arg;

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
 * lexer_setting
 *		If stmt (a raw parse tree) sets a setting that changes how the lexer
 *		reads the SQL that follows it, that setting's name; else NULL.  The
 *		statements of a revision are split once, with the settings in force
 *		when it starts, and a client running them one by one (rev_claim)
 *		splits them the same way: a statement that changed the lexer would
 *		make the rest mean something else than what was split and shown.
 */
const char *
lexer_setting(Node *stmt)
{
	VariableSetStmt *set;

	if (!IsA(stmt, VariableSetStmt))
		return NULL;
	set = (VariableSetStmt *) stmt;
	if (set->name == NULL)
		return NULL;			/* RESET ALL, SET TRANSACTION...: handled below */
	if (pg_strcasecmp(set->name, "standard_conforming_strings") == 0)
		return "standard_conforming_strings";
	if (pg_strcasecmp(set->name, "backslash_quote") == 0)
		return "backslash_quote";
	return NULL;
}

/*
 * check_lexer_setting
 *		Refuse a statement of the revision that changes how the lexer reads
 *		the statements after it (see lexer_setting).  For every revision,
 *		transactional or not.
 */
void
check_lexer_setting(const char *revision, SqlStatement *statement)
{
	const char *what = lexer_setting(statement->raw->stmt);

	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("revision \"%s\" sets %s", revision, what),
				 errdetail("Statement %d changes how the statements after it are read; "
						   "a revision's statements are split once, before any of them runs.",
						   statement->number),
				 errhint("Write the revision for the default setting (standard_conforming_strings = on); "
						 "use E'...' strings for backslash escapes.")));
}

/*
 * check_statement
 *		Refuse, before anything runs, a statement that would end the
 *		caller's transaction, cannot run in one, needs a client for COPY, or
 *		changes how the lexer reads the rest.  An sql_foreach_statement
 *		visitor; arg is the revision id.
 */
static void
check_statement(SqlStatement *statement, void *arg)
{
	const char *revision = (const char *) arg;
	Node	   *stmt = statement->raw->stmt;
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
	check_lexer_setting(revision, statement);
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

/* The lexer settings in force when a revision starts (see lexer_setting). */
typedef struct LexerSettings
{
	const char *revision;
	bool		standard_conforming_strings;
	int			backslash_quote;
} LexerSettings;

/*
 * run_statement
 *		Run one statement of a revision, then make sure it did not change the
 *		lexer settings by a route the parse tree does not show (set_config(),
 *		a function with a SET clause is fine: its setting ends with it).  An
 *		sql_foreach_statement visitor; arg is the LexerSettings at the start.
 */
static void
run_statement(SqlStatement *statement, void *arg)
{
	LexerSettings *start = (LexerSettings *) arg;

	if (observer && observer->before)
		observer->before(statement, observer->arg);
	running_statement = statement->text;
	sql_run_statement(statement, NULL);
	running_statement = NULL;
	if (observer && observer->after)
		observer->after(statement, observer->arg);
	if (standard_conforming_strings != start->standard_conforming_strings ||
		backslash_quote != start->backslash_quote)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("revision \"%s\" changed %s", start->revision,
						standard_conforming_strings != start->standard_conforming_strings ?
						"standard_conforming_strings" : "backslash_quote"),
				 errdetail("Statement %d changes how the statements after it are read; "
						   "a revision's statements are split once, before any of them runs.",
						   statement->number)));
}

/*
 * apply_revision
 *		Run the upgrade (or downgrade) SQL of graph->nodes[node] as the
 *		calling role, reporting "position of total" in a NOTICE.  Every
 *		statement is checked first (nothing runs if one is refused), then
 *		each runs on its own (statements.c), so memory stays flat however
 *		many statements the revision has.  Settings changed by the SQL are
 *		restored afterwards.  The caller holds the catalog lock, is connected
 *		to SPI, has checked that a downgrade is not irreversible, and records
 *		the change in the catalog itself.  Allocates in CurrentMemoryContext,
 *		which the caller should reset between revisions.
 */
void
apply_revision(RevGraph *graph, int node, RevDirection dir, int position, int total)
{
	RevNode    *rev = &graph->nodes[node];
	ApplyContext context = {rev->id, dir};
	ErrorContextCallback callback;
	RevisionSql stored;
	LexerSettings settings;
	const char *tenant;
	char	   *sql;
	int			nest_level;

	running_statement = NULL;
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

	sql_foreach_statement(sql, check_statement, (void *) rev->id);

	settings.revision = rev->id;
	settings.standard_conforming_strings = standard_conforming_strings;
	settings.backslash_quote = backslash_quote;
	nest_level = NewGUCNestLevel();
	tenant = tenant_current();
	if (tenant[0] != '\0')
		(void) set_config_option("search_path", quote_identifier(tenant),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	sql_foreach_statement(sql, run_statement, &settings);
	AtEOXact_GUC(false, nest_level);
	restore_constraint_mode();

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

/*
 * apply_failed_statement
 *		The text of the statement of apply_revision that raised the error
 *		being handled, or NULL when the error came from outside one.  Valid
 *		until the caller resets the memory context apply_revision ran in.
 */
const char *
apply_failed_statement(void)
{
	return running_statement;
}

/*
 * apply_set_observer
 *		Have observer's functions called before and after each statement
 *		apply_revision runs (rehearse.c), or stop with NULL.  The caller
 *		clears it on error too.
 */
void
apply_set_observer(ApplyObserver *new_observer)
{
	observer = new_observer;
}
