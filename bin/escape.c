/*
 * bin/escape.c — what the pg_revisions client prints that it did not write
 * itself (server messages and NOTICEs, revision messages and SQL, statements,
 * file names and file contents quoted in errors) goes through here, so that
 * a terminal escape sequence or another control character in them is shown
 * as \xNN instead of acting on the user's terminal (moving the cursor,
 * rewriting earlier lines, setting the window title...).
 *
 * Escaped: the C0 controls (bytes 0x00-0x1F) and DEL (0x7F), except the ones
 * a caller keeps (newline and tab in multi-line text; carriage return only
 * right before a newline, so CRLF text stays as it is), and the C1 controls
 * U+0080-U+009F (UTF-8 C2 80 - C2 9F), which some terminals obey too.  A
 * backslash itself is left alone: the escapes are for reading, not parsing.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_revisions.h"

/*
 * How many bytes at p are a control character to escape (0: none, 1: a C0
 * control or DEL, 2: a C1 control in UTF-8).  keep lists the C0 controls to
 * leave alone ('\r' only before '\n').
 */
static int
control_length(const unsigned char *p, const char *keep)
{
	if (*p == 0x7F)
		return 1;
	if (*p < 0x20)
	{
		if (*p == '\r')
			return (p[1] == '\n' && strchr(keep, '\r')) ? 0 : 1;
		return strchr(keep, *p) ? 0 : 1;
	}
	if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
		return 2;
	return 0;
}

/*
 * s with its control characters written \xNN (malloc'ed; NULL stays NULL).
 * keep: the C0 controls to keep, e.g. "\n\t" for multi-line text, "" for
 * one line.
 */
char *
escape_controls(const char *s, const char *keep)
{
	size_t		len = 0;
	char	   *out, *d;

	if (s == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
		len += control_length(p, keep) ? 4 : 1;
	out = d = xmalloc(len + 1);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		int			n = control_length(p, keep);

		for (int i = 0; i < n; i++)
		{
			static const char hex[] = "0123456789abcdef";

			*d++ = '\\';
			*d++ = 'x';
			*d++ = hex[p[i] >> 4];
			*d++ = hex[p[i] & 0xF];
		}
		if (n == 0)
			*d++ = (char) *p;
		else
			p += n - 1;
	}
	*d = '\0';
	return out;
}

/* Write s to f with its control characters escaped (see escape_controls). */
void
fput_escaped(const char *s, const char *keep, FILE *f)
{
	char	   *e = escape_controls(s, keep);

	fputs(e, f);
	free(e);
}
