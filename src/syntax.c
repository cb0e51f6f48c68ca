/*-------------------------------------------------------------------------
 *
 * syntax.c
 *	  Pure C checks of revision ids and branch labels, and the target
 *	  grammar:
 *
 *		target	:= "head" | "heads" | "base"
 *				 | steps							-- "+2", "-1"
 *				 | name [ steps ]					-- "ae10", "ae10-2"
 *				 | name "@" ( "head" | "base" | steps )
 *		steps	:= ( "+" | "-" ) digit+				-- 1 .. 2147483647
 *		name	:= [A-Za-z0-9_]{1,63}, not head/heads/base
 *
 * No server headers: see syntax.h.
 *
 *-------------------------------------------------------------------------
 */
#include "syntax.h"

#include <limits.h>
#include <string.h>

static bool is_name_char(char c);
static bool equals_word(const char *text, size_t len, const char *word);
static bool equals_word_nocase(const char *text, size_t len, const char *word);
static TargetParseStatus parse_steps(const char *text, size_t len, int *steps);

/* Is c allowed in a revision id or branch label? */
static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

/* Is text[0..len) exactly word? */
static bool
equals_word(const char *text, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(text, word, len) == 0;
}

/* Is text[0..len) word, ignoring ASCII case? */
static bool
equals_word_nocase(const char *text, size_t len, const char *word)
{
	size_t		i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = text[i];

		if (c >= 'A' && c <= 'Z')
			c = (char) (c - 'A' + 'a');
		if (c != word[i])
			return false;
	}
	return true;
}

/*
 * pgrev_check_name
 *		Check that text[0..len) is a valid revision id or branch label.
 *		text need not be NUL-terminated; an embedded NUL is a bad char.
 */
NameCheck
pgrev_check_name(const char *text, size_t len)
{
	size_t		i;

	if (len == 0)
		return NAME_EMPTY;
	if (len > PGREV_NAME_MAX_LEN)
		return NAME_TOO_LONG;
	for (i = 0; i < len; i++)
		if (!is_name_char(text[i]))
			return NAME_BAD_CHAR;
	if (equals_word_nocase(text, len, "head") ||
		equals_word_nocase(text, len, "heads") ||
		equals_word_nocase(text, len, "base"))
		return NAME_RESERVED;
	return NAME_OK;
}

/*
 * parse_steps
 *		Parse "+N" or "-N" (N >= 1, no sign repeated, no spaces) filling
 *		*steps with +N or -N.
 */
static TargetParseStatus
parse_steps(const char *text, size_t len, int *steps)
{
	long long	value = 0;
	size_t		i;

	if (len < 2 || (text[0] != '+' && text[0] != '-'))
		return TARGET_PARSE_BAD_STEPS;
	for (i = 1; i < len; i++)
	{
		if (text[i] < '0' || text[i] > '9')
			return TARGET_PARSE_BAD_STEPS;
		value = value * 10 + (text[i] - '0');
		if (value > INT_MAX)
			return TARGET_PARSE_BAD_STEPS;
	}
	if (value == 0)
		return TARGET_PARSE_BAD_STEPS;
	*steps = text[0] == '+' ? (int) value : -(int) value;
	return TARGET_PARSE_OK;
}

/*
 * pgrev_parse_target
 *		Split text[0..len) into a TargetSpec.  On success spec->name (if any)
 *		points into text, which must outlive spec.  On failure spec is
 *		partly filled: name/name_check describe a bad name.
 */
TargetParseStatus
pgrev_parse_target(const char *text, size_t len, TargetSpec *spec)
{
	size_t		name_len;
	const char *at;

	memset(spec, 0, sizeof(*spec));
	if (len == 0)
		return TARGET_PARSE_EMPTY;

	if (equals_word(text, len, "head"))
	{
		spec->kind = TARGET_HEAD;
		return TARGET_PARSE_OK;
	}
	if (equals_word(text, len, "heads"))
	{
		spec->kind = TARGET_HEADS;
		return TARGET_PARSE_OK;
	}
	if (equals_word(text, len, "base"))
	{
		spec->kind = TARGET_BASE;
		return TARGET_PARSE_OK;
	}
	if (text[0] == '+' || text[0] == '-')
	{
		spec->kind = TARGET_RELATIVE;
		return parse_steps(text, len, &spec->steps);
	}

	/* A name runs up to the first '@', '+' or '-'. */
	for (name_len = 0; name_len < len; name_len++)
	{
		char		c = text[name_len];

		if (c == '@' || c == '+' || c == '-')
			break;
	}
	spec->name = text;
	spec->name_len = name_len;
	spec->name_check = pgrev_check_name(text, name_len);
	if (spec->name_check != NAME_OK)
		return TARGET_PARSE_BAD_NAME;

	if (name_len == len)
	{
		spec->kind = TARGET_REVISION;
		return TARGET_PARSE_OK;
	}
	if (text[name_len] != '@')
	{
		spec->kind = TARGET_REVISION;
		return parse_steps(text + name_len, len - name_len, &spec->steps);
	}

	at = text + name_len + 1;
	len -= name_len + 1;
	if (equals_word(at, len, "head"))
		spec->kind = TARGET_LABEL_HEAD;
	else if (equals_word(at, len, "base"))
		spec->kind = TARGET_LABEL_BASE;
	else if (len > 0 && (at[0] == '+' || at[0] == '-'))
	{
		spec->kind = TARGET_LABEL_RELATIVE;
		return parse_steps(at, len, &spec->steps);
	}
	else
		return TARGET_PARSE_BAD_LABEL_SUFFIX;
	return TARGET_PARSE_OK;
}
