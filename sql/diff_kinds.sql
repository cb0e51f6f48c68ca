-- rev_diff: more kinds of objects: row level security (ENABLE, FORCE,
-- policies).
\i sql/diff_helpers.psql

-- Row level security: enabled and forced on a table, policies added,
-- changed (their expression, command, roles), dropped; a policy calling a
-- function of the schema is created after it; a column type change of the
-- table rebuilds its policies.
SELECT pg_temp.setup(
$$CREATE TABLE doc (id int, owner text, secret boolean, n int);
  CREATE TABLE gone (id int);
  ALTER TABLE gone ENABLE ROW LEVEL SECURITY;
  CREATE POLICY gone_all ON gone USING (id > 0);
  CREATE POLICY mine ON doc FOR SELECT USING (owner = current_user);
  CREATE POLICY old ON doc FOR DELETE USING (NOT secret);
  CREATE POLICY big ON doc FOR UPDATE USING (n > 10)$$,
$$CREATE TABLE doc (id int, owner text, secret boolean, n bigint);
  ALTER TABLE doc ENABLE ROW LEVEL SECURITY;
  ALTER TABLE doc FORCE ROW LEVEL SECURITY;
  CREATE FUNCTION visible(s boolean) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT NOT s';
  CREATE POLICY mine ON doc AS RESTRICTIVE FOR ALL TO PUBLIC USING (owner = current_user AND visible(secret))
      WITH CHECK (owner = current_user);
  CREATE POLICY big ON doc FOR UPDATE USING (n > 10);
  CREATE POLICY admins ON doc TO pg_read_all_data, pg_monitor USING (true);
  COMMENT ON POLICY admins ON doc IS 'read everything'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = 'a'::regnamespace AND relkind = 'r' ORDER BY 1;
SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'a' ORDER BY 1;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();
SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'a' ORDER BY 1;
