#!/usr/bin/env bash
# Script test: concurrent upgrades while revisions are being registered.
#
# 8 sessions each run `SELECT count(*) FROM rev_upgrade('heads')` 40 times
# (a random pause of up to 0.25 s between calls) while a 9th session registers
# 150 revisions, one every few tens of milliseconds: mostly a chain; every 20
# revisions a branch of 2 or 3 revisions off a revision 3 below the chain's
# tip, joined later with rev_merge(); a revision on the chain depends_on a
# revision of each branch.  All under READ COMMITTED (the default).  Every
# revision (merges have no SQL) inserts its id and the session's
# application_name into load_log, whose bigserial id is therefore the apply
# order, and creates a table lt_<id>.  After one final rev_upgrade('heads'):
#   - every revision is applied, and every non-merge revision appears exactly
#     once in load_log (and its table exists);
#   - for every edge of revisions.edge (down_revision and depends_on), the
#     requirement was applied first (load_log ids; merges: the position in
#     revisions.operation, which must agree with load_log);
#   - no session saw an error (in particular no 40P01 deadlock);
#   - revisions.operation has one 'upgrade' row per call that returned a count
#     > 0, and their revisions arrays hold every revision exactly once.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

sessions=8
calls=40
total=150
limit=90                       # seconds for the concurrent phase
db="pgrev_load_$$"
app="pgrev_load_$$"            # prefix of the application_name of every session we start
work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_load.XXXXXX")

test_name=load
# shellcheck source=test/scripts/session_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/session_helpers.bash"

# --- the registration script ---------------------------------------------------
# Positions within each block of 20 registrations, when a branch fits:
#   5 b<k>_1 (off the chain revision 3 below the tip), 6 chain, 7 b<k>_2,
#   8 chain (odd k: depends_on b<k>_2), 9 b<k>_3 (even k) or chain,
#   10 chain (even k: depends_on b<k>_1), 11 rev_merge(tip, last of b<k>),
#   the other positions chain.
n=0; c=0; k=0
tip=""
chain=()                       # successive tips of the chain
merges=()
depends=0
branch_last=""
pause() { printf 'SELECT pg_sleep(0.%03d);\n' $((RANDOM % 40)); }
rev_sql() { printf "\$up\$INSERT INTO load_log (revision, session) VALUES ('%s', current_setting('application_name')); CREATE TABLE lt_%s (id int);\$up\$" "$1" "$1"; }
add() {  # add ID PARENTS [DEPENDS_ON]
    local deps=""
    [ -z "${3:-}" ] || deps=", depends_on => '{$3}'"
    printf "SELECT rev_add('%s', %s, 'DROP TABLE lt_%s', down_revision => '{%s}', message => 'load %s'%s);\n" \
        "$1" "$(rev_sql "$1")" "$1" "$2" "$1" "$deps"
    pause
    n=$((n + 1))
}
add_chain() {  # add_chain [DEPENDS_ON]
    local id
    c=$((c + 1))
    id=$(printf 'c%03d' "$c")
    add "$id" "$tip" "${1:-}"
    [ -z "${1:-}" ] || depends=$((depends + 1))
    tip=$id
    chain+=("$id")
}
{
    while [ "$n" -lt "$total" ]; do
        pos=$((n % 20))
        if [ "$pos" -eq 5 ] && [ $((n + 7)) -le "$total" ]; then
            k=$((k + 1))
            base=${chain[${#chain[@]} - 3]}
            add "b${k}_1" "$base"
            add_chain
            add "b${k}_2" "b${k}_1"
            if [ $((k % 2)) -eq 1 ]; then add_chain "b${k}_2"; else add_chain; fi
            if [ $((k % 2)) -eq 0 ]; then
                add "b${k}_3" "b${k}_2"; branch_last="b${k}_3"
                add_chain "b${k}_1"
            else
                branch_last="b${k}_2"
                add_chain
                add_chain
            fi
            printf "SELECT rev_merge(ARRAY['%s', '%s'], 'load merge %s', revision => 'm%s');\n" "$tip" "$branch_last" "$k" "$k"
            pause
            n=$((n + 1))
            tip="m$k"
            chain+=("$tip")
            merges+=("$tip")
        else
            add_chain
        fi
    done
} >"$work/register.sql"
[ "$n" -eq "$total" ] || fail "the registration script has $n revisions, expected $total (generator bug)"
merge_list=$(IFS=,; echo "${merges[*]}")

for ((s = 1; s <= sessions; s++)); do
    for ((i = 1; i <= calls; i++)); do
        echo "SELECT count(*) FROM rev_upgrade('heads');"
        # shellcheck disable=SC2016  # $$ is SQL dollar quoting
        printf 'DO $$BEGIN PERFORM pg_sleep(0.%03d); END$$;\n' $((RANDOM % 250))
    done >"$work/worker$s.sql"
done

start=$SECONDS
psql_q -d postgres -c "CREATE DATABASE $db"
psql_q -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION pg_revisions;
CREATE TABLE load_log (id bigserial PRIMARY KEY, revision text NOT NULL, session text NOT NULL,
                       logged_at timestamptz NOT NULL DEFAULT clock_timestamp());
SQL

# --- the concurrent phase ----------------------------------------------------------
# Every session: its own stdout and stderr, verbose errors (SQLSTATE), no NOTICEs.
run_session() {  # run_session NAME FILE
    PGAPPNAME="${app}_$1" PGOPTIONS="-c client_min_messages=warning" \
        timeout --kill-after=5 "$limit" "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
        -d "$db" -f "$2" >"$work/$1.out" 2>"$work/$1.err"
    local rc=$?
    echo "$1 $((SECONDS - start))" >>"$work/ended"
    return "$rc"
}
declare -A pid_of
run_session reg "$work/register.sql" &
pid_of[reg]=$!; bg_pids+=("$!")
for ((s = 1; s <= sessions; s++)); do
    run_session "w$s" "$work/worker$s.sql" &
    pid_of[w$s]=$!; bg_pids+=("$!")
done
errors=0
deadlocks=0
problems=""
for name in reg $(seq -f 'w%g' 1 "$sessions"); do
    rc=0
    wait "${pid_of[$name]}" || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        problems+="session $name did not finish within ${limit} s"$'\n'
    elif [ "$rc" -ne 0 ]; then
        problems+="session $name exited $rc"$'\n'
    fi
    if [ -s "$work/$name.err" ]; then
        errors=$((errors + $(grep -cE '(^|: )(ERROR|FATAL):' "$work/$name.err" || true)))
        deadlocks=$((deadlocks + $(grep -c '40P01' "$work/$name.err" || true)))
        problems+="session $name wrote to stderr:"$'\n'"$(head -n 20 "$work/$name.err")"$'\n'
    fi
done
concurrent_secs=$((SECONDS - start))
if [ -n "$problems" ]; then
    printf '%s' "$problems" >&2
    fail "the concurrent phase went wrong ($errors errors, $deadlocks deadlocks (40P01); details above)"
fi
ok "9 sessions ended cleanly after ${concurrent_secs} s (registration ended after $(awk '$1 == "reg" { print $2 }' "$work/ended") s, the upgrade sessions after $(awk '$1 != "reg" { print $2 }' "$work/ended" | sort -n | head -n 1)-$(awk '$1 != "reg" { print $2 }' "$work/ended" | sort -n | tail -n 1) s): 0 errors, 0 deadlocks, empty stderr everywhere"

for ((s = 1; s <= sessions; s++)); do
    got=$(grep -c . "$work/w$s.out" || true)
    [ "$got" -eq "$calls" ] || fail "session w$s printed $got counts, expected $calls (output in $work/w$s.out)"
    if grep -qv '^[0-9][0-9]*$' "$work/w$s.out"; then
        fail "session w$s printed something other than counts: $(grep -v '^[0-9][0-9]*$' "$work/w$s.out" | head -n 3)"
    fi
done
cat "$work"/w*.out >"$work/counts"
during=$(awk '{ s += $1 } END { print s + 0 }' "$work/counts")
[ "$during" -ge 1 ] || fail "the $sessions sessions applied nothing while revisions were being registered: the test exercised no concurrency"

# --- the final upgrade --------------------------------------------------------------
PGAPPNAME="${app}_final" value -d "$db" -c "SET client_min_messages = warning" \
    -c "SELECT count(*) FROM rev_upgrade('heads')" >"$work/final.out" 2>"$work/final.err" || {
    cat "$work/final.err" >&2
    fail "the final rev_upgrade('heads') failed"
}
final=$(cat "$work/final.out")
echo "$final" >>"$work/counts"
applied_calls=$(awk '$1 > 0 { n++ } END { print n + 0 }' "$work/counts")
applied_sum=$(awk '{ s += $1 } END { print s + 0 }' "$work/counts")
all_calls=$(wc -l <"$work/counts")

# --- checks ---------------------------------------------------------------------------
q() { value -d "$db" -c "$1"; }
registered=$(q "SELECT count(*) FROM revisions.revision")
[ "$registered" -eq "$total" ] || fail "$registered revisions registered, expected $total"
got=$(q "SELECT count(*) FROM revisions.revision WHERE revision = ANY ('{$merge_list}')")
[ "$got" -eq "${#merges[@]}" ] || fail "$got of the ${#merges[@]} merges ($merge_list) are registered"
with_sql=$((total - ${#merges[@]}))
kinds=$(q "SELECT count(*) FILTER (WHERE kind = 'down_revision') || ' ' || count(*) FILTER (WHERE kind = 'depends_on') FROM revisions.edge")
ok "$total revisions registered concurrently (${#merges[@]} branches joined by rev_merge, $depends with depends_on; edges down_revision/depends_on: ${kinds/ //})"

applied=$(q "SELECT count(*) FROM revisions.applied")
[ "$applied" -eq "$total" ] || fail "revisions.applied has $applied rows, expected all $total revisions"
pending=$(q "SELECT count(*) FROM rev_pending('heads')")
[ "$pending" -eq 0 ] || fail "$pending revisions still pending after the final upgrade"
[ "$applied_sum" -eq "$total" ] || fail "the rev_upgrade calls returned counts summing to $applied_sum, expected $total (each revision applied once)"

read -r log_rows log_distinct <<<"$(q "SELECT count(*) || ' ' || count(DISTINCT revision) FROM load_log")"
dups=$(q "SELECT coalesce(string_agg(revision || ' x' || n || ' (' || sessions || ')', ', '), '') FROM
            (SELECT revision, count(*) n, string_agg(session, ',') sessions FROM load_log GROUP BY revision HAVING count(*) > 1) d")
[ -z "$dups" ] || fail "revisions applied more than once: $dups"
missing=$(q "SELECT coalesce(string_agg(revision, ',' ORDER BY seq), '') FROM revisions.revision r
             WHERE revision <> ALL ('{$merge_list}') AND NOT EXISTS (SELECT FROM load_log l WHERE l.revision = r.revision)")
[ -z "$missing" ] || fail "revisions never ran their SQL (no load_log row): $missing"
extra=$(q "SELECT coalesce(string_agg(revision, ','), '') FROM load_log l
           WHERE NOT EXISTS (SELECT FROM revisions.revision r WHERE r.revision = l.revision) OR revision = ANY ('{$merge_list}')")
[ -z "$extra" ] || fail "load_log rows for unknown revisions or merges: $extra"
[ "$log_rows" -eq "$with_sql" ] || fail "load_log has $log_rows rows, expected $with_sql"
no_table=$(q "SELECT count(*) FROM load_log WHERE to_regclass('lt_' || revision) IS NULL")
[ "$no_table" -eq 0 ] || fail "$no_table revisions in load_log have no table lt_<id>"
ok "$log_distinct revisions with SQL ran exactly once ($log_rows load_log rows), the ${#merges[@]} merges are applied, all $total in revisions.applied"

# Apply order.  Position of a revision: its operation row's id and its index in
# that row's revisions array (operations are serialized, so ids are in order).
positions="WITH pos AS (SELECT r AS revision, o.id AS op, u.n FROM revisions.operation o,
                        unnest(o.revisions) WITH ORDINALITY AS u(r, n) WHERE o.operation = 'upgrade')"
bad=$(q "SELECT coalesce(string_agg(e.revision || ' (log ' || a.id || ') requires ' || e.requires || ' (log ' || b.id || ', ' || e.kind || ')', '; '), '')
         FROM revisions.edge e JOIN load_log a ON a.revision = e.revision JOIN load_log b ON b.revision = e.requires
         WHERE b.id >= a.id")
[ -z "$bad" ] || fail "revisions applied before what they require: $bad"
log_edges=$(q "SELECT count(*) FROM revisions.edge e JOIN load_log a ON a.revision = e.revision JOIN load_log b ON b.revision = e.requires")
bad=$(q "$positions SELECT coalesce(string_agg(e.revision || ' requires ' || e.requires || ' (' || e.kind || ')', '; '), '')
         FROM revisions.edge e JOIN pos a ON a.revision = e.revision JOIN pos b ON b.revision = e.requires
         WHERE (b.op, b.n) >= (a.op, a.n)")
[ -z "$bad" ] || fail "by revisions.operation, revisions applied before what they require: $bad"
all_edges=$(q "SELECT count(*) FROM revisions.edge")
# The two orders must agree for the revisions with SQL.
disagree=$(q "$positions SELECT count(*) FROM (SELECT l.revision, row_number() OVER (ORDER BY l.id) AS by_log,
                                              row_number() OVER (ORDER BY p.op, p.n) AS by_op
                                       FROM load_log l JOIN pos p USING (revision)) x WHERE by_log <> by_op")
[ "$disagree" -eq 0 ] || fail "$disagree revisions are in a different order in load_log and in revisions.operation"
ok "the DAG order holds: $log_edges edges checked by load_log id, all $all_edges by position in revisions.operation (merges included), and the two orders agree"

# The operation log.
ops=$(q "SELECT count(*) FROM revisions.operation WHERE operation = 'upgrade'")
others=$(q "SELECT count(*) FROM revisions.operation WHERE operation <> 'upgrade' OR target <> 'heads' OR cardinality(revisions) = 0")
[ "$others" -eq 0 ] || fail "revisions.operation has $others rows that are not non-empty upgrades to 'heads'"
[ "$ops" -eq "$applied_calls" ] || fail "revisions.operation has $ops upgrade rows, but $applied_calls rev_upgrade calls returned a count > 0 (a lost or extra operation row)"
read -r in_ops in_ops_distinct <<<"$(q "SELECT count(*) || ' ' || count(DISTINCT r) FROM revisions.operation o, unnest(o.revisions) r WHERE o.operation = 'upgrade'")"
if [ "$in_ops" -ne "$total" ] || [ "$in_ops_distinct" -ne "$total" ]; then
    fail "the revisions arrays of revisions.operation hold $in_ops ids ($in_ops_distinct distinct), expected each of the $total revisions once"
fi
unlisted=$(q "SELECT count(*) FROM revisions.revision r WHERE NOT EXISTS
                (SELECT FROM revisions.operation o WHERE o.operation = 'upgrade' AND r.revision = ANY (o.revisions))")
[ "$unlisted" -eq 0 ] || fail "$unlisted registered revisions are in no operation row's revisions array"
wrong_op=$(q "SELECT count(*) FROM revisions.applied a JOIN revisions.operation o ON o.id = a.operation_id
              WHERE NOT a.revision = ANY (o.revisions)")
[ "$wrong_op" -eq 0 ] || fail "$wrong_op revisions.applied rows point at an operation row that does not list them"
ok "revisions.operation: $ops upgrade rows = $applied_calls calls (of $all_calls) that returned a count > 0; their arrays hold the $total revisions once each"

by_session=$(q "SELECT string_agg(s || ':' || n, ' ' ORDER BY s) FROM
                  (SELECT replace(session, '${app}_', '') s, count(*) n FROM load_log GROUP BY 1) x")
ok "applied by session: $by_session (final upgrade applied $final)"
left=$(value -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '${app}%'")
[ "$left" -eq 0 ] || fail "$left of our sessions are still connected"

echo "load: $sessions sessions x $calls upgrades, $total revisions registered concurrently, $total applied exactly once ($log_rows with SQL + ${#merges[@]} merges), $errors errors, $ops operation rows ($((SECONDS - start)) s)"
