/*-------------------------------------------------------------------------
 *
 * tenants.c
 *	  Tenants: one history, one applied state per schema.
 *
 * The setting pg_revisions.tenant names a schema; every function then reads
 * and changes that schema's own applied state (revisions.applied.tenant),
 * revision SQL runs with search_path set to that schema (apply.c), and the
 * calls of different tenants are serialized each on their own (lock.c), so
 * that different tenants migrate in parallel from different sessions.  The
 * revision graph is shared.  Empty (the default): the database's own state,
 * as in 1.0.  rev_tenants() lists every tenant with applied state.
 *
 * The value is checked when a function uses it, not when it is set: a SET
 * made before the library is loaded would otherwise be dropped with a mere
 * WARNING, and the call would silently act on the database's own state.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(rev_tenants);

static char *tenant_setting = NULL;

/* Define pg_revisions.tenant (from _PG_init). */
void
tenant_define_setting(void)
{
	DefineCustomStringVariable("pg_revisions.tenant",
							   "Schema whose applied state pg_revisions functions use (empty: the database's own).",
							   "Revision SQL then runs with search_path set to that schema.",
							   &tenant_setting,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
}

/* Is name a plain identifier: [A-Za-z_][A-Za-z0-9_$]*, shorter than NAMEDATALEN? */
static bool
valid_tenant_name(const char *name)
{
	const char *c;

	if (strlen(name) >= NAMEDATALEN)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_'))
		return false;
	for (c = name + 1; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || *c == '$'))
			return false;
	return true;
}

/*
 * tenant_current
 *		The tenant every function of this call uses: "" for the database's
 *		own state, else the schema pg_revisions.tenant names, which must be a
 *		plain identifier naming an existing schema.
 */
const char *
tenant_current(void)
{
	const char *tenant = tenant_setting ? tenant_setting : "";

	if (tenant[0] == '\0')
		return "";
	if (!valid_tenant_name(tenant))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pg_revisions.tenant \"%s\" is not a valid tenant name", clip_for_message(tenant)),
				 errdetail("A tenant is a schema named by a plain identifier: a letter or underscore, "
						   "then letters, digits, underscores or dollar signs, at most %d bytes.",
						   NAMEDATALEN - 1)));
	if (!OidIsValid(get_namespace_oid(tenant, true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("tenant schema \"%s\" does not exist", tenant),
				 errhint("Create the schema first, or RESET pg_revisions.tenant for the database's own state.")));
	return tenant;
}

/*
 * tenant_search_path_push
 *		What rev_upgrade does around revision SQL, for callers that resolve
 *		its names without running it (rev_lint): when a tenant is selected,
 *		search_path is that schema until AtEOXact_GUC(false, level) with the
 *		level returned (an error restores it with the (sub)transaction).
 */
int
tenant_search_path_push(void)
{
	int			level = NewGUCNestLevel();
	const char *tenant = tenant_current();

	if (tenant[0] != '\0')
		(void) set_config_option("search_path", quote_identifier(tenant),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/*
 * rev_tenants() RETURNS TABLE(tenant name, current text[], pending integer)
 *		Every tenant with applied state, its current revisions and how many
 *		revisions rev_upgrade('heads') would apply to it.  Reads one graph per
 *		tenant, in a memory context reset between tenants.
 */
Datum
rev_tenants(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext caller;
	MemoryContext per_tenant;
	List	   *tenants;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	tenants = catalog_tenants();
	caller = CurrentMemoryContext;
	per_tenant = AllocSetContextCreate(CurrentMemoryContext, "pg_revisions tenant",
									   ALLOCSET_DEFAULT_SIZES);
	foreach(lc, tenants)
	{
		const char *tenant = lfirst(lc);
		RevGraph   *graph;
		RevPosition pos;
		RevList		current;
		RevList		pending;
		Datum	   *ids;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int			i;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(per_tenant);
		graph = catalog_load_graph_for(false, tenant);
		resolve_target(graph, "heads", TARGET_FOR_UPGRADE, &pos);
		pending = plan_upgrade(graph, &pos);
		current = graph_current(graph);
		ids = palloc(sizeof(Datum) * (current.n + 1));
		for (i = 0; i < current.n; i++)
			ids[i] = CStringGetTextDatum(graph->nodes[current.items[i]].id);
		values[0] = DirectFunctionCall1(namein, CStringGetDatum(tenant));
		values[1] = PointerGetDatum(construct_array(ids, current.n, TEXTOID, -1, false, TYPALIGN_INT));
		values[2] = Int32GetDatum(pending.n);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(caller);
		MemoryContextReset(per_tenant);
	}
	MemoryContextDelete(per_tenant);
	SPI_finish();
	return (Datum) 0;
}
