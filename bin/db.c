/*
 * bin/db.c — the database side of the pg_revisions client: connecting,
 * showing server NOTICEs as progress lines, reporting server errors (message,
 * DETAIL, HINT, CONTEXT and the migration file of the revision they name),
 * and registering the migration files with rev_add in one round trip.
 *
 * Every statement sent is a constant string; values always go as parameters.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_revisions.h"

/*
 * Show a server NOTICE (progress) on stderr, without its "NOTICE:  " prefix,
 * control characters escaped (it quotes revision messages).
 */
static void
notice_processor(void *arg, const char *message)
{
	const char *p = message;

	(void) arg;
	if (strncmp(p, "NOTICE:  ", 9) == 0)
		p += 9;
	fputs("pg_revisions: ", stderr);
	fput_escaped(p, "\n\t", stderr);
}

/*
 * Connect with -d CONNINFO, else DATABASE_URL, else the PG* variables.
 * Returns NULL after printing the error (the caller exits with EXIT_DB).
 */
PGconn *
db_connect(const Options *opts)
{
	const char *conninfo = opts->conninfo;
	const char *keys[3] = {"dbname", "fallback_application_name", NULL};
	const char *values[3] = {NULL, "pg_revisions", NULL};
	PGconn	   *conn = fleet_take_connection();	/* a fleet child's first: opened already */

	if (conn)
		return conn;
	if (conninfo == NULL)
		conninfo = getenv("DATABASE_URL");
	values[0] = conninfo;
	if (conninfo == NULL || conninfo[0] == '\0')
	{
		keys[0] = "fallback_application_name";
		values[0] = "pg_revisions";
		keys[1] = NULL;
	}
	conn = PQconnectdbParams(keys, values, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		errmsgf("could not connect to the database: %s",
				conn ? PQerrorMessage(conn) : "out of memory");
		fprintf(stderr, "hint: pass -d CONNINFO (or a postgresql:// URL), set DATABASE_URL, "
				"or set PGHOST, PGPORT, PGDATABASE, PGUSER\n");
		if (conn)
			PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, notice_processor, NULL);
	if (fleet_session_setup(conn) != EXIT_OK)	/* --tenant: set_config, as a parameter */
	{
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* The SQLSTATE of a result, "" if none. */
const char *
db_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

/*
 * The first file of set whose revision the text names, as the server's
 * messages do (revision "ID"), or NULL.  Only for showing the file next to
 * an error: no decision is taken on error text.
 */
static MigFile *
named_file(const MigSet *set, const char *text)
{
	char		quoted[PGREV_NAME_MAX_LEN + 16];
	MigFile    *best = NULL;
	const char *best_at = NULL;

	if (set == NULL || text == NULL)
		return NULL;
	for (int i = 0; i < set->n; i++)
	{
		const char *at;

		snprintf(quoted, sizeof(quoted), "revision \"%s\"", set->files[i].revision);
		at = strstr(text, quoted);
		if (at && (best_at == NULL || at < best_at))
		{
			best = &set->files[i];
			best_at = at;
		}
	}
	return best;
}

/* What db_report is told while db_register registers the files. */
#define DOING_REGISTER "registering the migration files"

/* Print one field of an error, each line prefixed, control characters escaped. */
static void
print_field(const char *label, const char *value)
{
	char	   *text;

	if (value == NULL || value[0] == '\0')
		return;
	text = escape_controls(value, "\n\t");
	fprintf(stderr, "%s: ", label);
	for (const char *p = text; *p; p++)
	{
		fputc(*p, stderr);
		if (*p == '\n' && p[1] != '\0')
			fprintf(stderr, "%*s", (int) strlen(label) + 2, "");
	}
	if (text[strlen(text) - 1] != '\n')
		fputc('\n', stderr);
	free(text);
}

/*
 * Report a failed result (or, res NULL, the connection's error): the server's
 * message, DETAIL, HINT and CONTEXT, the migration files of the revisions
 * they name, and what to do next for the errors we know.  doing, if not NULL,
 * says what was being done ("registering the migration files").
 */
void
db_report(PGconn *conn, const PGresult *res, const MigSet *set, const char *doing)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	const char *context = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	const char *state = db_sqlstate(res);
	const char *texts[3] = {primary, detail, context};
	bool		shown = false;

	if (primary == NULL)
	{
		const char *msg = res ? PQresultErrorMessage(res) : NULL;

		if (msg == NULL || msg[0] == '\0')
			msg = PQerrorMessage(conn);
		fprintf(stderr, "pg_revisions: error%s%s: ", doing ? " while " : "", doing ? doing : "");
		fput_escaped(msg, "\n\t", stderr);
		if (msg[0] == '\0' || msg[strlen(msg) - 1] != '\n')
			fputc('\n', stderr);
		return;
	}
	fprintf(stderr, "pg_revisions: error%s%s: ", doing ? " while " : "", doing ? doing : "");
	fput_escaped(primary, "\n\t", stderr);
	fputc('\n', stderr);
	print_field("DETAIL", detail);
	print_field("HINT", hint);
	print_field("CONTEXT", context);
	if (state[0])
		fprintf(stderr, "SQLSTATE: %s\n", state);

	/* The files of the revisions named. */
	for (int t = 0; t < 3 && !shown; t++)
	{
		MigFile    *f = named_file(set, texts[t]);

		if (f)
		{
			fprintf(stderr, "file: %s (revision %s)\n", f->path, f->revision);
			shown = true;
		}
	}

	/*
	 * What to do next, from the SQLSTATE and what was being done, never from
	 * the message text.  A missing function with a position in the client's
	 * own statement (not in revision SQL, which gives an internal position)
	 * is a rev_* function: all else it calls is pg_catalog's.
	 */
	if (strcmp(state, "42883") == 0 && res && PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION))
		fprintf(stderr, "next: the pg_revisions extension is missing or too old in this database: "
				"run \"pg_revisions init\" (or CREATE EXTENSION pg_revisions as a superuser), or "
				"ALTER EXTENSION pg_revisions UPDATE after installing this version\n");
	else if (strcmp(state, "42501") == 0)
		fprintf(stderr, "next: ask a DBA to GRANT EXECUTE on the rev_* functions to your role "
				"(README.md, Privileges)\n");
	else if (strcmp(state, "42710") == 0 && doing && strcmp(doing, DOING_REGISTER) == 0)
		fprintf(stderr, "next: a registered revision never changes (SQL, parents, dependencies, branch label, "
				"transactional): restore the file as it was, and put the change in a new revision "
				"(pg_revisions revision -m MSG); a new revision cannot take a branch label already used\n");
}

/* True when the result is a success. */
bool
db_ok(const PGresult *res)
{
	ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Run a statement with text parameters; the caller PQclear()s the result. */
PGresult *
db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	return PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
}

/* Run a parameterless command; report a failure.  Returns an exit code. */
int
db_command(PGconn *conn, const char *sql, const MigSet *set)
{
	PGresult   *res;
	int			rc = EXIT_OK;

	if (fleet_gid && strcmp(sql, "COMMIT") == 0)
		return fleet_prepare(conn, set);	/* --atomic: PREPARE TRANSACTION instead */
	res = PQexec(conn, sql);
	if (!db_ok(res))
	{
		db_report(conn, res, set, NULL);
		rc = EXIT_DB;
	}
	PQclear(res);
	return rc;
}

/* A growing text buffer. */
typedef struct Buf
{
	char	   *data;
	size_t		len, cap;
} Buf;

/* Append n bytes of s, growing the buffer (always NUL-terminated). */
static void
buf_add(Buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 4096;
		char	   *d;

		while (b->len + n + 1 > cap)
			cap *= 2;
		d = xmalloc(cap);
		if (b->data)
			memcpy(d, b->data, b->len);
		free(b->data);
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a C string. */
static void
buf_str(Buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append s as a JSON string (NULL: null), every control character escaped. */
static void
buf_json(Buf *b, const char *s)
{
	char		esc[8];

	if (s == NULL)
	{
		buf_str(b, "null");
		return;
	}
	buf_str(b, "\"");
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
		{
			esc[0] = '\\';
			esc[1] = (char) *p;
			buf_add(b, esc, 2);
		}
		else if (*p < 0x20 || *p == 0x7F)
		{
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			buf_str(b, esc);
		}
		else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
		{
			/* a C1 control (U+0080-U+009F): escaped too, terminals may obey it */
			snprintf(esc, sizeof(esc), "\\u%04x", p[1]);
			buf_str(b, esc);
			p++;
		}
		else
			buf_add(b, (const char *) p, 1);
	}
	buf_str(b, "\"");
}

/* s as a malloc'ed JSON string literal. */
char *
json_quote(const char *s)
{
	Buf			b = {NULL, 0, 0};

	buf_json(&b, s);
	return b.data;
}

/* Append a JSON array of strings. */
static void
buf_json_list(Buf *b, char **items, int n)
{
	buf_str(b, "[");
	for (int i = 0; i < n; i++)
	{
		if (i)
			buf_str(b, ",");
		buf_json(b, items[i]);
	}
	buf_str(b, "]");
}

/*
 * Parents and dependencies that are neither in the files nor registered are
 * an error (EXIT_USAGE) naming the file and line.  Read-only.
 */
int
db_check_parents(PGconn *conn, const MigSet *set)
{
	Buf			b = {NULL, 0, 0};
	PGresult   *res;
	const char *params[1];
	int			nmissing = 0, rc = EXIT_OK;

	buf_str(&b, "[");
	for (int i = 0; i < set->n; i++)
	{
		MigFile    *f = &set->files[i];

		for (int j = 0; j < f->ndown + f->ndeps; j++)
		{
			const char *id = j < f->ndown ? f->down[j] : f->deps[j - f->ndown];

			if (files_find(set, id) == NULL)
			{
				if (nmissing++)
					buf_str(&b, ",");
				buf_json(&b, id);
			}
		}
	}
	buf_str(&b, "]");
	if (nmissing == 0)
	{
		free(b.data);
		return EXIT_OK;
	}
	params[0] = b.data;
	res = db_exec(conn,
				  "SELECT m.id FROM pg_catalog.json_array_elements_text($1::pg_catalog.json) AS m(id) "
				  "WHERE NOT EXISTS (SELECT FROM pg_catalog.rev_history() AS h "
				  "WHERE h.revision OPERATOR(pg_catalog.=) m.id)", 1, params);
	free(b.data);
	if (!db_ok(res))
	{
		db_report(conn, res, set, "looking up the parents of the migration files");
		PQclear(res);
		return EXIT_DB;
	}
	for (int r = 0; r < PQntuples(res) && rc == EXIT_OK; r++)
	{
		const char *id = PQgetvalue(res, r, 0);

		for (int i = 0; i < set->n && rc == EXIT_OK; i++)
		{
			MigFile    *f = &set->files[i];

			for (int j = 0; j < f->ndown + f->ndeps; j++)
				if (strcmp(j < f->ndown ? f->down[j] : f->deps[j - f->ndown], id) == 0)
				{
					fprintf(stderr, "%s:%d: error: unknown %s \"%s\": no migration file has it and it is "
							"not registered in the database\n", f->path,
							j < f->ndown ? f->line_down : f->line_deps,
							j < f->ndown ? "down_revision" : "depends_on", id);
					fprintf(stderr, "hint: restore the parent's file, or correct the id\n");
					rc = EXIT_USAGE;
					break;
				}
		}
	}
	PQclear(res);
	return rc;
}

/*
 * Register every file with rev_add, parents first, in one statement over a
 * JSON array (one round trip).  The caller has opened the transaction.  A
 * file whose revision is registered with other SQL fails here: the report
 * names the file.  Revisions that are not transactional pass
 * transactional => false; the others leave it to its default, so that a server
 * without that parameter still takes them.  Returns an exit code.  failed
 * NULL: a failure is reported; else the failed result goes to *failed,
 * unreported (the caller PQclear()s it).
 */
int
db_register(PGconn *conn, const MigSet *set, PGresult **failed)
{
	Buf			b = {NULL, 0, 0};
	bool		any_nontx = false;
	const char *params[1];
	PGresult   *res;
	int			rc = EXIT_OK;

	if (set->n == 0)
		return EXIT_OK;
	buf_str(&b, "[");
	for (int i = 0, k = 0; i < set->n; i++)
	{
		MigFile    *f = &set->files[i];

		if (f->replaces)
			continue;			/* baselines: db_register_baselines, after */
		if (k++)
			buf_str(&b, ",");
		buf_str(&b, "{\"revision\":");
		buf_json(&b, f->revision);
		buf_str(&b, ",\"upgrade\":");
		buf_json(&b, f->upgrade);
		buf_str(&b, ",\"downgrade\":");
		buf_json(&b, f->downgrade);
		buf_str(&b, ",\"down_revision\":");
		buf_json_list(&b, f->down, f->ndown);
		buf_str(&b, ",\"message\":");
		buf_json(&b, f->message);
		buf_str(&b, ",\"branch_label\":");
		buf_json(&b, f->branch_label);
		buf_str(&b, ",\"depends_on\":");
		buf_json_list(&b, f->deps, f->ndeps);
		buf_str(&b, f->transactional ? ",\"transactional\":true}" : ",\"transactional\":false}");
		if (!f->transactional)
			any_nontx = true;
	}
	buf_str(&b, "]");
	params[0] = b.data;
#define REGISTER_SQL(EXTRA) \
	"SELECT pg_catalog.count(r.id) FROM (" \
	"SELECT pg_catalog.rev_add(" \
	"revision => pg_catalog.json_extract_path_text(e, 'revision'), " \
	"upgrade => pg_catalog.json_extract_path_text(e, 'upgrade'), " \
	"downgrade => pg_catalog.json_extract_path_text(e, 'downgrade'), " \
	"down_revision => ARRAY(SELECT pg_catalog.json_array_elements_text(" \
	"pg_catalog.json_extract_path(e, 'down_revision'))), " \
	"message => pg_catalog.json_extract_path_text(e, 'message'), " \
	"branch_label => pg_catalog.json_extract_path_text(e, 'branch_label'), " \
	"depends_on => ARRAY(SELECT pg_catalog.json_array_elements_text(" \
	"pg_catalog.json_extract_path(e, 'depends_on')))" EXTRA ") AS id " \
	"FROM pg_catalog.json_array_elements($1::pg_catalog.json) WITH ORDINALITY AS t(e, n) " \
	"ORDER BY t.n) AS r"
	res = db_exec(conn, any_nontx ?
				  REGISTER_SQL(", transactional => CAST(pg_catalog.json_extract_path_text(e, 'transactional') "
							   "AS pg_catalog.bool)") :
				  REGISTER_SQL(""), 1, params);
	free(b.data);
	if (!db_ok(res) && failed != NULL)
	{
		*failed = res;
		return EXIT_DB;
	}
	if (!db_ok(res))
	{
		db_report(conn, res, set, DOING_REGISTER);
		if (strcmp(db_sqlstate(res), "42883") == 0 && any_nontx)
			fprintf(stderr, "note: revisions marked \"-- transactional: false\" need a pg_revisions "
					"extension with non-transactional revisions (rev_claim, rev_record)\n");
		fprintf(stderr, "nothing was changed\n");
		rc = EXIT_DB;
	}
	PQclear(res);
	if (rc == EXIT_OK)
		rc = db_register_baselines(conn, set, failed);
	return rc;
}
