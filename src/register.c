/*-------------------------------------------------------------------------
 *
 * register.c
 *	  The SQL functions that change the set of registered revisions:
 *	  rev_add, rev_merge, rev_drop.
 *
 * Registering never loads the DAG: every check is an index lookup
 * (catalog.c), so adding revision 20,000 costs what adding the first did.
 * Re-adding an identical revision is a no-op, so deploy scripts can re-run;
 * the same id with other SQL, parents, dependencies or label is an error
 * that changes nothing (the SQL is compared by checksum).
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(rev_add);
PG_FUNCTION_INFO_V1(rev_merge);
PG_FUNCTION_INFO_V1(rev_drop);

/* Everything rev_add and rev_merge need to register one revision. */
typedef struct Registration
{
	char	   *id;				/* NULL: generate one */
	const char *upgrade;
	const char *downgrade;		/* NULL: irreversible */
	const char *message;
	const char *branch_label;
	List	   *parents;		/* char *; NIL with parents_given: a root */
	bool		parents_given;
	List	   *depends_on;		/* char * */
	bool		depends_on_given;
	bool		is_merge;		/* needs two parents or more */
	bool		transactional;	/* false: runs outside a transaction block */
} Registration;

static char *text_argument(FunctionCallInfo fcinfo, int argno);
static List *id_list_argument(FunctionCallInfo fcinfo, int argno, const char *what);
static char *join_ids(List *ids);
static int	compare_ids(const ListCell *a, const ListCell *b);
static bool same_ids(List *ids, ArrayType *stored);
static List *array_to_ids(ArrayType *array);
static void check_same_revision(Registration *reg, StoredRevision *stored,
								const char *checksum);
static void catalog_heads_corrupted(const char *newest, int64 nheads, List *heads);
static char *register_revision(Registration *reg);
static text *register_in_spi(Registration *reg);

/* Argument argno as a C string, NULL for SQL NULL. */
static char *
text_argument(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/*
 * check_name_argument
 *		Raise an error if value is not a valid revision id (is_label false)
 *		or branch label (is_label true).
 */
void
check_name_argument(bool is_label, const char *value)
{
	NameCheck	check = pgrev_check_name(value, strlen(value));

	if (check == NAME_OK)
		return;
	if (is_label)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid branch label \"%s\"", clip_for_message(value)),
				 errdetail_internal("%s", name_problem(check)),
				 errhint("A branch label is 1 to 63 letters, digits or underscores.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid revision id \"%s\"", clip_for_message(value)),
			 errdetail_internal("%s", name_problem(check)),
			 errhint("A revision id is 1 to 63 letters, digits or underscores.")));
}

/*
 * id_list_argument
 *		A text[] argument of revision ids as a List of C strings; NIL for
 *		SQL NULL.  Refuses a multi-dimensional array, NULL elements, invalid
 *		ids and duplicates.
 */
static List *
id_list_argument(FunctionCallInfo fcinfo, int argno, const char *what)
{
	ArrayType  *array;
	List	   *ids;
	List	   *sorted;
	ListCell   *lc;

	if (PG_ARGISNULL(argno))
		return NIL;
	array = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL", what)));
	ids = array_to_ids(array);
	foreach(lc, ids)
	{
		CHECK_FOR_INTERRUPTS();
		check_name_argument(false, lfirst(lc));
	}
	/* Duplicates sit side by side once sorted: O(n log n) for long arrays. */
	sorted = list_copy(ids);
	list_sort(sorted, compare_ids);
	foreach(lc, sorted)
		if (foreach_current_index(lc) > 0 &&
			strcmp(lfirst(lc), list_nth(sorted, foreach_current_index(lc) - 1)) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("revision \"%s\" appears twice in %s",
							(char *) lfirst(lc), what)));
	list_free(sorted);
	return ids;
}

/* A text[] as a List of C strings. */
static List *
array_to_ids(ArrayType *array)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	List	   *ids = NIL;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		ids = lappend(ids, TextDatumGetCString(elems[i]));
	return ids;
}

/* ids as {a,b} for messages. */
static char *
join_ids(List *ids)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	foreach(lc, ids)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? "," : "",
						 (char *) lfirst(lc));
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* list_sort comparator for C strings. */
static int
compare_ids(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/* Do ids and the stored text[] hold the same ids, in any order? */
static bool
same_ids(List *ids, ArrayType *stored)
{
	List	   *stored_ids = array_to_ids(stored);
	List	   *given_ids = list_copy(ids);
	ListCell   *a,
			   *b;

	if (list_length(given_ids) != list_length(stored_ids))
		return false;
	list_sort(given_ids, compare_ids);
	list_sort(stored_ids, compare_ids);
	forboth(a, given_ids, b, stored_ids)
		if (strcmp(lfirst(a), lfirst(b)) != 0)
		return false;
	return true;
}

/* A new random id of 12 hex digits that is not registered yet. */
char *
generate_revision_id(void)
{
	for (;;)
	{
		uint8		bytes[6];
		char	   *id = palloc(13);
		StoredRevision stored;
		int			i;

		if (!pg_strong_random(bytes, sizeof(bytes)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random revision id")));
		for (i = 0; i < 6; i++)
			sprintf(id + 2 * i, "%02x", bytes[i]);
		catalog_get_revision(id, &stored);
		if (!stored.found)
			return id;
	}
}

/*
 * check_same_revision
 *		An id is being registered again: raise an error, quoting both sides,
 *		unless it is the same revision (same SQL, and where given the same
 *		sets of parents and dependencies, and branch label).
 */
static void
check_same_revision(Registration *reg, StoredRevision *stored, const char *checksum)
{
	if (strcmp(stored->checksum, checksum) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("revision \"%s\" is already registered with different SQL", reg->id),
				 errdetail("Stored checksum %s, given %s.", stored->checksum, checksum),
				 errhint("The SQL of a registered revision never changes: register the change as a new revision.")));
	if (reg->parents_given && !same_ids(reg->parents, stored->down_revision))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("revision \"%s\" is already registered with other parents", reg->id),
				 errdetail("Stored down_revision %s, given %s.",
						   join_ids(array_to_ids(stored->down_revision)),
						   join_ids(reg->parents))));
	if (reg->depends_on_given && !same_ids(reg->depends_on, stored->depends_on))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("revision \"%s\" is already registered with other dependencies", reg->id),
				 errdetail("Stored depends_on %s, given %s.",
						   join_ids(array_to_ids(stored->depends_on)),
						   join_ids(reg->depends_on))));
	if (reg->branch_label &&
		(stored->branch_label == NULL || strcmp(stored->branch_label, reg->branch_label) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("revision \"%s\" is already registered with another branch label", reg->id),
				 errdetail("Stored branch label %s, given \"%s\".",
						   stored->branch_label ? psprintf("\"%s\"", stored->branch_label) : "none",
						   reg->branch_label)));
	if (reg->transactional != stored->transactional)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("revision \"%s\" is already registered with transactional => %s",
						reg->id, stored->transactional ? "true" : "false"),
				 errdetail("Given transactional => %s.", reg->transactional ? "true" : "false")));
}

/*
 * catalog_heads_corrupted
 *		Report that heads_count of the newest revision (which rev_add trusts
 *		to pick a parent) is not the number of heads.
 */
static void
catalog_heads_corrupted(const char *newest, int64 nheads, List *heads)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg_plural("pg_revisions catalog is inconsistent: revision \"%s\" records a heads count of %lld, but the graph has %d head",
						   "pg_revisions catalog is inconsistent: revision \"%s\" records a heads count of %lld, but the graph has %d heads",
						   list_length(heads), newest, (long long) nheads, list_length(heads)),
			 errdetail("Heads: %s.", join_ids(heads)),
			 errhint("The column heads_count of revisions.revision, or the table revisions.edge, "
					 "was changed outside pg_revisions; restore them from a backup.")));
}

/*
 * register_revision
 *		Validate and register reg (or find it already registered); returns
 *		its id.  Takes the catalog lock.  Caller must be connected to SPI.
 */
static char *
register_revision(Registration *reg)
{
	char	   *checksum = revision_checksum(reg->upgrade, reg->downgrade);
	ArrayType  *parents;
	ArrayType  *depends_on;
	char	   *missing;
	char	   *label_owner;

	lock_revisions_catalog();

	if (reg->id)
	{
		StoredRevision stored;

		catalog_get_revision(reg->id, &stored);
		if (stored.found)
		{
			check_same_revision(reg, &stored, checksum);
			return reg->id;
		}
	}

	if (!reg->parents_given && reg->is_merge)
		reg->parents = catalog_heads();
	else if (!reg->parents_given)
	{
		int64		nheads;
		char	   *newest = catalog_newest_revision(&nheads);

		if (newest != NULL && nheads < 1)
			catalog_heads_corrupted(newest, nheads, catalog_heads());
		if (nheads > 1)
		{
			List	   *heads = catalog_heads();

			if (list_length(heads) != nheads)
				catalog_heads_corrupted(newest, nheads, heads);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 reg->id ?
					 errmsg("cannot choose the parent of revision \"%s\": there are %d heads",
							reg->id, list_length(heads)) :
					 errmsg("cannot choose the parent of the new revision: there are %d heads",
							list_length(heads)),
					 errdetail("Heads: %s.", join_ids(heads)),
					 errhint("Pass down_revision, or join the heads first with rev_merge().")));
		}
		reg->parents = newest ? list_make1(newest) : NIL;
	}
	if (reg->is_merge && list_length(reg->parents) < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a merge needs at least two revisions, got %d",
						list_length(reg->parents)),
				 errdetail("Revisions to merge: %s.", join_ids(reg->parents)),
				 errhint("Called without revisions, rev_merge() merges all current heads.")));

	parents = catalog_text_array(reg->parents);
	depends_on = catalog_text_array(reg->depends_on);
	/* Parents taken from the heads exist; skip lookups of empty lists. */
	missing = (reg->parents_given && reg->parents != NIL) ?
		catalog_missing_revision(parents) : NULL;
	if (missing)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", missing),
				 reg->id ?
				 errdetail("It is named in down_revision of revision \"%s\".", reg->id) :
				 errdetail("It is named in down_revision of the new revision."),
				 errhint("Register parents before their children.")));
	missing = reg->depends_on != NIL ? catalog_missing_revision(depends_on) : NULL;
	if (missing)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", missing),
				 reg->id ?
				 errdetail("It is named in depends_on of revision \"%s\".", reg->id) :
				 errdetail("It is named in depends_on of the new revision."),
				 errhint("Register dependencies before the revisions that need them.")));
	if (reg->branch_label)
	{
		label_owner = catalog_label_owner(reg->branch_label);
		if (label_owner)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("branch label \"%s\" is already used by revision \"%s\"",
							reg->branch_label, label_owner)));
	}

	if (reg->id == NULL)
		reg->id = generate_revision_id();
	catalog_insert_revision(reg->id, reg->message, reg->upgrade, reg->downgrade,
							reg->branch_label, checksum, parents, depends_on,
							reg->transactional);
	catalog_mark_changed();
	return reg->id;
}

/*
 * register_in_spi
 *		Connect to SPI, register reg, and return its id as a text allocated
 *		in the caller's memory context.
 */
static text *
register_in_spi(Registration *reg)
{
	MemoryContext caller_context = CurrentMemoryContext;
	char	   *id;
	text	   *result;

	SPI_connect();
	id = register_revision(reg);
	MemoryContextSwitchTo(caller_context);
	result = cstring_to_text(id);
	SPI_finish();
	return result;
}

/*
 * rev_add(revision, upgrade, downgrade, down_revision, message,
 *		   branch_label, depends_on, transactional) RETURNS text
 *		Register a revision; see the contract for each argument's default.
 */
Datum
rev_add(PG_FUNCTION_ARGS)
{
	Registration reg = {0};

	check_not_applying("rev_add");
	reg.id = text_argument(fcinfo, 0);
	reg.upgrade = text_argument(fcinfo, 1);
	reg.downgrade = text_argument(fcinfo, 2);
	reg.message = text_argument(fcinfo, 4);
	reg.branch_label = text_argument(fcinfo, 5);
	if (reg.id)
		check_name_argument(false, reg.id);
	if (reg.upgrade == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("upgrade SQL must not be NULL"),
				 errhint("Use '' for a revision that runs nothing.")));
	if (reg.branch_label)
		check_name_argument(true, reg.branch_label);
	reg.parents_given = !PG_ARGISNULL(3);
	reg.parents = id_list_argument(fcinfo, 3, "down_revision");
	reg.depends_on_given = !PG_ARGISNULL(6);
	reg.depends_on = id_list_argument(fcinfo, 6, "depends_on");
	/* Called through the 1.0 definition (7 arguments) before its update. */
	if (PG_NARGS() < 8)
		reg.transactional = true;
	else if (PG_ARGISNULL(7))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("transactional must not be NULL"),
				 errhint("Pass false for a revision that must run outside a transaction block.")));
	else
		reg.transactional = PG_GETARG_BOOL(7);

	PG_RETURN_TEXT_P(register_in_spi(&reg));
}

/*
 * rev_merge(revisions text[] DEFAULT NULL, message text DEFAULT NULL,
 *			 revision text DEFAULT NULL) RETURNS text
 *		Register an empty revision whose parents are revisions (NULL: all
 *		current heads); fewer than two is an error.
 */
Datum
rev_merge(PG_FUNCTION_ARGS)
{
	Registration reg = {0};

	check_not_applying("rev_merge");
	reg.parents_given = !PG_ARGISNULL(0);
	reg.parents = id_list_argument(fcinfo, 0, "revisions");
	reg.message = text_argument(fcinfo, 1);
	reg.id = text_argument(fcinfo, 2);
	if (reg.id)
		check_name_argument(false, reg.id);
	reg.upgrade = "";
	reg.downgrade = "";
	reg.is_merge = true;
	reg.transactional = true;

	PG_RETURN_TEXT_P(register_in_spi(&reg));
}

/*
 * rev_drop(revision text) RETURNS void
 *		Remove a revision that is not applied and that no revision names as
 *		parent or dependency.
 */
Datum
rev_drop(PG_FUNCTION_ARGS)
{
	char	   *id = text_argument(fcinfo, 0);
	StoredRevision stored;
	char	   *dependant;

	check_not_applying("rev_drop");
	if (id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("revision must not be NULL")));
	check_name_argument(false, id);

	SPI_connect();
	lock_revisions_catalog();
	catalog_get_revision(id, &stored);
	if (!stored.found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", id)));
	if (stored.applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot drop revision \"%s\" because it is applied", id),
				 errhint("Revert it first: SELECT rev_downgrade('%s-1').", id)));
	dependant = catalog_first_dependant(id);
	if (dependant)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop revision \"%s\" because revision \"%s\" requires it",
						id, dependant),
				 errhint("Drop the revisions that name it in down_revision or depends_on first.")));
	catalog_delete_revision(id, stored.down_revision);
	catalog_mark_changed();
	SPI_finish();
	PG_RETURN_VOID();
}
