#!/usr/bin/env bash
# Script test: round-trip property test of rev_diff.
#
# test/diffgen/gen.py makes DIFF_PAIRS (default: one per mutation kind, 44)
# random pairs of schemas A
# and B from DIFF_SEED (default 1; DIFF_SEED=random draws one): B is A plus a
# few random mutations (add, drop, change) of tables (storage parameters,
# row-level security and policies), columns (type, collation, default, NOT
# NULL, identity and its options, generated, serial, serial <-> identity),
# primary keys, unique, exclusion, check and foreign keys, indexes (partial,
# expression, hash), sequences (ranges moving), enums (values added, removed,
# reordered), domains, composite types, views (also over views; options and
# check options), materialized views (and their indexes), functions (also
# called by defaults and checks), procedures, routines needing a table (BEGIN
# ATOMIC body, row type argument), triggers (UPDATE OF, WHEN), comments,
# partitioned tables (partitions added, dropped, their bounds moved; the
# partition key changed, or the table made plain or partitioned: recreated;
# a partition's own indexes and checks), domains whose base type changes
# while columns use them, owners and privileges (table, column, sequence,
# view, routine, type privileges, grant options, PUBLIC: half of the pairs,
# and those changing them, run with pg_revisions.diff_privileges on, as roles
# regress_dg_r1..3 made here), and the whole schema torn down; every kind of
# mutation is made in at least one pair once DIFF_PAIRS is at least the
# number of kinds (44).
# For each pair, in a fresh database:
#
#   1. schemas a and a_orig are built from A, b from B, and decoy from A too;
#   2. every row of rev_diff('a', 'b') is applied in one transaction with
#      search_path = decoy, pg_catalog: an unqualified name in a row would
#      reach decoy (or fail) instead of a.  Enum values only added must come
#      with ALTER TYPE ... ADD VALUE (no rebuild); values removed or
#      reordered must rebuild the type; every row that drops a table, view,
#      index, routine, sequence, trigger, policy, domain, type, column,
#      constraint, attribute or identity, or moves a sequence's value, must
#      start with a '-- ' line (the renamed old enum dropped last loses nothing);
#   3. pg_dump --schema-only -n a must equal pg_dump -n b, normalised by
#      test/diffgen/normalise.py (schema name, pg_dump's comment and SET
#      lines, the order of the lines inside CREATE TABLE: see that file);
#   4. rev_diff('a', 'b') again returns no rows (idempotence);
#   5. the same with rev_diff('a', 'a_orig'): the reverse diff brings a back to
#      A, and then rev_diff('a', 'a_orig') returns no rows;
#   6. decoy still dumps like a_orig: no row touched it.
#
# A failing pair prints the seed, the pair number, the mutations, both DDLs,
# the diff and the dump difference; the test fails when any pair failed.
# Prints "N pairs, N passed".  Needs /usr/bin/python3 (scripts/lib.sh installs
# it).  Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=diff_roundtrip
# shellcheck source=test/scripts/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1    # no __pycache__ in test/diffgen
seed=${DIFF_SEED:-1}
[ "$seed" = random ] && seed=$(( (RANDOM << 15 | RANDOM) % 1000000 ))
# default: one pair per mutation kind, so that each is made at least once
pairs=${DIFF_PAIRS:-$(cd "$root/test/diffgen" && "$PY" -c 'from mutations import MUTATIONS; print(len(MUTATIONS))')}
case "$seed$pairs" in *[!0-9]*) echo "diff_roundtrip: DIFF_SEED and DIFF_PAIRS must be numbers" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_diff_roundtrip.XXXXXX")
db=""
roles="regress_dg_r1 regress_dg_r2 regress_dg_r3"
cleanup() {
    [ -z "$db" ] || psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    for role in $roles; do
        psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

dump() { pg_dump --schema-only -n "$2" -d "$1" | "$PY" "$root/test/diffgen/normalise.py" "$2"; }

echo "diff_roundtrip: seed $seed, $pairs pairs (rerun one with DIFF_SEED=$seed)"
# The roles the generated owners and privileges name (test/diffgen/privileges.py):
# superusers, so that a materialized view reading a view one of them owns can
# be populated whatever the privileges they were given.
for role in $roles; do
    psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $role" \
        -c "CREATE ROLE $role NOLOGIN SUPERUSER"
done
"$PY" "$root/test/diffgen/gen.py" "$seed" "$pairs" "$work"

# report PAIRDIR WHAT DETAILS...: print everything needed to reproduce a failure.
report() {
    local dir=$1 what=$2
    shift 2
    echo "======== FAIL: seed $seed, pair $(basename "$dir"): $what"
    echo "---- mutations (B = A plus):"; cat "$dir/mutations.txt"
    echo "---- schema A:"; cat "$dir/A.sql"
    echo "---- schema B:"; cat "$dir/B.sql"
    for f in "$@"; do
        [ -e "$f" ] || continue
        echo "---- $(basename "$f"):"; cat "$f"
    done
    echo "======== end of pair $(basename "$dir")"
}

# step DIR SOURCE TARGET NAME: apply rev_diff(SOURCE, TARGET) to SOURCE under a
# hostile search_path, then compare SOURCE's dump with TARGET's and check that
# a second rev_diff is empty.  Returns non-zero (after a report) on failure.
step() {
    local dir=$1 src=$2 tgt=$3 name=$4 rows rest
    local sql="$dir/$name.sql" err="$dir/$name.apply-error" dd="$dir/$name.dump-diff"
    # One text holding every row, each followed by ';' (a row's own trailing
    # ';' only adds an empty statement), in rev_diff's order.
    if ! value -d "$db" -c "SELECT count(*) FROM rev_diff('$src', '$tgt')" >"$dir/$name.count" 2>"$err"; then
        report "$dir" "rev_diff('$src', '$tgt') raised an error" "$err"
        return 1
    fi
    if ! rows=$(value -d "$db" -c "SELECT string_agg(s || E';\n', '' ORDER BY n)
                                   FROM rev_diff('$src', '$tgt') WITH ORDINALITY AS d(s, n)" 2>"$err"); then
        report "$dir" "rev_diff('$src', '$tgt') raised an error" "$err"
        return 1
    fi
    printf 'SET search_path = decoy, pg_catalog;\nBEGIN;\n%s\nCOMMIT;\n' "$rows" >"$sql"
    # A row that drops something starts with a '-- ' line saying what is lost.
    if ! rest=$(value -d "$db" -c "SELECT string_agg(s, E'\n') FROM rev_diff('$src', '$tgt') AS s
                                   WHERE s !~ '^-- ' AND s ~ '^(DROP (TABLE|VIEW|MATERIALIZED VIEW|INDEX|FUNCTION|PROCEDURE|SEQUENCE|TRIGGER|POLICY|DOMAIN|TYPE) |ALTER TABLE [^ ]+ (DROP (COLUMN|CONSTRAINT) |ALTER COLUMN [^ ]+ DROP IDENTITY)|ALTER (TYPE [^ ]+ DROP ATTRIBUTE|DOMAIN [^ ]+ DROP CONSTRAINT) |SELECT pg_catalog.setval)'
                                   AND s !~ '^DROP TYPE [^ ]+_pgrev_old\"?$'" 2>"$err") ||
       [ -n "$rest" ]; then
        echo "$rest" >"$dir/$name.uncommented"
        report "$dir" "rev_diff('$src', '$tgt') has drops without a '-- ' comment line" "$sql" "$dir/$name.uncommented" "$err"
        return 1
    fi
    # How enums must change (test/diffgen/gen.py, enum_expectations).
    while IFS= read -r line; do
        if [ "${line:0:2}" = "+ " ] && ! grep -qF -- "${line:2}" "$sql"; then
            report "$dir" "rev_diff('$src', '$tgt') has no row with: ${line:2}" "$sql"
            return 1
        elif [ "${line:0:2}" = "- " ] && grep -qF -- "${line:2}" "$sql"; then
            report "$dir" "rev_diff('$src', '$tgt') has a row with: ${line:2}" "$sql"
            return 1
        fi
    done <"$dir/expect-$name.txt"
    if ! psql_q -d "$db" -f "$sql" >/dev/null 2>"$err"; then
        report "$dir" "rev_diff('$src', '$tgt') ($(cat "$dir/$name.count") rows) does not apply" "$sql" "$err"
        return 1
    fi
    if ! dump "$db" "$src" >"$dir/$name.dump-src" || ! dump "$db" "$tgt" >"$dir/$name.dump-tgt"; then
        report "$dir" "pg_dump of $src or $tgt failed" "$sql"
        return 1
    fi
    if ! diff -u "$dir/$name.dump-tgt" "$dir/$name.dump-src" >"$dd"; then
        report "$dir" "after rev_diff('$src', '$tgt'), pg_dump -n $src differs from -n $tgt (- $tgt, + $src)" "$sql" "$dd"
        return 1
    fi
    if ! rest=$(value -d "$db" -c "SELECT string_agg(s, E'\n') FROM rev_diff('$src', '$tgt') AS s" 2>"$err"); then
        report "$dir" "the second rev_diff('$src', '$tgt') raised an error" "$sql" "$err"
        return 1
    fi
    if [ -n "$rest" ]; then
        echo "$rest" >"$dir/$name.second-diff"
        report "$dir" "a second rev_diff('$src', '$tgt') is not empty after applying the first" "$sql" "$dir/$name.second-diff"
        return 1
    fi
    cp "$dir/$name.count" "$dir/$name.rows"
}

passed=0
failed=0
rows_fwd=0
rows_rev=0
start=$SECONDS
for i in $(seq 1 "$pairs"); do
    dir="$work/$(printf '%03d' "$i")"
    db="pgrev_diff_rt_$$_$i"
    psql_q -d postgres -c "CREATE DATABASE $db"
    psql_q -d "$db" -c "CREATE EXTENSION pg_revisions"
    # owners and privileges compared in this pair (test/diffgen/gen.py)
    if [ -e "$dir/privileges" ]; then
        psql_q -d postgres -c "ALTER DATABASE $db SET pg_revisions.diff_privileges = on"
    fi
    if ! psql_q -d "$db" >/dev/null 2>"$dir/build-error" <<EOF
CREATE SCHEMA a;
CREATE SCHEMA a_orig;
CREATE SCHEMA b;
CREATE SCHEMA decoy;
SET search_path = a, pg_catalog;
\i $dir/A.sql
SET search_path = a_orig, pg_catalog;
\i $dir/A.sql
SET search_path = decoy, pg_catalog;
\i $dir/A.sql
SET search_path = b, pg_catalog;
\i $dir/B.sql
EOF
    then
        report "$dir" "the generated schemas do not build (a bug in test/diffgen/gen.py)" "$dir/build-error"
        failed=$((failed + 1))
    elif step "$dir" a b forward && step "$dir" a a_orig reverse; then
        dump "$db" decoy >"$dir/decoy.dump" || echo "(pg_dump -n decoy failed)" >"$dir/decoy.dump"
        if diff -u "$dir/reverse.dump-tgt" "$dir/decoy.dump" >"$dir/decoy.dump-diff"; then
            passed=$((passed + 1))
            rows_fwd=$((rows_fwd + $(cat "$dir/forward.rows")))
            rows_rev=$((rows_rev + $(cat "$dir/reverse.rows")))
        else
            report "$dir" "schema decoy (on the search_path while applying) was changed" \
                "$dir/forward.sql" "$dir/reverse.sql" "$dir/decoy.dump-diff"
            failed=$((failed + 1))
        fi
    else
        failed=$((failed + 1))
    fi
    psql_q -d postgres -c "DROP DATABASE $db"
    db=""
done

echo "mutation kinds exercised (kind, times):"
sed 's/^/  /' "$work/coverage.txt"
if [ "$pairs" -ge "$(wc -l <"$work/coverage.txt")" ] && grep -q $'\t0$' "$work/coverage.txt"; then
    echo "diff_roundtrip: FAIL: a mutation kind was never exercised (a bug in test/diffgen/gen.py)" >&2
    failed=$((failed + 1))
fi
echo "rows applied: $rows_fwd forward, $rows_rev reverse, in $((SECONDS - start)) s"
echo "$pairs pairs, $passed passed"
[ "$failed" -eq 0 ] && [ "$passed" -eq "$pairs" ]
