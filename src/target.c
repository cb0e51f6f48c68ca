/*-------------------------------------------------------------------------
 *
 * target.c
 *	  Resolving a target ("head", "ae1f-2", "auth@base", ...) against the
 *	  revision DAG into a RevPosition, with the errors the contract names:
 *	  several heads for "head", an ambiguous prefix, an unknown revision or
 *	  label, a walk that is ambiguous or too short.
 *
 * The grammar itself is syntax.c's; this file gives it meaning.  Every
 * error quotes the target (cut at TARGET_QUOTE_MAX bytes) and uses an
 * errcode, so callers can tell bad input from failures.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* Longest piece of user input quoted in a message, in bytes. */
#define TARGET_QUOTE_MAX 80

#define TARGET_FORMS_HINT \
	"A target is head, heads, base, a revision id or a unique prefix of one, " \
	"+N, -N, <id>+N, <id>-N, <label>@head, <label>@base, <label>@+N or <label>@-N."

static void parse_target_or_error(const char *target, TargetSpec *spec);
static int	find_revision(RevGraph *graph, const char *name);
static int	find_label(RevGraph *graph, const char *label);
static RevList branch_members(RevGraph *graph, int label_node, bool only_applied_heads);
static void walk_up(RevGraph *graph, const char *target, int start, int steps,
					int steps_before, RevPosition *pos);
static void walk_up_from_base(RevGraph *graph, const char *target, RevList starts,
							  int steps, RevPosition *pos);
static void walk_down(RevGraph *graph, const char *target, int start, int steps,
					  RevPosition *pos);
static void check_direction(const char *target, int steps, TargetUse use);

/*
 * clip_for_message
 *		text, cut to TARGET_QUOTE_MAX bytes (on a character boundary) with
 *		"..." appended when longer, for quoting user input in messages.
 */
char *
clip_for_message(const char *text)
{
	int			len = strlen(text);
	int			cut;

	if (len <= TARGET_QUOTE_MAX)
		return pstrdup(text);
	cut = pg_mbcliplen(text, len, TARGET_QUOTE_MAX);
	return psprintf("%.*s...", cut, text);
}

/*
 * name_problem
 *		A detail sentence saying why a revision id or branch label is invalid.
 */
const char *
name_problem(NameCheck check)
{
	switch (check)
	{
		case NAME_EMPTY:
			return "It is empty.";
		case NAME_TOO_LONG:
			return "It is longer than 63 characters.";
		case NAME_BAD_CHAR:
			return "Only letters A-Z and a-z, digits and underscores are allowed.";
		case NAME_RESERVED:
			return "The words head, heads and base are reserved for targets.";
		case NAME_OK:
			break;
	}
	return "It is valid.";
}

/*
 * parse_target_or_error
 *		Parse target, raising a clear error for NULL or malformed text.
 */
static void
parse_target_or_error(const char *target, TargetSpec *spec)
{
	TargetParseStatus status;
	const char *detail = NULL;

	if (target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("target must not be NULL"),
				 errhint(TARGET_FORMS_HINT)));

	status = pgrev_parse_target(target, strlen(target), spec);
	switch (status)
	{
		case TARGET_PARSE_OK:
			return;
		case TARGET_PARSE_EMPTY:
			detail = "The target is empty.";
			break;
		case TARGET_PARSE_BAD_NAME:
			detail = psprintf("The revision or label part \"%s\" is invalid. %s",
							  clip_for_message(pnstrdup(spec->name, spec->name_len)),
							  name_problem(spec->name_check));
			break;
		case TARGET_PARSE_BAD_STEPS:
			detail = "Steps are written +N or -N, with N a whole number from 1 to 2147483647.";
			break;
		case TARGET_PARSE_BAD_LABEL_SUFFIX:
			detail = "After \"@\" comes head, base, +N or -N.";
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid target \"%s\"", clip_for_message(target)),
			 errdetail_internal("%s", detail),
			 errhint(TARGET_FORMS_HINT)));
}

/*
 * check_target_text
 *		Raise the error resolve_target would for malformed target text,
 *		without needing the DAG.
 */
void
check_target_text(const char *target)
{
	TargetSpec	spec;

	parse_target_or_error(target, &spec);
}

/*
 * find_revision
 *		The node whose id is name, else the one that carries name as its
 *		branch label (Alembic's alias: "alembic upgrade shoppingcart" is the
 *		labelled revision), else the only one whose id starts with name; an
 *		error when there is none or several.
 */
static int
find_revision(RevGraph *graph, const char *name)
{
	int			exact = graph_find(graph, name);
	size_t		len = strlen(name);
	RevList		matches = {0, palloc(sizeof(int) * (graph->nnodes + 1))};
	int			n;

	if (exact >= 0)
		return exact;
	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].branch_label &&
			strcmp(graph->nodes[n].branch_label, name) == 0)
			return n;
	}
	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (strncmp(graph->nodes[n].id, name, len) == 0)
			matches.items[matches.n++] = n;
	}
	if (matches.n == 1)
		return matches.items[0];
	if (matches.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", name),
				 errhint("rev_history() lists the registered revisions.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("revision prefix \"%s\" is ambiguous", name),
			 errdetail("It matches %d revisions: %s.", matches.n,
					   graph_list_ids(graph, matches)),
			 errhint("Give more characters of the revision id.")));
	return -1;					/* keep compiler quiet */
}

/* The node carrying branch label, or an error. */
static int
find_label(RevGraph *graph, const char *label)
{
	int			n;

	for (n = 0; n < graph->nnodes; n++)
	{
		CHECK_FOR_INTERRUPTS();
		if (graph->nodes[n].branch_label &&
			strcmp(graph->nodes[n].branch_label, label) == 0)
			return n;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("branch label \"%s\" does not exist", label),
			 errhint("rev_history() shows the branch label of each revision.")));
	return -1;					/* keep compiler quiet */
}

/*
 * branch_members
 *		The branch of a label is the labelled revision and its descendants.
 *		Returns its heads (no children), or, with only_applied_heads, its
 *		applied revisions that have no applied child.
 */
static RevList
branch_members(RevGraph *graph, int label_node, bool only_applied_heads)
{
	bool	   *member = graph_descendants(graph, revlist_of_one(label_node));
	RevList		all = only_applied_heads ? graph_current(graph) : graph_heads(graph);
	RevList		result = {0, palloc(sizeof(int) * (all.n + 1))};
	int			i;

	for (i = 0; i < all.n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (member[all.items[i]])
			result.items[result.n++] = all.items[i];
	}
	return result;
}

/*
 * Refuse +N for a downgrade and -N for an upgrade, when N counts from the
 * current state (<id>+N and <id>-N name a fixed place and serve both).
 */
static void
check_direction(const char *target, int steps, TargetUse use)
{
	if (steps < 0 && use == TARGET_FOR_UPGRADE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rev_upgrade cannot move down to target \"%s\"", target),
				 errhint("Use rev_downgrade('%s').", target)));
	if (steps > 0 && use == TARGET_FOR_DOWNGRADE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rev_downgrade cannot move up to target \"%s\"", target),
				 errhint("Use rev_upgrade('%s').", target)));
}

/*
 * walk_up
 *		From start, follow the only child steps times; the position is the
 *		revision reached.  An error if a revision on the way has no child or
 *		several.  steps_before counts steps already taken to reach start,
 *		for the message.
 */
static void
walk_up(RevGraph *graph, const char *target, int start, int steps, int steps_before,
		RevPosition *pos)
{
	int			current = start;
	int			taken;

	for (taken = 0; taken < steps; taken++)
	{
		RevList		children = graph_children(graph, current);

		CHECK_FOR_INTERRUPTS();
		if (children.n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target \"%s\" is out of range", target),
					 errdetail_plural("Revision \"%s\" is a head, reached after %d of %d step up.",
									  "Revision \"%s\" is a head, reached after %d of %d steps up.",
									  steps + steps_before,
									  graph->nodes[current].id, taken + steps_before,
									  steps + steps_before)));
		if (children.n > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target \"%s\" is ambiguous", target),
					 errdetail("Revision \"%s\" has %d children: %s.",
							   graph->nodes[current].id, children.n,
							   graph_list_ids(graph, children)),
					 errhint("Name the revision to move to, or use <label>@+N.")));
		current = children.items[0];
	}
	pos->top = pos->floor = revlist_of_one(current);
}

/*
 * walk_up_from_base
 *		The first step up from nothing goes to the only revision of starts
 *		(the roots, or a labelled revision); then walk_up.
 */
static void
walk_up_from_base(RevGraph *graph, const char *target, RevList starts,
				  int steps, RevPosition *pos)
{
	if (starts.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target \"%s\" is out of range", target),
				 errdetail("No revision is registered.")));
	if (starts.n > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target \"%s\" is ambiguous", target),
				 errdetail("Nothing is applied and there are %d roots: %s.",
						   starts.n, graph_list_ids(graph, starts)),
				 errhint("Name the revision to move to, or use <label>@+N.")));
	walk_up(graph, target, starts.items[0], steps - 1, 1, pos);
}

/*
 * walk_down
 *		From start, revert steps revisions following the only parent.  The
 *		last revision stepped off is the floor; its parents are the top
 *		(none: base of that branch).  An error if the way down passes a merge
 *		or runs out of revisions.
 */
static void
walk_down(RevGraph *graph, const char *target, int start, int steps, RevPosition *pos)
{
	int			current = start;
	int			taken;

	for (taken = 1; taken < steps; taken++)
	{
		RevList		parents = graph_parents(graph, current);

		CHECK_FOR_INTERRUPTS();
		if (parents.n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target \"%s\" is out of range", target),
					 errdetail("Revision \"%s\" is a root: only %d of the %d steps down are possible.",
							   graph->nodes[current].id, taken, steps)));
		if (parents.n > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target \"%s\" is ambiguous", target),
					 errdetail("Revision \"%s\" merges %s.",
							   graph->nodes[current].id,
							   graph_list_ids(graph, parents)),
					 errhint("Name the revision to move to.")));
		current = parents.items[0];
	}
	pos->floor = revlist_of_one(current);
	pos->top = graph_parents(graph, current);
}

/*
 * resolve_target
 *		Fill *pos with where target points, for the given use.  Raises an
 *		error, changing nothing, for a NULL, malformed, unknown, ambiguous
 *		or out-of-range target.  The helpers it calls get the target as
 *		quoted for messages (clip_for_message).
 */
void
resolve_target(RevGraph *graph, const char *target, TargetUse use, RevPosition *pos)
{
	TargetSpec	spec;
	char	   *name;
	RevList		list;
	int			node;

	parse_target_or_error(target, &spec);
	memset(pos, 0, sizeof(*pos));
	name = spec.name ? pnstrdup(spec.name, spec.name_len) : NULL;
	/* From here on, messages quote the target cut short ("+000...0001"). */
	target = clip_for_message(target);

	switch (spec.kind)
	{
		case TARGET_BASE:
			pos->everything = true;
			break;

		case TARGET_HEADS:
			pos->top = pos->floor = graph_heads(graph);
			break;

		case TARGET_HEAD:
			list = graph_heads(graph);
			if (list.n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("target \"head\" is ambiguous: there are %d heads", list.n),
						 errdetail("Heads: %s.", graph_list_ids(graph, list)),
						 errhint("Use \"heads\" for all of them, \"<label>@head\" for one branch, "
								 "or join them with rev_merge().")));
			pos->top = pos->floor = list;
			break;

		case TARGET_REVISION:
			node = find_revision(graph, name);
			if (spec.steps > 0)
				walk_up(graph, target, node, spec.steps, 0, pos);
			else if (spec.steps < 0)
				walk_down(graph, target, node, -spec.steps, pos);
			else
				pos->top = pos->floor = revlist_of_one(node);
			break;

		case TARGET_RELATIVE:
			check_direction(target, spec.steps, use);
			list = graph_current(graph);
			if (list.n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("target \"%s\" is ambiguous: %d revisions are current heads",
								target, list.n),
						 errdetail("Current heads: %s.", graph_list_ids(graph, list)),
						 errhint("Use \"<revision>%s\" or \"<label>@%s\" to say which branch.",
								 target, target)));
			if (list.n == 1 && spec.steps > 0)
				walk_up(graph, target, list.items[0], spec.steps, 0, pos);
			else if (list.n == 1)
				walk_down(graph, target, list.items[0], -spec.steps, pos);
			else if (spec.steps > 0)
				walk_up_from_base(graph, target, graph_roots(graph), spec.steps, pos);
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("target \"%s\" is out of range", target),
						 errdetail("No revision is applied.")));
			break;

		case TARGET_LABEL_HEAD:
			node = find_label(graph, name);
			list = branch_members(graph, node, false);
			if (list.n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("target \"%s\" is ambiguous: branch \"%s\" has %d heads",
								target, name, list.n),
						 errdetail("Heads: %s.", graph_list_ids(graph, list)),
						 errhint("Name the revision, or join the heads with rev_merge().")));
			pos->top = pos->floor = list;
			break;

		case TARGET_LABEL_BASE:
			node = find_label(graph, name);
			pos->floor = revlist_of_one(node);
			pos->top = graph_parents(graph, node);
			break;

		case TARGET_LABEL_RELATIVE:
			node = find_label(graph, name);
			check_direction(target, spec.steps, use);
			list = branch_members(graph, node, true);
			if (list.n > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("target \"%s\" is ambiguous: branch \"%s\" has %d current heads",
								target, name, list.n),
						 errdetail("Current heads: %s.", graph_list_ids(graph, list))));
			if (list.n == 1 && spec.steps > 0)
				walk_up(graph, target, list.items[0], spec.steps, 0, pos);
			else if (list.n == 1)
				walk_down(graph, target, list.items[0], -spec.steps, pos);
			else if (spec.steps > 0)
				walk_up_from_base(graph, target, revlist_of_one(node), spec.steps, pos);
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("target \"%s\" is out of range", target),
						 errdetail("No revision of branch \"%s\" is applied.", name)));
			break;
	}
}

/*
 * operation_argument
 *		Argument argno of fcinfo, an operation: 'upgrade' or 'downgrade'
 *		(rev_claim, rev_plan).  NULL or anything else is an error quoting
 *		the value.
 */
RevDirection
operation_argument(FunctionCallInfo fcinfo, int argno)
{
	char	   *operation;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("operation must not be NULL"),
				 errhint("Pass 'upgrade' or 'downgrade'.")));
	operation = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(operation, "upgrade") == 0)
		return REV_UPGRADE;
	if (strcmp(operation, "downgrade") == 0)
		return REV_DOWNGRADE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized operation \"%s\"", clip_for_message(operation)),
			 errhint("Pass 'upgrade' or 'downgrade'.")));
	pg_unreachable();
}
