-- rev_diff: statements ordered by the dependency graph of both schemas
-- (pg_depend, and the names a LANGUAGE sql body mentions), not by kind.
\i sql/diff_helpers.psql

-- Routines that refer to tables: a LANGUAGE sql body (checked when it is
-- created), a table's row type as argument or result, a BEGIN ATOMIC body
-- reading a view, a view calling them.  Created with their tables, after
-- them; dropped with them, before them.
SELECT pg_temp.setup($$CREATE TABLE keep (id int)$$,
$$CREATE TABLE keep (id int);
  CREATE TABLE items (id int PRIMARY KEY, n int);
  CREATE VIEW big AS SELECT id FROM items WHERE n > 10;
  CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM big';
  CREATE FUNCTION atomic_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM big; END;
  CREATE FUNCTION doubled(i items) RETURNS int LANGUAGE sql AS 'SELECT i.n * 2';
  CREATE FUNCTION all_items() RETURNS SETOF items LANGUAGE sql AS 'SELECT * FROM items';
  CREATE VIEW counted AS SELECT item_count() AS c, atomic_count() AS a$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
INSERT INTO a.items VALUES (1, 20), (2, 5);
SET search_path = a;  -- function bodies are not qualified
SELECT * FROM a.counted;
RESET search_path;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();

-- A whole schema built from empty and torn down to empty: types, sequences,
-- tables with keys, foreign keys (also to themselves), defaults calling
-- functions that read tables, checks, indexes on expressions, views over
-- views and functions, a materialized view with an index, triggers.
SELECT pg_temp.setup($$ $$,
$$CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE SEQUENCE ticket START 100;
  CREATE TABLE people (id serial PRIMARY KEY, boss int REFERENCES people, m mood DEFAULT 'ok');
  CREATE FUNCTION next_ticket() RETURNS bigint LANGUAGE sql AS $b$SELECT nextval('ticket') + (SELECT count(*) FROM people)$b$;
  CREATE FUNCTION positive(x int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT x > 0';
  CREATE TABLE orders (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                       person int NOT NULL REFERENCES people,
                       ticket bigint DEFAULT next_ticket(),
                       qty int CHECK (positive(qty)),
                       total numeric GENERATED ALWAYS AS (qty * 2) STORED);
  CREATE INDEX orders_big ON orders ((qty * 10)) WHERE positive(qty);
  CREATE FUNCTION person_orders(p people) RETURNS SETOF orders LANGUAGE sql BEGIN ATOMIC SELECT * FROM orders WHERE person = p.id; END;
  CREATE VIEW busy AS SELECT p.id, count(o.id) AS n FROM people p JOIN orders o ON o.person = p.id GROUP BY p.id;
  CREATE VIEW busiest AS SELECT id FROM busy WHERE n > 1;
  CREATE FUNCTION busiest_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM busiest';
  CREATE VIEW summary AS SELECT busiest_count() AS b;
  CREATE MATERIALIZED VIEW totals AS SELECT person, sum(total) AS s FROM orders GROUP BY person;
  CREATE UNIQUE INDEX totals_person ON totals (person);
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $b$BEGIN NEW.qty := coalesce(NEW.qty, 1); RETURN NEW; END$b$;
  CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
  COMMENT ON VIEW summary IS 'one row'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SET search_path = a;
INSERT INTO a.people (boss) VALUES (NULL);
INSERT INTO a.orders (person, qty) VALUES (1, 2), (1, NULL);
SELECT person, qty, total, ticket > 100 AS from_ticket FROM a.orders ORDER BY id;
SELECT * FROM a.summary;
RESET search_path;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();
SELECT count(*) AS left_in_a FROM pg_class WHERE relnamespace = 'a'::regnamespace;
