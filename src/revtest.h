/*-------------------------------------------------------------------------
 *
 * revtest.h
 *	  Shared by the files of rev_test: revtest.c (the SQL function and the
 *	  stairway), revtest_model.c (the live schema kept in memory, re-read
 *	  only where a step touched it) and revtest_footprint.c (what a step
 *	  touched, from the server's object access hook).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_REVTEST_H
#define PGREV_REVTEST_H

#include "diff.h"

/* The live schema as rev_test keeps it (revtest_model.c). */
typedef struct SchemaModel
{
	Oid			nsp;
	const char *name;
	MemoryContext parent;
	DiffReadPlans *plans;		/* the reader's queries, planned once */
	MemoryContext items;		/* the strings of every model read so far */
	Size		limit;			/* compact when items grows past this */
	List	   *touched;		/* owners touched since model_forget_touched */
	bool		touched_all;	/* ... or the whole schema */
} SchemaModel;

/* revtest_model.c */
extern void model_init(SchemaModel *m, Oid nsp, const char *name, MemoryContext parent,
					   DiffReadPlans *plans);
extern DiffSchema *model_read_all(SchemaModel *m);
extern DiffSchema *model_after_step(SchemaModel *m, DiffSchema *before);
extern DiffSchema *model_compact(SchemaModel *m, DiffSchema *keep);
extern bool model_differs(SchemaModel *m, DiffSchema *a, DiffSchema *b);
extern void model_forget_touched(SchemaModel *m);

/* revtest_footprint.c */
extern void footprint_start(Oid nsp, MemoryContext cxt);
extern List *footprint_take(bool *functions, bool *everything);
extern void footprint_stop(void);

#endif							/* PGREV_REVTEST_H */
