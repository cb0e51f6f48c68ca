/*-------------------------------------------------------------------------
 *
 * diff_objects.c
 *	  The statements for constraints, indexes, views and materialized
 *	  views, functions and procedures, and triggers (and their comments).
 *
 * These objects are compared by their deparsed definitions; a changed one
 * is dropped and created again, except a function whose signature and
 * result stay, which CREATE OR REPLACE changes in place.  A view is also
 * rebuilt when it reads a table whose columns are dropped or change type,
 * or a view that is rebuilt; views are dropped in reverse dependency order
 * and created in dependency order (from pg_depend, through pg_rewrite).
 * Everything that uses a function being dropped and created again is
 * rebuilt with it (diff_mark_functions).  Constraints, indexes and triggers
 * of a table being dropped go with it, except foreign keys to other tables,
 * which are dropped first.  The indexes and constraints a partition has of
 * its own are handled as a table's (diff_relation).
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static DiffItem *find_item(DiffSet *set, const char *key);
static bool mentions_rebuilt_type(DiffOutput *o, const char *def);
static void diff_constraints(DiffSchema *from, DiffSchema *to, DiffOutput *o);
static void diff_indexes(DiffSchema *from, DiffSchema *to, DiffOutput *o);
static void topological_order(DiffSet *views, int node, int *order, int *n);
static void diff_views(DiffSchema *from, DiffSchema *to, DiffOutput *o);
static void diff_functions(DiffSchema *from, DiffSchema *to, DiffOutput *o);
static void diff_triggers(DiffSchema *from, DiffSchema *to, DiffOutput *o);
static void diff_policies(DiffSchema *from, DiffSchema *to, DiffOutput *o);

/* The item of a set with this key, or NULL. */
static DiffItem *
find_item(DiffSet *set, const char *key)
{
	int			i = key ? diff_find(set, key) : -1;

	return i >= 0 ? &set->items[i] : NULL;
}

/*
 * mentions_rebuilt_type
 *		Does a definition name an enum type being rebuilt ('x'::app.mood in
 *		a predicate or check)?  Converting the column would leave it on the
 *		old type, so it is dropped before and created after.
 */
static bool
mentions_rebuilt_type(DiffOutput *o, const char *def)
{
	ListCell   *lc;

	foreach(lc, o->rebuilt_types)
		if (def && strstr(def, (char *) lfirst(lc)))
			return true;
	return false;
}

/*
 * diff_constraints
 *		Primary keys, unique, check, exclusion and foreign key constraints.
 *		A constraint is rebuilt when its definition changes, a column of its
 *		table is re-added or it names an enum being rebuilt; a foreign key
 *		also when a key constraint of the table it references is rebuilt.
 *		A foreign key from a table being dropped to another table is
 *		dropped first.  Keys and checks are created before indexes, foreign
 *		keys after.
 */
static void
diff_constraints(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			pass;
	int			i;

	/* pass 0: keys and checks, which mark their table (visited); 1: fkeys */
	for (pass = 0; pass < 2; pass++)
	{
		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < from->constraints.n; i++)
		{
			DiffItem   *f = &from->constraints.items[i];
			DiffItem   *t = f->match >= 0 ? &to->constraints.items[f->match] : NULL;
			/* a table, or a partition (a constraint of its own) */
			DiffItem   *table = diff_relation(from, f->table);
			DiffItem   *referenced = diff_relation(from, f->extra);
			char	   *qtable = diff_qname(o, f->table);

			CHECK_FOR_INTERRUPTS();
			if ((f->sub == 'f') != (pass == 1) || table == NULL)
				continue;
			/* with its table, except a foreign key to another table: it
			 * would block dropping that table or its key */
			if (table->match < 0 &&
				(f->sub != 'f' || referenced == NULL || referenced == table))
				continue;
			if (t && t->sub == f->sub && diff_str_equal(f->def, t->def) &&
				!diff_relation_rebuilt(from, table) &&
				table->match >= 0 && !mentions_rebuilt_type(o, f->def) && !f->rebuild &&
				!(f->sub == 'f' && referenced && referenced->visited))
				continue;
			f->rebuild = true;
			if (f->sub != 'f')
				table->visited = true;
			diff_for(diff_emit(o, f->sub == 'f' ? STAGE_DROP_FKEY : STAGE_DROP_CONSTRAINT,
							   psprintf("drops constraint %s on %s (no data is lost)",
										quote_identifier(f->name), qtable),
							   "ALTER TABLE %s DROP CONSTRAINT %s", qtable, quote_identifier(f->name)),
					 f);
		}
	}
	for (i = 0; i < to->constraints.n; i++)
	{
		DiffItem   *t = &to->constraints.items[i];
		DiffItem   *f = t->match >= 0 ? &from->constraints.items[t->match] : NULL;
		char	   *qtable = diff_qname(o, t->table);
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (fresh)
			diff_for(diff_emit(o, t->sub == 'f' ? STAGE_CREATE_FKEY : STAGE_CREATE_CONSTRAINT, NULL,
							   "ALTER TABLE %s ADD CONSTRAINT %s %s", qtable,
							   quote_identifier(t->name), t->def),
					 t);
		diff_comment(o, psprintf("CONSTRAINT %s ON %s", quote_identifier(t->name), qtable),
					 t->comment, f ? f->comment : NULL, fresh);
	}
}

/*
 * diff_indexes
 *		Indexes that back no constraint, on tables and materialized views.
 *		Run after diff_views has marked the rebuilt views: their indexes go
 *		with them and are created again after them.
 */
static void
diff_indexes(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < from->indexes.n; i++)
	{
		DiffItem   *f = &from->indexes.items[i];
		DiffItem   *t = f->match >= 0 ? &to->indexes.items[f->match] : NULL;
		DiffItem   *owner = f->sub == 'm' ? find_item(&from->views, f->table) :
			diff_relation(from, f->table);
		bool		owner_goes = owner == NULL || owner->match < 0 ||
			(f->sub == 'm' && owner->rebuild);

		CHECK_FOR_INTERRUPTS();
		if (!owner_goes && t && t->sub == f->sub && diff_str_equal(f->def, t->def) &&
			!(f->sub == 'm' ? owner->rebuild : diff_relation_rebuilt(from, owner)) &&
			!mentions_rebuilt_type(o, f->def) && !f->rebuild)
			continue;
		f->rebuild = true;
		if (!owner_goes)
			diff_for(diff_emit(o, STAGE_DROP_INDEX,
							   psprintf("drops index %s (no data is lost)", diff_qname(o, f->name)),
							   "DROP INDEX %s", diff_qname(o, f->name)),
					 f);
	}
	for (i = 0; i < to->indexes.n; i++)
	{
		DiffItem   *t = &to->indexes.items[i];
		DiffItem   *f = t->match >= 0 ? &from->indexes.items[t->match] : NULL;
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (fresh)
			diff_for(diff_emit(o, t->sub == 'm' ? STAGE_CREATE_VIEW_INDEX : STAGE_CREATE_INDEX, NULL,
							   "%s", t->def),
					 t);
		diff_comment(o, psprintf("INDEX %s", diff_qname(o, t->name)), t->comment,
					 f ? f->comment : NULL, fresh);
	}
}

/*
 * topological_order
 *		Append views[node] to order after the views of the same set it reads
 *		(depth first, with an explicit stack; visited marks the views already
 *		placed or on the stack).  order has room for every view.
 */
static void
topological_order(DiffSet *views, int node, int *order, int *n)
{
	int		   *stack;			/* views being placed */
	int		   *next;			/* per stack entry: the next label to follow */
	int			depth = 0;

	if (views->items[node].visited)
		return;
	stack = palloc(sizeof(int) * (views->n + 1));
	next = palloc(sizeof(int) * (views->n + 1));
	views->items[node].visited = true;
	stack[0] = node;
	next[0] = 0;
	depth = 1;
	while (depth > 0)
	{
		DiffItem   *v = &views->items[stack[depth - 1]];
		int			i = next[depth - 1]++;

		CHECK_FOR_INTERRUPTS();
		if (i < v->nlabels)
		{
			int			dep = diff_find(views, v->labels[i]);

			if (dep >= 0 && !views->items[dep].visited)
			{
				views->items[dep].visited = true;
				stack[depth] = dep;
				next[depth] = 0;
				depth++;
			}
		}
		else
			order[(*n)++] = stack[--depth];
	}
	pfree(stack);
	pfree(next);
}

/*
 * diff_views
 *		Views and materialized views.  A view of "from" is rebuilt when its
 *		definition or kind changes, or it reads a table that is dropped or
 *		altered or a view that is rebuilt.
 */
static void
diff_views(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int		   *forder = palloc(sizeof(int) * (from->views.n + 1));
	int		   *torder = palloc(sizeof(int) * (to->views.n + 1));
	int			nf = 0;
	int			nt = 0;
	int			i;
	int			j;

	for (i = 0; i < from->views.n; i++)
		topological_order(&from->views, i, forder, &nf);
	for (i = 0; i < to->views.n; i++)
		topological_order(&to->views, i, torder, &nt);

	for (i = 0; i < nf; i++)
	{
		DiffItem   *f = &from->views.items[forder[i]];
		DiffItem   *t = f->match >= 0 ? &to->views.items[f->match] : NULL;

		CHECK_FOR_INTERRUPTS();
		f->rebuild = f->rebuild || t == NULL || t->sub != f->sub ||
			!diff_str_equal(f->def, t->def);
		for (j = 0; j < f->nlabels && !f->rebuild; j++)
		{
			DiffItem   *table = diff_relation(from, f->labels[j]);
			DiffItem   *view = find_item(&from->views, f->labels[j]);

			if ((table && (table->match < 0 || table->altered)) || (view && view->rebuild))
				f->rebuild = true;
		}
	}
	for (i = nf - 1; i >= 0; i--)
	{
		DiffItem   *f = &from->views.items[forder[i]];
		char	   *qview = diff_qname(o, f->name);

		CHECK_FOR_INTERRUPTS();
		if (!f->rebuild)
			continue;
		if (f->sub == 'm')
			diff_for(diff_emit(o, STAGE_DROP_VIEW,
							   psprintf("drops materialized view %s and its stored rows (recomputed if it is created again)", qview),
							   "DROP MATERIALIZED VIEW %s", qview),
					 f);
		else
			diff_for(diff_emit(o, STAGE_DROP_VIEW, psprintf("drops view %s (no data is lost)", qview),
							   "DROP VIEW %s", qview),
					 f);
	}
	for (i = 0; i < nt; i++)
	{
		DiffItem   *t = &to->views.items[torder[i]];
		DiffItem   *f = t->match >= 0 ? &from->views.items[t->match] : NULL;
		char	   *qview = diff_qname(o, t->name);
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (fresh)
			diff_for(diff_emit(o, STAGE_CREATE_VIEW, NULL, "CREATE %sVIEW %s%s%s%s AS\n%s",
							   t->sub == 'm' ? "MATERIALIZED " : "", qview,
							   t->options ? " WITH (" : "", t->options ? t->options : "",
							   t->options ? ")" : "", t->def),
					 t);
		else
			diff_options(o, STAGE_CREATE_VIEW, t->sub == 'm' ? "MATERIALIZED VIEW" : "VIEW",
						 qview, f->options, t->options);
		diff_comment(o, psprintf("%sVIEW %s", t->sub == 'm' ? "MATERIALIZED " : "", qview),
					 t->comment, f ? f->comment : NULL, fresh);
	}
}

/*
 * diff_mark_functions
 *		Mark the functions of "from" that are dropped (gone, or a new
 *		result, argument name or default, or kind), and everything that
 *		uses them (views, column defaults and generated columns,
 *		constraints, indexes, triggers), which must go before them and come
 *		back after.  Runs before any statement is generated.
 */
void
diff_mark_functions(DiffSchema *from, DiffSchema *to)
{
	int			i;
	int			j;

	for (i = 0; i < from->functions.n; i++)
	{
		DiffItem   *f = &from->functions.items[i];
		DiffItem   *t = f->match >= 0 ? &to->functions.items[f->match] : NULL;

		CHECK_FOR_INTERRUPTS();
		if (t && t->sub == f->sub && diff_str_equal(f->extra, t->extra))
			continue;
		f->rebuild = true;
		for (j = 0; j < f->nlabels; j++)
		{
			const char *key = f->labels[j] + 1;
			DiffItem   *user = NULL;

			CHECK_FOR_INTERRUPTS();
			switch (f->labels[j][0])
			{
				case 'v':
					user = find_item(&from->views, key);
					break;
				case 'd':
					user = find_item(&from->columns, key);
					break;
				case 'c':
					user = find_item(&from->constraints, key);
					break;
				case 'i':
					user = find_item(&from->indexes, key);
					break;
				case 't':
					user = find_item(&from->triggers, key);
					break;
			}
			if (user)
				user->rebuild = true;
		}
	}
}

/*
 * diff_functions
 *		Functions and procedures, matched by name and identity arguments.
 *		A new body is CREATE OR REPLACE; a change of arguments' names or
 *		defaults, of the result or of the kind drops and creates it.  Most
 *		are dropped after tables (column defaults may call them), those
 *		with a SQL-standard body before (they depend on the tables).
 */
static void
diff_functions(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < from->functions.n; i++)
	{
		DiffItem   *f = &from->functions.items[i];
		const char *what = f->sub == 'p' ? "PROCEDURE" : "FUNCTION";
		char	   *qfunc;

		CHECK_FOR_INTERRUPTS();
		if (!f->rebuild)
			continue;
		qfunc = psprintf("%s(%s)", diff_qname(o, f->name), f->table);
		/* a BEGIN ATOMIC body depends on the tables it reads: drop it first */
		diff_for(diff_emit(o, f->atomic ? STAGE_DROP_ATOMIC_FUNCTION : STAGE_DROP_FUNCTION,
						   psprintf("drops %s %s (no data is lost)", f->sub == 'p' ? "procedure" : "function", qfunc),
						   "DROP %s %s", what, qfunc),
				 f);
	}
	for (i = 0; i < to->functions.n; i++)
	{
		DiffItem   *t = &to->functions.items[i];
		DiffItem   *f = t->match >= 0 ? &from->functions.items[t->match] : NULL;
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (fresh || !diff_str_equal(f->def, t->def))
			diff_for(diff_emit(o, STAGE_CREATE_FUNCTION, NULL, "%s", t->def), t);
		diff_comment(o, psprintf("%s %s(%s)", t->sub == 'p' ? "PROCEDURE" : "FUNCTION",
								 diff_qname(o, t->name), t->table),
					 t->comment, f ? f->comment : NULL, fresh);
	}
}

/*
 * diff_triggers
 *		Triggers on tables, dropped and created again when their definition
 *		changes.
 */
static void
diff_triggers(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < from->triggers.n; i++)
	{
		DiffItem   *f = &from->triggers.items[i];
		DiffItem   *t = f->match >= 0 ? &to->triggers.items[f->match] : NULL;
		DiffItem   *table = find_item(&from->tables, f->table);
		char	   *qtable = diff_qname(o, f->table);

		/*
		 * A trigger naming columns (UPDATE OF, WHEN) blocks a type change
		 * of them: rebuilt when its table has a column dropped or retyped.
		 */
		bool		names_columns = strstr(f->def, " UPDATE OF ") != NULL ||
			strstr(f->def, " WHEN (") != NULL;

		CHECK_FOR_INTERRUPTS();
		if (table == NULL || table->match < 0 ||
			(t && diff_str_equal(f->def, t->def) && !f->rebuild &&
			 !(table->altered && names_columns)))
			continue;
		f->rebuild = true;
		diff_for(diff_emit(o, STAGE_DROP_TRIGGER,
						   psprintf("drops trigger %s on %s (no data is lost)", quote_identifier(f->name), qtable),
						   "DROP TRIGGER %s ON %s", quote_identifier(f->name), qtable),
				 f);
	}
	for (i = 0; i < to->triggers.n; i++)
	{
		DiffItem   *t = &to->triggers.items[i];
		DiffItem   *f = t->match >= 0 ? &from->triggers.items[t->match] : NULL;
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (fresh)
			diff_for(diff_emit(o, STAGE_CREATE_TRIGGER, NULL, "%s", t->def), t);
		if (t->sub != (fresh ? TRIGGER_FIRES_ON_ORIGIN : f->sub))
			diff_emit(o, STAGE_CREATE_TRIGGER, NULL, "ALTER TABLE %s %s TRIGGER %s",
					  diff_qname(o, t->table),
					  t->sub == TRIGGER_DISABLED ? "DISABLE" :
					  t->sub == TRIGGER_FIRES_ON_REPLICA ? "ENABLE REPLICA" :
					  t->sub == TRIGGER_FIRES_ALWAYS ? "ENABLE ALWAYS" : "ENABLE",
					  quote_identifier(t->name));
		diff_comment(o, psprintf("TRIGGER %s ON %s", quote_identifier(t->name), diff_qname(o, t->table)),
					 t->comment, f ? f->comment : NULL, fresh);
	}
}

/*
 * diff_policies
 *		Row level security policies, dropped and created again when their
 *		definition changes, or when their table has a column dropped or
 *		retyped (a policy naming a column blocks its type change).  Those of
 *		a table being dropped go with it.
 */
static void
diff_policies(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	int			i;

	for (i = 0; i < from->policies.n; i++)
	{
		DiffItem   *f = &from->policies.items[i];
		DiffItem   *t = f->match >= 0 ? &to->policies.items[f->match] : NULL;
		DiffItem   *table = find_item(&from->tables, f->table);
		char	   *qtable = diff_qname(o, f->table);

		CHECK_FOR_INTERRUPTS();
		if (table == NULL || table->match < 0 ||
			(t && diff_str_equal(f->def, t->def) && !f->rebuild && !table->altered))
			continue;
		f->rebuild = true;
		diff_for(diff_emit(o, STAGE_DROP_TRIGGER,
						   psprintf("drops policy %s on %s (no data is lost)", quote_identifier(f->name), qtable),
						   "DROP POLICY %s ON %s", quote_identifier(f->name), qtable),
				 f);
	}
	for (i = 0; i < to->policies.n; i++)
	{
		DiffItem   *t = &to->policies.items[i];
		DiffItem   *f = t->match >= 0 ? &from->policies.items[t->match] : NULL;
		char	   *qtable = diff_qname(o, t->table);
		bool		fresh = f == NULL || f->rebuild;

		CHECK_FOR_INTERRUPTS();
		if (fresh)
			diff_for(diff_emit(o, STAGE_CREATE_TRIGGER, NULL, "CREATE POLICY %s ON %s %s",
							   quote_identifier(t->name), qtable, t->def),
					 t);
		diff_comment(o, psprintf("POLICY %s ON %s", quote_identifier(t->name), qtable),
					 t->comment, f ? f->comment : NULL, fresh);
	}
}

/*
 * diff_objects
 *		The statements for everything diff_tables does not cover.  Relies on
 *		the table marks diff_tables set.
 */
void
diff_objects(DiffSchema *from, DiffSchema *to, DiffOutput *o)
{
	diff_views(from, to, o);
	diff_constraints(from, to, o);
	diff_indexes(from, to, o);
	diff_functions(from, to, o);
	diff_triggers(from, to, o);
	diff_policies(from, to, o);
}
