"""Building schema A at random (build_a), and the dependencies that keep a
model valid when something goes (drop_column, drop_table, prune_views, ...):
B is always a schema PostgreSQL accepts.  Part of the rev_diff round-trip
generator (gen.py).
"""
import re

from model import DEFAULTS, FAMILIES, Model, Obj, quote_lit

# ---------------------------------------------------------------------------
# Building schema A.

def pick(r, items):
    return r.choice(items) if items else None


def family_of(model, typ):
    if model.enum(typ):
        return 'enum'
    if model.domain(typ):
        return family_of(model, model.domain(typ).base)
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
    if r.random() < 0.4:
        add_domain_in_use(r, m)
    if r.random() < 0.4:
        add_ptable(r, m)
    return m


def add_domain_in_use(r, m):
    """A domain (with a check) that a column of a table uses: its base type
    may change (mutations.mut_domain_base)."""
    base, check = r.choice([('integer', 'VALUE > 0'), ('text', 'length(VALUE) < 50'),
                            ('numeric(10,2)', 'VALUE >= 0')])
    d = Obj(name=m.fresh('d'), base=base, check=check, default=None, not_null=False)
    m.domains.append(d)
    t = r.choice(m.tables)
    t.next_col += 1
    t.cols.append(Obj(name='c%d' % t.next_col, type=d.name, default=None, not_null=False, identity=None,
                      generated=None, comment=None))


def add_ptable(r, m):
    """A partitioned table (see model.ptable_ddl) with a partition or two,
    one with an index or a check of its own, maybe a view reading it."""
    pt = Obj(name=m.fresh('pt'), cols=[], parts=[], index=None, view=None,
             key=r.choice(['range', 'list', 'range2']))
    for i in r.sample(range(6), r.randint(1, 2)):
        pt.parts.append(Obj(name='%s_p%d' % (pt.name, i), lo=10 * i, hi=10 * i + 10, own=[]))
    p = r.choice(pt.parts)
    if r.random() < 0.5:
        kind = r.choice(['index', 'check'])
        p.own.append(Obj(kind=kind, name=m.fresh('pix' if kind == 'index' else 'pck'), n=r.randint(0, 5)))
    if r.random() < 0.5:
        pt.view = m.fresh('pv')
    m.ptables.append(pt)


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
    m.policies = [p for p in m.policies if not (p.table == t.name and mentions(p.expr, colname))]
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
    m.readers = [rd for rd in m.readers if rd.table != t.name]
    m.policies = [p for p in m.policies if p.table != t.name]


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
