"""Owners and privileges for the rev_diff round-trip generator (gen.py), the
class that rev_diff compares only with pg_revisions.diff_privileges on.

An object of the model may carry `acl`: Obj(owner (a role, or None: the
role running the DDL), public_revoked (routines and types: REVOKE ALL FROM
PUBLIC), grants {(grantee, privilege): with grant option}); a table column
may carry `acl` too ({(grantee, privilege): with grant option}).  The
attributes travel with their objects (copied into B, gone when the object is
dropped), and privileges_ddl() emits them after the model's DDL, every GRANT
made as the owner.  The roles are made by test/scripts/diff_roundtrip.sh.
"""
from model import Obj

ROLES = ['regress_dg_r1', 'regress_dg_r2', 'regress_dg_r3']
TABLE_PRIVS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']
COLUMN_PRIVS = ['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']


def targets(m):
    """(object, ALTER kind, GRANT ON kind, name, privileges, PUBLIC has some
    by default) for every object whose owner and privileges may change."""
    out = []
    for t in m.tables + m.ptables:
        out.append((t, 'TABLE', 'TABLE', t.name, TABLE_PRIVS, False))
    for s in m.seqs:
        out.append((s, 'SEQUENCE', 'SEQUENCE', s.name, ['USAGE', 'SELECT', 'UPDATE'], False))
    for v in m.views:
        out.append((v, 'MATERIALIZED VIEW' if v.mat else 'VIEW', 'TABLE', v.name,
                    ['SELECT'] if v.mat else ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], False))
    for f in m.funcs:
        kind = 'PROCEDURE' if f.kind == 'proc' else 'FUNCTION'
        out.append((f, kind, kind, '%s(%s)' % (f.name, f.argtype), ['EXECUTE'], True))
    for e in m.enums + m.composites:
        out.append((e, 'TYPE', 'TYPE', e.name, ['USAGE'], True))
    for d in m.domains:
        out.append((d, 'DOMAIN', 'DOMAIN', d.name, ['USAGE'], True))
    return out


def grant_lines(on, name, grants, column=None):
    """GRANT statements for {(grantee, privilege): grant option}."""
    return ['GRANT %s%s ON %s %s TO %s%s;' % (p, ' (%s)' % column if column else '', on, name, g,
                                              ' WITH GRANT OPTION' if go else '')
            for (g, p), go in sorted(grants.items())]


def privileges_ddl(m):
    """The owners and privileges of model m, after its DDL."""
    out = []
    for o, alter, on, name, _, _ in targets(m):
        a = getattr(o, 'acl', None)
        if a:
            if a.owner:
                out.append('ALTER %s %s OWNER TO %s;' % (alter, name, a.owner))
            if a.public_revoked:
                out.append('REVOKE ALL ON %s %s FROM PUBLIC;' % (on, name))
            out.extend(grant_lines(on, name, a.grants))
        if o in m.tables:
            for c in o.cols:
                out.extend(grant_lines('TABLE', name, getattr(c, 'acl', None) or {}, c.name))
    return ''.join(line + '\n' for line in out)


def change(r, m, o, privs, public):
    """One random change of the owner or privileges of object o (or of a
    column of it); its description, or None when it changes nothing."""
    if getattr(o, 'acl', None) is None:
        o.acl = Obj(owner=None, public_revoked=False, grants={})
    a = o.acl
    what = r.choice(['owner', 'grant', 'grant', 'revoke', 'grant option', 'public', 'column'])
    if what == 'owner':
        new = r.choice([None] + ROLES)
        if new == a.owner:
            return None
        a.owner = new
        return 'owner %s' % new
    if what == 'grant':
        key = (r.choice(ROLES + ['PUBLIC']), r.choice(privs))
        if key in a.grants:
            return None
        a.grants[key] = key[0] != 'PUBLIC' and r.random() < 0.3
        return 'grant %s to %s%s' % (key[1], key[0], ' with grant option' if a.grants[key] else '')
    if what == 'revoke' and a.grants:
        key = r.choice(sorted(a.grants))
        del a.grants[key]
        return 'revoke %s from %s' % (key[1], key[0])
    if what == 'grant option':
        keys = sorted(k for k in a.grants if k[0] != 'PUBLIC')
        if not keys:
            return None
        key = r.choice(keys)
        a.grants[key] = not a.grants[key]
        return 'grant option of %s for %s %s' % (key[1], key[0], 'given' if a.grants[key] else 'taken')
    if what == 'public' and public:
        a.public_revoked = not a.public_revoked
        return 'PUBLIC %s' % ('revoked' if a.public_revoked else 'given back')
    if what == 'column' and o in m.tables and o.cols:
        c = r.choice(o.cols)
        c.acl = getattr(c, 'acl', None) or {}
        key = (r.choice(ROLES + ['PUBLIC']), r.choice(COLUMN_PRIVS))
        if key in c.acl:
            del c.acl[key]
            return 'column %s: revoke %s from %s' % (c.name, key[1], key[0])
        c.acl[key] = key[0] != 'PUBLIC' and r.random() < 0.3
        return 'column %s: grant %s to %s' % (c.name, key[1], key[0])
    return None


def mut_privileges(r, m):
    """Owners and privileges (table, column, sequence, view, routine, type
    privileges; grant options; PUBLIC) of one to three objects changed."""
    done = []
    for _ in range(r.randint(1, 3)):
        cands = targets(m)
        if not cands:
            return None
        o, alter, _, name, privs, public = r.choice(cands)
        desc = change(r, m, o, privs, public)
        if desc:
            done.append('%s %s: %s' % (alter.lower(), name, desc))
    return 'privileges of ' + '; '.join(done) if done else None


def add_privileges(r, m):
    """A few owners and privileges given in schema A, for a pair compared
    with pg_revisions.diff_privileges on."""
    for _ in range(r.randint(2, 6)):
        mut_privileges(r, m)
