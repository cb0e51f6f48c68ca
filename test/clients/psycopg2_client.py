"""pg_revisions from Python with psycopg2 (Debian python3-psycopg2).

Run by test/scripts/language_clients.sh with PGREV_DSN set to an empty
database that has the extension.  Each check raises AssertionError (exit 1)
with what differed.  It shows what an application would do:

1. register two revisions and apply them in one transaction, commit;
2. register and apply a third, then roll back: nothing of it stays;
3. a failing revision: the error keeps its SQLSTATE and names the revision,
   and the transaction leaves nothing behind;
4. a revision that cannot run in a transaction (CREATE INDEX CONCURRENTLY),
   run in autocommit mode through rev_claim / rev_record;
5. read rev_history().
"""
import os
import sys

import psycopg2
import psycopg2.errors

dsn = os.environ["PGREV_DSN"]
conn = psycopg2.connect(dsn)
notices = conn.notices  # the server's progress NOTICEs land here


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def one_column(cur, sql, args=None):
    cur.execute(sql, args)
    return [row[0] for row in cur.fetchall()]


# 1. Register and apply in one transaction (psycopg2 opens it implicitly).
with conn.cursor() as cur:
    cur.execute("SELECT rev_add(%s, %s, %s, message => %s)",
                ("py1", "CREATE TABLE py_users (id int PRIMARY KEY, email text)",
                 "DROP TABLE py_users", "users"))
    cur.execute("SELECT rev_add(%s, %s, %s, message => %s)",
                ("py2", "ALTER TABLE py_users ADD COLUMN name text",
                 "ALTER TABLE py_users DROP COLUMN name", "user names"))
    applied = one_column(cur, "SELECT * FROM rev_upgrade(%s)", ("head",))
conn.commit()
check(applied == ["py1", "py2"], f"rev_upgrade returned {applied}")
check(any('applying revision "py2" (2 of 2): user names' in n for n in notices),
      f"no progress notice for py2 in {notices}")

# 2. Register and apply a third revision, then roll back.
with conn.cursor() as cur:
    cur.execute("SELECT rev_add('py3', 'CREATE TABLE py_rolled_back (id int)', 'DROP TABLE py_rolled_back')")
    check(one_column(cur, "SELECT * FROM rev_upgrade('head')") == ["py3"], "py3 not applied")
conn.rollback()
with conn.cursor() as cur:
    check(one_column(cur, "SELECT to_regclass('py_rolled_back')::text") == [None],
          "py_rolled_back survived the rollback")
    check(one_column(cur, "SELECT revision FROM rev_history()") == ["py2", "py1"],
          "py3 is still registered after the rollback")
conn.rollback()

# 3. A failing revision: SQLSTATE kept, revision named, nothing left behind.
with conn.cursor() as cur:
    cur.execute("SELECT rev_add('py3', 'CREATE TABLE py_half (id int); SELECT 1/0', 'DROP TABLE py_half')")
    try:
        cur.execute("SELECT * FROM rev_upgrade('head')")
        raise AssertionError("a division by zero was applied")
    except psycopg2.errors.DivisionByZero as e:
        check(e.pgcode == "22012", f"SQLSTATE {e.pgcode}")
        check('revision "py3"' in (e.diag.context or ""), f"context: {e.diag.context!r}")
conn.rollback()
with conn.cursor() as cur:
    check(one_column(cur, "SELECT to_regclass('py_half')::text") == [None], "py_half survived")
    check(one_column(cur, "SELECT * FROM rev_current()") == ["py2"], "current is not py2")
conn.rollback()

# 4. CREATE INDEX CONCURRENTLY: autocommit, claim, statements, record.
with conn.cursor() as cur:
    cur.execute("SELECT rev_add('py4', 'CREATE INDEX CONCURRENTLY py_users_email ON py_users (email)',"
                " 'DROP INDEX CONCURRENTLY py_users_email', transactional => false)")
conn.commit()
conn.autocommit = True
with conn.cursor() as cur:
    try:
        cur.execute("SELECT * FROM rev_upgrade('head')")
        raise AssertionError("rev_upgrade ran a non-transactional revision")
    except psycopg2.errors.ActiveSqlTransaction as e:
        check("rev_claim('py4')" in (e.diag.message_hint or ""), f"hint: {e.diag.message_hint!r}")
    statements = one_column(cur, "SELECT * FROM rev_claim('py4')")
    for statement in statements:
        cur.execute(statement)
    cur.execute("SELECT rev_record('py4')")
    check(one_column(cur, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'py_users_email'::regclass") == [True],
          "the concurrent index is not valid")
conn.autocommit = False

# 5. History, newest first.
with conn.cursor() as cur:
    cur.execute("SELECT revision, down_revision, message, is_applied FROM rev_history()")
    history = cur.fetchall()
conn.rollback()
check(history == [("py4", ["py2"], None, True),
                  ("py2", ["py1"], "user names", True),
                  ("py1", [], "users", True)], f"history: {history}")
conn.close()
print("psycopg2: 5 checks passed (commit, rollback, failing revision, CONCURRENTLY, history)")
