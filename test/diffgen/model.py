"""The model of one schema for the rev_diff round-trip generator (gen.py):
column types, the object records, and the DDL a model emits (unqualified
names, for search_path = <schema>, pg_catalog).  The model mirrors the
catalog, not the DDL: a primary-key or identity column is NOT NULL in the
model because PostgreSQL makes it so, and dropping the primary key leaves it
NOT NULL.
"""

# ---------------------------------------------------------------------------
# Column types.  Changes stay within a family: every pair of types in a family
# has an assignment cast both ways, so ALTER COLUMN TYPE needs no USING.

FAMILIES = {
    'int': ['smallint', 'integer', 'bigint'],
    'text': ['varchar(20)', 'varchar(40)', 'text'],
    'num': ['numeric(10,2)', 'numeric(12,2)', 'numeric'],
    'time': ['timestamp without time zone', 'timestamp with time zone'],
    'bool': ['boolean'],
    'date': ['date'],
}
DEFAULTS = {
    'int': ['0', '1', '42', '-1'],
    'text': ["'none'", "'x'", "''"],
    'num': ['0', '1.5', '99.99'],
    'time': ['now()', "'2020-01-01 00:00:00'", 'CURRENT_TIMESTAMP'],
    'bool': ['true', 'false'],
    'date': ['CURRENT_DATE', "'2000-01-01'"],
}


class Obj:
    """A plain record: attributes given as keywords, copied deeply for B."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def quote_lit(s):
    return "'" + s.replace("'", "''") + "'"


class Model:
    """One schema: tables (with columns and constraints), indexes, sequences,
    enums, views, functions, procedures, trigger functions, triggers."""

    def __init__(self):
        self.enums = []      # Obj(name, values, comment)
        self.seqs = []       # Obj(name, astype, inc, start, minv, maxv, cache, cycle, comment)
        self.funcs = []      # Obj(name, argtype, rettype, lang, body_k, volatility, kind, comment)
        self.tables = []     # Obj(name, cols, pk, uniques, checks, fks, comment, next_col)
        self.indexes = []    # Obj(name, table, unique, keys, where, comment)
        self.views = []      # Obj(name, table, cols, where, mat, comment)
        self.triggers = []   # Obj(name, table, timing, events, level, func, comment)
        self.readers = []    # Obj(name, table, kind): routines needing a table (reader_ddl)
        self.domains = []    # Obj(name, base, check, default, not_null): columns may use them
        self.composites = [] # Obj(name, attrs [(name, type)]): used by no column
        self.policies = []   # Obj(name, table, cmd, expr, permissive); table.rls, table.force_rls
        self.ptables = []    # Obj(name, cols, parts [Obj(name, lo, hi, own)], index, key, view): ptable_ddl
        self.counter = {}    # kind -> last number used, for fresh names

    def fresh(self, prefix):
        self.counter[prefix] = self.counter.get(prefix, 0) + 1
        return '%s%d' % (prefix, self.counter[prefix])

    def table(self, name):
        return next((t for t in self.tables if t.name == name), None)

    def enum(self, name):
        return next((e for e in self.enums if e.name == name), None)

    def domain(self, name):
        return next((d for d in self.domains if d.name == name), None)

    def view(self, name):
        return next((v for v in self.views if v.name == name), None)

    def source_cols(self, name):
        """The column names of a table or view, or None when it does not exist."""
        t = self.table(name)
        if t:
            return [c.name for c in t.cols]
        v = self.view(name)
        return list(v.cols) if v else None

    # -- emission -----------------------------------------------------------

    def ddl(self):
        out = []
        for e in self.enums:
            out.append('CREATE TYPE %s AS ENUM (%s);' % (e.name, ', '.join(quote_lit(v) for v in e.values)))
        for s in self.seqs:
            out.append('CREATE SEQUENCE %s AS %s INCREMENT BY %d MINVALUE %d MAXVALUE %d START WITH %d CACHE %d%s;'
                       % (s.name, s.astype, s.inc, s.minv, s.maxv, s.start, s.cache, ' CYCLE' if s.cycle else ''))
        for f in self.funcs:
            out.append(function_ddl(f))
        for d in self.domains:
            out.append('CREATE DOMAIN %s AS %s%s%s%s;' % (d.name, d.base,
                                                         ' DEFAULT ' + d.default if d.default else '',
                                                         ' NOT NULL' if d.not_null else '',
                                                         ' CHECK (%s)' % d.check if d.check else ''))
        for ct in self.composites:
            out.append('CREATE TYPE %s AS (%s);' % (ct.name, ', '.join('%s %s' % a for a in ct.attrs)))
        for t in self.tables:
            out.append(table_ddl(t))
        for pt in self.ptables:
            out.extend(ptable_ddl(pt))
        for t in self.tables:
            for fk in t.fks:
                out.append('ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (id) ON DELETE %s%s%s;'
                           % (t.name, fk.name, fk.col, fk.ref, fk.action,
                              ' ON UPDATE CASCADE' if getattr(fk, 'on_update', False) else '',
                              ' DEFERRABLE' if getattr(fk, 'deferrable', False) else ''))
        on_tables = [i for i in self.indexes if self.table(i.table)]
        for i in on_tables:
            out.append(index_ddl(i))
        for rd in self.readers:
            out.append(reader_ddl(rd))
        for v in self.views:  # a view only reads views before it in the list
            out.append('CREATE %sVIEW %s%s AS SELECT %s FROM %s%s%s;' % (
                'MATERIALIZED ' if v.mat else '', v.name,
                ' WITH (%s)' % v.opts if getattr(v, 'opts', None) else '',
                ', '.join(v.cols), v.table, ' WHERE ' + v.where if v.where else '',
                ' WITH %s CHECK OPTION' % v.check if getattr(v, 'check', None) else ''))
        for i in self.indexes:
            if i not in on_tables:
                out.append(index_ddl(i))
        for tr in self.triggers:
            events = ['UPDATE OF ' + ', '.join(tr.cols) if e == 'UPDATE' and tr.cols else e for e in tr.events]
            out.append('CREATE TRIGGER %s %s %s ON %s FOR EACH %s%s EXECUTE FUNCTION %s();'
                       % (tr.name, tr.timing, ' OR '.join(events), tr.table, tr.level,
                          ' WHEN (%s)' % tr.when if tr.when else '', tr.func))
        for t in self.tables:
            if getattr(t, 'rls', False):
                out.append('ALTER TABLE %s ENABLE ROW LEVEL SECURITY;' % t.name)
            if getattr(t, 'force_rls', False):
                out.append('ALTER TABLE %s FORCE ROW LEVEL SECURITY;' % t.name)
        for p in self.policies:
            out.append('CREATE POLICY %s ON %s AS %s FOR %s USING (%s);'
                       % (p.name, p.table, 'PERMISSIVE' if p.permissive else 'RESTRICTIVE', p.cmd, p.expr))
        out.extend(self.comments())
        return '\n'.join(out) + '\n'

    def comments(self):
        out = []

        def c(target, text):
            if text is not None:
                out.append('COMMENT ON %s IS %s;' % (target, quote_lit(text)))
        for e in self.enums:
            c('TYPE ' + e.name, e.comment)
        for s in self.seqs:
            c('SEQUENCE ' + s.name, s.comment)
        for f in self.funcs:
            c('%s %s(%s)' % ('PROCEDURE' if f.kind == 'proc' else 'FUNCTION', f.name, f.argtype), f.comment)
        for t in self.tables:
            c('TABLE ' + t.name, t.comment)
            for col in t.cols:
                c('COLUMN %s.%s' % (t.name, col.name), col.comment)
            for k in t.checks:
                c('CONSTRAINT %s ON %s' % (k.name, t.name), k.comment)
        for i in self.indexes:
            c('INDEX ' + i.name, i.comment)
        for v in self.views:
            c('%sVIEW %s' % ('MATERIALIZED ' if v.mat else '', v.name), v.comment)
        for tr in self.triggers:
            c('TRIGGER %s ON %s' % (tr.name, tr.table), tr.comment)
        return out


PARTITION_KEYS = {'range': 'RANGE (k)', 'list': 'LIST (k)', 'range2': 'RANGE (k, id)'}


def partition_bound(key, p):
    """The bound of partition p (slot [lo, hi) of k) for a partition key."""
    if key == 'list':
        return 'FOR VALUES IN (%s)' % ', '.join(str(v) for v in range(p.lo, p.hi))
    if key == 'range2':
        return 'FOR VALUES FROM (%d, MINVALUE) TO (%d, MINVALUE)' % (p.lo, p.hi)
    return 'FOR VALUES FROM (%d) TO (%d)' % (p.lo, p.hi)


def ptable_ddl(pt):
    """A partitioned table (its key: pt.key, a key of PARTITION_KEYS, or
    'plain': not partitioned, no partitions), its partitions with what each
    has of its own (indexes and checks: p.own), its index on k, and a view
    reading it (pt.view)."""
    key = getattr(pt, 'key', 'range')
    out = ['CREATE TABLE %s (id integer, k integer NOT NULL%s)%s;'
           % (pt.name, ''.join(', %s text' % c for c in pt.cols),
              '' if key == 'plain' else ' PARTITION BY ' + PARTITION_KEYS[key])]
    for p in ([] if key == 'plain' else pt.parts):
        out.append('CREATE TABLE %s PARTITION OF %s %s;' % (p.name, pt.name, partition_bound(key, p)))
        for o in getattr(p, 'own', []):
            if o.kind == 'index':
                out.append('CREATE INDEX %s ON %s (id) WHERE id > %d;' % (o.name, p.name, o.n))
            else:
                out.append('ALTER TABLE %s ADD CONSTRAINT %s CHECK (id > %d);' % (p.name, o.name, -o.n))
    if pt.index:
        out.append('CREATE INDEX %s ON %s (k);' % (pt.index, pt.name))
    if getattr(pt, 'view', None):
        out.append('CREATE VIEW %s AS SELECT id, k FROM %s WHERE k > 0;' % (pt.view, pt.name))
    return out


def reader_ddl(rd):
    """A routine that needs table rd.table: a BEGIN ATOMIC body reading it
    (pg_depend records it), or the table's row type as its argument.  (A
    LANGUAGE sql body that is not BEGIN ATOMIC is never rewritten, so it
    cannot name a table across schemas: sql/diff_depends.sql tests those.)"""
    if rd.kind == 'atomic':
        return ('CREATE FUNCTION %s() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM %s; END;'
                % (rd.name, rd.table))
    return 'CREATE FUNCTION %s(r %s) RETURNS integer LANGUAGE sql IMMUTABLE AS $fn$SELECT 1$fn$;' % (rd.name, rd.table)


def index_ddl(i):
    return 'CREATE %sINDEX %s ON %s%s (%s)%s;' % ('UNIQUE ' if i.unique else '', i.name, i.table,
                                                   ' USING hash' if getattr(i, 'hash', False) else '',
                                                   ', '.join(i.keys), ' WHERE ' + i.where if i.where else '')


def function_ddl(f):
    if f.kind == 'trigger':
        return ('CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $fn$BEGIN '
                "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; /* v%d */ END$fn$;" % (f.name, f.body_k))
    if f.kind == 'proc':
        return ("CREATE PROCEDURE %s(x %s) LANGUAGE plpgsql AS $fn$BEGIN RAISE NOTICE 'p %%', x + %d; END$fn$;"
                % (f.name, f.argtype, f.body_k))
    x = getattr(f, 'argname', 'x')
    if f.lang == 'sql':
        body = '$fn$SELECT %s + %d$fn$' % (x, f.body_k)
    else:
        body = '$fn$BEGIN RETURN %s + %d; END$fn$' % (x, f.body_k)
    return 'CREATE FUNCTION %s(%s %s%s) RETURNS %s LANGUAGE %s %s AS %s;' % (
        f.name, x, f.argtype, ' DEFAULT %d' % f.argdefault if getattr(f, 'argdefault', None) is not None else '',
        f.rettype, f.lang, f.volatility, body)


def column_ddl(col):
    if getattr(col, 'serial', None):
        return '%s %s' % (col.name, col.serial)  # its sequence, default and NOT NULL
    s = '%s %s' % (col.name, col.type)
    if getattr(col, 'collate', None):
        s += ' COLLATE "%s"' % col.collate
    if col.generated:
        s += ' GENERATED ALWAYS AS (%s) STORED' % col.generated
    if col.identity:
        s += ' GENERATED %s AS IDENTITY' % col.identity
        if getattr(col, 'ident_opts', None):
            s += ' (%s)' % col.ident_opts
    if col.default is not None:
        s += ' DEFAULT ' + col.default
    if col.not_null:
        s += ' NOT NULL'
    return s


def unique_ddl(u):
    """A unique constraint, or an exclusion constraint with the same meaning."""
    if getattr(u, 'exclude', False):
        s = 'CONSTRAINT %s EXCLUDE USING btree (%s)' % (u.name, ', '.join('%s WITH =' % c for c in u.cols))
    else:
        s = 'CONSTRAINT %s UNIQUE%s (%s)' % (u.name, ' NULLS NOT DISTINCT' if getattr(u, 'nnd', False) else '',
                                            ', '.join(u.cols))
    return s + (' DEFERRABLE INITIALLY DEFERRED' if getattr(u, 'deferrable', False) else '')


def table_ddl(t):
    parts = [column_ddl(c) for c in t.cols]
    if t.pk:
        parts.append('CONSTRAINT %s PRIMARY KEY (%s)' % (t.pk.name, t.pk.col))
    for u in t.uniques:
        parts.append(unique_ddl(u))
    for k in t.checks:
        parts.append('CONSTRAINT %s CHECK (%s)' % (k.name, k.expr))
    return 'CREATE TABLE %s (\n    %s\n)%s;' % (t.name, ',\n    '.join(parts),
                                              ' WITH (%s)' % t.opts if getattr(t, 'opts', None) else '')
