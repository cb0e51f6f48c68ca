/*
 * pg_revisions 1.0 — install script.
 *
 * The catalog lives in the schema "revisions", created here (it fails if the
 * schema already exists, so nobody can pre-plant objects in it).  The SQL
 * functions live in pg_catalog (the control file's schema) so that
 * SELECT rev_upgrade('head') works unqualified on any search_path.
 *
 * Only the extension owner can read or write the catalog; the C functions do
 * their bookkeeping as that owner, and run revision SQL as the caller.  Every
 * function is revoked from PUBLIC: the DBA grants EXECUTE to the roles that
 * may register, apply or inspect revisions (see README, "Privileges").
 *
 * Released: never edit; changes go into pg_revisions--1.0--1.1.sql.
 */

\echo Use "CREATE EXTENSION pg_revisions" to load this file. \quit

CREATE SCHEMA revisions;
REVOKE ALL ON SCHEMA revisions FROM PUBLIC;
COMMENT ON SCHEMA revisions IS 'pg_revisions catalog: revisions, their DAG, applied state, operation log';

-- Registration order; the apply order breaks ties by it.
CREATE SEQUENCE revisions.revision_seq;

-- One row per registered revision.  Rows are only inserted and deleted, never
-- updated, so lookups stay index lookups even inside a transaction that
-- registers thousands of revisions.  heads_count of the newest row is the
-- number of heads of the DAG: rev_add finds "the single head" in O(log n).
CREATE TABLE revisions.revision (
    revision      text PRIMARY KEY
                  CHECK (revision OPERATOR(pg_catalog.~) '^[A-Za-z0-9_]{1,63}$'),
    seq           bigint NOT NULL UNIQUE
                  DEFAULT pg_catalog.nextval('revisions.revision_seq'::pg_catalog.regclass),
    message       text,
    upgrade_sql   text NOT NULL,
    downgrade_sql text,                 -- NULL: irreversible
    branch_label  text UNIQUE
                  CHECK (branch_label OPERATOR(pg_catalog.~) '^[A-Za-z0-9_]{1,63}$'),
    checksum      text NOT NULL,        -- sha256 of upgrade_sql and downgrade_sql, hex
    heads_count   bigint NOT NULL,      -- heads in the DAG once this row was added
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by    name NOT NULL
);

-- The DAG: revision requires another one, as a parent (down_revision) or as a
-- dependency (depends_on); position keeps the order the user gave.
CREATE TABLE revisions.edge (
    revision  text NOT NULL REFERENCES revisions.revision ON DELETE CASCADE,
    kind      text NOT NULL
              CHECK (kind OPERATOR(pg_catalog.=) 'down_revision'
                     OR kind OPERATOR(pg_catalog.=) 'depends_on'),
    position  integer NOT NULL,
    requires  text NOT NULL REFERENCES revisions.revision,
    PRIMARY KEY (revision, kind, position),
    UNIQUE (revision, kind, requires)
);
CREATE INDEX edge_requires_idx ON revisions.edge (requires);

-- Revisions whose upgrade SQL has run (or been stamped) in this database.
CREATE TABLE revisions.applied (
    revision     text PRIMARY KEY REFERENCES revisions.revision,
    applied_at   timestamptz NOT NULL,
    applied_by   name NOT NULL,
    operation_id bigint NOT NULL
);

-- One row per upgrade, downgrade or stamp that changed the applied state.
CREATE SEQUENCE revisions.operation_id_seq;
CREATE TABLE revisions.operation (
    id          bigint PRIMARY KEY
                DEFAULT pg_catalog.nextval('revisions.operation_id_seq'::pg_catalog.regclass),
    started_at  timestamptz NOT NULL,
    role        name NOT NULL,
    operation   text NOT NULL
                CHECK (operation OPERATOR(pg_catalog.=) 'upgrade'
                       OR operation OPERATOR(pg_catalog.=) 'downgrade'
                       OR operation OPERATOR(pg_catalog.=) 'stamp'),
    target      text NOT NULL,
    revisions   text[] NOT NULL,
    duration    interval NOT NULL
);

-- A single row every state-changing call locks, and bumps when it changed
-- something: under REPEATABLE READ a caller whose snapshot predates another
-- session's change gets a serialization failure instead of stale state.
-- Not user data, so not dumped: CREATE EXTENSION seeds it.
CREATE TABLE revisions.state (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    generation bigint NOT NULL
);
INSERT INTO revisions.state (singleton, generation) VALUES (true, 0);

-- Immutable history: rows change only through the extension's functions,
-- even for the owner.  (Inserts stay open so that pg_restore can load data.)
CREATE FUNCTION revisions.catalog_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'pgrev_catalog_guard'
LANGUAGE C;
REVOKE ALL ON FUNCTION revisions.catalog_guard() FROM PUBLIC;
CREATE TRIGGER catalog_guard BEFORE UPDATE OR DELETE OR TRUNCATE ON revisions.revision
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_guard();
CREATE TRIGGER catalog_guard BEFORE UPDATE OR DELETE OR TRUNCATE ON revisions.edge
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_guard();
CREATE TRIGGER catalog_guard BEFORE UPDATE OR DELETE OR TRUNCATE ON revisions.applied
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_guard();
CREATE TRIGGER catalog_guard BEFORE UPDATE OR DELETE OR TRUNCATE ON revisions.operation
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_guard();

SELECT pg_catalog.pg_extension_config_dump('revisions.revision', '');
SELECT pg_catalog.pg_extension_config_dump('revisions.revision_seq', '');
SELECT pg_catalog.pg_extension_config_dump('revisions.edge', '');
SELECT pg_catalog.pg_extension_config_dump('revisions.applied', '');
SELECT pg_catalog.pg_extension_config_dump('revisions.operation', '');
SELECT pg_catalog.pg_extension_config_dump('revisions.operation_id_seq', '');

REVOKE ALL ON ALL TABLES IN SCHEMA revisions FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA revisions FROM PUBLIC;

-- Registering revisions ------------------------------------------------------

CREATE FUNCTION pg_catalog.rev_add(
    revision text,
    upgrade text,
    downgrade text DEFAULT NULL,
    down_revision text[] DEFAULT NULL,
    message text DEFAULT NULL,
    branch_label text DEFAULT NULL,
    depends_on text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_add'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_merge(
    revisions text[] DEFAULT NULL,
    message text DEFAULT NULL,
    revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_merge'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_drop(revision text)
RETURNS void
AS 'MODULE_PATHNAME', 'rev_drop'
LANGUAGE C VOLATILE;

-- Moving the applied state ---------------------------------------------------

CREATE FUNCTION pg_catalog.rev_upgrade(target text DEFAULT 'heads')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_upgrade'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_downgrade(target text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_downgrade'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_stamp(target text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_stamp'
LANGUAGE C VOLATILE;

-- Planning and inspecting ----------------------------------------------------

CREATE FUNCTION pg_catalog.rev_pending(target text DEFAULT 'heads')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_pending'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_sql(target text DEFAULT 'heads')
RETURNS text
AS 'MODULE_PATHNAME', 'rev_sql'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_current()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_current'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_heads()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_heads'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_history()
RETURNS TABLE(revision text, down_revision text[], depends_on text[],
              branch_label text, message text, is_head boolean,
              is_applied boolean, applied_at timestamptz)
AS 'MODULE_PATHNAME', 'rev_history'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_verify()
RETURNS TABLE(revision text, stored_checksum text, computed_checksum text)
AS 'MODULE_PATHNAME', 'rev_verify'
LANGUAGE C VOLATILE;

-- Nothing is callable by PUBLIC: the DBA grants what each role needs.
REVOKE ALL ON FUNCTION
    pg_catalog.rev_add(text, text, text, text[], text, text, text[]),
    pg_catalog.rev_merge(text[], text, text),
    pg_catalog.rev_drop(text),
    pg_catalog.rev_upgrade(text),
    pg_catalog.rev_downgrade(text),
    pg_catalog.rev_stamp(text),
    pg_catalog.rev_pending(text),
    pg_catalog.rev_sql(text),
    pg_catalog.rev_current(),
    pg_catalog.rev_heads(),
    pg_catalog.rev_history(),
    pg_catalog.rev_verify()
FROM PUBLIC;

-- Autogenerate: schema diffs ------------------------------------------------

CREATE FUNCTION pg_catalog.rev_diff(source name, target name)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_diff'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_autogenerate(
    models text,
    message text DEFAULT NULL,
    live_schema name DEFAULT 'public',
    revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_autogenerate'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_autogenerate_from(
    target_schema name,
    message text DEFAULT NULL,
    live_schema name DEFAULT 'public',
    revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_autogenerate_from'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_check(models text, live_schema name DEFAULT 'public')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_check'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION
    pg_catalog.rev_diff(name, name),
    pg_catalog.rev_autogenerate(text, text, name, text),
    pg_catalog.rev_autogenerate_from(name, text, name, text),
    pg_catalog.rev_check(text, name)
FROM PUBLIC;
