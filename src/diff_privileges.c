/*-------------------------------------------------------------------------
 *
 * diff_privileges.c
 *	  Owners and privileges of the compared objects, when the setting
 *	  pg_revisions.diff_privileges is on (off by default, as Alembic users
 *	  expect: roles differ between the database the models run in and
 *	  production).
 *
 * diff_read_privileges reads, in one query, the owner and the privileges of
 * the tables, partitions, views, materialized views, sequences, functions,
 * procedures, enums, domains and composite types of a schema, and the column
 * privileges of its tables.  A NULL ACL is its owner's default (acldefault),
 * so an object with a NULL ACL and one granted exactly the default compare
 * equal.  Each ACL is kept as its (grantee, privilege, grant option) entries:
 * grantors are ignored.
 *
 * diff_privileges emits, for every object of "to":
 *	  - ALTER ... OWNER TO when its owner changes, and always for an object
 *		the script creates (it is created by whoever runs the script);
 *	  - REVOKE then GRANT for the entries that differ, the "from" entries
 *		first given to the new owner as ALTER ... OWNER TO does (so an owner
 *		change alone adds no grant), and a table's column privileges after
 *		its REVOKEs (a table REVOKE revokes the same column privileges).
 * Owners change in a stage of their own, before sequences are owned by
 * columns (a sequence must have its table's owner); GRANT and REVOKE come
 * after every object is created.  Each statement also waits for the ones
 * creating its object (diff_order.c), so dependency ordering holds.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

/* One entry of an ACL, its grantor left out. */
typedef struct Priv
{
	char	   *grantee;		/* quoted role name, or PUBLIC */
	char	   *priv;			/* SELECT, EXECUTE, ... */
	bool		grantable;
} Priv;

/* An object's owner and privileges. */
typedef struct DiffPrivs
{
	char	   *owner;			/* quoted role name; NULL for a column */
	Priv	   *acl;			/* effective ACL, sorted (compare_privs) */
	int			nacl;
	Priv	   *dflt;			/* its owner's default ACL, sorted */
	int			ndflt;
} DiffPrivs;

/* One object whose privileges are compared. */
typedef struct Target
{
	const char *alter;			/* ALTER what ... OWNER TO */
	const char *on;				/* GRANT ... ON what */
	char	   *qname;			/* qualified, with arguments for routines */
	bool		owner_always;	/* OWNER TO even when the owner is the same */
} Target;

/* The statements emitted for one object's ACL. */
typedef struct AclStmts
{
	DiffStmt   *owner;			/* ALTER ... OWNER TO, or NULL */
	List	   *revokes;		/* DiffStmts */
	List	   *grants;
	List	   *full;			/* Privs revoked entirely */
	List	   *option;			/* Privs that lose their grant option */
} AclStmts;

/* An ACL's entries, without grantors, as "grantee\x01privilege\x01t|f". */
#define EXPLODE(acl) \
	"ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC'" \
	"  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END" \
	"  || E'\\x01' || a.privilege_type || E'\\x01' ||" \
	"  CASE WHEN pg_catalog.bool_or(a.is_grantable) THEN 't' ELSE 'f' END" \
	" FROM pg_catalog.aclexplode(" acl ") a GROUP BY a.grantee, a.privilege_type)"

/*
 * Kind ('r' relation, 'c' column, 'f' routine, 't' type), name, column or
 * identity arguments, owner, effective ACL, default ACL.  Columns without
 * privileges of their own are left out; so are objects of extensions (the
 * reader has none of them to attach to).
 */
static const char *const privileges_query =
"SELECT x.k, x.name, x.sub, pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.owner)),"
" " EXPLODE("COALESCE(x.acl, pg_catalog.acldefault(x.dk, x.owner))") ","
" " EXPLODE("pg_catalog.acldefault(x.dk, x.owner)")
" FROM (SELECT 'r'::\"char\" AS k, c.relname::text AS name, NULL::text AS sub, c.relowner AS owner,"
"   c.relacl AS acl, CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\" AS dk"
"  FROM pg_catalog.pg_class c WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
" UNION ALL"
"  SELECT 'c', c.relname::text, a.attname::text, NULL, a.attacl, 'c'"
"  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
"  WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0"
"  AND NOT a.attisdropped AND a.attacl IS NOT NULL"
" UNION ALL"
"  SELECT 'f', p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid), p.proowner,"
"   p.proacl, 'f'"
"  FROM pg_catalog.pg_proc p WHERE p.pronamespace = $1 AND p.prokind IN ('f', 'p')"
" UNION ALL"
"  SELECT 't', t.typname::text, NULL, t.typowner, t.typacl, 'T'"
"  FROM pg_catalog.pg_type t WHERE t.typnamespace = $1 AND t.typtype IN ('e', 'd', 'c')) x";

static int	compare_privs(const void *a, const void *b);
static Priv *read_acl(int row, int col, int *n);
static DiffItem *find_in(DiffSet *set, const char *key);
static Priv *given_to(Priv *acl, int n, const char *from, const char *to, int *nout);
static Priv *after_table_revokes(Priv *acl, int n, AclStmts *table);
static void emit_grouped(DiffOutput *o, DiffStage stage, List *privs, const char *fmt,
						 Target *target, const char *column, List *wait, List **out);
static void acl_diff(DiffOutput *o, Target *target, const char *column, Priv *f, int nf,
					 Priv *t, int nt, List *wait, AclStmts *result);
static void object_privileges(DiffOutput *o, Target *target, DiffItem *t, DiffItem *f,
							  bool fresh, int owner_stage, List *makers, AclStmts *result);
static void table_privileges(DiffSchema *from, DiffSchema *to, DiffOutput *o,
							 DiffItem *t, DiffItem *f, bool fresh);
static void set_privileges(DiffSet *tset, DiffSet *fset, DiffOutput *o, const char *alter,
						   const char *on);

/* qsort comparator: Privs by grantee, then privilege. */
static int
compare_privs(const void *a, const void *b)
{
	const Priv *x = (const Priv *) a;
	const Priv *y = (const Priv *) b;
	int			cmp = strcmp(x->grantee, y->grantee);

	return cmp != 0 ? cmp : strcmp(x->priv, y->priv);
}

/*
 * read_acl
 *		Column col (1-based) of row of SPI_tuptable, a text[] of EXPLODE
 *		entries, as a sorted array of Privs (*n of them).
 */
static Priv *
read_acl(int row, int col, int *n)
{
	bool		isnull;
	Datum		value = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
									  col, &isnull);
	Datum	   *elems;
	Priv	   *acl;
	int			i;

	*n = 0;
	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(value), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, NULL, n);
	acl = palloc(sizeof(Priv) * (*n + 1));
	for (i = 0; i < *n; i++)
	{
		char	   *entry = TextDatumGetCString(elems[i]);
		char	   *sep1 = strchr(entry, '\x01');
		char	   *sep2 = sep1 ? strchr(sep1 + 1, '\x01') : NULL;

		CHECK_FOR_INTERRUPTS();
		if (sep2 == NULL)
			elog(ERROR, "unexpected privilege entry \"%.40s\"", entry);
		*sep1 = '\0';
		*sep2 = '\0';
		acl[i].grantee = entry;
		acl[i].priv = sep1 + 1;
		acl[i].grantable = sep2[1] == 't';
	}
	if (*n > 1)
		qsort(acl, *n, sizeof(Priv), compare_privs);
	return acl;
}

/* The item of a sorted set with this key, or NULL. */
static DiffItem *
find_in(DiffSet *set, const char *key)
{
	int			i = diff_find(set, key);

	return i >= 0 ? &set->items[i] : NULL;
}

/*
 * diff_read_privileges
 *		Read the owners and privileges of schema nsp (named name) into the
 *		privs of the items of s that have some.  s was just read by
 *		diff_read_schema_owners, whose search_path (pg_catalog) is in force.
 */
void
diff_read_privileges(DiffSchema *s, Oid nsp, const char *name)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(nsp)};
	int			rc;
	uint64		row;

	rc = SPI_execute_with_args(privileges_query, 1, argtypes, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the privileges of schema \"%s\": %s",
			 name, SPI_result_code_string(rc));
	for (row = 0; row < SPI_processed; row++)
	{
		char	   *kind = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1);
		char	   *objname = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 2);
		char	   *sub = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 3);
		DiffItem   *item = NULL;
		DiffPrivs  *privs;

		CHECK_FOR_INTERRUPTS();
		switch (kind[0])
		{
			case 'r':
				if ((item = find_in(&s->tables, objname)) == NULL &&
					(item = find_in(&s->partitions, objname)) == NULL &&
					(item = find_in(&s->views, objname)) == NULL)
					item = find_in(&s->sequences, objname);
				break;
			case 'c':
				item = find_in(&s->columns, psprintf("%s\x01%s", objname, sub));
				break;
			case 'f':
				item = find_in(&s->functions,
							   psprintf("%s(%s)", objname, diff_requalify(sub, name, s->out)));
				break;
			case 't':
				if ((item = find_in(&s->enums, objname)) == NULL)
					item = find_in(&s->types, objname);
				break;
		}
		if (item == NULL)
			continue;
		privs = palloc0(sizeof(DiffPrivs));
		privs->owner = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 4);
		privs->acl = read_acl(row, 5, &privs->nacl);
		privs->dflt = read_acl(row, 6, &privs->ndflt);
		item->privs = privs;
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * given_to
 *		The entries of acl (n, sorted) with grantee from replaced by to,
 *		merged, sorted (*nout of them): what ALTER ... OWNER TO does to an
 *		ACL.  acl itself when the owners are the same.
 */
static Priv *
given_to(Priv *acl, int n, const char *from, const char *to, int *nout)
{
	Priv	   *out;
	int			i;
	int			m = 0;

	*nout = n;
	if (from == NULL || to == NULL || strcmp(from, to) == 0)
		return acl;
	out = palloc(sizeof(Priv) * (n + 1));
	for (i = 0; i < n; i++)
	{
		out[i] = acl[i];
		if (strcmp(out[i].grantee, from) == 0)
			out[i].grantee = (char *) to;
	}
	if (n > 1)
		qsort(out, n, sizeof(Priv), compare_privs);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (m > 0 && compare_privs(&out[m - 1], &out[i]) == 0)
			out[m - 1].grantable |= out[i].grantable;
		else
			out[m++] = out[i];
	}
	*nout = m;
	return out;
}

/*
 * after_table_revokes
 *		A column's entries (n, sorted) once its table's REVOKEs ran: a table
 *		REVOKE revokes the same privilege (or grant option) on every column.
 *		The result has n entries in the same order, a removed one with a
 *		NULL grantee (acl_diff skips those).
 */
static Priv *
after_table_revokes(Priv *acl, int n, AclStmts *table)
{
	Priv	   *out = palloc(sizeof(Priv) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		out[i] = acl[i];
		foreach(lc, table->full)
			if (compare_privs(lfirst(lc), &out[i]) == 0)
				out[i].grantee = NULL;
		if (out[i].grantee == NULL)
			continue;
		foreach(lc, table->option)
			if (compare_privs(lfirst(lc), &out[i]) == 0)
				out[i].grantable = false;
	}
	return out;
}

/*
 * emit_grouped
 *		One statement per grantee of privs (a List of Privs, grouped by
 *		grantee), from fmt with the privileges, target->on, target->qname
 *		and the grantee; privileges of a column name it.  Each waits for
 *		every statement of wait; they are appended to *out.
 */
static void
emit_grouped(DiffOutput *o, DiffStage stage, List *privs, const char *fmt, Target *target,
			 const char *column, List *wait, List **out)
{
	StringInfoData list;
	ListCell   *lc;

	initStringInfo(&list);
	foreach(lc, privs)
	{
		Priv	   *p = (Priv *) lfirst(lc);
		ListCell   *next = lnext(privs, lc);
		DiffStmt   *stmt;

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&list, "%s%s", list.len ? ", " : "", p->priv);
		if (column)
			appendStringInfo(&list, " (%s)", quote_identifier(column));
		if (next && strcmp(((Priv *) lfirst(next))->grantee, p->grantee) == 0)
			continue;
		stmt = diff_emit(o, stage, NULL, fmt, list.data, target->on, target->qname, p->grantee);
		diff_after(wait, stmt);
		*out = lappend(*out, stmt);
		resetStringInfo(&list);
	}
}

/*
 * acl_diff
 *		REVOKE and GRANT turning ACL f (nf entries, sorted, grantees without
 *		NULLs being those left) into t, for target (or its column).  They
 *		wait for wait, the GRANTs for the REVOKEs too; result gets them and
 *		what was revoked.
 */
static void
acl_diff(DiffOutput *o, Target *target, const char *column, Priv *f, int nf, Priv *t, int nt,
		 List *wait, AclStmts *result)
{
	List	   *grant = NIL;
	List	   *grant_option = NIL;
	int			i = 0;
	int			j = 0;

	while (i < nf || j < nt)
	{
		int			cmp;

		CHECK_FOR_INTERRUPTS();
		if (i < nf && f[i].grantee == NULL)
		{
			i++;
			continue;
		}
		cmp = i >= nf ? 1 : j >= nt ? -1 : compare_privs(&f[i], &t[j]);
		if (cmp < 0)
			result->full = lappend(result->full, &f[i]);
		else if (cmp > 0)
		{
			if (t[j].grantable)
				grant_option = lappend(grant_option, &t[j]);
			else
				grant = lappend(grant, &t[j]);
		}
		else if (f[i].grantable && !t[j].grantable)
			result->option = lappend(result->option, &f[i]);
		else if (!f[i].grantable && t[j].grantable)
			grant_option = lappend(grant_option, &t[j]);
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			j++;
	}
	emit_grouped(o, STAGE_REVOKE, result->full, "REVOKE %s ON %s %s FROM %s", target, column,
				 wait, &result->revokes);
	emit_grouped(o, STAGE_REVOKE, result->option, "REVOKE GRANT OPTION FOR %s ON %s %s FROM %s",
				 target, column, wait, &result->revokes);
	wait = list_concat_copy(wait, result->revokes);
	emit_grouped(o, STAGE_GRANT, grant, "GRANT %s ON %s %s TO %s", target, column, wait,
				 &result->grants);
	emit_grouped(o, STAGE_GRANT, grant_option, "GRANT %s ON %s %s TO %s WITH GRANT OPTION",
				 target, column, wait, &result->grants);
}

/*
 * object_privileges
 *		The owner and ACL statements turning object f (NULL, or ignored,
 *		when fresh: the script creates t) into t.  The OWNER TO goes in
 *		owner_stage; none when it is -1 (a sequence owned by a column
 *		follows its table's owner).  Every statement waits for makers (those
 *		creating t), the REVOKEs and GRANTs for the OWNER TO too; result gets
 *		them all.
 */
static void
object_privileges(DiffOutput *o, Target *target, DiffItem *t, DiffItem *f, bool fresh,
				  int owner_stage, List *makers, AclStmts *result)
{
	DiffPrivs  *tp = t->privs;
	List	   *wait = makers;
	Priv	   *facl;
	int			nf;

	if (fresh)
	{
		/* created by whoever runs the script: given to t's owner */
		facl = tp->dflt;
		nf = tp->ndflt;
	}
	else
		facl = given_to(f->privs->acl, f->privs->nacl, f->privs->owner, tp->owner, &nf);
	if (owner_stage >= 0 && (fresh || target->owner_always ||
							 strcmp(f->privs->owner, tp->owner) != 0))
	{
		DiffStmt   *stmt = diff_emit(o, (DiffStage) owner_stage, NULL, "ALTER %s %s OWNER TO %s",
									 target->alter, target->qname, tp->owner);

		diff_after(makers, stmt);
		wait = lappend(list_copy(makers), stmt);
		result->owner = stmt;
	}
	acl_diff(o, target, NULL, facl, nf, tp->acl, tp->nacl, wait, result);
}

/*
 * table_privileges
 *		Owner and privileges of table (or partition) t, once f, and those of
 *		its columns (t's columns: the set's items keyed by its name).
 */
static void
table_privileges(DiffSchema *from, DiffSchema *to, DiffOutput *o, DiffItem *t, DiffItem *f,
				 bool fresh)
{
	Target		target = {"TABLE", "TABLE", diff_qname(o, t->name), false};
	AclStmts	table = {NULL, NIL, NIL, NIL, NIL};
	List	   *wait;
	int			end;
	int			start = diff_table_columns(&to->columns, t->name, &end);
	int			i;

	object_privileges(o, &target, t, f, fresh, STAGE_OWNER, t->stmts, &table);
	wait = list_concat_copy(t->stmts, table.revokes);
	if (table.owner)
		wait = lappend(wait, table.owner);
	for (i = start; start >= 0 && i < end; i++)
	{
		DiffItem   *tc = &to->columns.items[i];
		DiffItem   *fc = tc->match >= 0 ? &from->columns.items[tc->match] : NULL;
		AclStmts	column = {NULL, NIL, NIL, NIL, NIL};
		Priv	   *facl = NULL;
		int			nf = 0;
		Priv	   *tacl = tc->privs ? tc->privs->acl : NULL;
		int			nt = tc->privs ? tc->privs->nacl : 0;

		CHECK_FOR_INTERRUPTS();
		if (!fresh && fc && tc->stmts == NIL && fc->privs)
		{
			facl = given_to(fc->privs->acl, fc->privs->nacl, f->privs->owner, t->privs->owner, &nf);
			facl = after_table_revokes(facl, nf, &table);
		}
		if (nf > 0 || nt > 0)
			acl_diff(o, &target, tc->name, facl, nf, tacl, nt,
					 tc->stmts ? list_concat_copy(wait, tc->stmts) : wait, &column);
	}
}

/*
 * set_privileges
 *		Owners and privileges of the objects of one set of "to" (tset; fset:
 *		the same set of "from"), which are not tables: ALTER alter ... OWNER
 *		TO, GRANT ... ON on.  NULL alter or on: from the item (views,
 *		routines, types).
 */
static void
set_privileges(DiffSet *tset, DiffSet *fset, DiffOutput *o, const char *alter, const char *on)
{
	int			i;

	for (i = 0; i < tset->n; i++)
	{
		DiffItem   *t = &tset->items[i];
		DiffItem   *f = t->match >= 0 ? &fset->items[t->match] : NULL;
		bool		fresh = f == NULL || f->rebuild;
		int			owner_stage = STAGE_OWNER;
		Target		target = {alter, on, diff_qname(o, t->name), false};
		AclStmts	result = {NULL, NIL, NIL, NIL, NIL};
		List	   *makers = t->stmts;

		CHECK_FOR_INTERRUPTS();
		if (t->privs == NULL || (!fresh && f->privs == NULL))
			continue;			/* not read (rev_test's partial reads) */
		if (alter == NULL && (t->sub == 'v' || t->sub == 'm'))
			target.alter = t->sub == 'm' ? "MATERIALIZED VIEW" : "VIEW";
		else if (alter == NULL && (t->sub == 'f' || t->sub == 'p'))
		{
			target.alter = target.on = t->sub == 'p' ? "PROCEDURE" : "FUNCTION";
			target.qname = psprintf("%s(%s)", target.qname, t->table);
		}
		else if (alter == NULL)
			target.alter = target.on = t->sub == 'd' ? "DOMAIN" : "TYPE";
		if (strcmp(target.on, "SEQUENCE") == 0 && !fresh && f->table)
		{
			/*
			 * Owned by a column in "from": a sequence linked to a table takes
			 * no owner of its own, and its table's OWNER TO changes its.
			 * Still linked to the same column, it follows its table; linked
			 * to none in "to", it gets its owner once OWNED BY NONE ran;
			 * linked to another column, its link goes first (it must have
			 * its new table's owner when it is linked again).
			 */
			if (diff_str_equal(f->table, t->table) && diff_str_equal(f->extra, t->extra))
				owner_stage = -1;
			else
			{
				target.owner_always = true;
				if (t->table == NULL)
					owner_stage = STAGE_REVOKE;
				else
					makers = lappend(list_copy(makers),
									 diff_emit(o, STAGE_OWNER, NULL, "ALTER SEQUENCE %s OWNED BY NONE",
											   target.qname));
			}
		}
		object_privileges(o, &target, t, f, fresh, owner_stage, makers, &result);
	}
}

/*
 * diff_privileges
 *		With pg_revisions.diff_privileges on, the owner and privilege
 *		statements for the objects of "to" whose privileges were read,
 *		after the other statements were generated (the marks of a rebuild
 *		and the statements creating each object are set).
 */
void
diff_privileges(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	if (!pgrev_diff_privileges)
		return;
	for (i = 0; i < to->tables.n; i++)
	{
		DiffItem   *t = &to->tables.items[i];
		DiffItem   *f = t->match >= 0 ? &from->tables.items[t->match] : NULL;

		CHECK_FOR_INTERRUPTS();
		if (t->privs && (f == NULL || f->privs))
			table_privileges(from, to, o, t, f, f == NULL);
	}
	for (i = 0; i < to->partitions.n; i++)
	{
		DiffItem   *t = &to->partitions.items[i];
		DiffItem   *f = t->match >= 0 ? &from->partitions.items[t->match] : NULL;
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (t->privs && (fresh || f->privs))
		{
			Target		target = {"TABLE", "TABLE", diff_qname(o, t->name), false};
			AclStmts	result = {NULL, NIL, NIL, NIL, NIL};

			object_privileges(o, &target, t, f, fresh, STAGE_OWNER, t->stmts, &result);
		}
	}
	set_privileges(&to->sequences, &from->sequences, o, "SEQUENCE", "SEQUENCE");
	set_privileges(&to->views, &from->views, o, NULL, "TABLE");
	set_privileges(&to->functions, &from->functions, o, NULL, NULL);
	set_privileges(&to->types, &from->types, o, NULL, NULL);
	for (i = 0; i < to->enums.n; i++)
	{
		DiffItem   *t = &to->enums.items[i];
		ListCell   *lc;

		/* a rebuilt enum is created again */
		foreach(lc, o->rebuilt_types)
			if (strcmp((char *) lfirst(lc), diff_qname(o, t->name)) == 0 && t->match >= 0)
				from->enums.items[t->match].rebuild = true;
	}
	set_privileges(&to->enums, &from->enums, o, "TYPE", "TYPE");
}
