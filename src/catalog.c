/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Every read and write of the pg_revisions catalog tables
 *	  (revisions.revision, .edge, .applied, .operation, .state).
 *
 * Each query (its text is in catalog_sql.c) is fixed, schema-qualified
 * down to its operators, takes its values as parameters, and is prepared
 * once per backend and kept (SPI_keepplan).  Queries run as the extension's owner, inside a narrow
 * window (SECURITY_LOCAL_USERID_CHANGE, as pg_cron does for its
 * bookkeeping), so the roles the DBA allows to call the functions need no
 * rights on the tables.  Revision SQL never runs in that window: apply.c
 * runs it as the caller.
 *
 * Every function here requires the caller to be connected to SPI, and
 * allocates its results in CurrentMemoryContext.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"
#include "catalog_sql.h"
#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"


/*
 * Prepared and kept plans, one per query, made on first use.  A kept plan
 * can be made while the tables are still empty and then serve a transaction
 * that registers thousands of revisions, so lookups are written as scalar
 * subqueries with LIMIT 1 (never flattened into a hash anti-join that
 * would read a whole table on every call).
 */
static SPIPlanPtr catalog_plans[NUM_CATALOG_QUERIES];

/* The extension owner, cached for one transaction. */
static Oid	owner_cache_oid = InvalidOid;
static LocalTransactionId owner_cache_lxid = InvalidLocalTransactionId;

/*
 * True while one of our catalog queries runs: the catalog_guard trigger
 * (immutable.c) refuses every other UPDATE, DELETE and TRUNCATE.
 */
static bool catalog_query_running = false;

/* The (sub)transaction that last bumped revisions.state. */
static LocalTransactionId bumped_lxid = InvalidLocalTransactionId;
static SubTransactionId bumped_subxid = InvalidSubTransactionId;

/* A saved identity, for leaving the owner window. */
typedef struct OwnerWindow
{
	Oid			saved_userid;
	int			saved_sec_context;
} OwnerWindow;

static Oid	extension_owner(void);
static void enter_owner_window(OwnerWindow *window);
static void leave_owner_window(OwnerWindow *window);
static int	run_query(CatalogQuery query, Datum *values, const char *nulls);
static SPIPlanPtr catalog_plan(CatalogQuery query);
static char *text_column(HeapTuple tuple, TupleDesc desc, int column);
static char *first_text(CatalogQuery query, Datum argument);
static char *catalog_caller_name(void);
static ArrayType *text_array(const char **items, int n);

/*
 * extension_owner
 *		The role that owns the pg_revisions extension (and its tables),
 *		cached for the transaction.  Also refuses to go on when the
 *		installed extension is not the version this library's queries are
 *		written for (a new library installed, ALTER EXTENSION not run yet).
 */
static Oid
extension_owner(void)
{
	Oid			extension_oid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Datum		version;
	bool		isnull;
	char	   *installed;

	if (owner_cache_lxid == PGREV_MY_LXID && OidIsValid(owner_cache_oid))
		return owner_cache_oid;

	extension_oid = get_extension_oid("pg_revisions", false);
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extension_oid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "could not find extension pg_revisions (oid %u)", extension_oid);
	version = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
	installed = isnull ? "?" : TextDatumGetCString(version);
	if (strcmp(installed, PGREV_VERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pg_revisions %s is installed in this database, but the server has "
						"the library of version %s", installed, PGREV_VERSION),
				 errhint("Run ALTER EXTENSION pg_revisions UPDATE.")));
	owner_cache_oid = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	owner_cache_lxid = PGREV_MY_LXID;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return owner_cache_oid;
}

/*
 * catalog_owner
 *		The role that owns the extension (scratch.c creates the scratch
 *		schema as that role).
 */
Oid
catalog_owner(void)
{
	return extension_owner();
}

/* Become the extension owner for catalog bookkeeping. */
static void
enter_owner_window(OwnerWindow *window)
{
	Oid			owner = extension_owner();

	GetUserIdAndSecContext(&window->saved_userid, &window->saved_sec_context);
	SetUserIdAndSecContext(owner,
						   window->saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

/*
 * Go back to the caller's identity.  (On error, transaction or
 * subtransaction abort restores it for us.)
 */
static void
leave_owner_window(OwnerWindow *window)
{
	SetUserIdAndSecContext(window->saved_userid, window->saved_sec_context);
}

/*
 * catalog_plan
 *		The kept plan of query, prepared on first use.  Call it as the
 *		extension owner: parse analysis checks privileges.
 */
static SPIPlanPtr
catalog_plan(CatalogQuery query)
{
	const CatalogQueryDef *def = &catalog_queries[query];

	if (catalog_plans[query] == NULL)
	{
		/*
		 * Generic plans: every query is written to be an index lookup
		 * whatever its parameters, and re-planning the CTEs of
		 * Q_INSERT_REVISION on every rev_add cost more than running it.
		 */
		SPIPlanPtr	plan = SPI_prepare_cursor(def->sql, def->nargs, (Oid *) def->argtypes,
											  CURSOR_OPT_GENERIC_PLAN);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for pg_revisions catalog query %d: %s",
				 (int) query, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		catalog_plans[query] = plan;
	}
	return catalog_plans[query];
}

/*
 * run_query
 *		Execute a catalog query as the extension owner, with a fresh snapshot
 *		(read_only = false: after waiting for the catalog lock we must see
 *		what the other session committed).  Returns the SPI result code;
 *		results are in SPI_tuptable/SPI_processed, which the caller frees.
 *		CurrentMemoryContext is the same on return.
 */
static int
run_query(CatalogQuery query, Datum *values, const char *nulls)
{
	MemoryContext caller_context = CurrentMemoryContext;
	OwnerWindow window;
	SPIPlanPtr	plan;
	int			rc;

	/* Parse analysis checks privileges too: prepare as the owner. */
	enter_owner_window(&window);
	plan = catalog_plan(query);
	catalog_query_running = true;
	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		catalog_query_running = false;
	}
	PG_END_TRY();
	leave_owner_window(&window);
	/* SPI leaves us in its procedure context: go back to the caller's. */
	MemoryContextSwitchTo(caller_context);
	if (rc < 0)
		elog(ERROR, "pg_revisions catalog query %d failed: %s",
			 (int) query, SPI_result_code_string(rc));
	return rc;
}

/* A text column of a result row as a C string, or NULL. */
static char *
text_column(HeapTuple tuple, TupleDesc desc, int column)
{
	bool		isnull;
	Datum		value = SPI_getbinval(tuple, desc, column, &isnull);

	return isnull ? NULL : TextDatumGetCString(value);
}

/*
 * first_text
 *		Run a one-argument query; the first column of its first row, or
 *		NULL when it returns no row.
 */
static char *
first_text(CatalogQuery query, Datum argument)
{
	char	   *result = NULL;

	run_query(query, &argument, NULL);
	if (SPI_processed > 0)
		result = text_column(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/* A text[] of the given C strings. */
static ArrayType *
text_array(const char **items, int n)
{
	Datum	   *datums = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		datums[i] = CStringGetTextDatum(items[i]);
	}
	return construct_array(datums, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * catalog_caller_name
 *		Name of the role calling us (current_user), for created_by etc.
 *		Call it outside the owner window.
 */
static char *
catalog_caller_name(void)
{
	return GetUserNameFromId(GetUserId(), false);
}

/*
 * catalog_load_graph
 *		Load the whole DAG and the applied state: one scan of the revisions
 *		(joined with applied) and one of the edges.  No SQL text is read, and
 *		messages only when asked for (node->message is NULL otherwise).
 *		A catalog changed behind pg_revisions' back is an error (XX001)
 *		naming what is wrong, never a graph to act on.
 */
RevGraph *
catalog_load_graph(bool with_messages)
{
	return catalog_load_graph_for(with_messages, tenant_current());
}

/*
 * catalog_load_graph_for
 *		catalog_load_graph, with the applied state of the given tenant
 *		("" for the database's own), whatever pg_revisions.tenant says.
 */
RevGraph *
catalog_load_graph_for(bool with_messages, const char *tenant)
{
	RevGraph   *graph = palloc0(sizeof(RevGraph));
	SPITupleTable *nodes;
	uint64		nnodes;
	Datum		values[2] = {BoolGetDatum(with_messages), CStringGetTextDatum(tenant)};
	int64		newest_heads_count;

	run_query(Q_LOAD_NODES, values, NULL);
	nodes = SPI_tuptable;
	nnodes = SPI_processed;
	run_query(Q_LOAD_EDGES, NULL, NULL);
	newest_heads_count = graph_build(graph, nodes, nnodes, SPI_tuptable, SPI_processed);
	SPI_freetuptable(nodes);
	SPI_freetuptable(SPI_tuptable);
	graph_check_consistent(graph, newest_heads_count);
	return graph;
}

/*
 * catalog_insert_baseline
 *		Register a baseline revision (rev_squash) replacing the registered
 *		revision "replaces" and its ancestors.  The caller holds the catalog
 *		lock and has checked the id.
 */
void
catalog_insert_baseline(const char *id, const char *message, const char *upgrade,
						const char *downgrade, const char *checksum, const char *replaces)
{
	Datum		values[7];
	char		nulls[7];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(id);
	values[1] = message ? CStringGetTextDatum(message) : (Datum) 0;
	nulls[1] = message ? ' ' : 'n';
	values[2] = CStringGetTextDatum(upgrade);
	values[3] = CStringGetTextDatum(downgrade);
	values[4] = CStringGetTextDatum(checksum);
	values[5] = CStringGetTextDatum(catalog_caller_name());
	values[6] = CStringGetTextDatum(replaces);
	run_query(Q_INSERT_BASELINE, values, nulls);
	catalog_mark_changed();
}

/*
 * catalog_get_revision
 *		Look up one revision by id (an index lookup).  out->found is false
 *		when there is none.
 */
void
catalog_get_revision(const char *id, StoredRevision *out)
{
	Datum		values[1] = {CStringGetTextDatum(id)};
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;

	memset(out, 0, sizeof(*out));
	run_query(Q_GET_REVISION, values, NULL);
	if (SPI_processed == 0)
		return;
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	out->found = true;
	out->checksum = text_column(tuple, desc, 1);
	out->branch_label = text_column(tuple, desc, 2);
	out->applied = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
	out->down_revision = DatumGetArrayTypePCopy(SPI_getbinval(tuple, desc, 4, &isnull));
	out->depends_on = DatumGetArrayTypePCopy(SPI_getbinval(tuple, desc, 5, &isnull));
	out->transactional = DatumGetBool(SPI_getbinval(tuple, desc, 6, &isnull));
	SPI_freetuptable(SPI_tuptable);
}

/*
 * catalog_heads
 *		Ids of the revisions that have no children, in registration order.
 *		Reads every revision: for rev_merge and error messages only.
 */
List *
catalog_heads(void)
{
	List	   *heads = NIL;
	uint64		i;

	run_query(Q_HEADS, NULL, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		CHECK_FOR_INTERRUPTS();
		heads = lappend(heads, text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	}
	SPI_freetuptable(SPI_tuptable);
	return heads;
}

/*
 * catalog_newest_revision
 *		The most recently registered revision (always a head) and the number
 *		of heads of the DAG, or NULL and 0 when none is registered.  An index
 *		lookup: see revisions.revision.heads_count.
 */
char *
catalog_newest_revision(int64 *nheads)
{
	char	   *newest = NULL;
	bool		isnull;

	*nheads = 0;
	run_query(Q_NEWEST, NULL, NULL);
	if (SPI_processed > 0)
	{
		newest = text_column(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		*nheads = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	return newest;
}

/*
 * catalog_missing_revision
 *		The first of ids (text[]) that is not registered, or NULL.
 */
char *
catalog_missing_revision(ArrayType *ids)
{
	return first_text(Q_MISSING, PointerGetDatum(ids));
}

/*
 * catalog_label_owner
 *		The revision that carries branch label, or NULL.
 */
char *
catalog_label_owner(const char *label)
{
	return first_text(Q_LABEL_OWNER, CStringGetTextDatum(label));
}

/*
 * catalog_first_dependant
 *		A revision that names id as parent or dependency, or NULL.
 */
char *
catalog_first_dependant(const char *id)
{
	return first_text(Q_FIRST_DEPENDANT, CStringGetTextDatum(id));
}

/*
 * catalog_insert_revision
 *		Register a new revision with its edges.  The caller has checked that
 *		id is new and that every parent and dependency exists.
 */
void
catalog_insert_revision(const char *id, const char *message,
						const char *upgrade, const char *downgrade,
						const char *branch_label, const char *checksum,
						ArrayType *down_revision, ArrayType *depends_on,
						bool transactional)
{
	Datum		values[10];
	char		nulls[10];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(id);
	values[1] = message ? CStringGetTextDatum(message) : (Datum) 0;
	nulls[1] = message ? ' ' : 'n';
	values[2] = CStringGetTextDatum(upgrade);
	values[3] = downgrade ? CStringGetTextDatum(downgrade) : (Datum) 0;
	nulls[3] = downgrade ? ' ' : 'n';
	values[4] = branch_label ? CStringGetTextDatum(branch_label) : (Datum) 0;
	nulls[4] = branch_label ? ' ' : 'n';
	values[5] = CStringGetTextDatum(checksum);
	values[6] = CStringGetTextDatum(catalog_caller_name());
	values[7] = PointerGetDatum(down_revision);
	values[8] = PointerGetDatum(depends_on);
	values[9] = BoolGetDatum(transactional);
	run_query(Q_INSERT_REVISION, values, nulls);
}

/*
 * catalog_delete_revision
 *		Remove a revision and its edges, keeping the heads count right.  The
 *		caller has checked it is not applied and has no children or
 *		dependants (so it is a head); down_revision are its parents.
 */
void
catalog_delete_revision(const char *id, ArrayType *down_revision)
{
	Datum		values[2] = {CStringGetTextDatum(id), PointerGetDatum(down_revision)};

	run_query(Q_DELETE_REVISION, values, NULL);
}

/*
 * catalog_fetch_sql_batch
 *		The stored SQL of ids[0..n-1] into out[0..n-1] (zeroed by the
 *		caller), in CurrentMemoryContext, with one query.  A revision with
 *		more than 64 kB of SQL, or not registered, is left out (out[i].id
 *		stays NULL): read it with catalog_fetch_sql.
 */
void
catalog_fetch_sql_batch(const char *const *ids, int n, RevisionSql *out)
{
	Datum		values[1];
	uint64		i;

	values[0] = PointerGetDatum(text_array((const char **) ids, n));
	run_query(Q_FETCH_SQL_MANY, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		position = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		RevisionSql *sql;

		CHECK_FOR_INTERRUPTS();
		if (position < 1 || position > n)
			continue;
		sql = &out[position - 1];
		sql->id = ids[position - 1];
		sql->upgrade = text_column(tuple, desc, 2);
		sql->downgrade = text_column(tuple, desc, 3);
		sql->checksum = text_column(tuple, desc, 4);
		sql->message = text_column(tuple, desc, 5);
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * catalog_fetch_one_sql
 *		The stored SQL and checksum of revision id, in CurrentMemoryContext
 *		(sql_batch.c's catalog_fetch_sql reads in batches when it can).
 */
void
catalog_fetch_one_sql(const char *id, RevisionSql *out)
{
	Datum		values[1] = {CStringGetTextDatum(id)};
	HeapTuple	tuple;
	TupleDesc	desc;

	run_query(Q_FETCH_SQL, values, NULL);
	if (SPI_processed != 1)
		elog(ERROR, "revision \"%s\" vanished from the catalog", id);
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	out->id = id;
	out->upgrade = text_column(tuple, desc, 1);
	out->downgrade = text_column(tuple, desc, 2);
	out->checksum = text_column(tuple, desc, 3);
	out->message = text_column(tuple, desc, 4);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * catalog_scan_sql
 *		Call visit(sql, arg) for every revision, oldest first, reading them
 *		through a cursor a few at a time so that memory stays bounded
 *		whatever the size of the SQL.  Each RevisionSql lives only for the
 *		call.
 */
void
catalog_scan_sql(void (*visit) (RevisionSql *sql, void *arg), void *arg)
{
	MemoryContext caller_context = CurrentMemoryContext;
	MemoryContext batch_context = AllocSetContextCreate(CurrentMemoryContext,
														"pg_revisions scan",
														ALLOCSET_DEFAULT_SIZES);
	OwnerWindow window;
	Portal		portal;

	enter_owner_window(&window);
	portal = SPI_cursor_open(NULL, catalog_plan(Q_SCAN_SQL), NULL, NULL, true);
	leave_owner_window(&window);
	for (;;)
	{
		uint64		i;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, 16);
		MemoryContextSwitchTo(batch_context);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			RevisionSql sql;

			CHECK_FOR_INTERRUPTS();
			sql.id = text_column(tuple, desc, 1);
			sql.upgrade = text_column(tuple, desc, 2);
			sql.downgrade = text_column(tuple, desc, 3);
			sql.checksum = text_column(tuple, desc, 4);
			sql.message = NULL;
			visit(&sql, arg);
		}
		SPI_freetuptable(SPI_tuptable);
		MemoryContextReset(batch_context);
	}
	SPI_freetuptable(SPI_tuptable);
	SPI_cursor_close(portal);
	MemoryContextSwitchTo(caller_context);
	MemoryContextDelete(batch_context);
}

/*
 * catalog_query_in_progress
 *		Is one of our own catalog queries running (see catalog_guard)?
 */
bool
catalog_query_in_progress(void)
{
	return catalog_query_running;
}

/*
 * catalog_record_operation
 *		Log one upgrade, downgrade or stamp and apply its changes to the
 *		applied state: removed (char *) stop being applied, added (char *)
 *		become applied at the matching added_at (TimestampTz *).  The log
 *		row lists removed then added, in the order they were processed.
 */
void
catalog_record_operation(const char *operation, const char *target,
						 TimestampTz started_at,
						 List *added, List *added_at, List *removed,
						 List *touched)
{
	Datum		values[9];
	const char *tenant = tenant_current();
	int			nadded = list_length(added);
	int			nremoved = list_length(removed);
	int			ntouched = list_length(touched);
	const char **added_ids = palloc(sizeof(char *) * (nadded + 1));
	const char **removed_ids = palloc(sizeof(char *) * (nremoved + 1));
	const char **touched_ids = palloc(sizeof(char *) * (ntouched + 1));
	Datum	   *at = palloc(sizeof(Datum) * (nadded + 1));
	ListCell   *lc;
	int			i;

	i = 0;
	foreach(lc, added)
		added_ids[i++] = lfirst(lc);
	i = 0;
	foreach(lc, added_at)
		at[i++] = TimestampTzGetDatum(*(TimestampTz *) lfirst(lc));
	i = 0;
	foreach(lc, removed)
		removed_ids[i++] = lfirst(lc);
	i = 0;
	foreach(lc, touched)
		touched_ids[i++] = lfirst(lc);

	values[0] = TimestampTzGetDatum(started_at);
	values[1] = CStringGetTextDatum(catalog_caller_name());
	values[2] = CStringGetTextDatum(operation);
	values[3] = CStringGetTextDatum(target);
	values[4] = PointerGetDatum(text_array(touched_ids, ntouched));
	values[5] = PointerGetDatum(text_array(removed_ids, nremoved));
	values[6] = PointerGetDatum(text_array(added_ids, nadded));
	values[7] = PointerGetDatum(construct_array(at, nadded, TIMESTAMPTZOID,
												sizeof(TimestampTz), FLOAT8PASSBYVAL,
												TYPALIGN_DOUBLE));
	values[8] = CStringGetTextDatum(tenant);
	run_query(Q_RECORD, values, NULL);
	if (tenant[0] == '\0')
		catalog_mark_changed();
	else
	{
		Datum		name = CStringGetTextDatum(tenant);

		run_query(Q_BUMP_TENANT, &name, NULL);
	}
}

/*
 * catalog_lock_state
 *		Lock the revisions.state row.  Under REPEATABLE READ or SERIALIZABLE,
 *		this fails with a serialization error (40001) when another session
 *		changed the catalog after this transaction took its snapshot.
 *		The caller holds the catalog advisory lock (lock.c).
 */
void
catalog_lock_state(void)
{
	run_query(Q_LOCK_STATE, NULL, NULL);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * catalog_lock_tenant_state
 *		What catalog_lock_state does, for a tenant's own state row (made on
 *		first use).  The caller holds that tenant's advisory lock (lock.c).
 */
void
catalog_lock_tenant_state(const char *tenant)
{
	Datum		name = CStringGetTextDatum(tenant);

	run_query(Q_ENSURE_TENANT, &name, NULL);
	run_query(Q_LOCK_TENANT, &name, NULL);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * catalog_tenants
 *		The tenants that have applied state, by name, as a List of char *.
 */
List *
catalog_tenants(void)
{
	List	   *tenants = NIL;
	uint64		i;

	run_query(Q_TENANTS, NULL, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		CHECK_FOR_INTERRUPTS();
		tenants = lappend(tenants, text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	}
	SPI_freetuptable(SPI_tuptable);
	return tenants;
}

/*
 * catalog_mark_changed
 *		Note that this transaction changed the catalog, by bumping
 *		revisions.state once per (sub)transaction: that is what makes a
 *		concurrent REPEATABLE READ caller fail in catalog_lock_state.
 */
void
catalog_mark_changed(void)
{
	if (bumped_lxid == PGREV_MY_LXID &&
		bumped_subxid == GetCurrentSubTransactionId())
		return;
	run_query(Q_BUMP_STATE, NULL, NULL);
	bumped_lxid = PGREV_MY_LXID;
	bumped_subxid = GetCurrentSubTransactionId();
}

/*
 * catalog_state_version
 *		The generation of the revisions.state row this transaction's
 *		snapshot sees, and the transaction that wrote that row version
 *		(graph_cache.c's key).
 */
void
catalog_state_version(int64 *generation, TransactionId *xmin)
{
	bool		isnull;

	run_query(Q_STATE_VERSION, NULL, NULL);
	if (SPI_processed != 1)
		elog(ERROR, "revisions.state must hold one row, not " UINT64_FORMAT, SPI_processed);
	*generation = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											  SPI_tuptable->tupdesc, 1, &isnull));
	*xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 2, &isnull));
	SPI_freetuptable(SPI_tuptable);
}

/*
 * catalog_heads_applied
 *		Are all heads of the DAG applied, as far as one index lookup can
 *		tell?  True when no revision is registered, or when there is one head
 *		(the newest revision) and it is applied and nothing changed the
 *		catalog by hand since it was last checked (revisions.state.checked);
 *		false otherwise (several heads, the head unapplied, or a hand-made
 *		change: the caller must load the DAG, which checks it).
 */
bool
catalog_heads_applied(void)
{
	bool		result = true;
	bool		isnull;

	run_query(Q_NEWEST_APPLIED, NULL, NULL);
	if (SPI_processed > 0)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		result = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull)) == 1 &&
			DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull)) &&
			DatumGetBool(SPI_getbinval(tuple, desc, 4, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * catalog_mark_unchecked
 *		Note a change made outside the extension's own queries: the fast
 *		path of catalog_heads_applied is off until catalog_mark_checked.
 */
void
catalog_mark_unchecked(void)
{
	run_query(Q_MARK_UNCHECKED, NULL, NULL);
}

/*
 * catalog_mark_checked
 *		Note that the whole catalog was just loaded and found consistent
 *		(catalog_load_graph checks it).  Writes only when it was unchecked.
 */
void
catalog_mark_checked(void)
{
	run_query(Q_MARK_CHECKED, NULL, NULL);
}

/* Helper for register.c and migrate.c: a text[] from a List of char *. */
ArrayType *
catalog_text_array(List *ids)
{
	const char **items = palloc(sizeof(char *) * (list_length(ids) + 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, ids)
		items[i++] = lfirst(lc);
	return text_array(items, i);
}
