/*
 * bin/stamp_from.c — `pg_revisions stamp --from alembic|flyway|dbmate|sqitch`:
 * read where the other tool left the database, in its own version table, and
 * stamp exactly that state (after registering the files, as `stamp` does),
 * in one transaction.
 *
 *   alembic  public.alembic_version: version_num, one row per head
 *   flyway   public.flyway_schema_history: the successful rows with a version,
 *            in installed_rank order (a BASELINE row counts every version up
 *            to it as applied; an UNDO row or a DELETE row removes its version;
 *            the SCHEMA row of the schemas Flyway created is skipped); a
 *            repeatable script (R__, no version) counts as applied when the
 *            revision before it is (import_flyway.c)
 *   dbmate   public.schema_migrations: version, one row per applied migration
 *   sqitch   sqitch.changes: change, one row per deployed change; the n-th
 *            row of a reworked change (by committed_at) is its n-th instance
 *            in the files (import_sqitch.c)
 *
 * Several applied heads (Alembic branches not merged, some or all of the
 * heads of the files) are stamped exactly: see stamp_several.
 *
 * The versions are mapped to ids as `import` maps them (import_id).  A
 * version without a migration file, a missing table, or an applied set that
 * is not exactly some revisions and all their ancestors (dbmate and Flyway
 * can apply out of order) is an error that stamps nothing.  An empty table
 * stamps base.
 */
#include <stdlib.h>
#include <string.h>

#include "import.h"

/* The version table of each tool, and the query reading it (version, kind or project, Flyway script). */
static const char *const tables[] = {"public.alembic_version", "public.flyway_schema_history",
"public.schema_migrations", "sqitch.changes"};
static const char *const queries[] = {
	"SELECT v.version_num, '', '' FROM public.alembic_version AS v",
	"SELECT COALESCE(h.version, ''), h.type, h.script FROM public.flyway_schema_history AS h "
	"WHERE h.success ORDER BY h.installed_rank",
	"SELECT m.version, '', '' FROM public.schema_migrations AS m ORDER BY m.version",
	"SELECT c.change, c.project, '' FROM sqitch.changes AS c ORDER BY c.committed_at",
};

/* Mark f and its ancestors (down_revision and depends_on within the files) in mark. */
static void
mark_ancestors(const MigSet *set, const MigFile *f, char *mark)
{
	int		   *stack = xmalloc(sizeof(int) * (set->n + 1));
	int			top = 0;

	if (mark[f - set->files])
	{
		free(stack);
		return;
	}
	mark[f - set->files] = 1;
	stack[top++] = (int) (f - set->files);
	while (top > 0)
	{
		const MigFile *g = &set->files[stack[--top]];

		for (int j = 0; j < g->ndown + g->ndeps; j++)
		{
			MigFile    *p = files_find(set, j < g->ndown ? g->down[j] : g->deps[j - g->ndown]);

			if (p && !mark[p - set->files])
			{
				mark[p - set->files] = 1;
				stack[top++] = (int) (p - set->files);
			}
		}
	}
	free(stack);
}

/*
 * Read the tool's table into applied (a flag per file).  Returns an exit
 * code after printing the error.  Alembic's rows are heads: their ancestors
 * are marked too.
 */
static int
read_applied(PGconn *conn, const MigSet *set, ImportKind kind, const char *kind_name, char *applied)
{
	const char *params[1] = {tables[kind]};
	PGresult   *res = db_exec(conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, params);
	char	   *project = NULL;
	char	  **repeatables = NULL, **seen = NULL;
	int			rc = EXIT_OK, nrepeatables = 0, nseen = 0;

	if (!db_ok(res))
	{
		db_report(conn, res, set, "looking for the version table");
		PQclear(res);
		return EXIT_DB;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
	{
		errmsgf("the database has no %s version table %s", kind_name, tables[kind]);
		fprintf(stderr, "hint: connect to the database %s manages (-d CONNINFO)\n", kind_name);
		PQclear(res);
		return EXIT_USAGE;
	}
	PQclear(res);
	res = PQexec(conn, queries[kind]);
	if (!db_ok(res))
	{
		db_report(conn, res, set, "reading the version table");
		PQclear(res);
		return EXIT_DB;
	}
	for (int r = 0; r < PQntuples(res) && rc == EXIT_OK; r++)
	{
		const char *version = PQgetvalue(res, r, 0);
		const char *extra = PQgetvalue(res, r, 1);
		char	   *id = import_id(kind, version);
		MigFile    *f = files_find(set, id);

		int			nth = 0;

		if (kind == IMPORT_SQITCH)
		{
			/* the n-th deployed row of a change: its n-th instance (reworked changes) */
			for (int k = 0; k < nseen; k++)
				nth += strcmp(seen[k], version) == 0;
			imp_list_add(&seen, &nseen, version);
			if ((f = sqitch_instance(set, version, nth)) != NULL || nth > 0)
			{
				free(id);
				id = xstrdup(f ? f->revision : version);
			}
		}
		if (kind == IMPORT_SQITCH)
		{
			if (project && strcmp(project, extra) != 0)
			{
				errmsgf("sqitch.changes holds changes of two projects, \"%s\" and \"%s\": not supported",
						project, extra);
				rc = EXIT_USAGE;
				break;
			}
			project = xstrdup(extra);
		}
		if (kind == IMPORT_FLYWAY && (strcmp(extra, "SCHEMA") == 0 || version[0] == '\0'))
		{
			/* Flyway's schema creation row; a repeatable script (after the loop) */
			char	   *rid = version[0] ? NULL : flyway_repeatable_id(PQgetvalue(res, r, 2));

			if (rid)
				imp_list_add(&repeatables, &nrepeatables, rid);
			free(rid);
		}
		else if (kind == IMPORT_FLYWAY && strcmp(extra, "BASELINE") == 0)
		{
			/* Every version up to the baseline counts as applied. */
			for (int i = 0; i < set->n; i++)
				if (set->files[i].revision[0] == 'V' &&
					flyway_version_cmp(set->files[i].revision + 1, version) <= 0)
					mark_ancestors(set, &set->files[i], applied);
		}
		else if (f == NULL && nth > 0)
		{
			errmsgf("%s lists change \"%s\" %d times (a reworked change), but the files have fewer "
					"revisions of it", tables[kind], version, nth + 1);
			fprintf(stderr, "hint: import the project again (pg_revisions import %s), or stamp by hand\n",
					kind_name);
			rc = EXIT_USAGE;
		}
		else if (f == NULL)
		{
			errmsgf("%s says version \"%s\" is applied, but no migration file has id \"%s\"",
					tables[kind], version, id);
			fprintf(stderr, "hint: import the project again (pg_revisions import %s), or stamp by hand\n",
					kind_name);
			rc = EXIT_USAGE;
		}
		else if (kind == IMPORT_FLYWAY && (strncmp(extra, "UNDO", 4) == 0 || strcmp(extra, "DELETE") == 0))
			applied[f - set->files] = 0;
		else if (kind == IMPORT_ALEMBIC)
			mark_ancestors(set, f, applied);
		else
			applied[f - set->files] = 1;
		free(id);
	}
	PQclear(res);
	/*
	 * A repeatable script Flyway ran counts as applied when its parent is
	 * (every versioned revision is): files are in topological order.
	 */
	for (int i = 0; i < set->n && rc == EXIT_OK && nrepeatables > 0; i++)
	{
		const MigFile *f = &set->files[i];
		bool		ran = false, below = f->ndown > 0;

		for (int k = 0; k < nrepeatables && !ran; k++)
			ran = strcmp(repeatables[k], f->revision) == 0;
		for (int j = 0; j < f->ndown && below; j++)
		{
			MigFile    *p = files_find(set, f->down[j]);

			below = p && applied[p - set->files];
		}
		if (ran && below)
			applied[i] = 1;
	}
	return rc;
}

/*
 * The heads of the applied set (applied files no applied file descends
 * from); an error when the set is not exactly their ancestors.  *heads is
 * malloc'ed.  Returns an exit code.
 */
static int
applied_heads(const MigSet *set, const char *applied, const char *table, char ***heads, int *nheads)
{
	char	   *below = xmalloc(set->n + 1);
	char	   *closure = xmalloc(set->n + 1);

	memset(below, 0, set->n + 1);
	memset(closure, 0, set->n + 1);
	for (int i = 0; i < set->n; i++)
		if (applied[i])
			for (int j = 0; j < set->files[i].ndown + set->files[i].ndeps; j++)
			{
				const MigFile *g = &set->files[i];
				MigFile    *p = files_find(set, j < g->ndown ? g->down[j] : g->deps[j - g->ndown]);

				if (p)
					below[p - set->files] = 1;
			}
	*heads = xmalloc(sizeof(char *) * (set->n + 1));
	*nheads = 0;
	for (int i = 0; i < set->n; i++)
		if (applied[i] && !below[i])
		{
			(*heads)[(*nheads)++] = set->files[i].revision;
			mark_ancestors(set, &set->files[i], closure);
		}
	for (int i = 0; i < set->n; i++)
		if (closure[i] && !applied[i])
		{
			errmsgf("%s does not list \"%s\" as applied, but revisions after it are", table,
					set->files[i].revision);
			fprintf(stderr, "hint: the other tool applied migrations out of order; apply the missing ones "
					"with it first, or stamp by hand\n");
			return EXIT_USAGE;
		}
	free(below);
	free(closure);
	return EXIT_OK;
}

/* The temporary merge revision of stamp_merged (never left registered). */
#define STAMP_TMP_ID "pgrev_stamp_from_tmp"

/* Run one statement of stamp_several; an exit code after reporting a failure. */
static int
stamp_step(PGconn *conn, const MigSet *set, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res = db_exec(conn, sql, nparams, params);
	int			rc = EXIT_OK;

	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		rc = EXIT_DB;
	}
	PQclear(res);
	return rc;
}

/*
 * Stamp several applied heads (some of the heads of the files, or all of
 * them) exactly: rev_stamp takes one target and makes the applied state
 * exactly it and its ancestors.  When the database has no registered
 * revision outside the applied set, register first only the applied files
 * (applied[] is closed under parents and dependencies), stamp "heads" of
 * that graph, then register the other files.  Otherwise register every
 * file, add a temporary merge of the heads, stamp it, revert it
 * (downgrading to heads[0] reverts exactly its applied descendants: the
 * merge, whose downgrade runs no SQL) and drop it; the operation log then
 * shows those two steps.  The caller has opened the
 * transaction; *res gets the current heads.  Returns an exit code after
 * printing the error, negated when db_register already said "nothing was
 * changed".
 */
static int
stamp_several(PGconn *conn, const MigSet *set, const char *applied, char **heads, int nheads,
			  PGresult **res)
{
	MigSet		subset = {set->dir, xmalloc(sizeof(MigFile) * (set->n + 1)), 0, NULL};
	const char *params[2] = {"heads", NULL};
	int			rc, outside = 0;
	char	   *ids = xmalloc((size_t) (PGREV_NAME_MAX_LEN + 1) * (set->n + 1) + 1);

	*res = NULL;
	ids[0] = '\0';
	if (fleet_files_registered)
	{
		errmsgf("stamping several applied heads is not supported with several tenants");
		return EXIT_USAGE;
	}
	/* Registered revisions that are not applied files (ids are valid: joined by spaces). */
	for (int i = 0; i < set->n; i++)
		if (applied[i] && set->files[i].replaces == NULL)
		{
			strcat(strcat(ids, subset.n ? " " : ""), set->files[i].revision);
			subset.files[subset.n++] = set->files[i];
		}
	params[0] = ids;
	*res = db_exec(conn, "SELECT pg_catalog.count(*) FROM pg_catalog.rev_history() AS h WHERE h.revision "
				   "OPERATOR(pg_catalog.<>) ALL (pg_catalog.string_to_array($1, ' '))", 1, params);
	if (!db_ok(*res))
	{
		db_report(conn, *res, set, "reading the registered revisions");
		return EXIT_DB;
	}
	outside = atoi(PQgetvalue(*res, 0, 0));
	PQclear(*res);
	*res = NULL;
	if (outside == 0)
	{
		params[0] = "heads";
		if ((rc = db_register(conn, &subset, NULL)) != EXIT_OK)
			return -rc;
		if ((rc = stamp_step(conn, set, "SELECT pg_catalog.rev_stamp($1)", 1, params)) != EXIT_OK)
			return rc;
		if ((rc = db_register(conn, set, NULL)) != EXIT_OK)
			return -rc;
	}
	else
	{
		ids[0] = '\0';
		for (int h = 0; h < nheads; h++)
			strcat(strcat(ids, h ? " " : ""), heads[h]);
		params[0] = ids;
		params[1] = heads[0];
		if ((rc = db_register(conn, set, NULL)) != EXIT_OK)
			return -rc;
		if ((rc = stamp_step(conn, set, "SET LOCAL client_min_messages = warning", 0, NULL)) != EXIT_OK ||
			(rc = stamp_step(conn, set, "SELECT pg_catalog.rev_merge(pg_catalog.string_to_array($1, ' '), 'temporary (pg_revisions "
							 "stamp --from)', '" STAMP_TMP_ID "')", 1, params)) != EXIT_OK ||
			(rc = stamp_step(conn, set, "SELECT pg_catalog.rev_stamp('" STAMP_TMP_ID "')", 0, NULL)) != EXIT_OK ||
			(rc = stamp_step(conn, set, "SELECT pg_catalog.rev_downgrade($1)", 1, params + 1)) != EXIT_OK ||
			(rc = stamp_step(conn, set, "SELECT pg_catalog.rev_drop('" STAMP_TMP_ID "')", 0, NULL)) != EXIT_OK)
			return rc;
	}
	free(ids);
	free(subset.files);
	/* Check the result: exactly the applied files are applied. */
	*res = PQexec(conn, "SELECT h.revision FROM pg_catalog.rev_history() AS h WHERE h.is_applied");
	if (!db_ok(*res))
	{
		db_report(conn, *res, set, NULL);
		return EXIT_DB;
	}
	for (int i = 0; i < set->n; i++)
	{
		bool		found = false;

		for (int r = 0; r < PQntuples(*res) && !found; r++)
			found = strcmp(PQgetvalue(*res, r, 0), set->files[i].revision) == 0;
		if (set->files[i].replaces == NULL && found != (applied[i] != 0))
		{
			errmsgf("stamping %d heads left revision \"%s\" %s (a bug)", nheads, set->files[i].revision,
					found ? "applied" : "not applied");
			return EXIT_DB;
		}
	}
	PQclear(*res);
	*res = PQexec(conn, "SELECT r FROM pg_catalog.rev_current() AS r");
	if (!db_ok(*res))
	{
		db_report(conn, *res, set, NULL);
		return EXIT_DB;
	}
	return EXIT_OK;
}

/*
 * stamp --from KIND: read the tool's table, register the files, stamp that
 * state; one transaction, nothing changed on any error.  Several applied
 * heads (Alembic branches not merged) are stamped with stamp_several.
 * Returns an exit code.
 */
int
cmd_stamp_from(const Options *opts, const char *kind_name)
{
	ImportKind	kind;
	MigSet		set;
	PGconn	   *conn;
	char	   *applied, **heads;
	int			rc, nheads = 0;
	const char *target = "base";
	PGresult   *res = NULL;

	if (!import_kind(kind_name, &kind))
	{
		errmsgf("unknown tool \"%s\": stamp --from reads alembic, flyway, dbmate or sqitch", kind_name);
		return EXIT_USAGE;
	}
	if ((rc = open_session(opts, &set, &conn)) != EXIT_OK)
		return finish(conn, rc);
	if ((rc = db_command(conn, "BEGIN", &set)) != EXIT_OK)
		return finish(conn, rc);
	applied = xmalloc(set.n + 1);
	memset(applied, 0, set.n + 1);
	rc = read_applied(conn, &set, kind, kind_name, applied);
	if (rc == EXIT_OK)
		rc = applied_heads(&set, applied, tables[kind], &heads, &nheads);
	if (rc == EXIT_OK && nheads > 1)
	{
		target = "heads";
		rc = stamp_several(conn, &set, applied, heads, nheads, &res);
	}
	else if (rc == EXIT_OK)
	{
		const char *params[1] = {nheads == 1 ? heads[0] : "base"};

		target = params[0];
		if (!fleet_files_registered && (rc = db_register(conn, &set, NULL)) != EXIT_OK)
			rc = -rc;
		if (rc == EXIT_OK)
		{
			res = db_exec(conn, "SELECT r FROM pg_catalog.rev_stamp($1) AS r", 1, params);
			if (!db_ok(res))
			{
				db_report(conn, res, &set, NULL);
				rc = EXIT_DB;
			}
		}
	}
	if (rc == EXIT_OK && (rc = db_command(conn, "COMMIT", &set)) == EXIT_OK)
	{
		const char *const names[] = {"revision", "message", "file"};
		const CellKind kinds[] = {CELL_TEXT, CELL_TEXT, CELL_TEXT};
		Table	   *t = table_new(3, names, kinds);

		for (int r = 0; r < PQntuples(res); r++)
		{
			const char *row[3] = {PQgetvalue(res, r, 0), file_message(&set, PQgetvalue(res, r, 0)),
			file_path(&set, PQgetvalue(res, r, 0))};

			table_add(t, row);
		}
		if (nheads > 1)
			fprintf(stderr, "pg_revisions: stamped from %s (%d heads)\n", tables[kind], nheads);
		else
			fprintf(stderr, "pg_revisions: stamped from %s (%s)\n", tables[kind], target);
		table_print(t, opts->json, NULL);
		table_free(t);
	}
	PQclear(res);
	if (rc != EXIT_OK)
	{
		rollback(conn);
		if (rc > 0)
			fprintf(stderr, "nothing was changed\n");
	}
	return finish(conn, rc < 0 ? -rc : rc);
}
