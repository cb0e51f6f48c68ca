/*-------------------------------------------------------------------------
 *
 * models.c
 *	  What the models given to rev_check, rev_autogenerate and
 *	  rev_autogenerate_sql may do, checked on their parse trees before any
 *	  of them runs.
 *
 * The models run as the caller inside a subtransaction that is always
 * rolled back (scratch.c), so whatever is transactional vanishes with it:
 * the objects they create, settings (SET, SET ROLE), temporary tables,
 * LISTEN, NOTIFY, transaction-level locks.  What is not transactional would
 * outlive the call and change the live database behind the user's back:
 * sequence values (nextval, setval), session-level advisory locks, prepared
 * statements, cursors, loaded libraries, discarded session state.  So the
 * models may only define objects:
 *
 *	  - only schema-definition statements (CREATE, ALTER, DROP, COMMENT,
 *		GRANT, REVOKE, SECURITY LABEL, ... of objects) and SET/RESET; every
 *		statement that runs a query or acts on the session is refused (SELECT,
 *		INSERT, UPDATE, DELETE, MERGE, CALL, DO, PREPARE, EXECUTE, DEALLOCATE,
 *		LISTEN, UNLISTEN, NOTIFY, LOCK, COPY, DECLARE, FETCH, CLOSE, DISCARD,
 *		LOAD, VACUUM, ANALYZE, CLUSTER, REINDEX, CHECKPOINT, EXPLAIN, REFRESH
 *		MATERIALIZED VIEW, SET CONSTRAINTS, CREATE EVENT TRIGGER, IMPORT
 *		FOREIGN SCHEMA, subscriptions, roles, databases, tablespaces, ...);
 *	  - the expressions that such a statement evaluates right away (the
 *		query of CREATE TABLE AS and CREATE MATERIALIZED VIEW, unless WITH
 *		NO DATA; the defaults, USING and CHECK expressions of ALTER TABLE and
 *		ALTER DOMAIN, evaluated over existing rows) must not call a function
 *		whose effect is not undone by a rollback (models_forbidden_functions).
 *
 * Functions called indirectly (from a function the DDL itself evaluates, or
 * by an event trigger of the database) are not seen here.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/elog.h"

/*
 * Functions whose effect a rollback does not undo, by name (any schema):
 * sequence values and session-level advisory locks (taken or released).
 */
static const char *const models_forbidden_functions[] = {
	"nextval", "setval",
	"pg_advisory_lock", "pg_advisory_lock_shared",
	"pg_try_advisory_lock", "pg_try_advisory_lock_shared",
	"pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all",
	NULL
};

/* What the walkers and the error context need. */
typedef struct ModelsCheck
{
	const char *function;		/* rev_check, ... for messages */
} ModelsCheck;

static void models_check_context(void *arg);
static bool allowed_statement(Node *stmt);
static bool forbidden_call_walker(Node *node, void *context);
static void check_expression(ModelsCheck *check, Node *expr);
static void check_column(ModelsCheck *check, ColumnDef *column);
static void check_evaluated_expressions(ModelsCheck *check, Node *stmt);
static void check_model_statement(SqlStatement *statement, void *arg);

/* Name the models in errors (as diff_autogen.c does while they run). */
static void
models_check_context(void *arg)
{
	ModelsCheck *check = (ModelsCheck *) arg;

	errcontext("while running the models given to %s", check->function);
}

/*
 * allowed_statement
 *		Is stmt (a raw parse tree) a statement models may contain: a
 *		definition of objects, or SET/RESET (undone with the models)?
 */
static bool
allowed_statement(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
		case T_AlterTableStmt:
		case T_DropStmt:
		case T_IndexStmt:
		case T_ViewStmt:
		case T_CreateTableAsStmt:	/* its query: check_evaluated_expressions */
		case T_CreateSeqStmt:
		case T_AlterSeqStmt:
		case T_CreateFunctionStmt:
		case T_AlterFunctionStmt:
		case T_CompositeTypeStmt:
		case T_CreateEnumStmt:
		case T_AlterEnumStmt:
		case T_CreateRangeStmt:
		case T_CreateDomainStmt:
		case T_AlterDomainStmt:
		case T_AlterTypeStmt:
		case T_DefineStmt:
		case T_CreateCastStmt:
		case T_CreateConversionStmt:
		case T_CreateOpClassStmt:
		case T_CreateOpFamilyStmt:
		case T_AlterOpFamilyStmt:
		case T_AlterOperatorStmt:
		case T_AlterCollationStmt:
		case T_CreateStatsStmt:
		case T_AlterStatsStmt:
		case T_CreateTrigStmt:
		case T_RuleStmt:
		case T_CreatePolicyStmt:
		case T_AlterPolicyStmt:
		case T_CreateExtensionStmt:
		case T_AlterExtensionStmt:
		case T_AlterExtensionContentsStmt:
		case T_CreateSchemaStmt:	/* refused after the fact: see diff_autogen.c */
		case T_CommentStmt:
		case T_SecLabelStmt:
		case T_GrantStmt:
		case T_AlterDefaultPrivilegesStmt:
		case T_RenameStmt:
		case T_AlterObjectSchemaStmt:
		case T_AlterObjectDependsStmt:
		case T_AlterOwnerStmt:
		case T_AlterTSDictionaryStmt:
		case T_AlterTSConfigurationStmt:
		case T_CreateTransformStmt:
		case T_CreatePLangStmt:
		case T_CreateAmStmt:
		case T_VariableSetStmt:
			return true;
		default:
			return false;
	}
}

/* Walker: stop at a call of a forbidden function (its name in *context). */
static bool
forbidden_call_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		const char *name = strVal(llast(((FuncCall *) node)->funcname));
		int			i;

		for (i = 0; models_forbidden_functions[i] != NULL; i++)
			if (strcmp(name, models_forbidden_functions[i]) == 0)
			{
				*(const char **) context = models_forbidden_functions[i];
				return true;
			}
	}
	return raw_expression_tree_walker(node, forbidden_call_walker, context);
}

/* Refuse expr (a raw expression or query) if it calls a forbidden function. */
static void
check_expression(ModelsCheck *check, Node *expr)
{
	const char *name = NULL;

	if (expr == NULL || !forbidden_call_walker(expr, (void *) &name))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("the models given to %s call %s(), whose effect outlives the call",
					check->function, name),
			 errdetail("The models are rolled back, but sequence values and session-level "
					   "advisory locks are not."),
			 errhint("Models may only define objects: remove the call, or move it where it is "
					 "stored, not run (a default in CREATE TABLE or ALTER COLUMN ... SET DEFAULT, "
					 "a view, a function body).")));
}

/* Check the default and constraint expressions of a column definition. */
static void
check_column(ModelsCheck *check, ColumnDef *column)
{
	ListCell   *lc;

	check_expression(check, column->raw_default);
	foreach(lc, column->constraints)
		check_expression(check, ((Constraint *) lfirst(lc))->raw_expr);
}

/*
 * check_evaluated_expressions
 *		Refuse a forbidden function call in what stmt evaluates when it runs
 *		(not in what it only stores, like a column default of a new table).
 */
static void
check_evaluated_expressions(ModelsCheck *check, Node *stmt)
{
	ListCell   *lc;

	if (IsA(stmt, CreateTableAsStmt))
	{
		CreateTableAsStmt *ctas = (CreateTableAsStmt *) stmt;

		if (ctas->query != NULL && !IsA(ctas->query, SelectStmt))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the models given to %s contain CREATE TABLE AS EXECUTE",
							check->function),
					 errdetail("Models may only define objects; prepared statements are not theirs to run."),
					 errhint("Remove the statement from the models.")));
		if (ctas->into == NULL || !ctas->into->skipData)
			check_expression(check, ctas->query);
	}
	else if (IsA(stmt, AlterTableStmt))
	{
		foreach(lc, ((AlterTableStmt *) stmt)->cmds)
		{
			Node	   *def = lfirst_node(AlterTableCmd, lc)->def;

			if (def == NULL)
				continue;
			if (IsA(def, ColumnDef))
				check_column(check, (ColumnDef *) def);
			else if (IsA(def, Constraint))
				check_expression(check, ((Constraint *) def)->raw_expr);
		}
	}
	else if (IsA(stmt, AlterDomainStmt))
	{
		Node	   *def = ((AlterDomainStmt *) stmt)->def;

		if (def != NULL && IsA(def, Constraint))
			check_expression(check, ((Constraint *) def)->raw_expr);
	}
}

/*
 * check_model_statement
 *		Refuse one statement of the models: not one models may contain, or
 *		evaluating a forbidden function.  An sql_foreach_statement visitor;
 *		arg is the ModelsCheck.
 */
static void
check_model_statement(SqlStatement *statement, void *arg)
{
	ModelsCheck *check = (ModelsCheck *) arg;
	Node	   *stmt = statement->raw->stmt;

	if (!allowed_statement(stmt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the models given to %s contain %s", check->function,
						GetCommandTagName(CreateCommandTag(stmt))),
				 errdetail("Models may only define objects (CREATE, ALTER, DROP, COMMENT, GRANT, "
						   "...) and SET settings: the other statements could change state that "
						   "the rollback of the models does not undo."),
				 errhint("Remove the statement from the models.")));
	check_evaluated_expressions(check, stmt);
}

/*
 * check_models
 *		Refuse models, before any of their statements runs, if one is not a
 *		statement models may contain or evaluates a forbidden function (see
 *		the header comment).  function names the SQL function for messages.
 *		Parses statement by statement, in bounded memory (statements.c).
 */
void
check_models(const char *function, const char *models)
{
	ModelsCheck check = {function};
	ErrorContextCallback callback;

	callback.callback = models_check_context;
	callback.arg = &check;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	sql_foreach_statement(models, check_model_statement, &check);
	error_context_stack = callback.previous;
}
