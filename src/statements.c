/*-------------------------------------------------------------------------
 *
 * statements.c
 *	  Walking the statements of a SQL text (revision SQL, autogenerate's
 *	  models) one at a time, in bounded memory, with the server's own
 *	  lexer and parser; and running one of them through SPI.
 *
 * raw_parser() on a whole text keeps every statement's parse tree until
 * the end, and one SPI_execute() of it keeps every statement's plan: a
 * revision of a million statements then needs gigabytes.  Here the text is
 * cut into batches (at most STATEMENTS_BATCH_BYTES of text or
 * STATEMENTS_BATCH_COUNT statements) at statement boundaries found by the
 * core lexer, each batch is parsed by raw_parser() in a memory context of
 * its own, and each statement is handed to the visitor in a context reset
 * after it.  Memory is flat in the number of statements.
 *
 * A batch boundary is a semicolon outside parentheses and outside the
 * BEGIN ... END body of CREATE [OR REPLACE] FUNCTION/PROCEDURE, the
 * heuristic psql itself uses to send statements (psqlscan.l).  The
 * statements themselves are always the grammar's: the boundary only
 * decides where one raw_parser() call ends and the next begins, and a text
 * of one batch is parsed exactly as a whole.
 *
 *-------------------------------------------------------------------------
 */
#include "pg_revisions.h"

#include "common/keywords.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "utils/memutils.h"

/* Batch limits: bytes of SQL text, and statements (parse trees) per batch. */
#define STATEMENTS_BATCH_BYTES (1024 * 1024)
#define STATEMENTS_BATCH_COUNT 10000

/*
 * Our own token codes for keywords (the grammar's are not installed for
 * extensions on every major): keyword number + KEYWORD_TOKEN_BASE, above
 * every character code the lexer returns for a one-character token.
 */
#define KEYWORD_TOKEN_BASE 1000

/* Bytes of SQL shown either side of a syntax error. */
#define ERROR_WINDOW 200

/* Keyword numbers the boundary heuristic looks at (-1 until looked up). */
typedef struct BoundaryKeywords
{
	int			create_kw;
	int			or_kw;
	int			replace_kw;
	int			function_kw;
	int			procedure_kw;
	int			begin_kw;
	int			case_kw;
	int			end_kw;
} BoundaryKeywords;

/* What the syntax-error context callback needs. */
typedef struct ParseContext
{
	const char *text;			/* the text being lexed or parsed */
} ParseContext;

static uint16 *keyword_tokens = NULL;
static BoundaryKeywords keywords;

static void parse_error_context(void *arg);
static void init_keyword_tokens(void);
static int	batch_length(const char *sql, int start);

/*
 * parse_error_context
 *		Point a syntax error's cursor into the text being lexed or parsed,
 *		as SPI does for the statements it runs.
 */
static void
parse_error_context(void *arg)
{
	ParseContext *context = (ParseContext *) arg;
	int			position = geterrposition();
	const char *text = context->text;
	const char *error_at;
	const char *from;
	const char *to;
	const char *c;
	int			chars;

	if (position <= 0)
		return;
	errposition(0);

	/*
	 * A batch can hold a megabyte: show ERROR_WINDOW bytes either side of the
	 * error, cut at character boundaries, the position moved to match.
	 */
	error_at = text;
	from = text;
	for (chars = 1; chars < position && *error_at; chars++)
	{
		error_at += pg_mblen(error_at);
		if (error_at - from > ERROR_WINDOW)
			from += pg_mblen(from);
	}
	to = error_at;
	while (*to && to - error_at < ERROR_WINDOW)
		to += pg_mblen(to);
	chars = 1;
	for (c = from; c < error_at; c += pg_mblen(c))
		chars++;
	internalerrposition(chars);
	internalerrquery(pnstrdup(from, to - from));
}

/*
 * init_keyword_tokens
 *		Build the keyword token table once per backend (TopMemoryContext).
 */
static void
init_keyword_tokens(void)
{
	uint16	   *tokens;
	int			i;

	if (keyword_tokens != NULL)
		return;
	tokens = MemoryContextAlloc(TopMemoryContext,
								sizeof(uint16) * ScanKeywords.num_keywords);
	for (i = 0; i < ScanKeywords.num_keywords; i++)
		tokens[i] = (uint16) (KEYWORD_TOKEN_BASE + i);
	keywords.create_kw = ScanKeywordLookup("create", &ScanKeywords);
	keywords.or_kw = ScanKeywordLookup("or", &ScanKeywords);
	keywords.replace_kw = ScanKeywordLookup("replace", &ScanKeywords);
	keywords.function_kw = ScanKeywordLookup("function", &ScanKeywords);
	keywords.procedure_kw = ScanKeywordLookup("procedure", &ScanKeywords);
	keywords.begin_kw = ScanKeywordLookup("begin", &ScanKeywords);
	keywords.case_kw = ScanKeywordLookup("case", &ScanKeywords);
	keywords.end_kw = ScanKeywordLookup("end", &ScanKeywords);
	keyword_tokens = tokens;
}

/*
 * batch_length
 *		How many bytes of sql, from start, the next batch takes: up to and
 *		including the first statement boundary at or past the batch limits,
 *		or the rest of the text.  Runs the core lexer in CurrentMemoryContext
 *		(the caller resets it); a lexer error (an unterminated literal, say)
 *		is raised here, with its position in the rest of the text.
 */
static int
batch_length(const char *sql, int start)
{
	const char *rest = sql + start;
	core_yy_extra_type extra;
	core_yyscan_t scanner;
	core_YYSTYPE value;
	int			location;
	int			token;
	int			statements = 0;
	int			paren_depth = 0;
	int			begin_depth = 0;
	int			first[4];
	int			ntokens = 0;
	int			length = -1;

	init_keyword_tokens();
	scanner = scanner_init(rest, &extra, &ScanKeywords, keyword_tokens);
	while ((token = core_yylex(&value, &location, scanner)) != 0)
	{
		int			kw = token >= KEYWORD_TOKEN_BASE ? token - KEYWORD_TOKEN_BASE : -1;

		CHECK_FOR_INTERRUPTS();
		if (ntokens < 4)
			first[ntokens] = kw;
		ntokens++;
		if (token == '(')
			paren_depth++;
		else if (token == ')' && paren_depth > 0)
			paren_depth--;
		else if (kw >= 0 && paren_depth == 0 && ntokens > 2 &&
				 first[0] == keywords.create_kw &&
				 (first[1] == keywords.function_kw || first[1] == keywords.procedure_kw ||
				  (ntokens > 4 && first[1] == keywords.or_kw && first[2] == keywords.replace_kw &&
				   (first[3] == keywords.function_kw || first[3] == keywords.procedure_kw))))
		{
			if (kw == keywords.begin_kw)
				begin_depth++;
			else if (kw == keywords.case_kw && begin_depth > 0)
				begin_depth++;
			else if (kw == keywords.end_kw && begin_depth > 0)
				begin_depth--;
		}
		else if (token == ';' && paren_depth == 0 && begin_depth == 0)
		{
			statements++;
			ntokens = 0;
			if (location + 1 >= STATEMENTS_BATCH_BYTES || statements >= STATEMENTS_BATCH_COUNT)
			{
				length = location + 1;
				break;
			}
		}
	}
	scanner_finish(scanner);
	return length >= 0 ? length : (int) strlen(rest);
}

/*
 * sql_foreach_statement
 *		Call visit(statement, arg) for every statement of sql, in order,
 *		numbered from 1.  A syntax error anywhere in a batch is raised before
 *		any statement of that batch is visited (but after the statements of
 *		earlier batches: a caller that must refuse bad SQL before running
 *		any of it walks the text twice, checking first).  The visitor runs
 *		with CurrentMemoryContext set to a context reset after each
 *		statement; what it must keep it allocates elsewhere.  The statement's
 *		text is its own NUL-terminated copy: from the end of the previous
 *		statement (blanks skipped, comments kept) to its end, without the
 *		ending semicolon.
 */
void
sql_foreach_statement(const char *sql, SqlStatementVisitor visit, void *arg)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext batch_context = AllocSetContextCreate(CurrentMemoryContext,
														"pg_revisions statement batch",
														ALLOCSET_DEFAULT_SIZES);
	MemoryContext statement_context = AllocSetContextCreate(CurrentMemoryContext,
															"pg_revisions statement",
															ALLOCSET_DEFAULT_SIZES);
	ParseContext parse_context = {sql};
	ErrorContextCallback callback;
	int			start = 0;
	int			total = strlen(sql);
	int			number = 0;

	callback.callback = parse_error_context;
	callback.arg = &parse_context;
	callback.previous = error_context_stack;

	while (start < total)
	{
		int			length;
		char	   *text;
		List	   *parsed;
		ListCell   *lc;
		int			previous_end;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(batch_context);
		parse_context.text = sql + start;
		error_context_stack = &callback;
		length = batch_length(sql, start);
		text = pnstrdup(sql + start, length);
		parse_context.text = text;
		parsed = raw_parser(text, RAW_PARSE_DEFAULT);
		error_context_stack = callback.previous;

		previous_end = 0;
		foreach(lc, parsed)
		{
			RawStmt    *raw = lfirst_node(RawStmt, lc);
			int			end = raw->stmt_len > 0 ? raw->stmt_location + raw->stmt_len : length;
			int			from = previous_end;
			SqlStatement statement;

			CHECK_FOR_INTERRUPTS();

			/*
			 * From the end of the previous statement, not from stmt_location:
			 * comments before a statement stay with it on every major (18's
			 * stmt_location skips them).
			 */
			while (from < end && (text[from] == ';' || scanner_isspace(text[from])))
				from++;
			previous_end = end;
			MemoryContextSwitchTo(statement_context);
			statement.raw = raw;
			statement.text = pnstrdup(text + from, end - from);
			statement.number = ++number;
			visit(&statement, arg);
			MemoryContextSwitchTo(batch_context);
			MemoryContextReset(statement_context);
		}
		MemoryContextSwitchTo(caller);
		MemoryContextReset(batch_context);
		start += length;
	}
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(statement_context);
	MemoryContextDelete(batch_context);
}

/*
 * sql_run_statement
 *		Run one statement through SPI as the current role, read-write,
 *		freeing its result.  The caller is connected to SPI.  SPI frees what
 *		it allocated for the statement (its plan) when the call ends.  An
 *		sql_foreach_statement visitor; arg is unused.
 */
void
sql_run_statement(SqlStatement *statement, void *arg)
{
	int			rc = SPI_execute(statement->text, false, 0);

	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("could not run statement %d: %s",
						statement->number, SPI_result_code_string(rc))));
	SPI_freetuptable(SPI_tuptable);
}
