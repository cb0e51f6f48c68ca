# bin/models_from.py — the Python half of `--models-from MODULE:ATTRIBUTE`
# (bin/models_from.c embeds this file and runs it with $PYTHON, else
# python3): imports MODULE (the current directory first on sys.path), takes
# ATTRIBUTE (dotted: a SQLAlchemy MetaData, or anything with a .metadata such
# as a declarative Base) and prints its DDL for PostgreSQL on stdout: CREATE
# TYPE ... AS ENUM for native enums, CREATE TABLE (columns, server defaults,
# constraints) in dependency order, CREATE INDEX, and ALTER TABLE ... ADD for
# foreign keys SQLAlchemy leaves to ALTER (use_alter, cycles).
# An import failure prints its traceback's last line on stderr and exits 2.
import os
import sys
import traceback


def die(message):
    sys.stderr.write("pg_revisions: error: %s\n" % message)
    sys.exit(2)


def main():
    spec = sys.argv[1]
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        die("--models-from takes MODULE:ATTRIBUTE (e.g. app.models:Base), not %r" % spec)
    sys.path.insert(0, os.getcwd())
    try:
        import importlib
        obj = importlib.import_module(module_name)
        for part in attribute.split("."):
            obj = getattr(obj, part)
    except BaseException as e:
        lines = traceback.format_exception_only(type(e), e)
        die("could not import %s: %s" % (spec, lines[-1].strip() if lines else type(e).__name__))
    try:
        import sqlalchemy as sa
        from sqlalchemy.dialects import postgresql
        from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable
    except ImportError as e:
        die("this Python (%s) cannot import SQLAlchemy: %s; set PYTHON to one that can" % (sys.executable, e))
    metadata = obj if isinstance(obj, sa.MetaData) else getattr(obj, "metadata", None)
    if not isinstance(metadata, sa.MetaData):
        die("%s is neither a SQLAlchemy MetaData nor has a .metadata (a declarative Base)" % spec)
    dialect = postgresql.dialect()
    prep = dialect.identifier_preparer
    out = []
    enums = {}
    for table in metadata.sorted_tables:
        for column in table.columns:
            t = column.type
            if isinstance(t, sa.Enum) and getattr(t, "native_enum", True) and t.name:
                key = (t.schema or table.schema, t.name)
                if key not in enums:
                    enums[key] = t
    for (schema, name), t in enums.items():
        qname = (prep.quote_schema(schema) + "." if schema else "") + prep.quote(name)
        labels = ", ".join("'%s'" % v.replace("'", "''") for v in t.enums)
        out.append("CREATE TYPE %s AS ENUM (%s);" % (qname, labels))
    alter = []
    tables = metadata.sorted_tables
    for table in tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip() + ";")
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";")
        for fk in table.foreign_key_constraints:
            if fk.use_alter:
                alter.append(str(AddConstraint(fk).compile(dialect=dialect)).strip() + ";")
    out += alter
    sys.stdout.write("\n\n".join(out) + "\n")


main()
