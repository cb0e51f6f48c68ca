/*-------------------------------------------------------------------------
 *
 * lint.h
 *	  What lint.c (the walk over a plan's statements) and lint_rules.c
 *	  (the hazards of one statement) share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_LINT_H
#define PGREV_LINT_H

#include "access/attnum.h"
#include "access/tupdesc.h"
#include "storage/lockdefs.h"
#include "utils/tuplestore.h"

/* The walk's state: where findings go and what the plan did so far. */
typedef struct LintState
{
	Tuplestorestate *store;
	TupleDesc	desc;
	MemoryContext keep;			/* outlives the statement and revision */
	const char *revision;		/* revision being walked */
	int			statement;		/* its statement number */
	int			errors;			/* error rows so far */
	int			revision_lock_timeout;	/* SET lock_timeout in the revision:
										 * -1 none, 0 off, 1 on */
	LOCKMODE	lock_mode;		/* strongest lock of the statement on an
								 * existing table, NoLock if none */
	const char *lock_table;		/* the table it locks */
	List	   *created;		/* CreatedRelation: made earlier in the plan */
	List	   *renamed;		/* RenamedRelation: existing, renamed earlier
								 * in the plan */
	List	   *not_valid;		/* LintConstraint: added NOT VALID in the plan */
	char	   *exclusive_table;	/* ACCESS EXCLUSIVE taken by an earlier
									 * statement, not yet reported */
	int			exclusive_statement;
	const char *exclusive_revision;
} LintState;

/* An existing table a statement touches. */
typedef struct LintTable
{
	Oid			oid;
	Oid			index_oid;		/* the index named, when one was */
	char	   *name;			/* schema-qualified, quoted as needed */
	int64		bytes;
	char	   *size;			/* pg_size_pretty */
} LintTable;

/* lint.c */
extern void lint_emit(LintState *state, const char *severity, const char *rule,
					  const char *relation, const char *message, const char *hint);
extern void lint_remember_created(LintState *state, RangeVar *rv, const char *name);
extern void lint_remember_renamed(LintState *state, LintTable *table, const char *newname);
extern bool lint_existing_table(LintState *state, RangeVar *rv, LintTable *out);
extern const char *lint_lock_name(LOCKMODE mode);
extern const char *lint_lock_blocks(LOCKMODE mode);
extern void lint_took_lock(LintState *state, LintTable *table, LOCKMODE mode);
extern bool lint_has_not_null_check(Oid relid, AttrNumber attnum);
extern bool lint_has_index_on(Oid relid, List *columns);

/* lint_rules.c */
extern void lint_rules(LintState *state, Node *stmt);

#endif							/* PGREV_LINT_H */
