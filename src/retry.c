/*-------------------------------------------------------------------------
 *
 * retry.c
 *	  Lock-timeout retries: running one revision (apply.c's
 *	  apply_revision, the one applier) in a subtransaction of its own with
 *	  lock_timeout set to pg_revisions.lock_timeout, rolling it back alone
 *	  and trying again after a growing, jittered pause when it times out on
 *	  a lock (SQLSTATE 55P03), up to pg_revisions.lock_retries times.
 *
 * A migration waiting for an ACCESS EXCLUSIVE lock behind a long report
 * query makes every later query on the table queue behind it: the outage
 * lasts as long as the report.  With a lock timeout the wait, and so the
 * queue, lasts at most that long; the revision then steps out of the
 * queue, lets the others through, and tries again.  The revisions before
 * it in the call stay done (they are in the enclosing transaction).
 *
 * The last failure keeps SQLSTATE 55P03, names the revision, and lists the
 * sessions holding locks on the relations of the statement that waited
 * (pid, application_name, state, for how long).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"

/* First pause before a retry, and the longest one (ms). */
#define RETRY_FIRST_PAUSE 50
#define RETRY_MAX_PAUSE 5000

static bool collect_relations(Node *node, void *context);
static List *statement_relations(const char *text);
static char *lock_holders(const char *statement_text);
static void pause_before_retry(int attempt);

/*
 * collect_relations
 *		raw_expression_tree_walker callback: append every RangeVar of a
 *		query's raw tree to *(List **) context.
 */
static bool
collect_relations(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeVar))
	{
		*(List **) context = lappend(*(List **) context, node);
		return false;
	}
	return raw_expression_tree_walker(node, collect_relations, context);
}

/*
 * statement_relations
 *		The relations a statement's text names (the tables a DDL statement
 *		acts on, the tables a query reads or writes), as RangeVars.  A text
 *		that does not parse names none.
 */
static List *
statement_relations(const char *text)
{
	List	   *parsed = raw_parser(text, RAW_PARSE_DEFAULT);
	List	   *relations = NIL;
	ListCell   *lc;

	foreach(lc, parsed)
	{
		Node	   *stmt = lfirst_node(RawStmt, lc)->stmt;
		ListCell   *item;

		switch (nodeTag(stmt))
		{
			case T_AlterTableStmt:
				relations = lappend(relations, ((AlterTableStmt *) stmt)->relation);
				break;
			case T_IndexStmt:
				relations = lappend(relations, ((IndexStmt *) stmt)->relation);
				break;
			case T_RenameStmt:
				if (((RenameStmt *) stmt)->relation)
					relations = lappend(relations, ((RenameStmt *) stmt)->relation);
				break;
			case T_CreateTrigStmt:
				relations = lappend(relations, ((CreateTrigStmt *) stmt)->relation);
				break;
			case T_LockStmt:
				relations = list_concat(relations, ((LockStmt *) stmt)->relations);
				break;
			case T_TruncateStmt:
				relations = list_concat(relations, ((TruncateStmt *) stmt)->relations);
				break;
			case T_ClusterStmt:
				if (((ClusterStmt *) stmt)->relation)
					relations = lappend(relations, ((ClusterStmt *) stmt)->relation);
				break;
			case T_ReindexStmt:
				if (((ReindexStmt *) stmt)->relation)
					relations = lappend(relations, ((ReindexStmt *) stmt)->relation);
				break;
			case T_RefreshMatViewStmt:
				relations = lappend(relations, ((RefreshMatViewStmt *) stmt)->relation);
				break;
			case T_DropStmt:
				if (((DropStmt *) stmt)->removeType == OBJECT_TABLE ||
					((DropStmt *) stmt)->removeType == OBJECT_INDEX ||
					((DropStmt *) stmt)->removeType == OBJECT_VIEW ||
					((DropStmt *) stmt)->removeType == OBJECT_MATVIEW)
					foreach(item, ((DropStmt *) stmt)->objects)
						relations = lappend(relations, makeRangeVarFromNameList(lfirst(item)));
				break;
			case T_SelectStmt:
			case T_InsertStmt:
			case T_UpdateStmt:
			case T_DeleteStmt:
				collect_relations(stmt, &relations);
				break;
			default:
				break;
		}
	}
	return relations;
}

/*
 * lock_holders
 *		A description of the other sessions holding locks on the relations
 *		of statement_text (granted, this database), one per line; NULL when
 *		there are none (they finished meanwhile) or the statement names no
 *		relation.  Caller is connected to SPI, outside any failed
 *		subtransaction.
 */
static char *
lock_holders(const char *statement_text)
{
	List	   *relations = statement_relations(statement_text);
	Datum	   *oids;
	int			n = 0;
	ListCell   *lc;
	Oid			types[1] = {OIDARRAYOID};
	Datum		values[1];
	StringInfoData out;
	uint64		i;

	if (relations == NIL)
		return NULL;
	oids = palloc(sizeof(Datum) * list_length(relations));
	foreach(lc, relations)
	{
		Oid			relid = RangeVarGetRelid(lfirst_node(RangeVar, lc), NoLock, true);

		if (OidIsValid(relid))
			oids[n++] = ObjectIdGetDatum(relid);
	}
	if (n == 0)
		return NULL;
	values[0] = PointerGetDatum(construct_array(oids, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));
	if (SPI_execute_with_args(
							  "SELECT a.pid, pg_catalog.quote_literal(a.application_name), a.state, "
							  "pg_catalog.to_char(pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) "
							  "COALESCE(a.xact_start, a.backend_start), 'FMHH24:MI:SS.MS'), "
							  "pg_catalog.string_agg(DISTINCT l.relation::pg_catalog.regclass::pg_catalog.text "
							  "OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) l.mode, ', ') "
							  "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a "
							  "ON a.pid OPERATOR(pg_catalog.=) l.pid "
							  "WHERE l.granted AND l.locktype OPERATOR(pg_catalog.=) 'relation' "
							  "AND l.database OPERATOR(pg_catalog.=) "
							  "(SELECT oid FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) "
							  "pg_catalog.current_database()) "
							  "AND l.relation OPERATOR(pg_catalog.=) ANY ($1) "
							  "AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
							  "GROUP BY 1, 2, 3, 4 ORDER BY 1 LIMIT 20",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_locks");
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return NULL;
	}
	initStringInfo(&out);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *state = SPI_getvalue(tuple, desc, 3);

		appendStringInfo(&out, "%spid %s (application_name %s, %s for %s) holds %s",
						 i > 0 ? "\n" : "",
						 SPI_getvalue(tuple, desc, 1), SPI_getvalue(tuple, desc, 2),
						 state ? state : "no state", SPI_getvalue(tuple, desc, 4),
						 SPI_getvalue(tuple, desc, 5));
	}
	SPI_freetuptable(SPI_tuptable);
	return out.data;
}

/*
 * pause_before_retry
 *		Sleep before retry number attempt (1 for the first): a pause that
 *		doubles with each attempt up to RETRY_MAX_PAUSE, of which a random
 *		part is taken (between half and all of it) so that several deploys
 *		waiting on the same table do not come back in step.  Interruptible.
 */
static void
pause_before_retry(int attempt)
{
	int64		pause = RETRY_FIRST_PAUSE;
	TimestampTz end;

	while (attempt-- > 1 && pause < RETRY_MAX_PAUSE)
		pause *= 2;
	pause = Min(pause, RETRY_MAX_PAUSE);
	pause = pause / 2 + (int64) (pg_prng_double(&pg_global_prng_state) * (pause / 2));
	end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), pause);
	for (;;)
	{
		long		remaining;

		CHECK_FOR_INTERRUPTS();
		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);
		if (remaining <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 remaining, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * apply_revision_retrying
 *		apply_revision(graph, node, dir, position, total), with
 *		pg_revisions.lock_timeout and pg_revisions.lock_retries: when the
 *		timeout is set, the revision runs in a subtransaction with
 *		lock_timeout set to it and is retried on a lock timeout; otherwise
 *		exactly apply_revision.  Same caller guarantees as apply_revision;
 *		CurrentMemoryContext is reset by the caller between revisions.
 */
void
apply_revision_retrying(RevGraph *graph, int node, RevDirection dir, int position, int total)
{
	const char *id = graph->nodes[node].id;
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			timeout = pgrev_lock_timeout;
	int			retries = pgrev_lock_retries;
	int			attempt;

	if (timeout <= 0)
	{
		apply_revision(graph, node, dir, position, total);
		return;
	}

	for (attempt = 1;; attempt++)
	{
		ErrorData  *volatile edata;
		char	   *volatile statement = NULL;
		char	   *holders;

		CHECK_FOR_INTERRUPTS();
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(context);
		PG_TRY();
		{
			int			nest_level = NewGUCNestLevel();

			(void) set_config_option("lock_timeout", psprintf("%d", timeout),
									 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
									 true, 0, false);
			apply_revision(graph, node, dir, position, total);
			AtEOXact_GUC(false, nest_level);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(context);
			CurrentResourceOwner = owner;
			edata = NULL;
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(context);
			edata = CopyErrorData();
			statement = apply_failed_statement() ? pstrdup(apply_failed_statement()) : NULL;
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(context);
			CurrentResourceOwner = owner;
		}
		PG_END_TRY();

		if (edata == NULL)
			return;				/* applied */
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		if (attempt <= retries)
		{
			ereport(NOTICE,
					(errmsg("revision \"%s\" timed out waiting for a lock (attempt %d of %d); "
							"rolled back, trying again",
							id, attempt, retries + 1)));
			pause_before_retry(attempt);
			continue;
		}

		holders = statement ? lock_holders(statement) : NULL;
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg_plural("revision \"%s\" could not take its locks within pg_revisions.lock_timeout "
							   "(%d ms) in %d attempt",
							   "revision \"%s\" could not take its locks within pg_revisions.lock_timeout "
							   "(%d ms) in %d attempts",
							   attempt, id, timeout, attempt),
				 holders ? errdetail("Attempt %d: %s. Sessions holding locks on the tables of the "
									 "statement that waited:\n%s",
									 attempt, edata->message, holders)
				 : errdetail("Attempt %d: %s. The sessions that held the lock have finished since.",
							 attempt, edata->message),
				 edata->context ? errcontext("%s", edata->context) : 0,
				 errhint("Apply it again later, or allow more with pg_revisions.lock_retries "
						 "(at most %d).", PGREV_MAX_LOCK_RETRIES)));
	}
}
