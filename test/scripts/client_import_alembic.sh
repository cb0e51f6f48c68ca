#!/usr/bin/env bash
# Script test: `pg_revisions import alembic DIR` and `stamp --from alembic`
# on a real Alembic project (Debian's python3-alembic; PYTHON=/usr/bin/python3
# unless set): a root, two branches (one with a branch label), a merge with a
# tuple down_revision, a revision with depends_on, the guide's own
# 20250813_auth_full (it inspects the database with op.get_bind(): adopted),
# and one revision after it.
#
# 1. Alembic itself upgrades one database to the merge + depends_on revision,
#    the imported files another: same schema (pg_dump -s -n public).
# 2. The adopted revision: listed with its reason, irreversible, and a fresh
#    database stops on it with a clear error instead of silently skipping it.
# 3. stamp --from alembic on the database Alembic brought to head: current is
#    the head, nothing pending.  Two applied heads (before the merge, not all
#    the heads): exactly those, whether the files were registered before or
#    not; one branch's head; a merge point; an unknown row stamps nothing.
# 4. Bad versions/ (a cycle, a missing parent, one id twice, a syntax error):
#    an error naming the file, nothing written.
# 5. depends_on naming a branch label: the revision declaring the label, as
#    Alembic's RevisionMap resolves it (Alembic and the imported files build
#    the same schema); a partial id there is refused, as Alembic refuses it.
set -euo pipefail

test_name=client_import_alembic
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

export PYTHON=${PYTHON:-/usr/bin/python3}
need "'$PYTHON' -c 'import alembic, sqlalchemy, psycopg2'" python3-alembic python3-sqlalchemy python3-psycopg2
fresh="${db}_fresh"
cleanup_fresh() {
    local rc=$?
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" >/dev/null 2>&1 || true
    client_helpers_cleanup
    return "$rc"
}
trap cleanup_fresh EXIT
psql_q -d postgres -c "CREATE DATABASE $fresh"
psql_q -d "$fresh" -c "CREATE EXTENSION pg_revisions"
psql_q -d "$db" -c "CREATE EXTENSION pg_revisions"

schema() { "$PG_BIN/pg_dump" -s -n public -T alembic_version -d "$1" | grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict'; }
header() { sed -n "s/^-- $2: *//p" "$1"; }
file_of() {
    local f
    f=$(grep -lx -- "-- revision: $2" "$work/$1"/*.sql) || fail "no file of revision $2 in $1"
    echo "$f"
}
nothing_written() {
    [ ! -e "$work/$1" ] || fail "$1 was written after a failed import: $(ls -a "$work/$1")"
}

# ---------------------------------------------------------------- the project
proj="$work/auth"
mkdir -p "$proj"
(cd "$proj" && "$PYTHON" -m alembic init migrations >/dev/null)
url="postgresql://$PGUSER@$PGHOST:$PGPORT/$db"
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = $url|" "$proj/alembic.ini"
v="$proj/migrations/versions"
rev() {  # rev FILE DOCSTRING HEADER_LINES UPGRADE_BODY DOWNGRADE_BODY
    printf '"""%s\n\nRevision ID: x\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n%s\n\n\ndef upgrade():\n%s\n\n\ndef downgrade():\n%s\n' \
        "$2" "$3" "$4" "$5" >"$v/$1"
}
rev 1a2b3c4d5e6f_create_users.py "create users" \
    'revision = "1a2b3c4d5e6f"
down_revision = None
branch_labels = None
depends_on = None' \
    '    op.create_table("users", sa.Column("id", sa.String(), primary_key=True),
                    sa.Column("email", sa.String(255), nullable=False, unique=True),
                    sa.Column("created_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False))' \
    '    op.drop_table("users")'
rev 2b_posts.py "add posts" \
    'revision: str = "2b2b2b2b2b2b"
down_revision: str = "1a2b3c4d5e6f"' \
    '    op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("user_id", sa.String(), sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("body", sa.Text()))
    op.execute("INSERT INTO users (id, email) VALUES (%s, %s)" % ("'"'admin'"'", "'"'admin@example.com'"'"))' \
    '    op.drop_table("posts")
    op.execute("DELETE FROM users WHERE id = '"'admin'"'")'
rev 3c_audit.py "audit log" \
    'revision = "3c3c3c3c3c3c"
down_revision = "1a2b3c4d5e6f"
branch_labels = ("audit",)' \
    '    op.create_table("audit_log", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("what", sa.Text(), nullable=False))' \
    '    op.drop_table("audit_log")'
rev 4d_merge.py "merge heads" \
    'revision = "4d4d4d4d4d4d"
down_revision = ("2b2b2b2b2b2b", "3c3c3c3c3c3c")' \
    '    pass' '    pass'
rev 5e_index.py "index audit" \
    'revision = "5e5e5e5e5e5e"
down_revision = "4d4d4d4d4d4d"
depends_on = ["3c3c3c3c3c3c"]' \
    '    op.create_index("ix_audit_what", "audit_log", ["what"])
    op.add_column("users", sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False))' \
    '    op.drop_column("users", "is_active")
    op.drop_index("ix_audit_what", table_name="audit_log")'
# The guide's hand-written revision (section 5), shortened: it inspects the database.
cat >"$v/20250813_auth_full_schema.py" <<'EOF'
"""auth: full schema"""

from alembic import op
import sqlalchemy as sa

revision = "20250813_auth_full"
down_revision = "5e5e5e5e5e5e"
branch_labels = None
depends_on = None

def upgrade():
    bind = op.get_bind()
    insp = sa.inspect(bind)
    if not insp.has_table("refresh_tokens"):
        op.create_table(
            "refresh_tokens",
            sa.Column("jti", sa.String(), primary_key=True),
            sa.Column("user_id", sa.String(), sa.ForeignKey("users.id"), nullable=False),
            sa.Column("revoked", sa.Boolean(), server_default=sa.false(), nullable=False),
        )
        op.create_index("ix_refresh_user_revoked", "refresh_tokens", ["user_id", "revoked"])

def downgrade():
    bind = op.get_bind()
    insp = sa.inspect(bind)
    if insp.has_table("refresh_tokens"):
        op.drop_table("refresh_tokens")
EOF
rev 6f_after.py "add users.name" \
    'revision = "6f6f6f6f6f6f"
down_revision = "20250813_auth_full"' \
    '    op.add_column("users", sa.Column("name", sa.String(100)))' \
    '    op.drop_column("users", "name")'

alembic_() { (cd "$proj" && "$PYTHON" -m alembic "$@" >/dev/null 2>"$work/alembic.err") || fail "alembic $*: $(cat "$work/alembic.err")"; }

# ---------------------------------------------------------------- import
run 0 import alembic auth -m mig
err_has "imported 7 revisions from alembic into mig"
err_has "20250813_auth_full: it inspects the database (op.get_bind())"
err_has "pg_revisions squash"
[ "$(header "$(file_of mig 4d4d4d4d4d4d)" down_revision)" = "2b2b2b2b2b2b, 3c3c3c3c3c3c" ] || fail "merge parents"
[ "$(header "$(file_of mig 3c3c3c3c3c3c)" branch_label)" = "audit" ] || fail "branch label"
[ "$(header "$(file_of mig 5e5e5e5e5e5e)" depends_on)" = "3c3c3c3c3c3c" ] || fail "depends_on"
[ "$(header "$(file_of mig 2b2b2b2b2b2b)" message)" = "add posts" ] || fail "docstring as message"
[ "$(header "$(file_of mig 1a2b3c4d5e6f)" down_revision)" = "" ] || fail "root"
grep -q 'CREATE TABLE posts' "$(file_of mig 2b2b2b2b2b2b)" || fail "offline SQL missing: $(cat "$(file_of mig 2b2b2b2b2b2b)")"
grep -q "DROP TABLE posts" "$(file_of mig 2b2b2b2b2b2b)" || fail "downgrade SQL missing"
f=$(file_of mig 20250813_auth_full)
grep -q "Adopted from Alembic" "$f" || fail "adopted revision lacks its comment: $(cat "$f")"
if sed -n '/^-- migrate:downgrade/,$p' "$f" | grep -v '^-- migrate:downgrade' | grep -q '[^[:space:]]'; then
    fail "adopted revision has a downgrade: $(cat "$f")"
fi
ok "import alembic: ids, merge parents, branch label, depends_on, docstring message, offline SQL; get_bind() adopted"

# ---------------------------------------------------------------- same schema
alembic_ upgrade 5e5e5e5e5e5e
PGDATABASE=$fresh run 0 upgrade 5e5e5e5e5e5e -m mig
a=$(schema "$db"); b=$(schema "$fresh")
[ "$a" = "$b" ] || fail "Alembic and the imported files build different schemas:
$(diff <(echo "$a") <(echo "$b"))"
[ "$(value "SELECT count(*) FROM users WHERE id = 'admin'")" = "1" ] || fail "seed row"
[ "$("$PG_BIN/psql" -X -A -t -d "$fresh" -c "SELECT count(*) FROM users WHERE id = 'admin'")" = "1" ] || fail "seed row (imported)"
ok "Alembic itself and the imported files give the same schema and rows up to 5e5e5e5e5e5e"

PGDATABASE=$fresh run 3 upgrade -m mig
err_has "revision 20250813_auth_full was adopted from Alembic and cannot run here"
ok "a fresh database stops on the adopted revision with a clear error"

# ---------------------------------------------------------------- stamp --from alembic
alembic_ upgrade head
run 0 stamp --from alembic -m mig
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "6f6f6f6f6f6f" ] || fail "stamp --from alembic: $(value "SELECT rev_current()")"
run 0 check -m mig
ok "stamp --from alembic: the database Alembic brought to head is at head, nothing pending"

# ---------------------------------------------------------------- squash: new databases skip the adopted revision
run 0 squash -m "auth baseline" --migrations-dir mig
base_file="$work/$(cat "$work/out")"
grep -qx -- "-- replaces: 6f6f6f6f6f6f" "$base_file" || fail "baseline header: $(head -3 "$base_file")"
err_has '"2b2b2b2b2b2b"'
sed -i "/^-- migrate:downgrade/i INSERT INTO public.users (id, email) VALUES ('admin', 'admin@example.com');\n" "$base_file"
PGDATABASE=$fresh run 0 downgrade base -m mig
PGDATABASE=$fresh run 0 upgrade -m mig
a=$(schema "$db"); b=$(schema "$fresh")
[ "$a" = "$b" ] || fail "the baseline and Alembic's head build different schemas:
$(diff <(echo "$a") <(echo "$b"))"
[ "$("$PG_BIN/psql" -X -A -t -d "$fresh" -c "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "6f6f6f6f6f6f" ] || fail "fresh not at head"
run 0 upgrade -m mig
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "6f6f6f6f6f6f" ] || fail "adopted db moved"
rm "$base_file"
ok "squash on the adopted database: a fresh database reaches head through the baseline (adopted revision skipped), same schema as Alembic's"

alembic_ downgrade 1a2b3c4d5e6f
alembic_ upgrade 2b2b2b2b2b2b
alembic_ upgrade 3c3c3c3c3c3c
[ "$(value "SELECT count(*) FROM alembic_version")" = "2" ] || fail "alembic did not leave two heads"
cur() { "$PG_BIN/psql" -X -A -t -d "$1" -c "SELECT coalesce(string_agg(r, ',' ORDER BY r), 'base') FROM rev_current() AS r"; }
applied_set() { "$PG_BIN/psql" -X -A -t -d "$1" -c "SELECT string_agg(revision, ',' ORDER BY revision) FROM rev_history() WHERE is_applied"; }
run 0 stamp --from alembic -m mig
err_has "stamped from public.alembic_version (2 heads)"
[ "$(cur "$db")" = "2b2b2b2b2b2b,3c3c3c3c3c3c" ] || fail "two heads: current is $(cur "$db")"
[ "$(applied_set "$db")" = "1a2b3c4d5e6f,2b2b2b2b2b2b,3c3c3c3c3c3c" ] || fail "two heads: applied $(applied_set "$db")"
[ "$(value "SELECT count(*) FROM rev_history() WHERE revision LIKE 'pgrev%'")" = "0" ] || fail "the temporary merge was left"
run 0 upgrade -m mig 5e5e5e5e5e5e
ok "stamp --from alembic, two unmerged heads on a database where every file was registered already: exactly those heads"

# A database pg_revisions has not seen, its alembic_version written as Alembic leaves it.
third="${db}_three"
psql_q -d postgres -c "CREATE DATABASE $third"
cleanup_third() {
    local rc=$?
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $third WITH (FORCE)" >/dev/null 2>&1 || true
    (exit "$rc")
    cleanup_fresh
}
trap cleanup_third EXIT
psql_q -d "$third" -c "CREATE EXTENSION pg_revisions" \
    -c "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))" \
    -c "INSERT INTO alembic_version VALUES ('3c3c3c3c3c3c'), ('2b2b2b2b2b2b')"
PGDATABASE=$third run 0 stamp --from alembic -m mig
[ "$(cur "$third")" = "2b2b2b2b2b2b,3c3c3c3c3c3c" ] || fail "two heads (fresh): current is $(cur "$third")"
[ "$(applied_set "$third")" = "1a2b3c4d5e6f,2b2b2b2b2b2b,3c3c3c3c3c3c" ] || fail "two heads (fresh): applied $(applied_set "$third")"
[ "$("$PG_BIN/psql" -X -A -t -d "$third" -c "SELECT count(*) FROM rev_history()")" = "7" ] || fail "not every file registered"
[ "$("$PG_BIN/psql" -X -A -t -d "$third" -c "SELECT string_agg(target, ',') FROM revisions.operation")" = "heads" ] || fail "operation log: $("$PG_BIN/psql" -X -A -t -d "$third" -c "SELECT * FROM revisions.operation")"
psql_q -d "$third" -c "DELETE FROM alembic_version WHERE version_num = '2b2b2b2b2b2b'"
PGDATABASE=$third run 0 stamp --from alembic -m mig
[ "$(applied_set "$third")" = "1a2b3c4d5e6f,3c3c3c3c3c3c" ] || fail "one branch: applied $(applied_set "$third")"
psql_q -d "$third" -c "UPDATE alembic_version SET version_num = '4d4d4d4d4d4d'"
PGDATABASE=$third run 0 stamp --from alembic -m mig
[ "$(applied_set "$third")" = "1a2b3c4d5e6f,2b2b2b2b2b2b,3c3c3c3c3c3c,4d4d4d4d4d4d" ] || fail "merge point: applied $(applied_set "$third")"
psql_q -d "$third" -c "UPDATE alembic_version SET version_num = '2b2b2b2b2b2b'" -c "INSERT INTO alembic_version VALUES ('0000dead0000')"
before=$(applied_set "$third")
PGDATABASE=$third run 2 stamp --from alembic -m mig
err_has 'public.alembic_version says version "0000dead0000" is applied, but no migration file has id "0000dead0000"'
err_has "nothing was changed"
[ "$(applied_set "$third")" = "$before" ] || fail "a failed stamp changed the state"
ok "stamp --from alembic on a new database: two unmerged heads, one branch's head, a merge point: exactly that; an unknown row stamps nothing"

# ---------------------------------------------------------------- bad versions/
bad_case() {  # bad_case NAME MESSAGE: import must fail naming the file, nothing written
    run 2 import alembic auth -m bad
    err_has "$1"
    err_has "$2"
    nothing_written bad
}
cp "$v/2b_posts.py" "$work/keep.py"
sed -i 's/down_revision: str = "1a2b3c4d5e6f"/down_revision: str = "6f6f6f6f6f6f"/' "$v/2b_posts.py"
bad_case "_schema.py:6: error: revision \"20250813_auth_full\" is part of a cycle:" "2b2b2b2b2b2b -> 6f6f6f6f6f6f"
sed -i 's/down_revision: str = "6f6f6f6f6f6f"/down_revision: str = "0000dead0000"/' "$v/2b_posts.py"
bad_case "2b_posts.py" 'names the parent "0000dead0000", which is not in the project'
cp "$work/keep.py" "$v/2b_posts.py"
cp "$v/3c_audit.py" "$v/3d_again.py"
bad_case "3d_again.py" 'duplicate revision id "3c3c3c3c3c3c"'
rm "$v/3d_again.py"
printf 'revision = "7a"\ndown_revision = "6f6f6f6f6f6f"\ndef upgrade(:\n    pass\n' >"$v/7a_broken.py"
bad_case "7a_broken.py:3: error: syntax error" "7a_broken.py"
printf 'revision = "7a"\ndown_revision = make_parent()\n' >"$v/7a_broken.py"
bad_case "7a_broken.py:2: error: down_revision is not a literal" "7a_broken.py"
rm "$v/7a_broken.py"
PYTHON=/nonexistent/python3 run 2 import alembic auth -m bad
err_has 'could not run "/nonexistent/python3"'
nothing_written bad
ok "bad versions/ (a cycle, a missing parent, one id twice, a syntax error, a non-literal, no Python): error naming the file, nothing written"

# ---------------------------------------------------------------- depends_on naming a branch label
# Alembic's RevisionMap resolves a branch label in depends_on to the revision
# that declares it (not its branch's head): upgrading to m2 applies a1, never a2.
lab="$work/labels"
mkdir -p "$lab"
(cd "$lab" && "$PYTHON" -m alembic init migrations >/dev/null)
sed -i "s|^sqlalchemy.url = .*|sqlalchemy.url = postgresql://$PGUSER@$PGHOST:$PGPORT/$third|" "$lab/alembic.ini"
v="$lab/migrations/versions"
rev a1_audit.py "audit table" 'revision = "a1a1a1a1a1a1"
down_revision = None
branch_labels = ("audit",)' '    op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True))' '    op.drop_table("audit")'
rev a2_audit_more.py "audit column" 'revision = "a2a2a2a2a2a2"
down_revision = "a1a1a1a1a1a1"' '    op.add_column("audit", sa.Column("what", sa.Text()))' '    op.drop_column("audit", "what")'
rev m1_main.py "main table" 'revision = "m1m1m1m1m1m1"
down_revision = None
branch_labels = ("main",)' '    op.create_table("main", sa.Column("id", sa.Integer(), primary_key=True))' '    op.drop_table("main")'
rev m2_main_fk.py "main refers to audit" 'revision = "m2m2m2m2m2m2"
down_revision = "m1m1m1m1m1m1"
depends_on = "audit"' '    op.add_column("main", sa.Column("audit_id", sa.Integer(), sa.ForeignKey("audit.id")))' '    op.drop_column("main", "audit_id")'
rev z1_other.py "other root" 'revision = "z1z1z1z1z1z1"
down_revision = None' '    op.create_table("other", sa.Column("id", sa.Integer(), primary_key=True))' '    op.drop_table("other")'
run 0 import alembic labels -m mig_labels
[ "$(header "$(file_of mig_labels m2m2m2m2m2m2)" depends_on)" = "a1a1a1a1a1a1" ] ||
    fail "depends_on \"audit\" not resolved to the labelled revision: $(header "$(file_of mig_labels m2m2m2m2m2m2)" depends_on)"
psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $third WITH (FORCE)" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" \
    -c "CREATE DATABASE $third" -c "CREATE DATABASE $fresh"
psql_q -d "$third" -c "CREATE EXTENSION pg_revisions"
psql_q -d "$fresh" -c "CREATE EXTENSION pg_revisions"
(cd "$lab" && "$PYTHON" -m alembic upgrade m2m2m2m2m2m2 >/dev/null 2>"$work/alembic.err") || fail "alembic upgrade m2: $(cat "$work/alembic.err")"
PGDATABASE=$fresh run 0 upgrade m2m2m2m2m2m2 -m mig_labels
a=$("$PG_BIN/pg_dump" -s -n public -T alembic_version -d "$third" | grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict')
b=$(schema "$fresh")
[ "$a" = "$b" ] || fail "Alembic and the imported files differ on depends_on = \"audit\":
$(diff <(echo "$a") <(echo "$b"))"
PGDATABASE=$third run 0 stamp --from alembic -m mig_labels
[ "$(applied_set "$third")" = "a1a1a1a1a1a1,m1m1m1m1m1m1,m2m2m2m2m2m2" ] || fail "stamp after depends_on a label: $(applied_set "$third")"
ok "depends_on naming a branch label: the revision that declares it, as Alembic (same schema, a2 not applied); stamp --from alembic agrees"

# Two heads, one of them with a dependency on a third branch (a1: applied, but no applied child).
stamp_rows() {  # stamp_rows DB ROW...: alembic_version holds the rows, then stamp --from alembic
    local d=$1
    shift
    psql_q -d "$d" -c "SET client_min_messages = warning" -c "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)" -c "TRUNCATE alembic_version"
    for r in "$@"; do psql_q -d "$d" -c "INSERT INTO alembic_version VALUES ('$r')"; done
    PGDATABASE=$d run 0 stamp --from alembic -m mig_labels
}
stamp_rows "$fresh" m1m1m1m1m1m1 z1z1z1z1z1z1
[ "$(applied_set "$fresh")" = "m1m1m1m1m1m1,z1z1z1z1z1z1" ] || fail "m1 + z1: $(applied_set "$fresh")"
stamp_rows "$fresh" m2m2m2m2m2m2 z1z1z1z1z1z1
[ "$(applied_set "$fresh")" = "a1a1a1a1a1a1,m1m1m1m1m1m1,m2m2m2m2m2m2,z1z1z1z1z1z1" ] || fail "m2 + z1 (registered): $(applied_set "$fresh")"
psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" -c "CREATE DATABASE $fresh"
psql_q -d "$fresh" -c "CREATE EXTENSION pg_revisions"
stamp_rows "$fresh" m2m2m2m2m2m2 z1z1z1z1z1z1
[ "$(applied_set "$fresh")" = "a1a1a1a1a1a1,m1m1m1m1m1m1,m2m2m2m2m2m2,z1z1z1z1z1z1" ] || fail "m2 + z1 (new): $(applied_set "$fresh")"
ok "stamp --from alembic, two heads one of which depends on a third branch: exactly their ancestors and dependencies, new database or not"

# A partial id in depends_on: Alembic itself cannot load it; the import says so, naming the file.
sed -i 's/^depends_on = "audit"/depends_on = "a1a1"/' "$v/m2_main_fk.py"
if (cd "$lab" && "$PYTHON" -m alembic heads >/dev/null 2>&1); then fail "Alembic accepted a partial id in depends_on: the import must too"; fi
run 2 import alembic labels -m bad
err_has 'm2_main_fk.py:10: error: depends_on names "a1a1", a partial revision id'
nothing_written bad
sed -i 's/^depends_on = "a1a1"/depends_on = "audit"/' "$v/m2_main_fk.py"
sed -i 's/^branch_labels = ("main",)/branch_labels = ("audit",)/' "$v/m1_main.py"
run 2 import alembic labels -m bad
err_has "branch name 'audit' in revision"
nothing_written bad
ok "a partial id in depends_on (Alembic refuses it too) or one branch label twice: an error naming the file, nothing written"
