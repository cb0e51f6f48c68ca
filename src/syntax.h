/*-------------------------------------------------------------------------
 *
 * syntax.h
 *	  The lexical rules of pg_revisions: what a revision id or a branch label
 *	  may look like, and the grammar of a target ("head", "abc+2",
 *	  "auth@base", ...).
 *
 * This header and syntax.c depend on nothing but the C library, so the
 * target parser can be fuzzed or unit-tested outside the server.  Parsing
 * only splits and classifies the text: resolving a name against the
 * revision DAG is target.c's job.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGREV_SYNTAX_H
#define PGREV_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

/* Longest revision id or branch label, in bytes (one less than NAMEDATALEN). */
#define PGREV_NAME_MAX_LEN 63

/* Result of checking a revision id or branch label. */
typedef enum NameCheck
{
	NAME_OK,
	NAME_EMPTY,					/* zero length */
	NAME_TOO_LONG,				/* more than PGREV_NAME_MAX_LEN bytes */
	NAME_BAD_CHAR,				/* a byte outside [A-Za-z0-9_] */
	NAME_RESERVED				/* "head", "heads" or "base", in any case */
} NameCheck;

/* The forms a target can take (see the contract's "Targets" table). */
typedef enum TargetKind
{
	TARGET_HEAD,				/* "head" */
	TARGET_HEADS,				/* "heads" */
	TARGET_BASE,				/* "base" */
	TARGET_REVISION,			/* "<id or prefix>", "<id>+N", "<id>-N" */
	TARGET_RELATIVE,			/* "+N", "-N": from the single current head */
	TARGET_LABEL_HEAD,			/* "<label>@head" */
	TARGET_LABEL_BASE,			/* "<label>@base" */
	TARGET_LABEL_RELATIVE		/* "<label>@+N", "<label>@-N" */
} TargetKind;

/* Why a target did not parse. */
typedef enum TargetParseStatus
{
	TARGET_PARSE_OK,
	TARGET_PARSE_EMPTY,			/* "" */
	TARGET_PARSE_BAD_NAME,		/* the id, prefix or label part is invalid */
	TARGET_PARSE_BAD_STEPS,		/* "+", "-0", "+x", a number over INT32_MAX */
	TARGET_PARSE_BAD_LABEL_SUFFIX	/* "x@", "x@foo", "a@b@c" */
} TargetParseStatus;

/*
 * A parsed target.  name points into the parsed text (it is not
 * NUL-terminated: use name_len); steps is positive to move up, negative to
 * move down, 0 for none.
 */
typedef struct TargetSpec
{
	TargetKind	kind;
	const char *name;			/* id/prefix or label; NULL for other kinds */
	size_t		name_len;
	int			steps;
	NameCheck	name_check;		/* why name is bad, for TARGET_PARSE_BAD_NAME */
} TargetSpec;

extern NameCheck pgrev_check_name(const char *text, size_t len);
extern TargetParseStatus pgrev_parse_target(const char *text, size_t len,
											TargetSpec *spec);

#endif							/* PGREV_SYNTAX_H */
