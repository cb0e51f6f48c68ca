#!/usr/bin/python3
"""Generator of schema pairs for the rev_diff round-trip test.

    /usr/bin/python3 test/diffgen/gen.py SEED PAIRS OUTDIR

writes, for each pair i in 1..PAIRS, OUTDIR/NNN/A.sql, OUTDIR/NNN/B.sql,
OUTDIR/NNN/mutations.txt and OUTDIR/NNN/expect-{forward,reverse}.txt (how the
diff must change the enums: ADD VALUE when values are only added, a rebuild
otherwise; see enum_expectations).  Schema A is a few random tables with every kind of
object rev_diff covers around them; schema B is A plus random mutations (add,
drop, change) of those objects.  Pair i always includes the mutation kind
i mod len(MUTATIONS), so every kind is exercised once PAIRS >= len(MUTATIONS);
OUTDIR/coverage.txt counts the mutation kinds over all pairs.

Everything is decided by random.Random(SEED * 100003 + i) (see build_pair), so
one pair can be regenerated on its own.  The DDL uses unqualified names and expects to run with
search_path = <schema>, pg_catalog.  Names are stable between A and B for every
object that persists (explicit constraint and index names), so that the diff has
something to keep; a dropped-and-added object gets a fresh name.

The model below mirrors the catalog, not the DDL: a primary-key or identity
column is NOT NULL in the model because PostgreSQL makes it so, and dropping
the primary key leaves it NOT NULL.  B is always a valid schema: dropping a
column or a table also drops, in B, what depends on it (indexes, constraints,
views, triggers, comments).  Deliberately NOT generated, because no diff
applied in one transaction can do them: a default that uses an enum value added
by the same diff (PostgreSQL: "unsafe use of new value"), and type changes that
have no assignment cast (they would need a USING the diff cannot guess).
"""
import copy
import os
import random
import re
import sys

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
        self.counter = {}    # kind -> last number used, for fresh names

    def fresh(self, prefix):
        self.counter[prefix] = self.counter.get(prefix, 0) + 1
        return '%s%d' % (prefix, self.counter[prefix])

    def table(self, name):
        return next((t for t in self.tables if t.name == name), None)

    def enum(self, name):
        return next((e for e in self.enums if e.name == name), None)

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
        for t in self.tables:
            out.append(table_ddl(t))
        for t in self.tables:
            for fk in t.fks:
                out.append('ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (id) ON DELETE %s%s%s;'
                           % (t.name, fk.name, fk.col, fk.ref, fk.action,
                              ' ON UPDATE CASCADE' if getattr(fk, 'on_update', False) else '',
                              ' DEFERRABLE' if getattr(fk, 'deferrable', False) else ''))
        on_tables = [i for i in self.indexes if self.table(i.table)]
        for i in on_tables:
            out.append(index_ddl(i))
        for v in self.views:  # a view only reads views before it in the list
            out.append('CREATE %sVIEW %s AS SELECT %s FROM %s%s;' % ('MATERIALIZED ' if v.mat else '', v.name,
                                                                     ', '.join(v.cols), v.table,
                                                                     ' WHERE ' + v.where if v.where else ''))
        for i in self.indexes:
            if i not in on_tables:
                out.append(index_ddl(i))
        for tr in self.triggers:
            events = ['UPDATE OF ' + ', '.join(tr.cols) if e == 'UPDATE' and tr.cols else e for e in tr.events]
            out.append('CREATE TRIGGER %s %s %s ON %s FOR EACH %s%s EXECUTE FUNCTION %s();'
                       % (tr.name, tr.timing, ' OR '.join(events), tr.table, tr.level,
                          ' WHEN (%s)' % tr.when if tr.when else '', tr.func))
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
    return 'CREATE TABLE %s (\n    %s\n);' % (t.name, ',\n    '.join(parts))


# ---------------------------------------------------------------------------
# Building schema A.

def family_of(model, typ):
    if model.enum(typ):
        return 'enum'
    for fam, types in FAMILIES.items():
        if typ in types:
            return fam
    raise ValueError(typ)


def plain_cols(t, fams=None, model=None):
    """Columns that are neither generated nor identity (optionally of some families)."""
    out = []
    for c in t.cols:
        if c.generated or c.identity or c.name == 'id' or getattr(c, 'serial', None):
            continue
        if fams is None or family_of(model, c.type) in fams:
            out.append(c)
    return out


def random_default(r, model, typ):
    fam = family_of(model, typ)
    if fam == 'enum':
        return quote_lit(r.choice(model.enum(typ).safe))
    return r.choice(DEFAULTS[fam])


def new_column(r, model, t):
    t.next_col += 1
    name = 'c%d' % t.next_col if r.random() < 0.8 else '"C%d"' % t.next_col  # quoted: upper case
    if model.enums and r.random() < 0.2:
        typ = r.choice(model.enums).name
    else:
        typ = r.choice(FAMILIES[r.choice(list(FAMILIES))])
    col = Obj(name=name, type=typ, default=None, not_null=False, identity=None, generated=None, comment=None)
    if r.random() < 0.4:
        col.default = random_default(r, model, typ)
    if r.random() < 0.3:
        col.not_null = True
    if r.random() < 0.15:
        col.comment = 'column %s' % name
    return col


def generated_expr(r, model, t):
    """An expression over one plain column, with the type it yields, or None."""
    srcs = plain_cols(t, ('int', 'text'), model)
    if not srcs:
        return None
    src = r.choice(srcs)
    if family_of(model, src.type) == 'int':
        return '(%s * %d)' % (src.name, r.choice([2, 3])), 'bigint'
    return '%s(%s)' % (r.choice(['lower', 'upper']), src.name), 'text'


def add_generated_column(r, model, t):
    g = generated_expr(r, model, t)
    if not g:
        return None
    t.next_col += 1
    col = Obj(name='c%d' % t.next_col, type=g[1], default=None, not_null=False, identity=None,
              generated=g[0], comment=None)
    t.cols.append(col)
    return col


def new_table(r, model):
    t = Obj(name=model.fresh('t'), cols=[], pk=None, uniques=[], checks=[], fks=[], comment=None, next_col=0)
    idtype = r.choice(['integer', 'bigint', 'text'])
    ident = r.choice(['ALWAYS', 'BY DEFAULT']) if idtype != 'text' and r.random() < 0.5 else None
    t.cols.append(Obj(name='id', type=idtype, default=None, not_null=True, identity=ident, generated=None,
                      comment=None))
    t.pk = Obj(name='pk_' + t.name, col='id')
    for _ in range(r.randint(2, 5)):
        t.cols.append(new_column(r, model, t))
    if r.random() < 0.3:
        add_generated_column(r, model, t)
    if r.random() < 0.15:
        add_serial_column(r, model, t)
    if r.random() < 0.5:
        add_unique(r, model, t)
    if r.random() < 0.5:
        add_check(r, model, t)
    if r.random() < 0.3:
        t.comment = 'table %s' % t.name
    model.tables.append(t)
    return t


def add_unique(r, model, t):
    cols = plain_cols(t)
    if not cols:
        return None
    chosen = sorted(r.sample(cols, min(len(cols), r.randint(1, 2))), key=t.cols.index)
    u = Obj(name=model.fresh('uq_%s_' % t.name), cols=[c.name for c in chosen], exclude=r.random() < 0.2,
            nnd=r.random() < 0.2, deferrable=r.random() < 0.2)
    t.uniques.append(u)
    return u


def check_expr(r, model, t):
    cols = plain_cols(t, ('int', 'num', 'text'), model)
    if not cols:
        return None, None
    c = r.choice(cols)
    fs = [f for f in model.funcs if f.kind == 'func']
    if fs and family_of(model, c.type) == 'int' and r.random() < 0.25:
        f = r.choice(fs)  # a check calling a function of the schema
        return c.name, '%s((%s)::%s) <> %d' % (f.name, c.name, f.argtype, r.randint(100, 999))
    if family_of(model, c.type) == 'text':
        return c.name, 'length(%s) %s %d' % (c.name, r.choice(['>', '>=', '<']), r.choice([0, 1, 100]))
    return c.name, '%s %s %d' % (c.name, r.choice(['>', '>=', '<>']), r.choice([0, -1, 1000]))


def add_check(r, model, t):
    col, expr = check_expr(r, model, t)
    if not expr:
        return None
    k = Obj(name=model.fresh('ck_%s_' % t.name), col=col, expr=expr, comment=None)
    if r.random() < 0.2:
        k.comment = 'check %s' % k.name
    t.checks.append(k)
    return k


def add_fk(r, model, t):
    """A new column of t referencing the primary key of some table."""
    targets = [x for x in model.tables if x.pk]
    if not targets:
        return None
    ref = r.choice(targets)
    reftype = next(c.type for c in ref.cols if c.name == ref.pk.col)
    t.next_col += 1
    col = Obj(name='c%d' % t.next_col, type=reftype, default=None, not_null=False, identity=None, generated=None,
              comment=None)
    t.cols.append(col)
    fk = Obj(name=model.fresh('fk_%s_' % t.name), col=col.name, ref=ref.name,
             action=r.choice(['NO ACTION', 'CASCADE', 'SET NULL', 'RESTRICT']))
    t.fks.append(fk)
    return fk


def add_index(r, model, t=None):
    t = t or r.choice(model.tables)
    cols = plain_cols(t)
    if not cols:
        return None
    c = r.choice(cols)
    if family_of(model, c.type) == 'text' and r.random() < 0.5:
        keys = ['lower((%s)::text)' % c.name]
    else:
        keys = [x.name for x in sorted(r.sample(cols, min(len(cols), r.randint(1, 2))), key=t.cols.index)]
    where = '%s IS NOT NULL' % r.choice(cols).name if r.random() < 0.4 else None
    name = model.fresh('ix_')
    i = Obj(name=name if r.random() < 0.8 else '"%s"' % name.upper(), table=t.name, unique=r.random() < 0.2,
            keys=keys, where=where,
            comment='index' if r.random() < 0.2 else None)
    model.indexes.append(i)
    return i


def add_seq(r, model):
    astype = r.choice(['integer', 'bigint'])
    minv = r.choice([1, 10])
    s = Obj(name=model.fresh('s'), astype=astype, inc=r.choice([1, 2, 10]), start=minv + r.choice([0, 5]),
            minv=minv, maxv=r.choice([100000, 2147483647]), cache=r.choice([1, 20]), cycle=r.random() < 0.3,
            comment='sequence' if r.random() < 0.2 else None)
    model.seqs.append(s)
    return s


def add_enum(r, model):
    k = model.counter.get('e', 0) + 1
    # the second value needs quoting (a quote and a space)
    e = Obj(name=model.fresh('e'), values=['e%d%sv%d' % (k, " it's " if j == 2 else '_', j)
                                           for j in range(1, r.randint(2, 4) + 1)],
            comment='enum' if r.random() < 0.2 else None, used_in_a=set())
    e.safe = list(e.values)  # the values a default may use (see enum_defaults_safe)
    model.enums.append(e)
    return e


def add_func(r, model, kind=None):
    kind = kind or r.choice(['func', 'func', 'proc'])
    if kind == 'trigger':
        f = Obj(name=model.fresh('tf'), argtype='', rettype='trigger', lang='plpgsql', body_k=r.randint(1, 9),
                volatility='VOLATILE', kind='trigger', comment=None)
    else:
        argtype = r.choice(['integer', 'bigint'])
        f = Obj(name=model.fresh('p' if kind == 'proc' else 'f'), argtype=argtype, rettype=argtype,
                lang=r.choice(['sql', 'plpgsql']), body_k=r.randint(1, 9),
                volatility=r.choice(['IMMUTABLE', 'STABLE', 'VOLATILE']), kind=kind, comment=None)
    if r.random() < 0.2:
        f.comment = 'routine %s' % f.name
    model.funcs.append(f)
    return f


def add_view(r, model, mat=None):
    """A view (or materialized view) of some columns of a table, or of a
    plain view (a view over a view) one time in three when there is one."""
    plain = [v.name for v in model.views if not v.mat]
    source = r.choice(plain) if plain and r.random() < 0.33 else r.choice(model.tables).name
    cols = model.source_cols(source)
    chosen = [c for c in cols if r.random() < 0.6] or cols[:1]
    where = '%s IS NOT NULL' % r.choice(cols) if r.random() < 0.5 else None
    mat = (r.random() < 0.4) if mat is None else mat
    v = Obj(name=model.fresh('mv' if mat else 'v'), table=source, cols=chosen, where=where, mat=mat,
            comment='view' if r.random() < 0.2 else None)
    model.views.append(v)
    return v


def add_matview_index(r, model):
    """An index on some columns of a materialized view."""
    mv = pick(r, [v for v in model.views if v.mat])
    if not mv:
        return None
    i = Obj(name=model.fresh('ix_'), table=mv.name, unique=False,
            keys=sorted(r.sample(mv.cols, min(len(mv.cols), r.randint(1, 2))), key=mv.cols.index),
            where=None, comment='index' if r.random() < 0.2 else None)
    model.indexes.append(i)
    return i


def func_default(r, model, t):
    """Give a plain integer-family column of t a default calling a function of the schema."""
    cols = plain_cols(t, ('int',), model)
    fs = [f for f in model.funcs if f.kind == 'func']
    if not cols or not fs:
        return None
    c = r.choice(cols)
    c.default = '%s(%d)' % (r.choice(fs).name, r.randint(0, 9))
    return c


def add_trigger(r, model):
    tfs = [f for f in model.funcs if f.kind == 'trigger'] or [add_func(r, model, 'trigger')]
    t = r.choice(model.tables)
    events = sorted(r.sample(['INSERT', 'UPDATE', 'DELETE'], r.randint(1, 2)), key=['INSERT', 'UPDATE', 'DELETE'].index)
    tr = Obj(name=model.fresh('trg_'), table=t.name, timing=r.choice(['BEFORE', 'AFTER']), events=events,
             level=r.choice(['ROW', 'STATEMENT']), func=r.choice(tfs).name,
             comment='trigger' if r.random() < 0.2 else None, cols=[], when=None)
    trigger_columns(r, model, tr)
    if r.random() < 0.3:
        tr.when = 'pg_trigger_depth() < %d' % r.randint(1, 5)
    model.triggers.append(tr)
    return tr


def trigger_columns(r, model, tr):
    """UPDATE OF some columns, half the time, for a trigger on UPDATE."""
    cols = plain_cols(model.table(tr.table))
    tr.cols = [r.choice(cols).name] if 'UPDATE' in tr.events and cols and r.random() < 0.5 else []


def add_serial_column(r, model, t):
    t.next_col += 1
    kind = r.choice(['serial', 'bigserial'])
    col = Obj(name='c%d' % t.next_col, type='integer' if kind == 'serial' else 'bigint', serial=kind,
              default="nextval('%s_c%d_seq'::regclass)" % (t.name, t.next_col), not_null=True, identity=None,
              generated=None, comment=None)
    t.cols.append(col)
    return col


def seq_default(r, model, t):
    """Give a plain integer-family column of t a nextval() default of some sequence."""
    cols = plain_cols(t, ('int',), model)
    if not cols or not model.seqs:
        return None
    c = r.choice(cols)
    c.default = "nextval('%s'::regclass)" % r.choice(model.seqs).name
    return c


def build_a(r):
    m = Model()
    for _ in range(r.randint(0, 2)):
        add_enum(r, m)
    for _ in range(r.randint(0, 2)):
        add_seq(r, m)
    for _ in range(r.randint(1, 3)):
        add_func(r, m)
    for _ in range(r.randint(2, 4)):
        new_table(r, m)
    for t in m.tables:
        if r.random() < 0.5:
            add_fk(r, m, t)
        if r.random() < 0.3:
            seq_default(r, m, t)
        if r.random() < 0.2:
            func_default(r, m, t)
    for _ in range(r.randint(1, 4)):
        add_index(r, m)
    for _ in range(r.randint(0, 3)):
        add_view(r, m)
    if r.random() < 0.5:
        add_matview_index(r, m)
    for _ in range(r.randint(0, 2)):
        add_trigger(r, m)
    return m


# ---------------------------------------------------------------------------
# Dependencies: what must go, in a valid schema, when something goes.

def mentions(text, name):
    """Whether an SQL fragment mentions the identifier `name` as a word."""
    return re.search(r'(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])' % re.escape(name), text) is not None


def drop_column(m, t, colname):
    t.cols = [c for c in t.cols if c.name != colname]
    if t.pk and t.pk.col == colname:
        drop_pk(m, t)
    t.uniques = [u for u in t.uniques if colname not in u.cols]
    t.checks = [k for k in t.checks if k.col != colname]
    t.fks = [f for f in t.fks if f.col != colname]
    m.triggers = [tr for tr in m.triggers if not (tr.table == t.name and colname in tr.cols)]
    for c in list(t.cols):
        if c.generated and mentions(c.generated, colname):
            drop_column(m, t, c.name)
    m.indexes = [i for i in m.indexes if not (i.table == t.name and
                                              (any(mentions(k, colname) for k in i.keys)
                                               or (i.where and mentions(i.where, colname))))]
    prune_views(m)


def prune_views(m):
    """Drop the views that read a relation or a column that is gone, then the
    indexes of materialized views that are gone or lost an indexed column
    (repeated: a view may read a view that goes)."""
    while True:
        keep = []
        for v in m.views:
            cols = m.source_cols(v.table)
            if cols is not None and all(c in cols for c in v.cols) and \
                    not (v.where and v.where.split()[0] not in cols):
                keep.append(v)
        if len(keep) == len(m.views):
            break
        m.views = keep
    m.indexes = [i for i in m.indexes if m.table(i.table) or
                 (m.view(i.table) and all(k in m.view(i.table).cols for k in i.keys))]


def drop_pk(m, t):
    t.pk = None
    for o in m.tables:
        o.fks = [f for f in o.fks if f.ref != t.name]


def drop_table(m, t):
    drop_pk(m, t)
    m.tables.remove(t)
    m.indexes = [i for i in m.indexes if i.table != t.name]
    prune_views(m)
    m.triggers = [tr for tr in m.triggers if tr.table != t.name]


def drop_seq(m, s):
    m.seqs.remove(s)
    for t in m.tables:
        for c in t.cols:
            if c.default and mentions(c.default, s.name):
                c.default = None


def enum_defaults(m, e):
    """The values of enum e that column defaults of model m use."""
    return {c.default[1:-1].replace("''", "'") for t in m.tables for c in t.cols if c.type == e.name and c.default}


def enum_defaults_safe(b):
    """Called on B when it is copied from A.  A diff applied in one transaction
    cannot use an enum value it adds with ADD VALUE ("unsafe use of new value"),
    so B's defaults keep to the values A has (e.safe), and B never removes a value
    A's defaults use (the reverse diff would have to add it back and use it)."""
    for e in b.enums:
        e.safe = list(e.values)
        e.used_in_a = enum_defaults(b, e)


def drop_enum(m, e):
    m.enums.remove(e)
    for t in m.tables:
        for c in list(t.cols):
            if c.type == e.name:
                drop_column(m, t, c.name)


# ---------------------------------------------------------------------------
# Mutations: each takes (random, model) and returns a description, or None
# when it does not apply to this model (another one is then tried).

def pick(r, items):
    return r.choice(items) if items else None


def mut_add_table(r, m):
    t = new_table(r, m)
    if r.random() < 0.5:
        add_fk(r, m, t)
    return 'add table %s' % t.name


def mut_drop_table(r, m):
    t = pick(r, m.tables[1:] if len(m.tables) > 1 else [])
    if not t:
        return None
    drop_table(m, t)
    return 'drop table %s' % t.name


def mut_add_column(r, m):
    t = pick(r, m.tables)
    t.cols.append(new_column(r, m, t))
    return 'add column %s.%s' % (t.name, t.cols[-1].name)


def mut_drop_column(r, m):
    t = pick(r, [t for t in m.tables if plain_cols(t)])
    if not t:
        return None
    c = r.choice(plain_cols(t))
    drop_column(m, t, c.name)
    return 'drop column %s.%s' % (t.name, c.name)


def mut_column_type(r, m):
    cands = [(t, c) for t in m.tables for c in t.cols
             if not c.generated and family_of(m, c.type) != 'enum' and len(FAMILIES[family_of(m, c.type)]) > 1]
    if not cands:
        return None
    t, c = r.choice(cands)
    old = c.type
    c.type = r.choice([x for x in FAMILIES[family_of(m, old)] if x != old])
    if c.identity and c.type not in ('smallint', 'integer', 'bigint'):
        c.type = old
        return None
    return 'column type %s.%s %s -> %s' % (t.name, c.name, old, c.type)


def mut_column_default(r, m):
    cands = [(t, c) for t in m.tables for c in plain_cols(t)]
    if not cands:
        return None
    t, c = r.choice(cands)
    if c.default is not None and r.random() < 0.4:
        c.default = None
        return 'drop default %s.%s' % (t.name, c.name)
    old = c.default
    if family_of(m, c.type) == 'enum':
        return None  # keep to values A has: see the module comment
    c.default = random_default(r, m, c.type)
    return 'default %s.%s %s -> %s' % (t.name, c.name, old, c.default) if c.default != old else None


def mut_not_null(r, m):
    cands = [(t, c) for t in m.tables for c in plain_cols(t)
             if not (t.pk and t.pk.col == c.name)]
    if not cands:
        return None
    t, c = r.choice(cands)
    c.not_null = not c.not_null
    return '%s not null %s.%s' % ('set' if c.not_null else 'drop', t.name, c.name)


def mut_identity(r, m):
    cands = [(t, c) for t in m.tables for c in t.cols
             if c.type in ('smallint', 'integer', 'bigint') and not c.generated
             and (c.identity or c.default is None)]
    if not cands:
        return None
    t, c = r.choice(cands)
    if c.identity:
        what = r.choice(['drop', 'switch'])
        if what == 'drop':
            c.identity = None  # stays NOT NULL, as DROP IDENTITY leaves it
            return 'drop identity %s.%s' % (t.name, c.name)
        c.identity = 'ALWAYS' if c.identity == 'BY DEFAULT' else 'BY DEFAULT'
        return 'identity %s.%s -> %s' % (t.name, c.name, c.identity)
    c.identity = r.choice(['ALWAYS', 'BY DEFAULT'])
    c.not_null = True
    return 'add identity %s.%s' % (t.name, c.name)


def mut_generated(r, m):
    gen = [(t, c) for t in m.tables for c in t.cols if c.generated]
    if gen and r.random() < 0.6:
        t, c = r.choice(gen)
        if r.random() < 0.5:
            drop_column(m, t, c.name)
            return 'drop generated column %s.%s' % (t.name, c.name)
        old = c.generated
        c.generated = old.replace('lower', 'upper') if 'lower' in old else old.replace('upper', 'lower') \
            if 'upper' in old else old.replace('* 2', '* 5') if '* 2' in old else old.replace('* 3', '* 7')
        return 'generated expression %s.%s %s -> %s' % (t.name, c.name, old, c.generated)
    t = pick(r, m.tables)
    c = add_generated_column(r, m, t)
    return 'add generated column %s.%s' % (t.name, c.name) if c else None


def mut_pk(r, m):
    t = pick(r, m.tables)
    if t.pk:
        drop_pk(m, t)
        return 'drop primary key of %s' % t.name
    idcol = next((c for c in t.cols if c.name == 'id'), None)
    if not idcol:
        return None
    t.pk = Obj(name=m.fresh('pk_%s_' % t.name), col='id')
    idcol.not_null = True
    return 'add primary key %s' % t.pk.name


def mut_unique(r, m):
    t = pick(r, m.tables)
    if t.uniques and r.random() < 0.6:
        u = r.choice(t.uniques)
        what = r.choice(['drop', 'exclude', 'nulls', 'deferrable'])
        if what == 'drop':
            t.uniques.remove(u)
            return 'drop unique %s' % u.name
        if what == 'exclude':
            u.exclude = not u.exclude
        elif what == 'nulls':
            u.nnd = not u.nnd
        else:
            u.deferrable = not u.deferrable
        return 'unique %s: exclude %s, nulls not distinct %s, deferrable %s' % (u.name, u.exclude, u.nnd,
                                                                               u.deferrable)
    u = add_unique(r, m, t)
    return 'add unique %s' % u.name if u else None


def mut_check(r, m):
    t = pick(r, m.tables)
    if t.checks and r.random() < 0.6:
        k = r.choice(t.checks)
        if r.random() < 0.5:
            t.checks.remove(k)
            return 'drop check %s' % k.name
        old = k.expr
        k.col, k.expr = check_expr(r, m, t)
        return 'check %s: %s -> %s' % (k.name, old, k.expr) if k.expr != old else None
    k = add_check(r, m, t)
    return 'add check %s' % k.name if k else None


def mut_fk(r, m):
    fks = [(t, f) for t in m.tables for f in t.fks]
    if fks and r.random() < 0.6:
        t, f = r.choice(fks)
        if r.random() < 0.5:
            t.fks.remove(f)
            return 'drop foreign key %s' % f.name
        what = r.choice(['action', 'on update', 'deferrable'])
        if what == 'on update':
            f.on_update = not getattr(f, 'on_update', False)
            return 'foreign key %s on update cascade -> %s' % (f.name, f.on_update)
        if what == 'deferrable':
            f.deferrable = not getattr(f, 'deferrable', False)
            return 'foreign key %s deferrable -> %s' % (f.name, f.deferrable)
        old = f.action
        f.action = r.choice([a for a in ['NO ACTION', 'CASCADE', 'SET NULL', 'RESTRICT'] if a != old])
        return 'foreign key %s on delete %s -> %s' % (f.name, old, f.action)
    t = pick(r, m.tables)
    f = add_fk(r, m, t)
    return 'add foreign key %s' % f.name if f else None


def mut_index(r, m):
    if m.indexes and r.random() < 0.6:
        i = r.choice(m.indexes)
        what = r.choice(['drop', 'where', 'unique', 'keys', 'method'])
        if what == 'drop':
            m.indexes.remove(i)
            return 'drop index %s' % i.name
        if what == 'method' or getattr(i, 'hash', False):
            # hash: one key, not unique; toggled, or left before another change
            if i.unique or len(i.keys) != 1:
                return None
            i.hash = not getattr(i, 'hash', False)
            return 'index %s hash -> %s' % (i.name, i.hash)
        t = m.table(i.table)
        if t is None:  # an index on a materialized view
            i.unique = not i.unique
            return 'index %s on %s unique -> %s' % (i.name, i.table, i.unique)
        cols = plain_cols(t)
        if what == 'where' and cols:
            old = i.where
            i.where = None if i.where else '%s IS NOT NULL' % r.choice(cols).name
            return 'index %s where %s -> %s' % (i.name, old, i.where)
        if what == 'unique':
            i.unique = not i.unique
            return 'index %s unique -> %s' % (i.name, i.unique)
        if cols:
            old = list(i.keys)
            i.keys = [c.name for c in sorted(r.sample(cols, min(len(cols), r.randint(1, 2))), key=t.cols.index)]
            return 'index %s keys %s -> %s' % (i.name, old, i.keys) if i.keys != old else None
        return None
    i = add_index(r, m)
    return 'add index %s (%s)' % (i.name, ', '.join(i.keys)) if i else None


def mut_sequence(r, m):
    if m.seqs and r.random() < 0.7:
        s = r.choice(m.seqs)
        what = r.choice(['drop', 'inc', 'max', 'cycle', 'cache', 'type'])
        if what == 'drop':
            drop_seq(m, s)
            return 'drop sequence %s' % s.name
        if what == 'inc':
            s.inc = r.choice([x for x in [1, 2, 5, 10] if x != s.inc])
        elif what == 'max':
            s.maxv = r.choice([x for x in [100000, 500000, 2147483647] if x != s.maxv])
        elif what == 'cycle':
            s.cycle = not s.cycle
        elif what == 'cache':
            s.cache = r.choice([x for x in [1, 20, 50] if x != s.cache])
        else:
            s.astype = 'bigint' if s.astype == 'integer' else 'integer'
        return 'sequence %s %s' % (s.name, what)
    s = add_seq(r, m)
    t = pick(r, m.tables)
    c = seq_default(r, m, t) if r.random() < 0.5 else None
    return 'add sequence %s%s' % (s.name, ' used by %s.%s' % (t.name, c.name) if c else '')


def mut_enum_add_value(r, m):
    e = pick(r, m.enums)
    if not e:
        e = add_enum(r, m)
        return 'add enum %s' % e.name
    k = m.counter.get('val', 0) + 1
    m.counter['val'] = k
    pos = r.randint(0, len(e.values))
    e.values.insert(pos, '%s_new%d' % (e.name, k))
    return 'enum %s add value at %d of %d' % (e.name, pos, len(e.values))


def mut_enum_rebuild(r, m):
    e = pick(r, m.enums)
    if not e:
        return None
    if r.random() < 0.3:
        drop_enum(m, e)
        return 'drop enum %s' % e.name
    used = e.used_in_a | enum_defaults(m, e)
    removable = [v for v in e.values if v not in used]
    if len(e.values) > 1 and removable and r.random() < 0.5:
        gone = r.choice(removable)
        e.values.remove(gone)
        if gone in e.safe:
            e.safe.remove(gone)
        return 'enum %s remove value %s' % (e.name, gone)
    if len(e.values) < 2:
        return None
    old = list(e.values)
    while e.values == old:
        r.shuffle(e.values)
    return 'enum %s reorder %s -> %s' % (e.name, old, e.values)


def mut_enum_column(r, m):
    """A column of an enum type (with the enum's first value as default)."""
    e = pick(r, m.enums) or add_enum(r, m)
    t = pick(r, m.tables)
    t.next_col += 1
    col = Obj(name='c%d' % t.next_col, type=e.name, default=random_default(r, m, e.name) if r.random() < 0.5 else None,
              not_null=False, identity=None, generated=None, comment=None)
    t.cols.append(col)
    return 'add column %s.%s of enum %s' % (t.name, col.name, e.name)


def mut_view(r, m, mat=False):
    views = [v for v in m.views if v.mat == mat]
    kind = 'materialized view' if mat else 'view'
    if views and r.random() < 0.6:
        v = r.choice(views)
        if r.random() < 0.4:
            m.views.remove(v)
            return 'drop %s %s' % (kind, v.name)
        cols = m.source_cols(v.table)
        old = (list(v.cols), v.where)
        if r.random() < 0.5:
            v.cols = [c for c in cols if r.random() < 0.6] or cols[-1:]
        else:
            v.where = None if v.where else '%s IS NOT NULL' % r.choice(cols)
        return '%s %s %s -> %s' % (kind, v.name, old, (v.cols, v.where)) if (v.cols, v.where) != old else None
    v = add_view(r, m, mat)
    return 'add %s %s' % (kind, v.name)


def mut_function(r, m, kind='func'):
    fs = [f for f in m.funcs if f.kind == kind]
    if fs and r.random() < 0.7:
        f = r.choice(fs)
        what = r.choice(['drop', 'body', 'volatility', 'signature', 'language', 'argument'] if kind == 'func'
                        else ['drop', 'body', 'signature'])
        used = [c for t in m.tables for c in t.cols if c.default and mentions(c.default, f.name)]
        if what == 'drop':
            m.funcs.remove(f)
            for c in used:
                c.default = None
            for t in m.tables:
                t.checks = [k for k in t.checks if not mentions(k.expr, f.name)]
            return 'drop %s %s' % (kind, f.name)
        used += [k for t in m.tables for k in t.checks if mentions(k.expr, f.name)]
        if what in ('signature', 'argument') and used:
            return None  # rev_diff's documented limit: a default still calls the old signature
        if what == 'body':
            f.body_k += 1
        elif what == 'volatility':
            f.volatility = r.choice([x for x in ['IMMUTABLE', 'STABLE', 'VOLATILE'] if x != f.volatility])
        elif what == 'language':
            f.lang = 'sql' if f.lang == 'plpgsql' else 'plpgsql'
        elif what == 'argument':
            if r.random() < 0.5:
                f.argname = 'y' if getattr(f, 'argname', 'x') == 'x' else 'x'
            else:
                f.argdefault = None if getattr(f, 'argdefault', None) is not None else r.randint(0, 9)
        else:
            f.argtype = 'bigint' if f.argtype == 'integer' else 'integer'
            f.rettype = f.argtype
        return '%s %s %s' % (kind, f.name, what)
    f = add_func(r, m, kind)
    return 'add %s %s' % (kind, f.name)


def mut_serial(r, m):
    t = pick(r, m.tables)
    serials = [c for c in t.cols if getattr(c, 'serial', None)]
    if serials and r.random() < 0.5:
        c = r.choice(serials)
        drop_column(m, t, c.name)
        return 'drop serial column %s.%s' % (t.name, c.name)
    c = add_serial_column(r, m, t)
    return 'add %s column %s.%s' % (c.serial, t.name, c.name)


def mut_collation(r, m):
    cands = [(t, c) for t in m.tables for c in plain_cols(t, ('text',), m)]
    if not cands:
        return None
    t, c = r.choice(cands)
    old = getattr(c, 'collate', None)
    c.collate = r.choice([x for x in [None, 'C', 'POSIX'] if x != old])
    return 'collation %s.%s %s -> %s' % (t.name, c.name, old, c.collate)


def mut_func_default(r, m):
    t = pick(r, m.tables)
    c = func_default(r, m, t)
    return 'default %s.%s -> %s' % (t.name, c.name, c.default) if c else None


def mut_matview_index(r, m):
    mvs = [v for v in m.views if v.mat]
    if not mvs:
        add_view(r, m, True)
    i = add_matview_index(r, m)
    return 'add index %s on materialized view %s' % (i.name, i.table) if i else None


def mut_trigger(r, m):
    if m.triggers and r.random() < 0.6:
        tr = r.choice(m.triggers)
        what = r.choice(['drop', 'timing', 'events', 'level', 'function', 'when', 'columns'])
        if what == 'drop':
            m.triggers.remove(tr)
            return 'drop trigger %s' % tr.name
        if what == 'timing':
            tr.timing = 'AFTER' if tr.timing == 'BEFORE' else 'BEFORE'
        elif what == 'events':
            old = tr.events
            while tr.events == old:
                tr.events = sorted(r.sample(['INSERT', 'UPDATE', 'DELETE'], r.randint(1, 3)),
                                   key=['INSERT', 'UPDATE', 'DELETE'].index)
            if 'UPDATE' not in tr.events:
                tr.cols = []
        elif what == 'level':
            tr.level = 'STATEMENT' if tr.level == 'ROW' else 'ROW'
        elif what == 'when':
            tr.when = None if tr.when else 'pg_trigger_depth() < 3'
        elif what == 'columns':
            old = tr.cols
            trigger_columns(r, m, tr)
            if tr.cols == old:
                return None
        else:
            tr.func = add_func(r, m, 'trigger').name
        return 'trigger %s %s' % (tr.name, what)
    tr = add_trigger(r, m)
    return 'add trigger %s' % tr.name


def mut_trigger_function(r, m):
    tfs = [f for f in m.funcs if f.kind == 'trigger']
    if not tfs:
        return None
    f = r.choice(tfs)
    f.body_k += 1
    return 'trigger function %s body' % f.name


def commentables(m):
    out = [(t, 'table ' + t.name) for t in m.tables]
    out += [(c, 'column %s.%s' % (t.name, c.name)) for t in m.tables for c in t.cols]
    out += [(k, 'check ' + k.name) for t in m.tables for k in t.checks]
    out += [(x, 'index ' + x.name) for x in m.indexes]
    out += [(x, 'view ' + x.name) for x in m.views]
    out += [(x, 'routine ' + x.name) for x in m.funcs]
    out += [(x, 'type ' + x.name) for x in m.enums]
    out += [(x, 'sequence ' + x.name) for x in m.seqs]
    out += [(x, 'trigger ' + x.name) for x in m.triggers]
    return out


def mut_comment(r, m):
    obj, what = r.choice(commentables(m))
    old = obj.comment
    obj.comment = r.choice([None, 'changed', "it's %s" % what.split()[-1]] if old else ['new comment on ' + what])
    return 'comment on %s: %r -> %r' % (what, old, obj.comment) if obj.comment != old else None


MUTATIONS = [
    ('add table', mut_add_table),
    ('drop table', mut_drop_table),
    ('add column', mut_add_column),
    ('drop column', mut_drop_column),
    ('column type', mut_column_type),
    ('column default', mut_column_default),
    ('not null', mut_not_null),
    ('identity', mut_identity),
    ('generated column', mut_generated),
    ('primary key', mut_pk),
    ('unique', mut_unique),
    ('check', mut_check),
    ('foreign key', mut_fk),
    ('index', mut_index),
    ('sequence', mut_sequence),
    ('enum add value', mut_enum_add_value),
    ('enum rebuild', mut_enum_rebuild),
    ('enum column', mut_enum_column),
    ('view', lambda r, m: mut_view(r, m, False)),
    ('materialized view', lambda r, m: mut_view(r, m, True)),
    ('materialized view index', mut_matview_index),
    ('serial column', mut_serial),
    ('default calling a function', mut_func_default),
    ('collation', mut_collation),
    ('function', lambda r, m: mut_function(r, m, 'func')),
    ('procedure', lambda r, m: mut_function(r, m, 'proc')),
    ('trigger', mut_trigger),
    ('trigger function', mut_trigger_function),
    ('comment', mut_comment),
]


def build_pair(seed, i):
    """Schema A, schema B and the list of (kind, description) applied.  Pair i
    first gets the mutation kind i mod len(MUTATIONS) (when it cannot apply to
    this A, after a few tries, another A is drawn), then 2..6 random ones."""
    kind, fn = MUTATIONS[i % len(MUTATIONS)]
    for attempt in range(50):
        r = random.Random(seed * 100003 + i + 1000000007 * attempt)
        a = build_a(r)
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
            desc = fn(r, b)
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
            f.write(a.ddl())
        with open(os.path.join(d, 'B.sql'), 'w') as f:
            f.write(b.ddl())
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
