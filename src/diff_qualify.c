/*-------------------------------------------------------------------------
 *
 * diff_qualify.c
 *	  Rewriting the schema qualifier of names in deparsed SQL.
 *
 * The schema readers (diff_read.c) run the server's deparsers with
 * search_path = pg_catalog, so every name outside pg_catalog comes out
 * qualified: "target.t", "target.mood", nextval('target.t_id_seq'::regclass).
 * To compare two schemas, and to emit statements acting on the output
 * schema, the qualifier "target." is replaced by "source." wherever it
 * qualifies a name.  The rewriter is token-aware: it understands quoted
 * identifiers, string literals (a literal cast to a reg* type is a name and
 * is rewritten inside), comments and dollar quotes, whose contents (function
 * bodies) are copied unchanged.
 *
 *-------------------------------------------------------------------------
 */
#include "diff.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static bool is_ident_start(char c);
static bool is_ident_char(char c);
static bool literal_is_name(const char *p);
static int	dollar_tag_length(const char *p);

/* Can c start an unquoted identifier? */
static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		(unsigned char) c >= 0x80;
}

/* Can c continue an unquoted identifier? */
static bool
is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/*
 * literal_is_name
 *		Does the text at p (just after a string literal) cast it to a type
 *		whose input is an object name (regclass, regtype, ...)?
 */
static bool
literal_is_name(const char *p)
{
	static const char *const casts[] = {
		"::regclass", "::regtype", "::regproc", "::regprocedure",
		"::regoper", "::regoperator", "::regconfig", "::regdictionary",
		"::regnamespace", NULL
	};
	int			i;

	for (i = 0; casts[i]; i++)
	{
		size_t		len = strlen(casts[i]);

		if (strncmp(p, casts[i], len) == 0 && !is_ident_char(p[len]))
			return true;
	}
	return false;
}

/*
 * dollar_tag_length
 *		If p starts a dollar quote ($$ or $tag$), the length of its opening
 *		delimiter; else 0.
 */
static int
dollar_tag_length(const char *p)
{
	int			len = 1;

	if (p[len] != '$' && !(is_ident_start(p[len])))
		return 0;
	while (p[len] != '$')
	{
		if (!is_ident_char(p[len]) || p[len] == '$')
			return 0;
		len++;
	}
	return len + 1;
}

/*
 * diff_requalify
 *		A palloc'd copy of text in which every name qualified with schema
 *		"from" (unquoted form, as stored in pg_namespace) is qualified with
 *		"to" instead, or left unqualified when to is NULL.  Contents of
 *		dollar quotes and comments are copied unchanged.  The caller
 *		guarantees text is deparser output (balanced quotes); an
 *		unterminated token is copied to the end.
 */
char *
diff_requalify(const char *text, const char *from, const char *to)
{
	StringInfoData buf;
	const char *p = text;
	const char *to_quoted = to ? quote_identifier(to) : NULL;
	char	   *result;

	if ((to != NULL && strcmp(from, to) == 0) || strstr(text, from) == NULL)
		return pstrdup(text);

	initStringInfo(&buf);
	while (*p)
	{
		const char *start = p;

		CHECK_FOR_INTERRUPTS();
		if (*p == '\'')
		{
			bool		escapes = (p > text && (p[-1] == 'E' || p[-1] == 'e') &&
								   (p - 1 == text || !is_ident_char(p[-2])));
			StringInfoData value;

			initStringInfo(&value);
			p++;
			while (*p)
			{
				CHECK_FOR_INTERRUPTS();
				if (*p == '\'' && p[1] == '\'')
				{
					appendStringInfoChar(&value, '\'');
					p += 2;
				}
				else if (*p == '\'')
					break;
				else if (escapes && *p == '\\' && p[1])
				{
					appendBinaryStringInfo(&value, p, 2);
					p += 2;
				}
				else
					appendStringInfoChar(&value, *p++);
			}
			if (*p)
				p++;
			if (!escapes && literal_is_name(p))
			{
				char	   *name = diff_requalify(value.data, from, to);
				const char *c;

				appendStringInfoChar(&buf, '\'');
				for (c = name; *c; c++)
				{
					if (*c == '\'')
						appendStringInfoChar(&buf, '\'');
					appendStringInfoChar(&buf, *c);
				}
				appendStringInfoChar(&buf, '\'');
				pfree(name);
			}
			else
				appendBinaryStringInfo(&buf, start, p - start);
			pfree(value.data);
		}
		else if (*p == '"')
		{
			StringInfoData ident;

			initStringInfo(&ident);
			p++;
			while (*p)
			{
				CHECK_FOR_INTERRUPTS();
				if (*p == '"' && p[1] == '"')
				{
					appendStringInfoChar(&ident, '"');
					p += 2;
				}
				else if (*p == '"')
					break;
				else
					appendStringInfoChar(&ident, *p++);
			}
			if (*p)
				p++;
			if (*p == '.' && strcmp(ident.data, from) == 0)
			{
				if (to_quoted)
					appendStringInfoString(&buf, to_quoted);
				else
					p++;		/* the qualifier goes, with its dot */
			}
			else
				appendBinaryStringInfo(&buf, start, p - start);
			pfree(ident.data);
		}
		else if (*p == '$' && (p == text || !is_ident_char(p[-1])) &&
				 dollar_tag_length(p) > 0)
		{
			int			taglen = dollar_tag_length(p);
			const char *end;

			end = strstr(p + taglen, pnstrdup(p, taglen));
			p = end ? end + taglen : p + strlen(p);
			appendBinaryStringInfo(&buf, start, p - start);
		}
		else if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
			appendBinaryStringInfo(&buf, start, p - start);
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			const char *end = strstr(p + 2, "*/");

			p = end ? end + 2 : p + strlen(p);
			appendBinaryStringInfo(&buf, start, p - start);
		}
		else if (is_ident_start(*p))
		{
			while (is_ident_char(*p))
				p++;
			if (*p == '.' && (size_t) (p - start) == strlen(from) &&
				strncmp(start, from, p - start) == 0)
			{
				if (to_quoted)
					appendStringInfoString(&buf, to_quoted);
				else
					p++;		/* the qualifier goes, with its dot */
			}
			else
				appendBinaryStringInfo(&buf, start, p - start);
		}
		else if (*p >= '0' && *p <= '9')
		{
			while (is_ident_char(*p) || (*p >= '0' && *p <= '9'))
				p++;
			appendBinaryStringInfo(&buf, start, p - start);
		}
		else
			appendStringInfoChar(&buf, *p++);
	}
	/* the buffer is 1 kB at least; the result stays, one per definition */
	result = pstrdup(buf.data);
	pfree(buf.data);
	return result;
}
