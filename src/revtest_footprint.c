/*-------------------------------------------------------------------------
 *
 * revtest_footprint.c
 *	  What a step of rev_test (applying or reverting one revision) touched
 *	  in the live schema: the names of the tables, views, sequences and
 *	  types (enums, domains, composite types) whose objects (columns,
 *	  constraints, indexes, triggers, policies) it created, changed or
 *	  dropped, so that rev_test re-reads only those
 *	  (diff_read_schema_owners) instead of the whole schema three times per
 *	  revision.
 *
 * The server reports every object it creates, alters or drops to
 * object_access_hook (the hook sepgsql relies on): a drop is resolved to its
 * owner at once, while the object still exists; a creation or change at the
 * end of the step, when it is visible.  Statements whose effect the hook
 * does not show in a usable way make the step's footprint "everything"
 * (a full re-read): COMMENT (no hook call), renames and SET SCHEMA (the
 * old name is gone by the time the hook is called), CREATE, ALTER and DROP
 * EXTENSION (its objects span every kind), ALTER EXTENSION ADD/DROP, and
 * any change to the live schema itself.  Both hooks are
 * installed on the first use and stay, passing everything through, when
 * no capture is active.
 *
 *-------------------------------------------------------------------------
 */
#include "revtest.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "tcop/utility.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* One created or altered object, resolved at the end of the step. */
typedef struct PendingObject
{
	ObjectAccessType access;
	Oid			classId;
	Oid			objectId;
} PendingObject;

/* The capture in progress (active only inside rev_test). */
static struct
{
	bool		active;
	Oid			nsp;			/* the live schema */
	MemoryContext cxt;			/* pending and names live here */
	List	   *pending;		/* PendingObject * */
	List	   *names;			/* owner names (char *), possibly repeated */
	bool		functions;		/* a function of the schema was touched */
	bool		everything;		/* re-read the whole schema */
} capture;

static bool hooks_installed = false;
static object_access_hook_type prev_object_access_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility_hook = NULL;

/*
 * referenced_oid
 *		Column refcol (an oid) of the row of catalog catalogId whose oid
 *		(column oidcol, indexed by oidindex) is objectId; InvalidOid when
 *		there is none.
 */
static Oid
referenced_oid(Oid catalogId, Oid oidindex, AttrNumber oidcol, Oid objectId, AttrNumber refcol)
{
	Relation	rel = table_open(catalogId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			result = InvalidOid;

	ScanKeyInit(&key, oidcol, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, oidindex, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		value = heap_getattr(tuple, refcol, RelationGetDescr(rel), &isnull);

		if (!isnull)
			result = DatumGetObjectId(value);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/* Keep name as touched when nsp is the live schema. */
static void
note_name(Oid nsp, const char *name)
{
	MemoryContext old;

	if (nsp != capture.nsp)
		return;
	old = MemoryContextSwitchTo(capture.cxt);
	capture.names = lappend(capture.names, pstrdup(name));
	MemoryContextSwitchTo(old);
}

/* A relation: itself, or for an index the table it indexes. */
static void
note_relation(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class rel;

	if (!HeapTupleIsValid(tuple))
		return;
	rel = (Form_pg_class) GETSTRUCT(tuple);
	if (rel->relkind == RELKIND_INDEX || rel->relkind == RELKIND_PARTITIONED_INDEX)
	{
		HeapTuple	index = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(relid));

		if (HeapTupleIsValid(index))
		{
			Oid			table = ((Form_pg_index) GETSTRUCT(index))->indrelid;

			ReleaseSysCache(index);
			ReleaseSysCache(tuple);
			note_relation(table);
			return;
		}
	}
	else if (rel->relkind != RELKIND_TOASTVALUE)
		note_name(rel->relnamespace, NameStr(rel->relname));
	ReleaseSysCache(tuple);
}

/* A type: an array counts as its element, a row type as its relation. */
static void
note_type(Oid typid)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Form_pg_type type;

	if (!HeapTupleIsValid(tuple))
		return;
	type = (Form_pg_type) GETSTRUCT(tuple);
	if (OidIsValid(type->typrelid))
		note_relation(type->typrelid);
	else if (IsTrueArrayType(type))
		note_type(type->typelem);
	else
		note_name(type->typnamespace, NameStr(type->typname));
	ReleaseSysCache(tuple);
}

/* A function of the live schema makes the step re-read the functions. */
static void
note_function(Oid funcid)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));

	if (!HeapTupleIsValid(tuple))
		return;
	if (((Form_pg_proc) GETSTRUCT(tuple))->pronamespace == capture.nsp)
		capture.functions = true;
	ReleaseSysCache(tuple);
}

/*
 * note_object
 *		Resolve one object to the owner whose objects rev_test compares:
 *		a column, constraint, default, trigger, rule or index to its table
 *		or view.  Objects of kinds rev_diff does not compare are ignored.
 *		Never raises an error for a missing object.
 */
static void
note_object(ObjectAccessType access, Oid classId, Oid objectId)
{
	Oid			relid = InvalidOid;

	switch (classId)
	{
		case RelationRelationId:
			relid = objectId;
			break;
		case TypeRelationId:
			note_type(objectId);
			break;
		case ProcedureRelationId:
			note_function(objectId);
			break;
		case ConstraintRelationId:
			{
				HeapTuple	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(objectId));

				if (HeapTupleIsValid(tuple))
				{
					Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);

					relid = con->conrelid;
					if (OidIsValid(con->contypid))
						note_type(con->contypid);	/* a domain's */
					ReleaseSysCache(tuple);
				}
				break;
			}
		case PolicyRelationId:
			relid = referenced_oid(PolicyRelationId, PolicyOidIndexId,
								   Anum_pg_policy_oid, objectId,
								   Anum_pg_policy_polrelid);
			break;
		case ExtensionRelationId:
			/* Rare in a revision; its objects are spread over kinds. */
			capture.everything = true;
			break;
		case AttrDefaultRelationId:
			/* Its creation is reported with its table's OID (StoreAttrDefault). */
			if (access == OAT_POST_CREATE)
			{
				relid = objectId;
				break;
			}
			relid = referenced_oid(AttrDefaultRelationId, AttrDefaultOidIndexId,
								   Anum_pg_attrdef_oid, objectId,
								   Anum_pg_attrdef_adrelid);
			break;
		case TriggerRelationId:
			relid = referenced_oid(TriggerRelationId, TriggerOidIndexId,
								   Anum_pg_trigger_oid, objectId,
								   Anum_pg_trigger_tgrelid);
			break;
		case RewriteRelationId:
			relid = referenced_oid(RewriteRelationId, RewriteOidIndexId,
								   Anum_pg_rewrite_oid, objectId,
								   Anum_pg_rewrite_ev_class);
			break;
		case NamespaceRelationId:
			if (objectId == capture.nsp)
				capture.everything = true;
			break;
		default:
			break;
	}
	if (OidIsValid(relid))
		note_relation(relid);
}

/*
 * footprint_object_access
 *		object_access_hook: a drop is resolved now (the object still
 *		exists), a creation or change at the end of the step.
 */
static void
footprint_object_access(ObjectAccessType access, Oid classId, Oid objectId,
						int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (!capture.active)
		return;
	if (access == OAT_DROP)
		note_object(access, classId, objectId);
	else if (access == OAT_POST_CREATE || access == OAT_POST_ALTER)
	{
		MemoryContext old = MemoryContextSwitchTo(capture.cxt);
		PendingObject *pending = palloc(sizeof(PendingObject));

		pending->access = access;
		pending->classId = classId;
		pending->objectId = objectId;
		capture.pending = lappend(capture.pending, pending);
		MemoryContextSwitchTo(old);
	}
}

/*
 * note_altered_relation
 *		ALTER TABLE (and ALTER INDEX, VIEW, TYPE ... on a relation): the
 *		relation, resolved now as the statement will resolve it, is read
 *		again at the end of the step.  Some subcommands change pg_class
 *		without telling object_access_hook (ENABLE/DISABLE ROW LEVEL
 *		SECURITY, FORCE, REPLICA IDENTITY).  A relation that does not exist
 *		is left to the statement's own error.
 */
static void
note_altered_relation(RangeVar *relation)
{
	Oid			relid;
	MemoryContext old;
	PendingObject *pending;

	if (relation == NULL)
		return;
	relid = RangeVarGetRelid(relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	old = MemoryContextSwitchTo(capture.cxt);
	pending = palloc(sizeof(PendingObject));
	pending->access = OAT_POST_ALTER;
	pending->classId = RelationRelationId;
	pending->objectId = relid;
	capture.pending = lappend(capture.pending, pending);
	MemoryContextSwitchTo(old);
}

/*
 * footprint_utility
 *		ProcessUtility_hook: statements whose effect object_access_hook does
 *		not show by owner make the step's footprint the whole schema.
 */
static void
footprint_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				  ProcessUtilityContext context, ParamListInfo params,
				  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (capture.active)
	{
		Node	   *stmt = pstmt->utilityStmt;

		if (IsA(stmt, CommentStmt) || IsA(stmt, RenameStmt) ||
			IsA(stmt, AlterObjectSchemaStmt) || IsA(stmt, AlterExtensionContentsStmt))
			capture.everything = true;
		else if (IsA(stmt, AlterTableStmt))
			note_altered_relation(((AlterTableStmt *) stmt)->relation);
	}
	if (prev_ProcessUtility_hook)
		prev_ProcessUtility_hook(pstmt, queryString, readOnlyTree, context, params,
								 queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

/*
 * footprint_start
 *		Start capturing what is done to schema nsp, keeping the capture's
 *		state in cxt (which must outlive footprint_stop).  Installs the
 *		hooks on first use.
 */
void
footprint_start(Oid nsp, MemoryContext cxt)
{
	if (!hooks_installed)
	{
		prev_object_access_hook = object_access_hook;
		object_access_hook = footprint_object_access;
		prev_ProcessUtility_hook = ProcessUtility_hook;
		ProcessUtility_hook = footprint_utility;
		hooks_installed = true;
	}
	capture.nsp = nsp;
	capture.cxt = cxt;
	capture.pending = NIL;
	capture.names = NIL;
	capture.functions = false;
	capture.everything = false;
	capture.active = true;
}

/*
 * footprint_take
 *		What was touched since the start or the last call: the owner names
 *		(a List of char *, in CurrentMemoryContext, possibly repeated);
 *		*functions when a function of the schema was touched; *everything
 *		when the whole schema must be read again.  Starts a new step.
 */
List *
footprint_take(bool *functions, bool *everything)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, capture.pending)
	{
		PendingObject *pending = (PendingObject *) lfirst(lc);

		note_object(pending->access, pending->classId, pending->objectId);
	}
	foreach(lc, capture.names)
		names = lappend(names, pstrdup((char *) lfirst(lc)));
	*functions = capture.functions;
	*everything = capture.everything;
	list_free_deep(capture.pending);
	list_free_deep(capture.names);
	capture.pending = NIL;
	capture.names = NIL;
	capture.functions = false;
	capture.everything = false;
	return names;
}

/* Stop capturing (safe to call when not capturing, from PG_FINALLY). */
void
footprint_stop(void)
{
	capture.active = false;
	capture.pending = NIL;
	capture.names = NIL;
}
