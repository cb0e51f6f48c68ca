/*
 * pg_revisions 1.1 -> 1.2 — update script (also the last step of every
 * fresh install: CREATE EXTENSION runs 1.0, then 1.0--1.1, then this).
 *
 * 1.2 (../shared/spec/api.md, "1.2"): plans for clients (rev_plan),
 * deploying without hurting production, knowing what the database really
 * is, long histories and adoption, testing migrations like code, tenants.
 * Every function is created in pg_catalog (the control file's schema),
 * revoked from PUBLIC, and schema-qualifies everything it names.
 *
 * Until 1.2 is released this file may be edited; afterwards never.
 */

\echo Use "ALTER EXTENSION pg_revisions UPDATE TO '1.2'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Plans
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Deploying without hurting production
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Knowing what the database really is
-- ---------------------------------------------------------------------------

-- The drift ledger: every DDL command run in this database outside
-- pg_revisions' own calls, one row per object the server reports for it.
-- Written only by the event triggers below, as the extension owner; dumped
-- like the rest of the catalog.  Rows are never updated; the owner may
-- delete old ones.  id orders the rows of one moment and is deliberately not
-- unique: a restore whose DDL is recorded (one not recognised as a restore,
-- see README) then adds rows instead of failing on the dumped ones.
CREATE SEQUENCE revisions.drift_id_seq;
CREATE TABLE revisions.drift (
    id              bigint NOT NULL
                    DEFAULT pg_catalog.nextval('revisions.drift_id_seq'::pg_catalog.regclass),
    at              timestamptz NOT NULL,
    role            name NOT NULL,          -- current_user running the DDL
    application     text NOT NULL,          -- its application_name
    command         text NOT NULL,          -- command tag
    object_type     text,
    object_identity text
);
COMMENT ON TABLE revisions.drift IS
    'DDL run outside pg_revisions (the drift ledger), written by the event triggers pg_revisions_drift*';
CREATE TRIGGER catalog_guard BEFORE UPDATE ON revisions.drift
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_guard();
SELECT pg_catalog.pg_extension_config_dump('revisions.drift', '');
SELECT pg_catalog.pg_extension_config_dump('revisions.drift_id_seq', '');
REVOKE ALL ON TABLE revisions.drift FROM PUBLIC;
REVOKE ALL ON SEQUENCE revisions.drift_id_seq FROM PUBLIC;

CREATE FUNCTION revisions.drift_record()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'pgrev_drift_record'
LANGUAGE C;
REVOKE ALL ON FUNCTION revisions.drift_record() FROM PUBLIC;
CREATE EVENT TRIGGER pg_revisions_drift ON ddl_command_end
    EXECUTE FUNCTION revisions.drift_record();
CREATE EVENT TRIGGER pg_revisions_drift_drop ON sql_drop
    EXECUTE FUNCTION revisions.drift_record();

CREATE FUNCTION pg_catalog.rev_drift(since timestamptz DEFAULT NULL)
RETURNS TABLE(at timestamptz, role name, application text, command text,
              object_type text, object_identity text)
AS 'MODULE_PATHNAME', 'rev_drift'
LANGUAGE C VOLATILE;

-- What would turn live_schema into the schema the history up to target
-- builds from nothing (replayed in a scratch schema, always rolled back).
CREATE FUNCTION pg_catalog.rev_verify_schema(target text DEFAULT NULL,
                                             live_schema name DEFAULT 'public')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_verify_schema'
LANGUAGE C VOLATILE;

-- rev_stamp gains verify: every 1.0 call stays valid, but the function is
-- recreated with a new signature, so EXECUTE grants on the old one are gone:
-- the WARNING below lists the roles to grant again (a GRANT made here would
-- count as the extension's own and be left out of pg_dump).
DO $$
DECLARE
    grantees text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname)
      INTO grantees
      FROM pg_catalog.pg_proc p,
           pg_catalog.aclexplode(p.proacl) AS a,
           pg_catalog.pg_roles r
     WHERE p.oid OPERATOR(pg_catalog.=) 'pg_catalog.rev_stamp(text)'::pg_catalog.regprocedure
       AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
       AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
       AND r.oid OPERATOR(pg_catalog.=) a.grantee;
    IF grantees IS NOT NULL THEN
        RAISE WARNING 'pg_revisions 1.2: rev_stamp has a new signature; grant it again to: %', grantees
            USING HINT = pg_catalog.format('GRANT EXECUTE ON FUNCTION rev_stamp(text, boolean) TO %s;',
                                           grantees);
    END IF;
END
$$;

DROP FUNCTION pg_catalog.rev_stamp(text);
CREATE FUNCTION pg_catalog.rev_stamp(target text, verify boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_stamp'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION
    pg_catalog.rev_drift(timestamptz),
    pg_catalog.rev_verify_schema(text, name),
    pg_catalog.rev_stamp(text, boolean)
FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Long histories and adoption
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Testing migrations like code
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Tenants and fleets
-- ---------------------------------------------------------------------------
