/*-------------------------------------------------------------------------
 *
 * squash.c
 *	  rev_squash: a baseline revision that replaces a revision and all its
 *	  ancestors, so that a new database reaches it by one revision instead
 *	  of replaying a long history.
 *
 * The baseline's upgrade SQL builds the schema the replaced revisions
 * build, from nothing; its downgrade SQL removes it.  Both come from the
 * diff engine, comparing an empty schema with either the live schema (when
 * the database's applied state is exactly the replaced revisions) or a
 * scratch schema where their upgrade SQL was replayed, as the caller,
 * inside a subtransaction that is always rolled back (verify.c's
 * replay_schema, which rev_verify_schema uses too).
 *
 * How the planner uses it (plan.c): a database where none of the replaced
 * revisions is applied runs the baseline instead of them, and records them
 * all as applied; one where all are applied counts the baseline as
 * applied without running anything (a baseline is never stored as applied:
 * it is applied exactly when the revision it replaces is); one where some
 * are applied runs the rest of the originals.  A baseline is never a head
 * nor a parent: descendants of the replaced revision keep their parents.
 *
 * Rows that the replaced revisions inserted (seed data) are not part of a
 * schema: rev_squash names those revisions in a WARNING, and a client
 * writing the baseline to a file lets the user add the rows to it.
 * rev_add_baseline registers such a file's baseline with its SQL as given.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(rev_squash);
PG_FUNCTION_INFO_V1(rev_add_baseline);

/* What scan_statement needs. */
typedef struct RowScan
{
	const char *revision;		/* being scanned */
	bool		writes_rows;	/* has the revision a data statement? */
} RowScan;

static void scan_statement(SqlStatement *statement, void *arg);
static bool applied_is_exactly(RevGraph *graph, bool *replaced);
static char *join_statements(List *statements);
static void warn_rows(RevGraph *graph, RevList replaced);
static void build_baseline(RevGraph *graph, RevList replaced, bool replay,
						   const char *live_name, char **upgrade, char **downgrade);

/*
 * scan_statement
 *		Note whether the statement writes rows (seed data, which a schema
 *		does not keep).  An sql_foreach_statement visitor; arg is a
 *		RowScan.
 */
static void
scan_statement(SqlStatement *statement, void *arg)
{
	RowScan  *state = (RowScan *) arg;

	switch (nodeTag(statement->raw->stmt))
	{
		case T_InsertStmt:
		case T_UpdateStmt:
		case T_DeleteStmt:
		case T_MergeStmt:
		case T_CopyStmt:
			state->writes_rows = true;
			break;
		default:
			break;
	}
}

/* Is the applied state exactly the replaced revisions (baselines aside)? */
static bool
applied_is_exactly(RevGraph *graph, bool *replaced)
{
	int			n;

	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].replaces < 0 && graph->nodes[n].applied != replaced[n])
			return false;
	}
	return true;
}

/* The statements as one script, each ended by ";" and a newline. */
static char *
join_statements(List *statements)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, statements)
		appendStringInfo(&buf, "%s;\n", (char *) lfirst(lc));
	return buf.data;
}

/*
 * warn_rows
 *		WARN naming the replaced revisions whose upgrade SQL writes rows: a
 *		baseline holds the schema only.  Parses their SQL, runs nothing.
 */
static void
warn_rows(RevGraph *graph, RevList replaced)
{
	StringInfoData ids;
	int			count = 0;
	int			i;

	initStringInfo(&ids);
	for (i = 0; i < replaced.n; i++)
	{
		RowScan	state = {graph->nodes[replaced.items[i]].id, false};
		RevisionSql stored;

		CHECK_FOR_INTERRUPTS();
		catalog_fetch_sql(state.revision, &stored);
		sql_foreach_statement(stored.upgrade, scan_statement, &state);
		if (state.writes_rows)
		{
			appendStringInfo(&ids, "%s\"%s\"", count > 0 ? ", " : "", state.revision);
			count++;
		}
	}
	if (count > 0)
		ereport(WARNING,
				(errmsg_plural("%d replaced revision writes rows, which the baseline does not hold",
							   "%d replaced revisions write rows, which the baseline does not hold",
							   count, count),
				 errdetail("Revisions with INSERT, UPDATE, DELETE, MERGE or COPY: %s.", ids.data),
				 errhint("A baseline holds the schema only: add the rows a new database needs to its "
						 "upgrade SQL (pg_revisions squash writes it to a file for that).")));
}

/*
 * build_baseline
 *		The upgrade and downgrade SQL of a baseline for the revisions of
 *		replaced (oldest first), qualified with live_name (unqualified
 *		when tenants are in use: under pg_revisions.tenant, or when a
 *		tenant has applied state, since one baseline serves every tenant
 *		schema): what turns an
 *		empty schema into the live schema (replay false) or into what their
 *		upgrade SQL builds when replayed in a scratch schema (replay true,
 *		verify.c's replay_schema), and back.  Allocated in
 *		CurrentMemoryContext; the caller is connected to SPI.
 */
static void
build_baseline(RevGraph *graph, RevList replaced, bool replay,
			   const char *live_name, char **upgrade, char **downgrade)
{
	DiffSchema *empty = diff_empty_schema(live_name);
	DiffSchema *built;

	warn_rows(graph, replaced);
	if (replay)
		built = replay_schema(graph, replaced, live_name, "rev_squash");
	else
		built = diff_read_schema(get_namespace_oid(live_name, false), live_name);
	*upgrade = join_statements(diff_statements(empty, built));
	*downgrade = join_statements(diff_statements(built, empty));
	if (tenant_current()[0] != '\0' || catalog_tenants() != NIL)
	{
		/* Shared by every tenant, it runs in each with search_path = it. */
		*upgrade = diff_requalify(*upgrade, live_name, NULL);
		*downgrade = diff_requalify(*downgrade, live_name, NULL);
	}
}

/*
 * rev_squash(target text DEFAULT 'head', revision text DEFAULT NULL,
 *			  message text DEFAULT NULL) RETURNS text
 *		Register a baseline replacing target and all its ancestors; return
 *		its id (generated when revision is NULL).  Built from the live
 *		schema (pg_revisions.tenant's, else public) when the applied state
 *		is exactly the replaced revisions, else by replaying them in a
 *		scratch schema.  Registering the same baseline again is a no-op.
 */
Datum
rev_squash(PG_FUNCTION_ARGS)
{
	char	   *target = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *id = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *message = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	const char *live_name;
	RevGraph   *graph;
	RevPosition pos;
	RevNode    *top;
	bool	   *replaced;
	RevList		replaced_list;
	char	   *upgrade;
	char	   *downgrade;
	char	   *checksum;
	int			existing;
	int			n;
	MemoryContext caller_context = CurrentMemoryContext;
	text	   *result;

	check_not_applying("rev_squash");
	check_target_text(target);
	if (id)
		check_name_argument(false, id);
	live_name = tenant_current();
	if (live_name[0] == '\0')
		live_name = "public";
	if (!OidIsValid(get_namespace_oid(live_name, true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", live_name),
				 errdetail("rev_squash compares it with what the replaced revisions build.")));

	SPI_connect();
	lock_revisions_catalog();
	graph = catalog_load_graph(false);
	resolve_target(graph, target, TARGET_FOR_UPGRADE, &pos);
	if (pos.everything || pos.top.n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot squash \"%s\": it does not name one revision", clip_for_message(target)),
				 errhint("Name the revision that the baseline replaces with all its ancestors, e.g. 'head' or an id.")));
	top = &graph->nodes[pos.top.items[0]];
	if (top->replaces >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot squash \"%s\": revision \"%s\" is a baseline already",
						clip_for_message(target), top->id)));
	replaced = graph_ancestors(graph, pos.top);
	replaced_list.n = 0;
	replaced_list.items = palloc(sizeof(int) * (graph->nnodes + 1));
	for (n = 0; n < graph->nnodes; n++)
		if (replaced[n])
			replaced_list.items[replaced_list.n++] = n;

	/* The same baseline again (same id, same target): a no-op, as in rev_add. */
	existing = id ? graph_find(graph, id) : -1;
	if (existing >= 0 && graph->nodes[existing].replaces != pos.top.items[0])
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("revision \"%s\" already exists", id),
				 errdetail("It is not a baseline of \"%s\".", top->id),
				 errhint("Give another id, or none to have one generated.")));
	if (existing < 0)
	{
		build_baseline(graph, replaced_list, !applied_is_exactly(graph, replaced),
					   live_name, &upgrade, &downgrade);
		checksum = revision_checksum(upgrade, downgrade);
		if (id == NULL)
			id = generate_revision_id();
		catalog_insert_baseline(id, message ? message : psprintf("squash of %s", top->id),
								upgrade, downgrade, checksum, top->id);
	}
	/* The result must outlive SPI_finish, which frees SPI's memory. */
	MemoryContextSwitchTo(caller_context);
	result = cstring_to_text(id);
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}

/*
 * rev_add_baseline(revision text, replaces text, upgrade text,
 *					downgrade text DEFAULT NULL, message text DEFAULT NULL)
 *		RETURNS text
 *		Register a baseline with the SQL given (a migration file with a
 *		"-- replaces:" header, written by pg_revisions squash and perhaps
 *		given seed rows since) replacing the registered revision replaces
 *		and all its ancestors; returns its id.  Like rev_add, registering
 *		the same baseline again (same id, same revision replaced, same SQL)
 *		is a no-op, and other SQL or another replaced revision is an error.
 */
Datum
rev_add_baseline(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"revision", "replaces", "upgrade"};
	char	   *id;
	char	   *replaces;
	char	   *upgrade;
	/* The downgrade of a baseline never runs (downgrades run the originals'): NULL is ''. */
	char	   *downgrade = PG_ARGISNULL(3) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(3));
	char	   *message = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	char	   *checksum;
	RevGraph   *graph;
	int			target;
	int			existing;
	int			i;
	text	   *result;

	check_not_applying("rev_add_baseline");
	for (i = 0; i < 3; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be NULL", names[i]),
					 i == 2 ? errhint("A baseline's upgrade SQL builds what it replaces from nothing.") : 0));
	id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	replaces = text_to_cstring(PG_GETARG_TEXT_PP(1));
	upgrade = text_to_cstring(PG_GETARG_TEXT_PP(2));
	check_name_argument(false, id);
	check_name_argument(false, replaces);
	checksum = revision_checksum(upgrade, downgrade);

	SPI_connect();
	lock_revisions_catalog();
	graph = catalog_load_graph(false);
	target = graph_find(graph, replaces);
	if (target < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", replaces),
				 errdetail("Baseline \"%s\" replaces a registered revision and all its ancestors.", id),
				 errhint("Register the revisions it replaces first.")));
	if (graph->nodes[target].replaces >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("baseline \"%s\" cannot replace \"%s\", which is a baseline itself", id, replaces)));
	existing = graph_find(graph, id);
	if (existing >= 0)
	{
		StoredRevision stored;

		if (graph->nodes[existing].replaces != target)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("revision \"%s\" already exists", id),
					 errdetail("It is not a baseline of \"%s\".", replaces),
					 errhint("Give the baseline another id.")));
		catalog_get_revision(id, &stored);
		if (strcmp(stored.checksum, checksum) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("revision \"%s\" is already registered with different SQL", id),
					 errdetail("Stored checksum %s, given %s.", stored.checksum, checksum),
					 errhint("The SQL of a registered revision never changes: register the change as a new revision.")));
	}
	else
		catalog_insert_baseline(id, message ? message : psprintf("baseline of %s", replaces),
								upgrade, downgrade, checksum, replaces);
	result = cstring_to_text(id);
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}
