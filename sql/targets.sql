-- Every target form, resolved with rev_pending (which changes nothing), then
-- used to move up and down.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SET client_min_messages = warning;

--   r1 <- r2 <- r3 <- r4
--           \
--            feature_one (label "feat") <- feature_two
SELECT rev_add('r1', 'SELECT 1', 'SELECT 1');
SELECT rev_add('r2', 'SELECT 1', 'SELECT 1');
SELECT rev_add('r3', 'SELECT 1', 'SELECT 1');
SELECT rev_add('r4', 'SELECT 1', 'SELECT 1');
SELECT rev_add('feature_one', 'SELECT 1', 'SELECT 1', down_revision => '{r2}', branch_label => 'feat');
SELECT rev_add('feature_two', 'SELECT 1', 'SELECT 1', down_revision => '{feature_one}');

-- head / heads / base
SELECT rev_pending('head');
SELECT array_agg(p) AS heads FROM rev_pending('heads') p;
SELECT array_agg(p) AS default_is_heads FROM rev_pending() p;
SELECT array_agg(p) AS base FROM rev_pending('base') p;
-- an id, a unique prefix, an ambiguous prefix, an unknown id
SELECT array_agg(p) AS r3 FROM rev_pending('r3') p;
SELECT array_agg(p) AS prefix FROM rev_pending('feature_t') p;
SELECT rev_pending('feature');
SELECT rev_pending('r');
SELECT rev_pending('nope');
-- +N from base (nothing applied): the only root, then the only child
SELECT array_agg(p) AS plus2 FROM rev_pending('+2') p;
SELECT rev_pending('+3');
-- <id>+N and <id>-N
SELECT array_agg(p) AS r1_plus1 FROM rev_pending('r1+1') p;
SELECT rev_pending('r2+1');
SELECT array_agg(p) AS r3_plus1 FROM rev_pending('r3+1') p;
SELECT rev_pending('r4+1');
SELECT array_agg(p) AS r4_minus1 FROM rev_pending('r4-1') p;
SELECT array_agg(p) AS r4_minus3 FROM rev_pending('r4-3') p;
SELECT array_agg(p) AS r1_minus1 FROM rev_pending('r1-1') p;
SELECT rev_pending('r1-2');
-- <label>@head, <label>@base, <label>@+N
SELECT array_agg(p) AS feat_head FROM rev_pending('feat@head') p;
SELECT array_agg(p) AS feat_base FROM rev_pending('feat@base') p;
SELECT array_agg(p) AS feat_plus1 FROM rev_pending('feat@+1') p;
SELECT array_agg(p) AS feat_plus2 FROM rev_pending('feat@+2') p;
SELECT rev_pending('feat@+3');
SELECT rev_pending('feat@-1');
SELECT rev_pending('nolabel@head');
-- -N cannot move an upgrade, +N cannot move a downgrade
SELECT rev_pending('-1');
SELECT rev_downgrade('+1');
SELECT rev_downgrade('feat@+1');

-- Malformed targets: each a clear error quoting it.
SELECT rev_pending(NULL);
SELECT rev_pending('');
SELECT rev_pending('+');
SELECT rev_pending('-0');
SELECT rev_pending('+x');
SELECT rev_pending('+99999999999999999999');
SELECT rev_pending('@head');
SELECT rev_pending('x@');
SELECT rev_pending('a@b@c');
SELECT rev_pending('feat@tail');
SELECT rev_pending('head+1');
SELECT rev_pending('r1+');
SELECT rev_pending('r 1');
SELECT rev_pending(repeat('q', 64));
SELECT rev_upgrade(NULL);
SELECT rev_downgrade('');
SELECT rev_stamp('bad target');
SELECT rev_sql('a@b@c');
-- Nothing moved.
SELECT count(*) AS applied FROM revisions.applied;

-- Moving.
SELECT array_agg(u) AS up_to_r3 FROM rev_upgrade('r3') u;
SELECT * FROM rev_current();
SELECT array_agg(u) AS plus1 FROM rev_upgrade('+1') u;
SELECT array_agg(d) AS minus2 FROM rev_downgrade('-2') d;
SELECT * FROM rev_current();
SELECT array_agg(u) AS feat_plus1 FROM rev_upgrade('feat@+1') u;
SELECT array_agg(u) AS plus1 FROM rev_upgrade('+1') u;
SELECT array_agg(u) AS r4 FROM rev_upgrade('r4') u;
SELECT * FROM rev_current();
-- Two current heads: a bare relative target is ambiguous; a labelled one is not.
SELECT rev_downgrade('-1');
SELECT rev_upgrade('+1');
SELECT array_agg(d) AS feat_minus1 FROM rev_downgrade('feat@-1') d;
SELECT array_agg(d) AS feat_base FROM rev_downgrade('feat@base') d;
SELECT * FROM rev_current();
-- Downgrading to an id reverts exactly its applied descendants.
SELECT array_agg(u) AS heads FROM rev_upgrade('heads') u;
SELECT array_agg(d) AS to_r3 FROM rev_downgrade('r3') d;
SELECT array_agg(d) AS to_r2 FROM rev_downgrade('r2') d;
SELECT array_agg(d) AS to_r2_again FROM rev_downgrade('r2') d;
SELECT array_agg(d) AS to_unapplied FROM rev_downgrade('r4') d;
SELECT array_agg(d) AS base FROM rev_downgrade('base') d;
SELECT rev_downgrade('-1');
-- An upgrade to something already applied does nothing.
SELECT array_agg(u) AS r2 FROM rev_upgrade('r2') u;
SELECT count(*) AS again FROM rev_upgrade('r1');
