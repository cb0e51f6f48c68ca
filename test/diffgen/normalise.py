#!/usr/bin/python3
r"""Normalise a `pg_dump --schema-only -n SCHEMA` for comparison with another.

    pg_dump --schema-only -n a DB | /usr/bin/python3 test/diffgen/normalise.py a

Only what is honest to normalise, each step on its own:

1. pg_dump's comment lines (`--` alone or followed by a space: the header,
   the "Name: ...; Type: ...; Schema: ...; Owner: ..." line before each
   object) and blank lines: they name the schema and carry no definition.
2. pg_dump's session header: the `SET name = value;` lines,
   `SELECT pg_catalog.set_config('search_path', '', false);`, and the
   `\restrict KEY` / `\unrestrict KEY` lines of recent minor releases (a random
   key per run, so that a dump cannot smuggle psql meta-commands).
3. The schema name: `SCHEMA.` before any name (pg_dump qualifies everything,
   including inside view bodies and nextval('SCHEMA.seq'::regclass)) and the
   name after CREATE/ALTER/COMMENT ON SCHEMA become `@`.  The generator never
   uses a schema name as the name of anything else, so no other text changes.
4. The order of the lines inside CREATE TABLE ( ... ): sorted (without their
   trailing comma).  `ALTER TABLE ... ADD COLUMN` appends a column at the end,
   and a column that a diff must drop and add again (a changed generation
   expression, a rebuilt type) moves to the end; that is accepted: no SQL or
   client that names its columns sees the difference, and PostgreSQL has no way
   to insert a column elsewhere.  The column definitions themselves (type,
   default, NOT NULL, identity, generation) are still compared line by line.
   For the same reason, a run of one-line `COMMENT ON COLUMN @.t.c IS ...;`
   lines (pg_dump writes them in column order) is sorted.
5. The order of the options in `WITH (name='value', ...)` (storage parameters,
   view options): sorted.  PostgreSQL keeps them in the order they were given
   or set, which means nothing (rev_diff compares them as a set).

6. The order of a run of `GRANT`/`REVOKE` lines: sorted.  PostgreSQL keeps
   an ACL's entries in the order they were granted, which means nothing
   (rev_diff, with pg_revisions.diff_privileges on, compares them as a set),
   and pg_dump writes them in that order.

Everything else (object set, definitions, pg_dump's order of objects) must match
exactly.
"""
import re
import sys


OPTIONS = re.compile(r"WITH \(((?:[a-z_.]+='(?:[^']|'')*'(?:, )?)+)\)")
OPTION = re.compile(r"[a-z_.]+='(?:[^']|'')*'")


def sort_options(line):
    """Step 5: the options of a WITH (...) list in sorted order."""
    return OPTIONS.sub(lambda m: 'WITH (%s)' % ', '.join(sorted(OPTION.findall(m.group(1)))), line)


def normalise(text, schema):
    qual = re.compile(r'(?<![A-Za-z0-9_$"])%s\.' % re.escape(schema))
    schema_stmt = re.compile(r'^((?:CREATE|ALTER|COMMENT ON) SCHEMA) %s\b' % re.escape(schema))
    out = []
    table = None  # lines of the CREATE TABLE being read, or None
    comments = []  # the run of COMMENT ON COLUMN lines being read
    grants = []  # the run of GRANT/REVOKE lines being read
    for line in text.split('\n'):
        if line == '' or line == '--' or line.startswith('-- '):
            continue
        if line.startswith('SET ') or line == "SELECT pg_catalog.set_config('search_path', '', false);":
            continue
        if line.startswith('\\restrict ') or line.startswith('\\unrestrict '):
            continue
        line = sort_options(schema_stmt.sub(r'\1 @', qual.sub('@.', line)))
        if table is None and (line.startswith('GRANT ') or line.startswith('REVOKE ')):
            grants.append(line)
            continue
        out.extend(sorted(grants))
        grants = []
        if line.startswith('COMMENT ON COLUMN ') and line.endswith("';"):
            comments.append(line)
            continue
        out.extend(sorted(comments))
        comments = []
        if table is not None:
            if line == ');' or line.startswith(')'):
                out.extend(sorted(table))
                out.append(line)
                table = None
            else:
                table.append(line.rstrip(','))
            continue
        out.append(line)
        if line.startswith('CREATE TABLE ') and line.endswith(' ('):
            table = []
    out.extend(sorted(comments))
    out.extend(sorted(grants))
    return '\n'.join(out) + '\n'


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.stderr.write('usage: normalise.py SCHEMA < dump\n')
        sys.exit(2)
    sys.stdout.write(normalise(sys.stdin.read(), sys.argv[1]))
