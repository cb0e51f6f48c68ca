# bin/import_alembic.py — the Python half of `pg_revisions import alembic DIR`
# (bin/import_alembic.c embeds this file and runs it with $PYTHON, else
# python3).  Argument: DIR, an Alembic project (alembic.ini), its script
# directory (env.py beside versions/) or a versions directory.
#
# 1. Every versions/*.py is parsed with the ast module, never imported for
#    this: revision, down_revision (a string, tuple, list or None),
#    branch_labels, depends_on, the docstring's first line as message.  A
#    branch label in depends_on (or down_revision) is resolved as Alembic's
#    RevisionMap resolves it: to the revision that declares the label; a
#    partial id there is an error, as it is for Alembic (only `alembic
#    revision --depends-on` expands prefixes, before writing the file).
# 2. Its SQL comes from Alembic's offline mode: its upgrade() and downgrade()
#    run under an as_sql MigrationContext (PostgreSQL dialect, literal binds),
#    one revision at a time, without env.py (which usually wants a database
#    or the whole application).  A revision that calls op.get_bind() (it
#    inspects the database), uses ORM sessions, or whose module or upgrade()
#    fails offline is "adopted", with the reason.
#
# Output on stdout, read by the C side: fields "KEY LENGTH\nBYTES\n", a record
# per revision starting with "rev"; "fatal" is an error naming a file.
import ast
import configparser
import contextlib
import importlib.util
import io
import os
import re
import sys
import traceback


def field(key, value):
    data = value.encode("utf-8", "replace")
    sys.stdout.buffer.write(b"%s %d\n" % (key.encode(), len(data)))
    sys.stdout.buffer.write(data + b"\n")


def fatal(path, line, message):
    field("fatal", "%s\x1f%d\x1f%s" % (path, line or 0, message))
    sys.stdout.flush()
    sys.exit(0)


def version_dirs(top):
    """The version directories and the project directory (for sys.path)."""
    ini = os.path.join(top, "alembic.ini") if os.path.isdir(top) else top
    if os.path.isfile(ini):
        here = os.path.dirname(os.path.abspath(ini))
        cp = configparser.ConfigParser(defaults={"here": here})
        try:
            cp.read(ini)
            script = cp.get("alembic", "script_location")
        except (configparser.Error, OSError) as e:
            fatal(ini, 0, "cannot read script_location: %s" % e)
        if ":" in script and not os.path.isabs(script) and not script.startswith("%"):
            fatal(ini, 0, "script_location %s names a package: give the directory instead" % script)
        script = os.path.join(here, script)
        locs = cp.get("alembic", "version_locations", fallback=None)
        if locs:
            sep = cp.get("alembic", "version_path_separator", fallback="space")
            seps = {"space": None, "os": os.pathsep, ":": ":", ";": ";", "newline": "\n"}
            dirs = [os.path.join(here, d) for d in locs.split(seps.get(sep, None)) if d.strip()]
        else:
            dirs = [os.path.join(script, "versions")]
        return dirs, here
    if os.path.isdir(os.path.join(top, "versions")):
        return [os.path.join(top, "versions")], os.path.dirname(os.path.abspath(top))
    if os.path.isdir(top):
        return [top], os.path.dirname(os.path.dirname(os.path.abspath(top)))
    fatal(top, 0, "not an Alembic project, script directory or versions directory")


def literal(node, path, name):
    try:
        return ast.literal_eval(node)
    except ValueError:
        fatal(path, node.lineno, "%s is not a literal (a string, tuple, list or None)" % name)


def as_list(value, path, line, name):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return list(value)
    fatal(path, line, "%s must be a string, a tuple or list of strings, or None" % name)


def parse(path):
    try:
        source = open(path, encoding="utf-8").read()
        tree = ast.parse(source, path)
    except SyntaxError as e:
        fatal(path, e.lineno, "syntax error: %s" % e.msg)
    except (OSError, UnicodeDecodeError) as e:
        fatal(path, 0, "cannot read: %s" % e)
    info = {"path": path, "source": source}
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            targets = [node.target.id]
            value = node.value
        for t in targets:
            if t in ("revision", "down_revision", "branch_labels", "depends_on"):
                info[t] = literal(value, path, t)
                info[t + "_line"] = node.lineno
    if "revision" not in info:
        return None  # not a revision file (a helper module)
    if not isinstance(info["revision"], str):
        fatal(path, info["revision_line"], "revision must be a string")
    if "down_revision" not in info:
        fatal(path, info["revision_line"], "no down_revision")
    doc = ast.get_docstring(tree) or ""
    info["message"] = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    info["line"] = info["revision_line"]
    return info


def render(info):
    """(upgrade SQL, downgrade SQL or None, adopted reason or None)."""
    src = info["source"]
    if re.search(r"\bget_bind\s*\(", src):
        return None, None, "it inspects the database (op.get_bind()): it cannot be rendered offline"
    if re.search(r"\b(Session|sessionmaker)\s*\(", src):
        return None, None, "it runs ORM code (a Session): it cannot be rendered offline"
    try:
        from alembic.operations import Operations
        from alembic.runtime.migration import MigrationContext
    except ImportError as e:
        fatal(info["path"], 0, "this Python (%s) cannot import alembic: %s; set PYTHON to one that can"
              % (sys.executable, e))
    try:
        spec = importlib.util.spec_from_file_location("pgrev_alembic_rev", info["path"])
        module = importlib.util.module_from_spec(spec)
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
    except BaseException as e:  # the module itself: its imports, its top level
        return None, None, "its module does not load: %s" % last_line(e)
    out = []
    for fn in ("upgrade", "downgrade"):
        buf = io.StringIO()
        ctx = MigrationContext.configure(dialect_name="postgresql",
                                         opts={"as_sql": True, "output_buffer": buf, "literal_binds": True})
        try:
            with Operations.context(ctx), contextlib.redirect_stdout(io.StringIO()):
                if not hasattr(module, fn):
                    raise AttributeError("no %s() function" % fn)
                getattr(module, fn)()
        except BaseException as e:
            if fn == "upgrade":
                return None, None, "its upgrade() fails offline: %s" % last_line(e)
            out.append(None)
            continue
        out.append(buf.getvalue().strip())
    return out[0], out[1], None


def resolver(revs):
    """A function mapping a down_revision or depends_on entry to a revision id
    as Alembic's RevisionMap does (_map_branch_labels, _add_depends_on): a
    whole id is itself; a branch label is the revision that declares it (not
    the head of its branch); anything else is not resolved (Alembic fails on
    it: a partial id is an error here, another name is left to the C side's
    "not in the project" error)."""
    ids = set(r["revision"] for r in revs)
    labels = {}
    for r in revs:
        for label in as_list(r.get("branch_labels"), r["path"], r.get("branch_labels_line"), "branch_labels"):
            if labels.get(label, r["revision"]) != r["revision"] or label in ids:  # (one id twice: the C side)
                fatal(r["path"], r.get("branch_labels_line"), "branch name '%s' in revision %s already used by "
                      "revision %s" % (label, r["revision"], labels.get(label, label)))
            labels[label] = r["revision"]

    def resolve(value, r, what):
        if value in ids:
            return value
        if value in labels:
            return labels[value]
        whole = sorted(i for i in ids if i.startswith(value))
        if whole:
            fatal(r["path"], r.get(what + "_line"), "%s names \"%s\", a partial revision id: Alembic takes only "
                  "whole ids and branch labels here (%s)" % (what, value, ", ".join(whole[:3])))
        return value
    return resolve


def last_line(e):
    lines = traceback.format_exception_only(type(e), e)
    return lines[-1].strip() if lines else type(e).__name__


def main():
    dirs, project = version_dirs(sys.argv[1])
    sys.path.insert(0, project)
    files = []
    for d in dirs:
        if not os.path.isdir(d):
            fatal(d, 0, "the versions directory does not exist")
        for root, subdirs, names in os.walk(d):
            subdirs[:] = sorted(s for s in subdirs if s != "__pycache__")
            files += [os.path.join(root, n) for n in sorted(names) if n.endswith(".py") and not n.startswith("__")]
    revs = [r for r in (parse(f) for f in files) if r]
    resolve = resolver(revs)
    for r in revs:
        up, down, adopted = render(r)
        field("rev", r["revision"])
        field("src", r["path"])
        field("line", str(r["line"]))
        for p in as_list(r.get("down_revision"), r["path"], r.get("down_revision_line"), "down_revision"):
            field("down", resolve(p, r, "down_revision"))
        for p in as_list(r.get("depends_on"), r["path"], r.get("depends_on_line"), "depends_on"):
            field("dep", resolve(p, r, "depends_on"))
        labels = as_list(r.get("branch_labels"), r["path"], r.get("branch_labels_line"), "branch_labels")
        if len(labels) > 1:
            fatal(r["path"], r.get("branch_labels_line"), "several branch labels: pg_revisions keeps one a revision")
        if labels:
            field("label", labels[0])
        if r["message"]:
            field("message", r["message"])
        if adopted:
            field("adopted", adopted)
        else:
            field("upgrade", up)
            if down is not None:
                field("downgrade", down)
    sys.stdout.flush()


main()
