/*-------------------------------------------------------------------------
 *
 * diff_types.c
 *	  The statements for extensions (created, never dropped), domains (with
 *	  their constraints) and composite types.  Enum types are in
 *	  diff_tables.c, with the columns they rebuild.
 *
 * A domain's default, NOT NULL and constraints change in place with ALTER
 * DOMAIN; a new base type (or collation) drops and creates it, which only
 * works when no column uses it (see the README's limits).  A composite
 * type's attributes are added, dropped and retyped with ALTER TYPE, which
 * PostgreSQL refuses while a table column uses the type.  Where they come
 * in the script is decided by the dependency graph (diff_order.c): a
 * domain after the functions its checks call, before the tables using it.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "miscadmin.h"
#include "utils/builtins.h"

static const char *label_value(const char *label);
static int	find_label(DiffItem *item, const char *label, bool whole);
static char *domain_definition(DiffOutput *o, DiffItem *t);
static char *composite_definition(DiffOutput *o, DiffItem *t);
static void alter_domain(DiffOutput *o, DiffItem *f, DiffItem *t);
static void alter_composite(DiffOutput *o, DiffItem *f, DiffItem *t);

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
 * diff_types
 *		Extensions the target has in the schema and the source has not:
 *		CREATE EXTENSION IF NOT EXISTS, first (it needs nothing of the
 *		schema; IF NOT EXISTS: it may be installed in another schema).  One
 *		the source has and the target has not is never dropped: the models
 *		of rev_autogenerate may well need it while their CREATE EXTENSION IF
 *		NOT EXISTS did nothing.  Then domains and composite types: created,
 *		dropped, changed.
 */
void
diff_types(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < to->extensions.n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (to->extensions.items[i].match < 0)
			diff_emit(o, STAGE_CREATE_EXTENSION, NULL, "CREATE EXTENSION IF NOT EXISTS %s SCHEMA %s",
					  quote_identifier(to->extensions.items[i].name), o->out);
	}

	for (i = 0; i < from->types.n; i++)
	{
		DiffItem   *f = &from->types.items[i];
		DiffItem   *t = f->match >= 0 ? &to->types.items[f->match] : NULL;
		const char *what = f->sub == 'd' ? "DOMAIN" : "TYPE";

		CHECK_FOR_INTERRUPTS();
		if (t && t->sub == f->sub &&
			(f->sub == 'c' || (diff_str_equal(f->type, t->type) && diff_str_equal(f->extra, t->extra))))
			continue;
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
		if (fresh)
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
