/*
 * bin/output.c — result tables of the pg_revisions client: aligned text for
 * people (a header, a rule, one line a row, a footer), or with --format json
 * a JSON array of objects for machines (booleans as true/false, lists as
 * arrays, NULL as null).
 */
#include <stdlib.h>
#include <string.h>

#include "pg_revisions.h"

struct Table
{
	int			ncols;
	const char *const *names;
	const CellKind *kinds;
	char	 ***rows;			/* rows[r][c], malloc'ed copies (NULL kept) */
	int			nrows, cap;
};

/* A new table; names and kinds must outlive it. */
Table *
table_new(int ncols, const char *const *names, const CellKind *kinds)
{
	Table	   *t = xmalloc(sizeof(Table));

	t->ncols = ncols;
	t->names = names;
	t->kinds = kinds;
	t->nrows = 0;
	t->cap = 16;
	t->rows = xmalloc(sizeof(char **) * t->cap);
	return t;
}

/* Add a row of ncols values (copied; NULL allowed). */
void
table_add(Table *t, const char *const *values)
{
	char	  **row = xmalloc(sizeof(char *) * t->ncols);

	if (t->nrows == t->cap)
	{
		char	 ***bigger = xmalloc(sizeof(char **) * t->cap * 2);

		memcpy(bigger, t->rows, sizeof(char **) * t->cap);
		free(t->rows);
		t->rows = bigger;
		t->cap *= 2;
	}
	for (int c = 0; c < t->ncols; c++)
		row[c] = xstrdup(values[c]);
	t->rows[t->nrows++] = row;
}

/* The number of rows added so far. */
int
table_rows(const Table *t)
{
	return t->nrows;
}

/* A list cell ({a,b} or a,b) as its items; *items malloc'ed. */
static int
list_items(const char *value, char ***items)
{
	char	   *copy;
	int			n;
	size_t		len;

	if (value == NULL)
	{
		*items = NULL;
		return 0;
	}
	copy = xstrdup(value[0] == '{' ? value + 1 : value);
	len = strlen(copy);
	if (len > 0 && copy[len - 1] == '}')
		copy[len - 1] = '\0';
	n = split_list(copy, items);
	free(copy);
	return n;
}

/*
 * The text form of a cell: lists as "a, b", booleans as yes/no, control
 * characters escaped (escape.c).
 */
static char *
cell_text(const Table *t, int c, const char *value)
{
	char	  **items;
	int			n;
	size_t		len = 1;
	char	   *s;

	if (value == NULL)
		return xstrdup("");
	if (t->kinds[c] == CELL_BOOL)
		return xstrdup(value[0] == 't' ? "yes" : "no");
	if (t->kinds[c] != CELL_LIST)
	{
		/* one line: newlines shown as spaces, other controls escaped */
		char	   *line = xstrdup(value);

		for (char *p = line; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		s = escape_controls(line, "");
		free(line);
		return s;
	}
	n = list_items(value, &items);
	for (int i = 0; i < n; i++)
	{
		char	   *e = escape_controls(items[i], "");

		free(items[i]);
		items[i] = e;
		len += strlen(e) + 2;
	}
	s = xmalloc(len);
	s[0] = '\0';
	for (int i = 0; i < n; i++)
	{
		if (i)
			strcat(s, ", ");
		strcat(s, items[i]);
		free(items[i]);
	}
	free(items);
	return s;
}

/* Display width of a UTF-8 string (one column per code point). */
static int
width(const char *s)
{
	int			w = 0;

	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

/* Print the table as a JSON array of objects, one per row, keyed by column name. */
static void
print_json(const Table *t)
{
	printf("[");
	for (int r = 0; r < t->nrows; r++)
	{
		printf("%s\n  {", r ? "," : "");
		for (int c = 0; c < t->ncols; c++)
		{
			const char *v = t->rows[r][c];
			char	   *q = json_quote(t->names[c]);

			printf("%s%s: ", c ? ", " : "", q);
			free(q);
			if (v == NULL)
				printf("null");
			else if (t->kinds[c] == CELL_BOOL)
				printf("%s", v[0] == 't' ? "true" : "false");
			else if (t->kinds[c] == CELL_LIST)
			{
				char	  **items;
				int			n = list_items(v, &items);

				printf("[");
				for (int i = 0; i < n; i++)
				{
					q = json_quote(items[i]);
					printf("%s%s", i ? ", " : "", q);
					free(q);
					free(items[i]);
				}
				free(items);
				printf("]");
			}
			else
			{
				q = json_quote(v);
				printf("%s", q);
				free(q);
			}
		}
		printf("}");
	}
	printf("%s]\n", t->nrows ? "\n" : "");
}

/*
 * Print the table on stdout: JSON, or aligned columns with footer (if not
 * NULL) on the last line.
 */
void
table_print(const Table *t, bool json, const char *footer)
{
	int		   *w;
	char	 ***text;

	if (json)
	{
		print_json(t);
		return;
	}
	w = xmalloc(sizeof(int) * t->ncols);
	text = xmalloc(sizeof(char **) * (t->nrows ? t->nrows : 1));
	for (int c = 0; c < t->ncols; c++)
		w[c] = width(t->names[c]);
	for (int r = 0; r < t->nrows; r++)
	{
		text[r] = xmalloc(sizeof(char *) * t->ncols);
		for (int c = 0; c < t->ncols; c++)
		{
			text[r][c] = cell_text(t, c, t->rows[r][c]);
			if (width(text[r][c]) > w[c])
				w[c] = width(text[r][c]);
		}
	}
	for (int c = 0; c < t->ncols; c++)
		printf("%s%s%*s", c ? " | " : "", t->names[c],
			   c < t->ncols - 1 ? w[c] - width(t->names[c]) : 0, "");
	printf("\n");
	for (int c = 0; c < t->ncols; c++)
	{
		printf("%s", c ? "-+-" : "");
		for (int i = 0; i < w[c]; i++)
			putchar('-');
	}
	printf("\n");
	for (int r = 0; r < t->nrows; r++)
	{
		for (int c = 0; c < t->ncols; c++)
		{
			printf("%s%s%*s", c ? " | " : "", text[r][c],
				   c < t->ncols - 1 ? w[c] - width(text[r][c]) : 0, "");
			free(text[r][c]);
		}
		printf("\n");
		free(text[r]);
	}
	if (footer)
		printf("%s\n", footer);
	free(text);
	free(w);
}

/* Free a table and its copied values. */
void
table_free(Table *t)
{
	for (int r = 0; r < t->nrows; r++)
	{
		for (int c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t);
}
