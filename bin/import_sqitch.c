/*
 * bin/import_sqitch.c — the reader of `import sqitch PATH`: a Sqitch project
 * as an ImpSet (import.h).
 *
 * PATH is the project directory (or its plan file): sqitch.plan, deploy/ and
 * revert/ beside it.  Each change of the plan is a revision whose parent is
 * the change before it; its "[requires]" become depends_on (the parent
 * itself dropped; "!conflicts" are ignored; "project:change" only for the
 * plan's own %project).  Sqitch's BEGIN;/COMMIT; lines around a script are
 * removed (a revision runs in the transaction pg_revisions opens).
 *
 * Reworked changes (a name planned again after a tag, `sqitch rework`): each
 * instance is its own revision.  As Sqitch lays them out, an instance that
 * is reworked later has its scripts in deploy/<name>@<tag>.sql and
 * revert/<name>@<tag>.sql, <tag> the first of its rework tags (the tags
 * between it and its next instance, nearest to that one first, then its own)
 * whose deploy script exists; the last instance has deploy/<name>.sql.  Ids:
 * the last instance keeps the name's id, an earlier one is <name>_at_<tag>
 * (users@v1.0 -> users_at_v1_0); stamp --from sqitch maps the n-th deployed
 * row of a name in sqitch.changes to the n-th instance (sqitch_instance).
 * Requirements resolve as Sqitch resolves them: "name@tag" is the last
 * instance of name planned at or before the tag, "@tag" the change the tag
 * is on, "name" (or name@HEAD) the last instance planned before the change.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"

/* One line of a plan that matters: a change or a tag. */
typedef struct SqEntry
{
	char	   *name;			/* a change's name; NULL for a tag */
	char	   *tag;			/* a tag's name, without "@" */
	int			line;
	char	   *reqs;			/* a change's "[...]" contents, or NULL */
	char	   *note;
	int			on;				/* a tag: the index of the change it follows (-1: none) */
	char	   *id;				/* a change: its revision id */
	char	   *script;			/* a change: its script's name without ".sql" */
} SqEntry;

/* The plan's entries, in plan order. */
typedef struct SqPlan
{
	SqEntry    *e;
	int			n;
	char	   *project;
	char	   *file;
	char	   *top;
} SqPlan;

/*
 * A Sqitch script without the transaction control Sqitch's templates wrap it
 * in: lines that are only BEGIN; / COMMIT; (START TRANSACTION; ... too).
 */
static char *
strip_transaction(const char *text)
{
	static const char *const words[] = {"begin;", "begin transaction;", "begin work;", "start transaction;",
	"commit;", "commit transaction;", "commit work;", "end;"};
	char	   *out = xmalloc(strlen(text) + 1), *o = out, *result;

	for (const char *p = text; *p;)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p + 1) : strlen(p);
		char	   *t = trimmed(p, len);
		bool		drop = false;

		for (char *c = t; *c; c++)
			*c = (char) tolower((unsigned char) *c);
		for (int w = 0; w < 8; w++)
			if (strcmp(t, words[w]) == 0)
				drop = true;
		if (!drop)
		{
			memcpy(o, p, len);
			o += len;
		}
		free(t);
		p += len;
	}
	*o = '\0';
	result = trimmed(out, strlen(out));
	free(out);
	return result;
}

/* The id of an instance of a change reworked at tag ("<name>_at_<tag>" mapped), malloc'ed. */
static char *
reworked_id(const char *name, const char *tag)
{
	char	   *both = xmalloc(strlen(name) + strlen(tag) + 8);
	char	   *id;

	sprintf(both, "%s_at_%s", name, tag);
	id = import_id(IMPORT_SQITCH, both);
	free(both);
	return id;
}

/*
 * The revision of the n-th (from 0) instance of Sqitch change name among the
 * files (in topological order: plan order), or NULL.  An instance is the file
 * whose id is the name's (the last instance) or, before it, starts with the
 * name's id and "_at_" (a change named users_at_x planned before users would
 * be taken for one: ids cannot tell them apart).
 */
MigFile *
sqitch_instance(const MigSet *set, const char *name, int n)
{
	char	   *id = import_id(IMPORT_SQITCH, name);
	size_t		len = strlen(id);
	MigFile    *found = NULL;

	for (int i = 0; i < set->n && found == NULL; i++)
	{
		const char *r = set->files[i].revision;

		if (strcmp(r, id) == 0 || (strncmp(r, id, len) == 0 && strncmp(r + len, "_at_", 4) == 0))
		{
			if (n-- == 0)
				found = &set->files[i];
			else if (strcmp(r, id) == 0)
				break;			/* the last instance: what follows is not one */
		}
	}
	free(id);
	return found;
}

/* Read the plan's changes and tags into plan.  Returns an exit code. */
static int
read_plan(SqPlan *plan)
{
	char	   *text = imp_read(plan->file, "Sqitch plan");
	int			lineno = 0, cap = 64, last_change = -1;

	if (text == NULL)
		return EXIT_USAGE;
	plan->e = xmalloc(sizeof(SqEntry) * cap);
	for (char *p = text; *p;)
	{
		char	   *nl = strchr(p, '\n');
		char	   *line = trimmed(p, nl ? (size_t) (nl - p) : strlen(p));
		char	   *s = line, *note;
		SqEntry    *e;
		size_t		len;

		lineno++;
		p = nl ? nl + 1 : p + strlen(p);
		if (strncmp(s, "%project=", 9) == 0)
			plan->project = trimmed(s + 9, strlen(s + 9));
		if (*s == '\0' || *s == '#' || *s == '%')
			continue;			/* blank, comment, pragma */
		if (*s == '-')
		{
			imp_error(plan->file, lineno, "a change planned for revert (\"-name\") cannot be imported");
			return EXIT_USAGE;
		}
		if (plan->n == cap)
		{
			SqEntry    *bigger = xmalloc(sizeof(SqEntry) * (cap *= 2));

			memcpy(bigger, plan->e, sizeof(SqEntry) * plan->n);
			free(plan->e);
			plan->e = bigger;
		}
		e = &plan->e[plan->n];
		memset(e, 0, sizeof(*e));
		e->line = lineno;
		if (*s == '+')
			s++;
		len = strcspn(s, " \t[");
		if ((note = strchr(s, '#')) != NULL)
			e->note = trimmed(note + 1, strlen(note + 1));
		if (*s == '@')
		{
			e->tag = trimmed(s + 1, len - 1);
			e->on = last_change;
		}
		else
		{
			e->name = trimmed(s, len);
			s += len;
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '[')
			{
				char	   *end = strchr(s, ']');

				if (end == NULL)
				{
					imp_error(plan->file, lineno, "\"[\" without \"]\" in the requirements of change \"%s\"",
							  e->name);
					return EXIT_USAGE;
				}
				e->reqs = trimmed(s + 1, (size_t) (end - s - 1));
			}
			last_change = plan->n;
		}
		plan->n++;
		free(line);
	}
	free(text);
	return EXIT_OK;
}

/*
 * Give every change its id and script name (reworked instances: see the
 * header).  Returns an exit code.
 */
static int
name_instances(SqPlan *plan)
{
	for (int i = 0; i < plan->n; i++)
	{
		SqEntry    *c = &plan->e[i];
		int			next = -1;
		char	  **tags = NULL;
		int			ntags = 0;

		if (c->name == NULL)
			continue;
		for (int j = i + 1; j < plan->n && next < 0; j++)
			if (plan->e[j].name && strcmp(plan->e[j].name, c->name) == 0)
				next = j;
		if (next < 0)
		{
			c->id = import_id(IMPORT_SQITCH, c->name);
			c->script = xstrdup(c->name);
			continue;
		}
		/* Sqitch's rework tags: those on the changes before next, nearest first, then c's own. */
		for (int k = next - 1; k > i; k--)
			if (plan->e[k].name)
				for (int t = k + 1; t < plan->n && plan->e[t].name == NULL; t++)
					imp_list_add(&tags, &ntags, plan->e[t].tag);
		for (int t = i + 1; t < plan->n && plan->e[t].name == NULL; t++)
			imp_list_add(&tags, &ntags, plan->e[t].tag);
		if (ntags == 0)
		{
			imp_error(plan->file, plan->e[next].line, "change \"%s\" is planned again (line %d) without a "
					  "tag in between: Sqitch reworks a change only after a tag", c->name, c->line);
			return EXIT_USAGE;
		}
		for (int t = 0; t < ntags && c->script == NULL; t++)
		{
			char	   *path = xmalloc(strlen(plan->top) + strlen(c->name) + strlen(tags[t]) + 16);
			struct stat st;

			sprintf(path, "%s/deploy/%s@%s.sql", plan->top, c->name, tags[t]);
			if (stat(path, &st) == 0)
			{
				c->script = xmalloc(strlen(c->name) + strlen(tags[t]) + 2);
				sprintf(c->script, "%s@%s", c->name, tags[t]);
				c->id = reworked_id(c->name, tags[t]);
			}
			free(path);
		}
		if (c->script == NULL)
		{
			c->script = xmalloc(strlen(c->name) + strlen(tags[0]) + 2);
			sprintf(c->script, "%s@%s", c->name, tags[0]);
			c->id = reworked_id(c->name, tags[0]);
		}
	}
	return EXIT_OK;
}

/*
 * The id a requirement of change at index at names (see the header), or
 * NULL after an error naming the plan's line.
 */
static const char *
resolve_requirement(const SqPlan *plan, int at, const char *token)
{
	const SqEntry *c = &plan->e[at];
	const char *colon = strchr(token, ':');
	char	   *name, *tag = NULL, *atsign;
	int			limit = at - 1;
	const char *id = NULL;

	if (colon)
	{
		if (plan->project == NULL || strlen(plan->project) != (size_t) (colon - token) ||
			strncmp(token, plan->project, colon - token) != 0)
		{
			imp_error(plan->file, c->line, "change \"%s\" requires \"%s\" of another project: not supported",
					  c->name, token);
			return NULL;
		}
		token = colon + 1;
	}
	name = xstrdup(token);
	if ((atsign = strchr(name, '@')) != NULL)
	{
		*atsign = '\0';
		tag = atsign + 1;
	}
	if (tag && strcmp(tag, "HEAD") != 0)
	{
		int			t;

		for (t = at - 1; t >= 0; t--)
			if (plan->e[t].name == NULL && strcmp(plan->e[t].tag, tag) == 0)
				break;
		if (t < 0)
		{
			imp_error(plan->file, c->line, "change \"%s\" requires \"%s\", but tag @%s is not planned before it",
					  c->name, token, tag);
			return NULL;
		}
		limit = plan->e[t].on;
		if (*name == '\0')
		{
			if (limit < 0)
			{
				imp_error(plan->file, plan->e[t].line, "tag @%s is on no change", tag);
				return NULL;
			}
			return plan->e[limit].id;
		}
	}
	for (int k = limit; k >= 0 && id == NULL; k--)
		if (plan->e[k].name && strcmp(plan->e[k].name, name) == 0)
			id = plan->e[k].id;
	if (id == NULL)
		imp_error(plan->file, c->line, "change \"%s\" requires \"%s\", which is not planned before it",
				  c->name, token);
	free(name);
	return id;
}

/* Read a script of the project (deploy or revert) without its BEGIN/COMMIT; NULL when absent. */
static char *
read_script(const SqPlan *plan, const char *dir, const char *script, bool *failed)
{
	char	   *path = xmalloc(strlen(plan->top) + strlen(dir) + strlen(script) + 8);
	char	   *text, *sql = NULL;
	struct stat st;

	*failed = false;
	sprintf(path, "%s/%s/%s.sql", plan->top, dir, script);
	if (strcmp(dir, "revert") == 0 && stat(path, &st) != 0)
	{
		free(path);
		return NULL;
	}
	text = imp_read(path, strcmp(dir, "deploy") == 0 ? "Sqitch deploy script" : "Sqitch revert script");
	if (text == NULL)
		*failed = true;
	else
	{
		sql = strip_transaction(text);
		free(text);
	}
	free(path);
	return sql;
}

/* import sqitch PATH (the project directory or its plan file).  Returns an exit code. */
int
import_sqitch(const char *path, ImpSet *set)
{
	SqPlan		plan = {NULL, 0, NULL, NULL, NULL};
	struct stat st;
	const char *prev = NULL;
	int			rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
	{
		plan.top = xstrdup(path);
		plan.file = imp_path(path, "sqitch.plan");
	}
	else
	{
		const char *slash = strrchr(path, '/');

		plan.file = xstrdup(path);
		plan.top = slash ? trimmed(path, (size_t) (slash - path)) : xstrdup(".");
	}
	if ((rc = read_plan(&plan)) != EXIT_OK || (rc = name_instances(&plan)) != EXIT_OK)
		return rc;
	for (int i = 0; i < plan.n; i++)
	{
		SqEntry    *c = &plan.e[i];
		ImpRev	   *r;
		bool		failed;

		if (c->name == NULL)
			continue;
		r = imp_add(set, c->id, plan.file, c->line);
		r->message = c->note && *c->note ? c->note : xstrdup(c->name);
		if (prev)
			imp_list_add(&r->down, &r->ndown, prev);
		if (c->reqs)
		{
			char	   *deps = xstrdup(c->reqs);

			for (char *tok = strtok(deps, " \t"); tok; tok = strtok(NULL, " \t"))
			{
				const char *dep;
				bool		dup = false;

				if (tok[0] == '!')
					continue;	/* a conflict: nothing to record */
				if ((dep = resolve_requirement(&plan, i, tok)) == NULL)
					return EXIT_USAGE;
				for (int k = 0; k < r->ndeps; k++)
					dup |= strcmp(r->deps[k], dep) == 0;
				if ((prev == NULL || strcmp(dep, prev) != 0) && !dup)
					imp_list_add(&r->deps, &r->ndeps, dep);
			}
			free(deps);
		}
		free(r->upgrade);
		if ((r->upgrade = read_script(&plan, "deploy", c->script, &failed)) == NULL)
		{
			fprintf(stderr, "hint: change \"%s\" is planned on line %d of %s\n", c->name, c->line, plan.file);
			return EXIT_USAGE;
		}
		r->downgrade = read_script(&plan, "revert", c->script, &failed);
		if (failed)
			return EXIT_USAGE;
		prev = r->id;
	}
	return EXIT_OK;
}
