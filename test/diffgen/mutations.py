"""The mutations that turn schema A into B, one function per kind, and their
list MUTATIONS.  Part of the rev_diff round-trip generator (gen.py).
"""
from model import FAMILIES, Obj
from build import (add_check, add_enum, add_fk, add_func, add_generated_column, add_index,
    add_matview_index, add_seq, add_serial_column, add_trigger, add_unique, add_view, check_expr,
    drop_column, drop_enum, drop_pk, drop_seq, drop_table, enum_defaults, family_of, func_default,
    mentions, new_column, new_table, pick, plain_cols, random_default, seq_default,
    trigger_columns)
from privileges import mut_privileges

# ---------------------------------------------------------------------------
# Mutations: each takes (random, model) and returns a description, or None
# when it does not apply to this model (another one is then tried).

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


def mut_identity_options(r, m):
    """New options of an identity column's sequence (START, INCREMENT,
    MINVALUE, MAXVALUE, CACHE, CYCLE), several at once."""
    cands = [(t, c) for t in m.tables for c in t.cols if c.identity]
    if not cands:
        return None
    t, c = r.choice(cands)
    old = getattr(c, 'ident_opts', None)
    c.ident_opts = r.choice([None, 'START WITH 100 INCREMENT BY 10', 'INCREMENT BY 5 CACHE 20',
                             'MINVALUE 10 START WITH 10', 'START WITH 3 MAXVALUE 1000 CYCLE',
                             'MINVALUE 50 START WITH 60 MAXVALUE 30000 CACHE 5'])
    return 'identity options %s.%s %s -> %s' % (t.name, c.name, old, c.ident_opts) if c.ident_opts != old else None


def mut_serial_identity(r, m):
    """A serial column becomes an identity column, or back: both want the
    sequence name <table>_<column>_seq."""
    cands = [(t, c) for t in m.tables for c in t.cols
             if getattr(c, 'serial', None) or (c.identity and not getattr(c, 'ident_opts', None))]
    if not cands:
        return None
    t, c = r.choice(cands)
    if getattr(c, 'serial', None):
        c.serial = None
        c.default = None
        c.identity = r.choice(['ALWAYS', 'BY DEFAULT'])
        return 'serial -> identity %s.%s' % (t.name, c.name)
    kinds = {'smallint': 'smallserial', 'integer': 'serial', 'bigint': 'bigserial'}
    if c.type not in kinds:
        return None
    c.identity = None
    c.serial = kinds[c.type]
    c.default = "nextval('%s_%s_seq'::regclass)" % (t.name, c.name)
    c.not_null = True
    return 'identity -> serial %s.%s' % (t.name, c.name)


def mut_sequence_range(r, m):
    """MINVALUE, START and MAXVALUE of a sequence change together (the
    current value, START in A, may fall outside the new range)."""
    s = pick(r, m.seqs)
    if not s:
        return None
    old = (s.minv, s.start, s.maxv)
    s.minv = r.choice([1, 10, 50, 200])
    s.start = s.minv + r.choice([0, 5, 20])
    s.maxv = r.choice([x for x in [1000, 100000, 2147483647] if x > s.start])
    return 'sequence range %s %s -> %s' % (s.name, old, (s.minv, s.start, s.maxv)) if old != (s.minv, s.start, s.maxv) else None


def mut_view_options(r, m):
    """View options (security_barrier, security_invoker) and check options;
    a materialized view's storage parameters."""
    v = pick(r, m.views)
    if not v:
        return None
    old = (getattr(v, 'opts', None), getattr(v, 'check', None))
    if v.mat:
        v.opts = r.choice([None, 'fillfactor = 60', 'autovacuum_enabled = false'])
    else:
        v.opts = r.choice([None, 'security_barrier', 'security_invoker = true', 'security_barrier = false'])
        v.check = r.choice([None, 'LOCAL', 'CASCADED'])
    new = (v.opts, getattr(v, 'check', None))
    return 'view options %s %s -> %s' % (v.name, old, new) if new != old else None


def mut_table_options(r, m):
    """A table's storage parameters."""
    t = pick(r, m.tables)
    if not t:
        return None
    old = getattr(t, 'opts', None)
    t.opts = r.choice([None, 'fillfactor = 70', 'autovacuum_enabled = false',
                       'fillfactor = 90, autovacuum_vacuum_threshold = 100'])
    return 'table options %s %s -> %s' % (t.name, old, t.opts) if t.opts != old else None


def mut_reader(r, m):
    """A routine needing a table (BEGIN ATOMIC body reading it, or its row
    type as argument) added or dropped: created after the table, dropped
    before it."""
    if m.readers and r.random() < 0.4:
        rd = r.choice(m.readers)
        m.readers.remove(rd)
        return 'drop reader %s' % rd.name
    t = pick(r, m.tables)
    if not t:
        return None
    rd = Obj(name=m.fresh('r'), table=t.name, kind=r.choice(['atomic', 'rowtype']))
    m.readers.append(rd)
    return 'add reader %s of %s (%s)' % (rd.name, t.name, rd.kind)


DOMAIN_BASES = {'integer': ('VALUE > 0', '1'), 'text': ('length(VALUE) < 50', "'d'"),
                'numeric(10,2)': ('VALUE >= 0', '0'), 'bigint': ('VALUE > 0', '1'),
                'varchar(60)': ('length(VALUE) < 50', "'d'"), 'numeric(12,2)': ('VALUE >= 0', '0')}
# A domain's other base type, with the same check and default (ALTER DOMAIN
# cannot change it: rev_diff rebuilds the domain while columns use it).
DOMAIN_REBASE = {'integer': 'bigint', 'bigint': 'integer', 'text': 'varchar(60)', 'varchar(60)': 'text',
                 'numeric(10,2)': 'numeric(12,2)', 'numeric(12,2)': 'numeric(10,2)'}


def mut_domain(r, m):
    """A domain (check, default, NOT NULL) added with a column using it,
    changed in place, or dropped (its columns go back to the base type)."""
    if m.domains and r.random() < 0.6:
        d = r.choice(m.domains)
        what = r.choice(['drop', 'check', 'default', 'not null'])
        check, default = DOMAIN_BASES[d.base]
        if what == 'drop':
            m.domains.remove(d)
            for t in m.tables:
                for c in t.cols:
                    if c.type == d.name:
                        c.type = d.base
            return 'drop domain %s' % d.name
        if what == 'check':
            d.check = None if d.check else check
        elif what == 'default':
            d.default = None if d.default else default
        else:
            d.not_null = not d.not_null
        return 'domain %s %s' % (d.name, what)
    base = r.choice(sorted(DOMAIN_BASES))
    check, default = DOMAIN_BASES[base]
    d = Obj(name=m.fresh('d'), base=base, check=check if r.random() < 0.7 else None,
            default=default if r.random() < 0.4 else None, not_null=r.random() < 0.3)
    m.domains.append(d)
    t = pick(r, m.tables)
    if t:
        t.next_col += 1
        t.cols.append(Obj(name='c%d' % t.next_col, type=d.name, default=None, not_null=False, identity=None,
                          generated=None, comment=None))
    return 'add domain %s%s' % (d.name, ' used by %s' % t.name if t else '')


def mut_composite(r, m):
    """A composite type added, dropped, or its attributes added, dropped,
    retyped."""
    if m.composites and r.random() < 0.6:
        ct = r.choice(m.composites)
        what = r.choice(['drop', 'add', 'remove', 'retype'])
        if what == 'drop':
            m.composites.remove(ct)
        elif what == 'add':
            ct.attrs.append((m.fresh('a'), r.choice(['integer', 'text', 'boolean'])))
        elif what == 'remove' and len(ct.attrs) > 1:
            ct.attrs.pop(r.randrange(len(ct.attrs)))
        elif what == 'retype':
            i = r.randrange(len(ct.attrs))
            ct.attrs[i] = (ct.attrs[i][0], 'bigint' if ct.attrs[i][1] != 'bigint' else 'integer')
        else:
            return None
        return 'composite %s %s' % (ct.name, what)
    ct = Obj(name=m.fresh('ct'), attrs=[(m.fresh('a'), r.choice(['integer', 'text', 'date']))
                                        for _ in range(r.randint(1, 3))])
    m.composites.append(ct)
    return 'add composite type %s' % ct.name


def mut_rls(r, m):
    """Row level security of a table (ENABLE, FORCE) and its policies."""
    t = pick(r, m.tables)
    if not t:
        return None
    mine = [p for p in m.policies if p.table == t.name]
    what = r.choice(['enable', 'force', 'add policy', 'drop policy', 'change policy'])
    if what == 'enable':
        t.rls = not getattr(t, 'rls', False)
    elif what == 'force':
        t.force_rls = not getattr(t, 'force_rls', False)
    elif what == 'add policy' or not mine:
        c = r.choice(t.cols)
        m.policies.append(Obj(name=m.fresh('pol'), table=t.name, cmd=r.choice(['ALL', 'SELECT', 'UPDATE']),
                              expr='%s IS NOT NULL' % c.name, permissive=r.random() < 0.7))
        what = 'add policy'
    elif what == 'drop policy':
        m.policies.remove(r.choice(mine))
    else:
        p = r.choice(mine)
        p.permissive = not p.permissive
        p.cmd = r.choice(['ALL', 'SELECT', 'DELETE'])
    return 'rls %s %s' % (t.name, what)


def mut_partitions(r, m):
    """Partitioned tables (RANGE on k, one slot of 10 values per partition):
    added or dropped; their partitions added, dropped, their bound moved
    (DETACH, ATTACH); their columns and index added or dropped."""
    if not m.ptables or r.random() < 0.2:
        pt = Obj(name=m.fresh('pt'), cols=[], parts=[], index=None)
        for i in r.sample(range(6), r.randint(1, 3)):
            pt.parts.append(Obj(name='%s_p%d' % (pt.name, i), lo=10 * i, hi=10 * i + 10, own=[]))
        m.ptables.append(pt)
        return 'add partitioned table %s' % pt.name
    pt = r.choice(m.ptables)
    what = r.choice(['drop', 'add part', 'drop part', 'bound', 'column', 'index'])
    used = {p.lo // 10 for p in pt.parts}
    if what == 'drop':
        m.ptables.remove(pt)
    elif what == 'add part' and len(used) < 6:
        i = r.choice([x for x in range(6) if x not in used])
        pt.parts.append(Obj(name='%s_p%d' % (pt.name, i), lo=10 * i, hi=10 * i + 10, own=[]))
    elif what == 'drop part' and pt.parts:
        pt.parts.remove(r.choice(pt.parts))
    elif what == 'bound' and pt.parts:
        p = r.choice(pt.parts)
        p.hi = p.lo + 5 if p.hi == p.lo + 10 else p.lo + 10
    elif what == 'column':
        if pt.cols and r.random() < 0.5:
            pt.cols.pop()
        else:
            pt.cols.append(m.fresh('pc'))
    elif what == 'index':
        pt.index = None if pt.index else m.fresh('ixp')
    else:
        return None
    return 'partitioned table %s %s' % (pt.name, what)


def mut_domain_base(r, m):
    """A domain's base type changes (int <-> bigint, text <-> varchar,
    numeric precision), often while a column uses it."""
    if not m.domains:
        return None
    d = r.choice(m.domains)
    d.base = DOMAIN_REBASE[d.base]
    used = [t.name for t in m.tables for c in t.cols if c.type == d.name]
    return 'domain %s base type %s%s' % (d.name, d.base, ' (used by %s)' % ', '.join(used) if used else '')


def mut_partition_key(r, m):
    """A partitioned table's key changes (RANGE (k), LIST (k), RANGE (k,
    id)), or it becomes a plain table, or a plain one partitioned: the table
    is recreated, with a view reading it rebuilt."""
    if not m.ptables:
        return None
    pt = r.choice(m.ptables)
    old = getattr(pt, 'key', 'range')
    pt.key = r.choice([k for k in ('range', 'list', 'range2', 'plain') if k != old])
    if old == 'plain' and not pt.parts:
        i = r.randrange(6)
        pt.parts.append(Obj(name='%s_p%d' % (pt.name, i), lo=10 * i, hi=10 * i + 10, own=[]))
    if pt.key == 'plain':
        pt.parts = []
    if r.random() < 0.5:
        pt.view = None if getattr(pt, 'view', None) else m.fresh('pv')
    return 'partitioned table %s key %s -> %s' % (pt.name, old, pt.key)


def mut_partition_own(r, m):
    """What a partition has of its own: an index (partial, on id: never one
    of its parent's) or a check constraint, added, dropped or changed."""
    parts = [p for pt in m.ptables if getattr(pt, 'key', 'range') != 'plain' for p in pt.parts]
    if not parts:
        return None
    p = r.choice(parts)
    own = p.__dict__.setdefault('own', [])
    what = r.choice(['add', 'drop', 'change']) if own else 'add'
    if what == 'add':
        kind = r.choice(['index', 'check'])
        own.append(Obj(kind=kind, name=m.fresh('pix' if kind == 'index' else 'pck'), n=r.randint(0, 5)))
    elif what == 'drop':
        own.remove(r.choice(own))
    else:
        o = r.choice(own)
        o.n += 1
    return 'partition %s own %s' % (p.name, what)


def mut_teardown(r, m):
    """Everything dropped: the whole schema torn down (and, in reverse,
    built from empty)."""
    if not m.tables:
        return None
    for attr in ('enums', 'seqs', 'funcs', 'tables', 'indexes', 'views', 'triggers', 'readers', 'domains',
                 'composites', 'policies', 'ptables'):
        setattr(m, attr, [])
    return 'tear down everything'


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
    ('identity options', mut_identity_options),
    ('serial <-> identity', mut_serial_identity),
    ('sequence range', mut_sequence_range),
    ('view options', mut_view_options),
    ('table options', mut_table_options),
    ('routine needing a table', mut_reader),
    ('tear down', mut_teardown),
    ('domain', mut_domain),
    ('composite type', mut_composite),
    ('row level security', mut_rls),
    ('partitions', mut_partitions),
    ('domain base type', mut_domain_base),
    ('partition key', mut_partition_key),
    ('partition own index or check', mut_partition_own),
    ('privileges', mut_privileges),
]
