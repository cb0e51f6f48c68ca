/*-------------------------------------------------------------------------
 *
 * diff_types.c
 *	  The statements for extensions (created, updated, never dropped),
 *	  domains (with their constraints) and composite types.  Enum types are
 *	  in diff_tables.c, with the columns they rebuild.
 *
 * An extension is created at the version the target has (VERSION when it
 * is not the default one), and updated (ALTER EXTENSION ... UPDATE TO) when
 * both have it at different versions, if PostgreSQL has an update path
 * (pg_extension_update_paths: contrib ships no downgrades); else a comment
 * row says it stays.  Two schemas of one database cannot both have an
 * extension: the models do (diff_models_extension).
 *
 * A domain's default, NOT NULL and constraints change in place with ALTER
 * DOMAIN; ALTER DOMAIN cannot change a base type (or collation), so then
 * the old domain is renamed away, the new one created under its name (with
 * its default and constraints), the columns using it converted (USING
 * col::new base type), and the old one dropped at the end, as an enum is
 * rebuilt; a conversion that may not keep every value has a loss line.  A composite
 * type's attributes are added, dropped and retyped with ALTER TYPE, which
 * PostgreSQL refuses while a table column uses the type.  Where they come
 * in the script is decided by the dependency graph (diff_order.c): a
 * domain after the functions its checks call, before the tables using it.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static const char *label_value(const char *label);
static int	find_label(DiffItem *item, const char *label, bool whole);
static char *domain_definition(DiffOutput *o, DiffItem *t);
static char *composite_definition(DiffOutput *o, DiffItem *t);
static void alter_domain(DiffOutput *o, DiffItem *f, DiffItem *t);
static void alter_composite(DiffOutput *o, DiffItem *f, DiffItem *t);
static bool base_widens(const char *from, const char *to);
static bool update_path_exists(const char *name, const char *source, const char *target);
static void diff_extensions(DiffSchema *from, DiffSchema *to, DiffOutput *o);
static void rebuild_domain(DiffSchema *from, DiffSchema *to, DiffItem *f, DiffItem *t,
						   DiffOutput *o);

/* What follows the name in a "name\x01value" label. */
static const char *
label_value(const char *label)
{
	const char *sep = strchr(label, '\x01');

	return sep ? sep + 1 : "";
}

/*
 * find_label
 *		The index of a label of item with the same name as label (whole:
 *		the same name and value), or -1.
 */
static int
find_label(DiffItem *item, const char *label, bool whole)
{
	size_t		len = strcspn(label, "\x01");
	int			i;

	for (i = 0; i < item->nlabels; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (whole ? strcmp(item->labels[i], label) == 0 :
			(strncmp(item->labels[i], label, len) == 0 && item->labels[i][len] == '\x01'))
			return i;
	}
	return -1;
}

/* CREATE DOMAIN for domain t. */
static char *
domain_definition(DiffOutput *o, DiffItem *t)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE DOMAIN %s AS %s", diff_qname(o, t->name), t->type);
	if (t->extra)
		appendStringInfo(&buf, " COLLATE %s", t->extra);
	if (t->defexpr)
		appendStringInfo(&buf, " DEFAULT %s", t->defexpr);
	if (t->notnull)
		appendStringInfoString(&buf, " NOT NULL");
	for (i = 0; i < t->nlabels; i++)
	{
		char	   *name = pnstrdup(t->labels[i], strcspn(t->labels[i], "\x01"));

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, " CONSTRAINT %s %s", quote_identifier(name), label_value(t->labels[i]));
	}
	return buf.data;
}

/* CREATE TYPE ... AS (...) for composite type t. */
static char *
composite_definition(DiffOutput *o, DiffItem *t)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE TYPE %s AS (", diff_qname(o, t->name));
	for (i = 0; i < t->nlabels; i++)
	{
		const char *label = t->labels[i];

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, "%s%.*s %s", i > 0 ? ", " : "", (int) strcspn(label, "\x01"), label,
						 label_value(label));
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * alter_domain
 *		Domain f becomes t (same base type): default, NOT NULL, constraints
 *		dropped (early, before what they call may go) and added (late, after
 *		what they call is created).
 */
static void
alter_domain(DiffOutput *o, DiffItem *f, DiffItem *t)
{
	char	   *qname = diff_qname(o, t->name);
	int			i;

	for (i = 0; i < f->nlabels; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (find_label(t, f->labels[i], true) < 0)
			diff_emit(o, STAGE_DROP_CONSTRAINT,
					  psprintf("drops constraint %.*s of domain %s (no data is lost)",
							   (int) strcspn(f->labels[i], "\x01"), f->labels[i], qname),
					  "ALTER DOMAIN %s DROP CONSTRAINT %s", qname,
					  quote_identifier(pnstrdup(f->labels[i], strcspn(f->labels[i], "\x01"))));
	}
	if (!diff_str_equal(f->defexpr, t->defexpr))
	{
		if (t->defexpr)
			diff_emit(o, STAGE_SET_DEFAULT, NULL, "ALTER DOMAIN %s SET DEFAULT %s", qname, t->defexpr);
		else
			diff_emit(o, STAGE_DROP_COLUMN, NULL, "ALTER DOMAIN %s DROP DEFAULT", qname);
	}
	if (f->notnull != t->notnull)
		diff_emit(o, t->notnull ? STAGE_CREATE_CONSTRAINT : STAGE_DROP_CONSTRAINT, NULL,
				  "ALTER DOMAIN %s %s NOT NULL", qname, t->notnull ? "SET" : "DROP");
	for (i = 0; i < t->nlabels; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (find_label(f, t->labels[i], true) < 0)
			diff_emit(o, STAGE_CREATE_CONSTRAINT, NULL, "ALTER DOMAIN %s ADD CONSTRAINT %s %s", qname,
					  quote_identifier(pnstrdup(t->labels[i], strcspn(t->labels[i], "\x01"))),
					  label_value(t->labels[i]));
	}
}

/*
 * alter_composite
 *		Composite type f becomes t: attributes dropped, retyped, added (in
 *		t's order, at the end).
 */
static void
alter_composite(DiffOutput *o, DiffItem *f, DiffItem *t)
{
	char	   *qname = diff_qname(o, t->name);
	int			i;

	for (i = 0; i < f->nlabels; i++)
	{
		const char *label = f->labels[i];
		int			j = find_label(t, label, false);

		CHECK_FOR_INTERRUPTS();
		if (j < 0)
			diff_emit(o, STAGE_CREATE_TYPE,
					  psprintf("drops attribute %.*s of type %s", (int) strcspn(label, "\x01"), label, qname),
					  "ALTER TYPE %s DROP ATTRIBUTE %.*s", qname, (int) strcspn(label, "\x01"), label);
		else if (strcmp(label, t->labels[j]) != 0)
			diff_emit(o, STAGE_CREATE_TYPE,
					  psprintf("changes the type of attribute %.*s of type %s to %s",
							   (int) strcspn(label, "\x01"), label, qname, label_value(t->labels[j])),
					  "ALTER TYPE %s ALTER ATTRIBUTE %.*s TYPE %s", qname,
					  (int) strcspn(label, "\x01"), label, label_value(t->labels[j]));
	}
	for (i = 0; i < t->nlabels; i++)
	{
		const char *label = t->labels[i];

		CHECK_FOR_INTERRUPTS();
		if (find_label(f, label, false) < 0)
			diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TYPE %s ADD ATTRIBUTE %.*s %s", qname,
					  (int) strcspn(label, "\x01"), label, label_value(label));
	}
}

/*
 * base_widens
 *		Does changing a domain's base type from "from" to "to" (format_type
 *		texts) keep every value?  Only the usual widenings do.
 */
static bool
base_widens(const char *from, const char *to)
{
	static const char *const pairs[][2] = {
		{"smallint", "integer"}, {"smallint", "bigint"}, {"integer", "bigint"},
		{"smallint", "numeric"}, {"integer", "numeric"}, {"bigint", "numeric"},
		{"real", "double precision"}, {"character varying", "text"},
		{"text", "character varying"}
	};
	const char *vc = "character varying(";
	size_t		vclen = strlen(vc);
	int			i;

	if (strcmp(from, to) == 0)
		return true;
	for (i = 0; i < (int) lengthof(pairs); i++)
		if (strcmp(from, pairs[i][0]) == 0 && strcmp(to, pairs[i][1]) == 0)
			return true;
	if (strncmp(from, vc, vclen) == 0)
	{
		if (strcmp(to, "text") == 0 || strcmp(to, "character varying") == 0)
			return true;
		if (strncmp(to, vc, vclen) == 0)
			return atoi(to + vclen) >= atoi(from + vclen);
	}
	return strncmp(from, "numeric(", 8) == 0 && strcmp(to, "numeric") == 0;
}

/*
 * rebuild_domain
 *		Domain f gets a new base type or collation (t), which ALTER DOMAIN
 *		cannot change: rename f away, create t under its name, convert the
 *		columns that keep the domain (their defaults are set again:
 *		alter_column, through the column's rebuild mark; views reading them
 *		are rebuilt: their table is marked altered), drop the old domain at
 *		the end.  The statements creating t and converting the columns are
 *		all tied to t, so they wait together for what t needs (a function
 *		its check calls).
 */
static void
rebuild_domain(DiffSchema *from, DiffSchema *to, DiffItem *f, DiffItem *t,
			   DiffOutput *o)
{
	char	   *qname = diff_qname(o, t->name);
	char	   *old = diff_aside_name(t->name);
	char	   *qarray = psprintf("%s[]", qname);
	int			i;

	diff_emit(o, STAGE_CREATE_TYPE,
			  base_widens(f->type, t->type) ? NULL :
			  psprintf("changes the base type of domain %s from %s to %s: the values of the columns using it that do not fit are lost or make the conversion fail",
					   qname, f->type, t->type),
			  "ALTER DOMAIN %s RENAME TO %s", qname, quote_identifier(old));
	diff_for(diff_emit(o, STAGE_CREATE_TYPE, NULL, "%s", domain_definition(o, t)), t);
	for (i = 0; i < from->columns.n; i++)
	{
		DiffItem   *fc = &from->columns.items[i];
		DiffItem   *tc = fc->match >= 0 ? &to->columns.items[fc->match] : NULL;
		char	   *qtable;
		const char *qcol;
		bool		array;
		int			j;

		CHECK_FOR_INTERRUPTS();
		if (tc == NULL || !diff_str_equal(fc->type, tc->type))
			continue;
		if (strcmp(fc->type, qname) == 0)
			array = false;
		else if (strcmp(fc->type, qarray) == 0)
			array = true;
		else
			continue;
		qtable = diff_qname(o, fc->table);
		qcol = quote_identifier(fc->name);
		if (fc->defexpr)
			diff_for(diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT",
							   qtable, qcol),
					 t);
		diff_for(diff_emit(o, STAGE_CREATE_TYPE, NULL, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s%s",
						   qtable, qcol, fc->type, qcol, t->type, array ? "[]" : ""),
				 t);
		tc->rebuild = true;
		j = diff_find(&from->tables, fc->table);
		if (j >= 0)
			from->tables.items[j].altered = true;
	}
	diff_for(diff_emit(o, STAGE_CLEANUP,
					   psprintf("drops the old domain %s.%s (its columns now use the new %s)",
								o->out, quote_identifier(old), qname),
					   "DROP DOMAIN %s.%s", o->out, quote_identifier(old)),
			 f);
}

/*
 * update_path_exists
 *		Can ALTER EXTENSION name UPDATE TO target run from version source?
 *		The caller is connected to SPI.
 */
static bool
update_path_exists(const char *name, const char *source, const char *target)
{
	Oid			argtypes[3] = {NAMEOID, TEXTOID, TEXTOID};
	Datum		args[3];
	int			rc;

	args[0] = DirectFunctionCall1(namein, CStringGetDatum(name));
	args[1] = CStringGetTextDatum(source);
	args[2] = CStringGetTextDatum(target);
	rc = SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_extension_update_paths($1) p"
							   " WHERE p.source OPERATOR(pg_catalog.=) $2"
							   " AND p.target OPERATOR(pg_catalog.=) $3 AND p.path IS NOT NULL",
							   3, argtypes, args, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the update paths of extension \"%s\": %s", name,
			 SPI_result_code_string(rc));
	return SPI_processed > 0;
}

/*
 * diff_extensions
 *		Extensions the target has in the schema and the source has not:
 *		CREATE EXTENSION IF NOT EXISTS, first (it needs nothing of the
 *		schema; IF NOT EXISTS: it may be installed in another schema), at
 *		the target's version.  One both have at different versions is
 *		updated, or a comment row says there is no update path.  One the
 *		source has and the target has not is never dropped: the models of
 *		rev_autogenerate may well need it while their CREATE EXTENSION IF
 *		NOT EXISTS did nothing.
 */
static void
diff_extensions(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < to->extensions.n; i++)
	{
		DiffItem   *t = &to->extensions.items[i];
		DiffItem   *f = t->match >= 0 ? &from->extensions.items[t->match] : NULL;
		const char *qname = quote_identifier(t->name);

		CHECK_FOR_INTERRUPTS();
		if (f == NULL)
			diff_emit(o, STAGE_CREATE_EXTENSION, NULL, "CREATE EXTENSION IF NOT EXISTS %s SCHEMA %s%s%s",
					  qname, o->out,
					  t->def && !diff_str_equal(t->def, t->extra) ? " VERSION " : "",
					  t->def && !diff_str_equal(t->def, t->extra) ? quote_literal_cstr(t->def) : "");
		else if (t->def && f->def && strcmp(t->def, f->def) != 0)
		{
			if (update_path_exists(t->name, f->def, t->def))
				diff_emit(o, STAGE_CREATE_EXTENSION, NULL, "ALTER EXTENSION %s UPDATE TO %s",
						  qname, quote_literal_cstr(t->def));
			else
				diff_emit(o, STAGE_CREATE_EXTENSION, NULL,
						  "-- extension %s stays at version %s: PostgreSQL has no update path from it to version %s (pg_extension_update_paths); change it by hand",
						  qname, f->def, t->def);
		}
	}
}

/*
 * diff_models_extension
 *		The models said CREATE EXTENSION IF NOT EXISTS name [VERSION
 *		version] (version: NULL when they did not say): when the live schema
 *		has the extension, which made the statement do nothing in the
 *		scratch schema, the models have it too, at that version (or live's).
 *		Called before diff_statements.
 */
void
diff_models_extension(DiffSchema *live, DiffSchema *models, const char *name,
					  const char *version)
{
	int			l = diff_find(&live->extensions, name);
	DiffSet    *set = &models->extensions;
	DiffItem   *items;
	int			at;

	if (l < 0 || diff_find(set, name) >= 0)
		return;
	/* insert it in key order */
	items = palloc0(sizeof(DiffItem) * (set->n + 2));
	for (at = 0; at < set->n && strcmp(set->items[at].key, name) < 0; at++)
		;
	memcpy(items, set->items, sizeof(DiffItem) * at);
	memcpy(items + at + 1, set->items + at, sizeof(DiffItem) * (set->n - at));
	items[at] = live->extensions.items[l];
	items[at].def = version ? pstrdup(version) : live->extensions.items[l].def;
	items[at].match = -1;
	set->items = items;
	set->n++;
}

/*
 * diff_types
 *		Extensions (diff_extensions), then domains and composite types:
 *		created, dropped, changed.
 */
void
diff_types(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	diff_extensions(from, to, o);

	for (i = 0; i < from->types.n; i++)
	{
		DiffItem   *f = &from->types.items[i];
		DiffItem   *t = f->match >= 0 ? &to->types.items[f->match] : NULL;
		const char *what = f->sub == 'd' ? "DOMAIN" : "TYPE";

		CHECK_FOR_INTERRUPTS();
		if (t && t->sub == f->sub &&
			(f->sub == 'c' || (diff_str_equal(f->type, t->type) && diff_str_equal(f->extra, t->extra))))
			continue;
		if (t && t->sub == 'd' && f->sub == 'd')
		{
			f->altered = true;	/* rebuilt under its name: rebuild_domain */
			continue;
		}
		f->rebuild = true;
		diff_for(diff_emit(o, STAGE_DROP_TYPE,
						   psprintf(f->sub == 'd' ? "drops domain %s (the columns using it were dropped before)" :
									"drops type %s (the columns using it were dropped before)",
									diff_qname(o, f->name)),
						   "DROP %s %s", what, diff_qname(o, f->name)),
				 f);
	}
	for (i = 0; i < to->types.n; i++)
	{
		DiffItem   *t = &to->types.items[i];
		DiffItem   *f = t->match >= 0 ? &from->types.items[t->match] : NULL;
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (f && f->altered)
		{
			rebuild_domain(from, to, f, t, o);
			fresh = true;
		}
		else if (fresh)
			diff_for(diff_emit(o, STAGE_CREATE_TYPE, NULL, "%s",
							   t->sub == 'd' ? domain_definition(o, t) : composite_definition(o, t)),
					 t);
		else if (t->sub == 'd')
			alter_domain(o, f, t);
		else
			alter_composite(o, f, t);
		diff_comment(o, psprintf("%s %s", t->sub == 'd' ? "DOMAIN" : "TYPE", diff_qname(o, t->name)),
					 t->comment, f ? f->comment : NULL, fresh);
	}
}
