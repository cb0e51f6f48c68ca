/*-------------------------------------------------------------------------
 *
 * diff_autogen.c
 *	  rev_autogenerate, rev_autogenerate_from, rev_autogenerate_sql and
 *	  rev_check: Alembic's "revision --autogenerate" and "check", inside the
 *	  server.
 *
 * The live schema is read first.  Then, inside an internal subtransaction,
 * a scratch schema with an unpredictable name is created (models.c has
 * checked the models first), the user's models (CREATE TABLE ... as
 * written for an empty database) run there as the caller with search_path
 * set to it and then the live schema (so that the types and functions of
 * extensions installed in the live schema resolve), and it is read with its
 * definitions qualified with the live schema's name.  The subtransaction is always rolled back, on success as
 * on error, so nothing of the scratch schema outlives the call.  The upgrade
 * is the diff live -> models, the downgrade the diff models -> live.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

PG_FUNCTION_INFO_V1(rev_autogenerate);
PG_FUNCTION_INFO_V1(rev_autogenerate_from);
PG_FUNCTION_INFO_V1(rev_check);
PG_FUNCTION_INFO_V1(rev_autogenerate_sql);

/* What the error context callback of the models needs. */
typedef struct ModelsContext
{
	const char *function;
} ModelsContext;

typedef struct ModelsRun ModelsRun;

static void models_error_context(void *arg);
static void note_extension(ModelsRun *run, Node *stmt);
static void run_model_statement(SqlStatement *statement, void *arg);
static void check_no_escape(Oid scratch, const char *function);
static void fill_models(Oid scratch, void *arg);
static void diff_models(Oid scratch, void *arg);
static void autogenerate(const char *function, const char *models, Oid live,
						 const char *live_name, List **up, List **down);
static char *join_statements(List *statements);
static Datum register_revision(FunctionCallInfo fcinfo, const char *live_name,
							   List *up, List *down);

/* Say that an error comes from the models. */
static void
models_error_context(void *arg)
{
	ModelsContext *context = (ModelsContext *) arg;

	errcontext("while running the models given to %s", context->function);
}

/* What autogenerate's steps inside the scratch schema share. */
struct ModelsRun
{
	const char *function;
	const char *models;
	const char *live_name;
	DiffSchema *from;
	List	  **up;
	List	  **down;
	List	   *extensions;		/* CREATE EXTENSION IF NOT EXISTS of the
								 * models: pairs of name, version (or NULL) */
	MemoryContext context;		/* where they are allocated */
};

/*
 * note_extension
 *		Remember what a CREATE EXTENSION IF NOT EXISTS of the models asks
 *		for (name, and VERSION or NULL): when the extension is installed in
 *		the live schema, the statement does nothing in the scratch schema,
 *		yet the models have it (diff_models_extension).
 */
static void
note_extension(ModelsRun *run, Node *stmt)
{
	CreateExtensionStmt *create;
	const char *version = NULL;
	ListCell   *lc;
	MemoryContext old;

	if (!IsA(stmt, CreateExtensionStmt))
		return;
	create = (CreateExtensionStmt *) stmt;
	if (!create->if_not_exists)
		return;
	foreach(lc, create->options)
	{
		DefElem    *option = (DefElem *) lfirst(lc);

		if (strcmp(option->defname, "new_version") == 0)
			version = defGetString(option);
	}
	/* the statement's memory is reset after it runs */
	old = MemoryContextSwitchTo(run->context);
	run->extensions = lappend(run->extensions, pstrdup(create->extname));
	run->extensions = lappend(run->extensions, version ? pstrdup(version) : NULL);
	MemoryContextSwitchTo(old);
}

/*
 * run_model_statement
 *		Run one statement of the models, refusing one that changes how the
 *		lexer reads the rest (see lexer_setting in apply.c).  An
 *		sql_foreach_statement visitor; arg is the ModelsRun.
 */
static void
run_model_statement(SqlStatement *statement, void *arg)
{
	ModelsRun  *run = (ModelsRun *) arg;
	const char *setting = lexer_setting(statement->raw->stmt);

	if (setting)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the models given to %s set %s", run->function, setting),
				 errdetail("Statement %d changes how the statements after it are read.",
						   statement->number),
				 errhint("Write the models for the default setting (standard_conforming_strings = on).")));
	note_extension(run, statement->raw->stmt);
	sql_run_statement(statement, NULL);
}

/*
 * check_no_escape
 *		Refuse models that created or changed objects outside the scratch
 *		schema (qualified names, SET search_path, CREATE SCHEMA): the diff
 *		would silently miss them.  Called inside the subtransaction, after
 *		the models ran.
 */
static void
check_no_escape(Oid scratch, const char *function)
{
	char	   *kind;
	char	   *name;
	CommandId	command;

	if (scratch_first_escape(scratch, &kind, &name, &command))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_DEFINITION),
				 errmsg("the models given to %s created or changed %s %s outside the scratch schema",
						function, kind, name),
				 errdetail("Models run in a scratch schema standing for the live schema; only objects created there are compared."),
				 errhint("Write the models with unqualified names, without SET search_path or CREATE SCHEMA.")));
}

/* Run the models in the scratch schema: a scratch_run fill step. */
static void
fill_models(Oid scratch, void *arg)
{
	ModelsRun  *run = (ModelsRun *) arg;
	ModelsContext context = {run->function};
	ErrorContextCallback callback;

	run->context = CurrentMemoryContext;
	callback.callback = models_error_context;
	callback.arg = &context;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	sql_foreach_statement(run->models, run_model_statement, run);
	error_context_stack = callback.previous;
}

/* Diff the live schema against the models: a scratch_run use step. */
static void
diff_models(Oid scratch, void *arg)
{
	ModelsRun  *run = (ModelsRun *) arg;
	DiffSchema *to;

	ListCell   *lc;

	check_no_escape(scratch, run->function);
	to = diff_read_schema(scratch, run->live_name);
	for (lc = list_head(run->extensions); lc != NULL; lc = lnext(run->extensions, lnext(run->extensions, lc)))
		diff_models_extension(run->from, to, (const char *) lfirst(lc),
							  (const char *) lfirst(lnext(run->extensions, lc)));
	*run->up = diff_statements(run->from, to);
	*run->down = diff_statements(to, run->from);
}

/*
 * autogenerate
 *		Run models in a scratch schema and diff the live schema against it:
 *		*up turns live into the models, *down the models into live, both
 *		qualified with live's name.  The caller is connected to SPI; the
 *		lists are allocated in CurrentMemoryContext.  Nothing of the scratch
 *		schema survives, whatever happens.
 */
static void
autogenerate(const char *function, const char *models, Oid live,
			 const char *live_name, List **up, List **down)
{
	ModelsRun	run = {function, models, live_name, NULL, up, down, NIL, NULL};

	check_models(function, models);

	run.from = diff_read_schema(live, live_name);
	scratch_run(live_name, fill_models, diff_models, &run);
}

/* The statements as one script: each ends with ";" and a newline. */
static char *
join_statements(List *statements)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, statements)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, "%s;\n", (char *) lfirst(lc));
	}
	return buf.data;
}

/*
 * register_revision
 *		Register a revision upgrading with up and downgrading with down
 *		through rev_add (as the caller, who needs EXECUTE on it), taking the
 *		message (argument 1) and revision id (argument 3) of fcinfo.  No
 *		change: a NOTICE and NULL.  The caller is connected to SPI.
 */
static Datum
register_revision(FunctionCallInfo fcinfo, const char *live_name, List *up, List *down)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		isnull;
	Datum		id;
	int			rc;

	if (up == NIL)
	{
		ereport(NOTICE,
				(errmsg("no changes: schema \"%s\" already matches the models, no revision registered",
						live_name)));
		SPI_finish();
		PG_RETURN_NULL();
	}
	args[0] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[0] = PG_ARGISNULL(3) ? 'n' : ' ';
	args[1] = CStringGetTextDatum(join_statements(up));
	args[2] = CStringGetTextDatum(join_statements(down));
	args[3] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[3] = PG_ARGISNULL(1) ? 'n' : ' ';
	rc = SPI_execute_with_args("SELECT pg_catalog.rev_add($1, $2, $3, NULL::pg_catalog.text[], $4)",
							   4, argtypes, args, nulls, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not register the revision: %s", SPI_result_code_string(rc));
	id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	id = SPI_datumTransfer(id, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(id);
}

/* The models argument, which must not be NULL. */
static const char *
models_argument(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("models must not be NULL"),
				 errhint("Pass the model DDL, CREATE TABLE ... as for an empty database.")));
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

/*
 * rev_autogenerate(models text, message text DEFAULT NULL,
 *		live_schema name DEFAULT 'public', revision text DEFAULT NULL)
 *		RETURNS text
 *		Register a revision turning live_schema into what models describe;
 *		its id, or NULL (and a NOTICE) when there is nothing to change.
 */
Datum
rev_autogenerate(PG_FUNCTION_ARGS)
{
	const char *models;
	Oid			live;
	const char *live_name;
	List	   *up;
	List	   *down;

	check_not_applying("rev_autogenerate");
	models = models_argument(fcinfo);
	live = diff_schema_argument(fcinfo, 2, "live");
	live_name = NameStr(*PG_GETARG_NAME(2));

	SPI_connect();
	autogenerate("rev_autogenerate", models, live, live_name, &up, &down);
	return register_revision(fcinfo, live_name, up, down);
}

/*
 * rev_autogenerate_from(target_schema name, message text DEFAULT NULL,
 *		live_schema name DEFAULT 'public', revision text DEFAULT NULL)
 *		RETURNS text
 *		Like rev_autogenerate, with the models already in a schema.
 */
Datum
rev_autogenerate_from(PG_FUNCTION_ARGS)
{
	Oid			target;
	Oid			live;
	const char *live_name;
	DiffSchema *from;
	DiffSchema *to;
	List	   *up;
	List	   *down;

	check_not_applying("rev_autogenerate_from");
	target = diff_schema_argument(fcinfo, 0, "target");
	live = diff_schema_argument(fcinfo, 2, "live");
	live_name = NameStr(*PG_GETARG_NAME(2));

	if (target == live)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target and live are the same schema \"%s\"", live_name)));
	SPI_connect();
	from = diff_read_schema(live, live_name);
	to = diff_read_schema(target, live_name);
	up = diff_statements(from, to);
	down = diff_statements(to, from);
	return register_revision(fcinfo, live_name, up, down);
}

/*
 * rev_check(models text, live_schema name DEFAULT 'public') RETURNS SETOF text
 *		The statements rev_autogenerate would register; registers nothing.
 *		No rows: the live schema matches the models.
 */
Datum
rev_check(PG_FUNCTION_ARGS)
{
	const char *models = models_argument(fcinfo);
	Oid			live = diff_schema_argument(fcinfo, 1, "live");
	const char *live_name = NameStr(*PG_GETARG_NAME(1));
	List	   *up;
	List	   *down;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	autogenerate("rev_check", models, live, live_name, &up, &down);
	return_strings(fcinfo, up);
	SPI_finish();
	return (Datum) 0;
}

/*
 * rev_autogenerate_sql(models text, live_schema name DEFAULT 'public',
 *		OUT upgrade text, OUT downgrade text) RETURNS record
 *		The upgrade and downgrade scripts rev_autogenerate would register,
 *		registering nothing: for a client that writes them into a migration
 *		file for review (pg_revisions revision --autogenerate).  Both NULL
 *		when the live schema matches the models.
 */
Datum
rev_autogenerate_sql(PG_FUNCTION_ARGS)
{
	const char *models = models_argument(fcinfo);
	Oid			live = diff_schema_argument(fcinfo, 1, "live");
	const char *live_name = NameStr(*PG_GETARG_NAME(1));
	MemoryContext caller_context = CurrentMemoryContext;
	TupleDesc	desc;
	Datum		values[2] = {0, 0};
	bool		nulls[2] = {true, true};
	List	   *up;
	List	   *down;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rev_autogenerate_sql must return a record");
	SPI_connect();
	autogenerate("rev_autogenerate_sql", models, live, live_name, &up, &down);
	/* The lists live in SPI's memory: build the results in the caller's. */
	MemoryContextSwitchTo(caller_context);
	if (up != NIL)
	{
		values[0] = CStringGetTextDatum(join_statements(up));
		values[1] = CStringGetTextDatum(join_statements(down));
		nulls[0] = nulls[1] = false;
	}
	SPI_finish();
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
