#!/usr/bin/python3
"""test/bench/gen.py — write one workload in every tool's format.

    /usr/bin/python3 test/bench/gen.py WORKLOAD N OUTDIR

WORKLOAD is
  chain    revision i: CREATE TABLE t_i (id int primary key, v text); parent i-1
  multi    revision i: CREATE TABLE t_i (3 columns), INSERT 10 rows, CREATE INDEX t_i_n,
           COMMENT ON TABLE; parent i-1
  dag      the chain's DDL; revision 1 is the root, then blocks of 50: two branches
           from the previous block's last revision, joined by a merge revision
           (two parents) that has DDL of its own, so that every tool creates N tables
  graph    the dag's shape with trivial SQL (SELECT i), for the graph functions
Every revision's downgrade is DROP TABLE t_i (graph: SELECT -i).

OUTDIR receives, for the same DDL:
  up.sql, down.sql          the plain scripts (ids ascending / descending: a topological order)
  register.sql              N x rev_add(...) with explicit parents (pg_revisions)
  register_plain.sql        N x INSERT of the same texts into a plain table (the limit for registering)
  alembic/                  alembic.ini, env.py, versions/rNNNNNN.py (op.execute, down_revision chain,
                            merges as tuple down_revision)
  sqitch/                   sqitch.conf, sqitch.plan, deploy/ revert/ verify/ (the DAG as `requires`:
                            Sqitch's plan is a sequence and has no merges)
  meta                      N, the head, the number of heads, a mid-point revision (for rev_stamp)
"""
import os
import sys

BLOCK = 50


def rid(i):
    return "r%06d" % i


def parents(workload, n):
    """parents[i] = list of parent indices of revision i (1-based)."""
    par = {1: []}
    if workload in ("chain", "multi"):
        for i in range(2, n + 1):
            par[i] = [i - 1]
        return par
    root = 1
    s = 2
    while s <= n:
        e = min(s + BLOCK - 1, n)
        m = e - s + 1
        if m < 3:                       # a short tail: a plain chain
            for i in range(s, e + 1):
                par[i] = [i - 1]
        else:
            k = m - 1                   # revisions on the two branches
            a = (k + 1) // 2
            for j in range(k):
                i = s + j
                if j == 0 or j == a:
                    par[i] = [root]     # first revision of branch a / branch b
                else:
                    par[i] = [i - 1]
            par[e] = [s + a - 1, e - 1]  # merge: last of branch a, last of branch b
        root = e
        s = e + 1
    return par


def ddl(workload, i):
    if workload == "graph":
        return "SELECT %d;" % i, "SELECT -%d;" % i
    if workload == "multi":
        up = ("CREATE TABLE t_{i} (id int primary key, v text, n int); "
              "INSERT INTO t_{i} SELECT g, 'v' || g, g % 7 FROM generate_series(1, 10) AS g; "
              "CREATE INDEX t_{i}_n ON t_{i} (n); "
              "COMMENT ON TABLE t_{i} IS 'revision {i}';").format(i=i)
    else:
        up = "CREATE TABLE t_%d (id int primary key, v text);" % i
    return up, "DROP TABLE t_%d;" % i


ALEMBIC_INI = """[alembic]
script_location = %(here)s
sqlalchemy.url = postgresql+psycopg2://postgres@127.0.0.1/postgres

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %%(levelname)s %%(message)s
"""

# Online mode only; the URL comes from -x url=... (the benchmark passes it).
# One transaction for the whole run (transaction_per_migration is False by default),
# like psql -1 and rev_upgrade.
ALEMBIC_ENV = """from alembic import context
from sqlalchemy import create_engine, pool

url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
"""

ALEMBIC_REV = '''"""revision {i}"""
from alembic import op

revision = {rev!r}
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("{up}")


def downgrade():
    op.execute("{dn}")
'''


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    workload, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if workload not in ("chain", "multi", "dag", "graph") or not 1 <= n <= 999999:
        sys.exit(__doc__)
    par = parents(workload, n)
    os.makedirs(out, exist_ok=True)
    texts = {i: ddl(workload, i) for i in range(1, n + 1)}

    with open(os.path.join(out, "up.sql"), "w") as f:
        for i in range(1, n + 1):
            f.write(texts[i][0] + "\n")
    with open(os.path.join(out, "down.sql"), "w") as f:
        for i in range(n, 0, -1):
            f.write(texts[i][1] + "\n")
    with open(os.path.join(out, "register.sql"), "w") as f:
        for i in range(1, n + 1):
            ps = ",".join("'%s'" % rid(p) for p in par[i])
            f.write("SELECT rev_add('%s', $u$%s$u$, $d$%s$d$, %s);\n"
                    % (rid(i), texts[i][0], texts[i][1], "ARRAY[%s]" % ps if ps else "'{}'"))
    with open(os.path.join(out, "register_plain.sql"), "w") as f:
        f.write("CREATE TABLE plain_rev (id text PRIMARY KEY, up text, down text, parents text[]);\n")
        for i in range(1, n + 1):
            ps = ",".join(rid(p) for p in par[i])
            f.write("INSERT INTO plain_rev VALUES ('%s', $u$%s$u$, $d$%s$d$, '{%s}');\n"
                    % (rid(i), texts[i][0], texts[i][1], ps))

    if workload != "graph":
        a = os.path.join(out, "alembic")
        os.makedirs(os.path.join(a, "versions"), exist_ok=True)
        with open(os.path.join(a, "alembic.ini"), "w") as f:
            f.write(ALEMBIC_INI)
        with open(os.path.join(a, "env.py"), "w") as f:
            f.write(ALEMBIC_ENV)
        for i in range(1, n + 1):
            ps = [rid(p) for p in par[i]]
            down = "None" if not ps else repr(ps[0]) if len(ps) == 1 else repr(tuple(ps))
            with open(os.path.join(a, "versions", rid(i) + ".py"), "w") as f:
                f.write(ALEMBIC_REV.format(i=i, rev=rid(i), down=down,
                                           up=texts[i][0], dn=texts[i][1]))

        s = os.path.join(out, "sqitch")
        for d in ("deploy", "revert", "verify"):
            os.makedirs(os.path.join(s, d), exist_ok=True)
        with open(os.path.join(s, "sqitch.conf"), "w") as f:
            f.write('[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n'
                    '[engine "pg"]\n\tclient = %s\n'
                    '[user]\n\tname = Bench\n\temail = bench@example.com\n'
                    % os.environ.get("SQITCH_PSQL", "psql"))
        with open(os.path.join(s, "sqitch.plan"), "w") as f:
            f.write("%syntax-version=1.0.0\n%project=bench\n\n")
            for i in range(1, n + 1):
                # chain/multi: the plan order is the chain; dag: parents as requires.
                req = ""
                if workload == "dag" and par[i]:
                    req = " [%s]" % " ".join(rid(p) for p in par[i])
                f.write("%s%s 2026-01-01T00:00:00Z Bench <bench@example.com> # revision %d\n"
                        % (rid(i), req, i))
        for i in range(1, n + 1):
            with open(os.path.join(s, "deploy", rid(i) + ".sql"), "w") as f:
                f.write(texts[i][0] + "\n")
            with open(os.path.join(s, "revert", rid(i) + ".sql"), "w") as f:
                f.write(texts[i][1] + "\n")
            with open(os.path.join(s, "verify", rid(i) + ".sql"), "w") as f:
                f.write("SELECT 1 / count(*) FROM pg_catalog.pg_class WHERE relname = 't_%d';\n" % i)

    heads = set(range(1, n + 1)) - {p for ps in par.values() for p in ps}
    # a mid-point revision whose ancestors are exactly 1..mid (for rev_stamp)
    mid = max(n // 2, 1)
    if workload in ("dag", "graph"):
        merges = [i for i in range(1, n // 2 + 1) if len(par[i]) == 2]
        mid = merges[-1] if merges else 1
    with open(os.path.join(out, "meta"), "w") as f:
        f.write("n=%d\nhead=%s\nheads=%d\nmid=%s\nmid_n=%d\nmerges=%d\n"
                % (n, rid(max(heads)), len(heads), rid(mid), mid,
                   sum(1 for ps in par.values() if len(ps) == 2)))


if __name__ == "__main__":
    main()
