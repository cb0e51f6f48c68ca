/*-------------------------------------------------------------------------
 *
 * fuzz_target.c
 *	  libFuzzer harness for the target grammar and the id/label check of
 *	  src/syntax.c (pure C: no server headers, compiled directly).
 *
 *	  clang -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *		  -g -O1 -Isrc test/fuzz/fuzz_target.c src/syntax.c -o fuzz_target
 *	  ./fuzz_target -max_total_time=60 corpus_copy/
 *
 * Every input is used twice:
 *
 *	1. as raw target text: pgrev_parse_target() and pgrev_check_name() must
 *	   not crash or read outside it (ASan: libFuzzer's buffer is exactly
 *	   Size bytes, with no NUL after it), and what they return must satisfy
 *	   the invariants below;
 *	2. as a recipe for a well-formed target (kind, name, sign, steps, leading
 *	   zeros), built as text and parsed: the parser must return exactly the
 *	   spec it was built from (every valid target is accepted).
 *
 * A violated invariant prints what went wrong and calls abort(), which
 * libFuzzer reports as a crash (and saves the input).  See README.md.
 *
 *-------------------------------------------------------------------------
 */
#include "syntax.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest text a well-formed target built in part 2 can have. */
#define BUILD_MAX (PGREV_NAME_MAX_LEN + 2 + 8 + 10 + 1)

static const uint8_t *current_input;
static size_t current_size;
static const char *built_text;	/* part 2's target, while it is checked */
static size_t built_len;

/* Report a broken invariant, with the input, and abort. */
static void
fail(const char *fmt,...)
{
	va_list		ap;
	size_t		i;

	fprintf(stderr, "\nfuzz_target: invariant violated: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ninput (%zu bytes): \"", current_size);
	for (i = 0; i < current_size && i < 200; i++)
	{
		unsigned char c = current_input[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "%s\"\n", current_size > 200 ? "..." : "");
	if (built_text)
		fprintf(stderr, "built target (%zu bytes): \"%.*s\"\n", built_len,
				(int) (built_len > 200 ? 200 : built_len), built_text);
	abort();
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* Reference implementation of pgrev_check_name, written independently. */
static NameCheck
ref_check_name(const char *text, size_t len)
{
	static const char *const reserved[] = {"head", "heads", "base"};
	size_t		i,
				r;

	if (len == 0)
		return NAME_EMPTY;
	if (len > 63)
		return NAME_TOO_LONG;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (!(c == '_' || (c >= '0' && c <= '9') ||
			  ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
			return NAME_BAD_CHAR;
	}
	for (r = 0; r < 3; r++)
	{
		const char *w = reserved[r];

		if (strlen(w) != len)
			continue;
		for (i = 0; i < len; i++)
			if ((text[i] | 0x20) != w[i])
				break;
		if (i == len)
			return NAME_RESERVED;
	}
	return NAME_OK;
}

/*
 * Reference "+N"/"-N": a sign, then digits (leading zeros allowed) whose
 * value is 1 .. 2147483647.  Returns false when text is not such steps.
 */
static bool
ref_steps(const char *text, size_t len, int *steps)
{
	size_t		i = 1,
				significant;
	unsigned long long value = 0;

	if (len < 2 || (text[0] != '+' && text[0] != '-'))
		return false;
	for (size_t j = 1; j < len; j++)
		if (text[j] < '0' || text[j] > '9')
			return false;
	while (i < len && text[i] == '0')
		i++;
	significant = len - i;
	if (significant == 0 || significant > 10)
		return false;
	for (; i < len; i++)
		value = value * 10 + (unsigned long long) (text[i] - '0');
	if (value > 2147483647ULL)
		return false;
	*steps = text[0] == '+' ? (int) value : -(int) value;
	return true;
}

/*
 * Reference parser, written from the grammar rather than from syntax.c:
 *
 *	target := "head" | "heads" | "base" | steps | name [ steps ]
 *			| name "@" ( "head" | "base" | steps )
 *
 * Fills spec and returns true when text is a target; false otherwise.
 */
static bool
ref_parse(const char *text, size_t len, TargetSpec *spec)
{
	const char *at = memchr(text, '@', len);
	size_t		name_len;

	memset(spec, 0, sizeof(*spec));
	if ((len == 4 && memcmp(text, "head", 4) == 0))
		return spec->kind = TARGET_HEAD, true;
	if ((len == 5 && memcmp(text, "heads", 5) == 0))
		return spec->kind = TARGET_HEADS, true;
	if ((len == 4 && memcmp(text, "base", 4) == 0))
		return spec->kind = TARGET_BASE, true;
	if (len > 0 && (text[0] == '+' || text[0] == '-'))
		return spec->kind = TARGET_RELATIVE, ref_steps(text, len, &spec->steps);

	if (at != NULL)
	{
		const char *suffix = at + 1;
		size_t		suffix_len = len - (size_t) (suffix - text);

		name_len = (size_t) (at - text);
		if (ref_check_name(text, name_len) != NAME_OK)
			return false;
		spec->name = text;
		spec->name_len = name_len;
		if (suffix_len == 4 && memcmp(suffix, "head", 4) == 0)
			return spec->kind = TARGET_LABEL_HEAD, true;
		if (suffix_len == 4 && memcmp(suffix, "base", 4) == 0)
			return spec->kind = TARGET_LABEL_BASE, true;
		spec->kind = TARGET_LABEL_RELATIVE;
		return ref_steps(suffix, suffix_len, &spec->steps);
	}

	/* name, then optionally steps: the name ends where a sign starts */
	for (name_len = 0; name_len < len; name_len++)
		if (text[name_len] == '+' || text[name_len] == '-')
			break;
	if (ref_check_name(text, name_len) != NAME_OK)
		return false;
	spec->kind = TARGET_REVISION;
	spec->name = text;
	spec->name_len = name_len;
	return name_len == len || ref_steps(text + name_len, len - name_len, &spec->steps);
}

static bool
kind_has_name(TargetKind kind)
{
	return kind == TARGET_REVISION || kind == TARGET_LABEL_HEAD ||
		kind == TARGET_LABEL_BASE || kind == TARGET_LABEL_RELATIVE;
}

static bool
same_spec(const TargetSpec *a, const TargetSpec *b)
{
	return a->kind == b->kind && a->name == b->name && a->name_len == b->name_len &&
		a->steps == b->steps && a->name_check == b->name_check;
}

/*
 * The text a successfully parsed spec stands for, except for the digits of
 * its steps: *prefix (NUL-terminated, in buf) is everything before the
 * steps' sign, or the whole text when has_steps is false.
 */
static void
serialize(const TargetSpec *spec, char *buf, size_t bufsize, bool *has_steps)
{
	size_t		n = 0;

	*has_steps = false;
	buf[0] = '\0';
	if (spec->name)
	{
		CHECK(spec->name_len < bufsize - 8, "name_len %zu too long to serialize", spec->name_len);
		memcpy(buf, spec->name, spec->name_len);
		n = spec->name_len;
		buf[n] = '\0';
	}
	switch (spec->kind)
	{
		case TARGET_HEAD:
			strcpy(buf, "head");
			break;
		case TARGET_HEADS:
			strcpy(buf, "heads");
			break;
		case TARGET_BASE:
			strcpy(buf, "base");
			break;
		case TARGET_RELATIVE:
			*has_steps = true;
			break;
		case TARGET_REVISION:
			*has_steps = spec->steps != 0;
			break;
		case TARGET_LABEL_HEAD:
			strcpy(buf + n, "@head");
			break;
		case TARGET_LABEL_BASE:
			strcpy(buf + n, "@base");
			break;
		case TARGET_LABEL_RELATIVE:
			strcpy(buf + n, "@");
			*has_steps = true;
			break;
	}
}

/*
 * text[0..len) must be prefix, then the sign of steps, then any number of
 * '0', then |steps| in decimal (leading zeros are accepted: "+01" is +1).
 */
static void
check_round_trip(const char *text, size_t len, const TargetSpec *spec)
{
	char		prefix[PGREV_NAME_MAX_LEN + 16];
	char		digits[16];
	bool		has_steps;
	size_t		plen,
				dlen,
				pos;
	long long	magnitude = spec->steps < 0 ? -(long long) spec->steps : spec->steps;

	serialize(spec, prefix, sizeof(prefix), &has_steps);
	plen = strlen(prefix);
	if (!has_steps)
	{
		CHECK(len == plen && memcmp(text, prefix, len) == 0,
			  "re-serialized \"%s\" differs from the input (kind %d)", prefix, (int) spec->kind);
		return;
	}
	CHECK(len > plen && memcmp(text, prefix, plen) == 0,
		  "input does not start with re-serialized \"%s\" (kind %d)", prefix, (int) spec->kind);
	CHECK(text[plen] == (spec->steps > 0 ? '+' : '-'),
		  "sign of steps %d does not match the input", spec->steps);
	snprintf(digits, sizeof(digits), "%lld", magnitude);
	dlen = strlen(digits);
	pos = plen + 1;
	while (pos < len && len - pos > dlen && text[pos] == '0')
		pos++;
	CHECK(len - pos == dlen && memcmp(text + pos, digits, dlen) == 0,
		  "steps %d (\"%s\") do not re-serialize to the input (kind %d)",
		  spec->steps, digits, (int) spec->kind);
}

/* Part 1: the input as raw target text. */
static void
check_raw(const char *text, size_t len)
{
	TargetSpec	spec,
				again;
	TargetParseStatus status,
				status_again;
	NameCheck	check = pgrev_check_name(text, len);

	/* pgrev_check_name agrees with the reference, and is deterministic. */
	CHECK(check == ref_check_name(text, len),
		  "pgrev_check_name = %d, reference = %d", (int) check, (int) ref_check_name(text, len));
	CHECK(pgrev_check_name(text, len) == check, "pgrev_check_name is not deterministic");

	/* The parser is deterministic, and fills spec the same way each time. */
	memset(&spec, 0x5a, sizeof(spec));
	status = pgrev_parse_target(text, len, &spec);
	memset(&again, 0xa5, sizeof(again));
	status_again = pgrev_parse_target(text, len, &again);
	CHECK(status == status_again && same_spec(&spec, &again), "pgrev_parse_target is not deterministic");

	CHECK((status == TARGET_PARSE_EMPTY) == (len == 0), "status %d for %zu bytes", (int) status, len);

	/* The reference parser accepts the same texts, with the same meaning. */
	{
		TargetSpec	ref;
		bool		ref_ok = ref_parse(text, len, &ref);

		CHECK(ref_ok == (status == TARGET_PARSE_OK),
			  "pgrev_parse_target status %d, but the reference parser %s it",
			  (int) status, ref_ok ? "accepts" : "refuses");
		if (ref_ok)
			CHECK(same_spec(&spec, &ref),
				  "parsed as kind %d name %zu bytes steps %d; reference: kind %d name %zu bytes steps %d",
				  (int) spec.kind, spec.name_len, spec.steps,
				  (int) ref.kind, ref.name_len, ref.steps);
	}

	/* A name, when set, is a prefix of the input. */
	if (spec.name)
		CHECK(spec.name == text && spec.name_len <= len,
			  "name (offset %td, %zu bytes) is not a prefix of the input",
			  spec.name - text, spec.name_len);

	switch (status)
	{
		case TARGET_PARSE_OK:
			CHECK(spec.kind >= TARGET_HEAD && spec.kind <= TARGET_LABEL_RELATIVE,
				  "kind %d out of range", (int) spec.kind);
			CHECK((spec.name != NULL) == kind_has_name(spec.kind),
				  "kind %d %s a name", (int) spec.kind, spec.name ? "has" : "lacks");
			if (spec.name)
			{
				size_t		i;

				CHECK(spec.name_len >= 1 && spec.name_len <= PGREV_NAME_MAX_LEN,
					  "name of %zu bytes accepted", spec.name_len);
				for (i = 0; i < spec.name_len; i++)
				{
					unsigned char c = (unsigned char) spec.name[i];

					CHECK(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
						  (c >= 'A' && c <= 'Z'), "name byte 0x%02x accepted", c);
				}
				CHECK(ref_check_name(spec.name, spec.name_len) == NAME_OK,
					  "name is invalid (reference says %d)",
					  (int) ref_check_name(spec.name, spec.name_len));
				CHECK(spec.name_check == NAME_OK, "name_check %d on success", (int) spec.name_check);
			}
			/* steps: non-zero exactly for the relative forms, |steps| <= INT_MAX */
			CHECK(spec.steps != INT_MIN, "steps = INT_MIN");
			if (spec.kind == TARGET_RELATIVE || spec.kind == TARGET_LABEL_RELATIVE)
				CHECK(spec.steps != 0, "relative kind %d with 0 steps", (int) spec.kind);
			else if (spec.kind != TARGET_REVISION)
				CHECK(spec.steps == 0, "kind %d with steps %d", (int) spec.kind, spec.steps);
			check_round_trip(text, len, &spec);
			break;

		case TARGET_PARSE_EMPTY:
			break;

		case TARGET_PARSE_BAD_NAME:
			CHECK(spec.name == text, "BAD_NAME without the name");
			CHECK(spec.name_check != NAME_OK, "BAD_NAME with name_check NAME_OK");
			CHECK(spec.name_check == ref_check_name(spec.name, spec.name_len),
				  "BAD_NAME name_check %d, reference %d", (int) spec.name_check,
				  (int) ref_check_name(spec.name, spec.name_len));
			/* the name part ends at the first '@', '+' or '-' */
			CHECK(memchr(text, '@', spec.name_len) == NULL &&
				  memchr(text, '+', spec.name_len) == NULL &&
				  memchr(text, '-', spec.name_len) == NULL, "name part crosses '@', '+' or '-'");
			CHECK(spec.name_len == len || text[spec.name_len] == '@' ||
				  text[spec.name_len] == '+' || text[spec.name_len] == '-',
				  "name part stops before the end at 0x%02x", (unsigned char) text[spec.name_len]);
			break;

		case TARGET_PARSE_BAD_STEPS:
		case TARGET_PARSE_BAD_LABEL_SUFFIX:
			break;

		default:
			fail("unknown status %d", (int) status);
	}
}

/* Part 2: build a well-formed target from the input, and parse it back. */
static void
check_built(const uint8_t *data, size_t size)
{
	static const char name_chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
	char	   *text;
	size_t		len = 0,
				name_len = 0,
				zeros,
				i;
	TargetKind	kind;
	TargetSpec	spec;
	TargetParseStatus status;
	uint32_t	raw = 0;
	int			steps = 0;
	bool		reserved_name;
	bool		bare;
	char		digits[16];
	const char *parsed;

	if (size < 7)
		return;
	kind = (TargetKind) (data[0] % 8);
	zeros = (data[1] >> 6) & 3;
	bare = (data[1] & 2) != 0;
	for (i = 0; i < 4; i++)
		raw = raw << 8 | data[2 + i];
	steps = (int) (raw % INT_MAX) + 1;	/* 1 .. INT_MAX */
	if (data[1] & 1)
		steps = -steps;
	data += 6;
	size -= 6;
	if (kind_has_name(kind))
	{
		name_len = 1 + data[0] % PGREV_NAME_MAX_LEN;
		if (name_len > size - 1)
			name_len = size - 1;
		if (name_len == 0)
			return;
	}

	/* An exact-size heap buffer, so that ASan catches reads past the end. */
	text = malloc(BUILD_MAX);
	if (text == NULL)
		abort();
	for (i = 0; i < name_len; i++)
		text[len++] = name_chars[data[1 + i] % 63];
	reserved_name = name_len > 0 && ref_check_name(text, name_len) == NAME_RESERVED;
	if (kind == TARGET_LABEL_HEAD)
		len += (size_t) sprintf(text + len, "@head");
	else if (kind == TARGET_LABEL_BASE)
		len += (size_t) sprintf(text + len, "@base");
	else if (kind == TARGET_HEAD || kind == TARGET_HEADS || kind == TARGET_BASE)
		len += (size_t) sprintf(text + len, "%s",
								kind == TARGET_HEAD ? "head" : kind == TARGET_HEADS ? "heads" : "base");
	if (kind == TARGET_LABEL_RELATIVE)
		text[len++] = '@';
	if (kind == TARGET_REVISION && bare)
		steps = 0;				/* a bare id or prefix */
	else if (kind != TARGET_RELATIVE && kind != TARGET_REVISION && kind != TARGET_LABEL_RELATIVE)
		steps = 0;
	if (steps != 0)
	{
		text[len++] = steps > 0 ? '+' : '-';
		for (i = 0; i < zeros; i++)
			text[len++] = '0';
		snprintf(digits, sizeof(digits), "%lld", steps > 0 ? (long long) steps : -(long long) steps);
		memcpy(text + len, digits, strlen(digits));
		len += strlen(digits);
	}
	if (len > BUILD_MAX)
		abort();
	/* move the text to the end of the buffer: nothing readable after it */
	memmove(text + BUILD_MAX - len, text, len);

	parsed = text + BUILD_MAX - len;
	built_text = parsed;
	built_len = len;
	status = pgrev_parse_target(parsed, len, &spec);
	if (reserved_name && steps == 0 && kind == TARGET_REVISION &&
		((len == 4 && memcmp(parsed, "head", 4) == 0) ||
		 (len == 5 && memcmp(parsed, "heads", 5) == 0) ||
		 (len == 4 && memcmp(parsed, "base", 4) == 0)))
	{
		/* a bare "head", "heads" or "base": the keyword, not a name */
		CHECK(status == TARGET_PARSE_OK && spec.name == NULL && spec.steps == 0 &&
			  spec.kind == (len == 5 ? TARGET_HEADS : parsed[0] == 'b' ? TARGET_BASE : TARGET_HEAD),
			  "keyword parsed as status %d kind %d", (int) status, (int) spec.kind);
	}
	else if (reserved_name)
		CHECK(status == TARGET_PARSE_BAD_NAME && spec.name_check == NAME_RESERVED,
			  "built target with a reserved name: status %d", (int) status);
	else
	{
		CHECK(status == TARGET_PARSE_OK, "built well-formed target (kind %d, name %zu bytes, "
			  "steps %d, %zu zeros) refused: status %d", (int) kind, name_len, steps, zeros, (int) status);
		CHECK(spec.kind == kind, "built kind %d parsed as %d", (int) kind, (int) spec.kind);
		CHECK(spec.steps == steps, "built steps %d parsed as %d", steps, spec.steps);
		CHECK(spec.name_len == name_len && (name_len == 0 ? spec.name == NULL
											: spec.name == text + BUILD_MAX - len),
			  "built name of %zu bytes parsed as %zu bytes", name_len, spec.name_len);
	}
	check_raw(parsed, len);
	built_text = NULL;
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	current_input = data;
	current_size = size;
	check_raw((const char *) data, size);
	check_built(data, size);
	return 0;
}
