#!/usr/bin/python3
"""Generator of schema pairs for the rev_diff round-trip test.

    /usr/bin/python3 test/diffgen/gen.py SEED PAIRS OUTDIR

writes, for each pair i in 1..PAIRS, OUTDIR/NNN/A.sql, OUTDIR/NNN/B.sql,
OUTDIR/NNN/mutations.txt and OUTDIR/NNN/expect-{forward,reverse}.txt (how
the diff must change the enums: ADD VALUE when values are only added, a
rebuild otherwise; see enum_expectations), and OUTDIR/NNN/privileges when
the pair is compared with pg_revisions.diff_privileges on (half of the
pairs, schema A then with a few owners and privileges, and every pair with a
'privileges' mutation: privileges.py).  Schema A is a few random tables
with every kind of object rev_diff compares around them; schema B is A plus
random mutations (add, drop, change) of those objects.  Pair i always
includes the mutation kind i mod len(MUTATIONS), so every kind is exercised
once PAIRS >= len(MUTATIONS); OUTDIR/coverage.txt counts the mutation kinds
over all pairs.

Everything is decided by random.Random(SEED * 100003 + i) (see build_pair),
so one pair can be regenerated on its own.  The DDL uses unqualified names
and expects to run with search_path = <schema>, pg_catalog.  Names are stable
between A and B for every object that persists (explicit constraint and
index names), so that the diff has something to keep; a dropped-and-added
object gets a fresh name.

Files: model.py (the model of a schema and the DDL it emits), build.py
(schema A at random, and the dependencies that keep a model valid),
mutations.py (the mutation kinds), this file (pairs, expectations, output).

The model mirrors the catalog, not the DDL: a primary-key or identity column
is NOT NULL in the model because PostgreSQL makes it so, and dropping the
primary key leaves it NOT NULL.  B is always a valid schema: dropping a
column or a table also drops, in B, what depends on it (indexes,
constraints, views, triggers, comments).  Deliberately NOT generated:
what no diff applied in one transaction can do (a default that uses an enum
value added by the same diff: PostgreSQL's "unsafe use of new value"; type
changes without an assignment cast, which need a USING nobody can guess),
and rev_diff's documented limits (README, "Not compared (limits)": e.g. a
function whose signature or argument changes while a default or check
still calls it).
"""
import copy
import os
import random
import sys

from model import quote_lit
from build import build_a, enum_defaults_safe, prune_views
from mutations import MUTATIONS
from privileges import add_privileges, privileges_ddl


def privileges_first(seed, i):
    """Whether pair i is compared with pg_revisions.diff_privileges on
    whatever its mutations (half of the pairs), its schema A then getting a
    few owners and privileges; drawn apart from build_pair's random."""
    return random.Random(seed * 7919 + i).random() < 0.5


def build_pair(seed, i):
    """Schema A, schema B and the list of (kind, description) applied.  Pair i
    first gets the mutation kind i mod len(MUTATIONS) (when it cannot apply to
    this A, after a few tries, another A is drawn), then 2..6 random ones."""
    kind, fn = MUTATIONS[i % len(MUTATIONS)]
    for attempt in range(50):
        r = random.Random(seed * 100003 + i + 1000000007 * attempt)
        a = build_a(r)
        if privileges_first(seed, i):
            add_privileges(random.Random(seed * 7919 + i + 1), a)
        b = copy.deepcopy(a)
        enum_defaults_safe(b)
        for _ in range(5):
            desc = fn(r, b)
            prune_views(b)
            if desc:
                break
        if desc:
            break
    else:
        raise RuntimeError('mutation kind %r never applied to pair %d' % (kind, i))
    done = [(kind, desc)]
    for _ in range(r.randint(2, 6)):
        kind, fn = r.choice(MUTATIONS)
        for _ in range(5):
            try:
                desc = fn(r, b)
            except (AttributeError, IndexError, ValueError):
                desc = None  # a mutation that needs a table, after 'tear down'
            prune_views(b)
            if desc:
                done.append((kind, desc))
                break
    return a, b, done


def is_subsequence(short, long):
    it = iter(long)
    return all(v in it for v in short)


def enum_expectations(src, dst, schema='a'):
    """How the diff from model src to model dst must change the enums both
    have: lines '+ TEXT' (the diff has a row containing TEXT) and '- TEXT' (no
    row contains it).  Values only added go in with ADD VALUE (BEFORE or
    AFTER), keeping the type; values removed or reordered rebuild it."""
    out = []
    for e in src.enums:
        d = dst.enum(e.name)
        if d is None or d.values == e.values:
            continue
        q = '%s.%s' % (schema, e.name)
        if is_subsequence(e.values, d.values):
            out.append('- ALTER TYPE %s RENAME TO' % q)
            for v in d.values:
                if v not in e.values:
                    out.append("+ ALTER TYPE %s ADD VALUE %s" % (q, quote_lit(v)))
        else:
            out.append('+ ALTER TYPE %s RENAME TO' % q)
    return out


def main(argv):
    if len(argv) != 4:
        sys.stderr.write('usage: gen.py SEED PAIRS OUTDIR\n')
        return 2
    seed, pairs, outdir = int(argv[1]), int(argv[2]), argv[3]
    coverage = {kind: 0 for kind, _ in MUTATIONS}
    for i in range(1, pairs + 1):
        a, b, done = build_pair(seed, i)
        d = os.path.join(outdir, '%03d' % i)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, 'A.sql'), 'w') as f:
            f.write(a.ddl() + privileges_ddl(a))
        with open(os.path.join(d, 'B.sql'), 'w') as f:
            f.write(b.ddl() + privileges_ddl(b))
        if privileges_first(seed, i) or any(kind == 'privileges' for kind, _ in done):
            # compared with pg_revisions.diff_privileges on
            open(os.path.join(d, 'privileges'), 'w').close()
        for name, lines in (('expect-forward.txt', enum_expectations(a, b)),
                            ('expect-reverse.txt', enum_expectations(b, a))):
            with open(os.path.join(d, name), 'w') as f:
                f.write(''.join(line + '\n' for line in lines))
        with open(os.path.join(d, 'mutations.txt'), 'w') as f:
            for kind, desc in done:
                f.write('%s: %s\n' % (kind, desc))
                coverage[kind] += 1
    with open(os.path.join(outdir, 'coverage.txt'), 'w') as f:
        for kind, n in coverage.items():
            f.write('%s\t%d\n' % (kind, n))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
