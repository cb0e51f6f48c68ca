/*-------------------------------------------------------------------------
 *
 * results.c
 *	  Filling the SETOF text results of the SQL functions (rev_current,
 *	  rev_heads, rev_upgrade, rev_claim, ...) from revision lists and
 *	  string lists.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

/*
 * return_ids
 *		Put the ids of ids into the SETOF text result.  The caller has
 *		called InitMaterializedSRF.
 */
void
return_ids(FunctionCallInfo fcinfo, RevGraph *graph, RevList ids)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	for (i = 0; i < ids.n; i++)
	{
		Datum		value = CStringGetTextDatum(graph->nodes[ids.items[i]].id);
		bool		isnull = false;

		CHECK_FOR_INTERRUPTS();
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
}

/*
 * return_strings
 *		Put each C string of strings, in order, into the SETOF text result.
 *		The caller has called InitMaterializedSRF.
 */
void
return_strings(FunctionCallInfo fcinfo, List *strings)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	foreach(lc, strings)
	{
		Datum		value = CStringGetTextDatum((char *) lfirst(lc));
		bool		isnull = false;

		CHECK_FOR_INTERRUPTS();
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
}
