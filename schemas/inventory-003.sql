-- migcheck inventory, schema version 3: migration classes stored (issue 15).
-- profiles.class is the profile's migration class key (the planner's
-- mc_plan_class_id: SHA-256 of the facts the planner reads), NULL until
-- computed. facts.reads says which part of the fact the planner read when
-- the classes were computed (bit 0 its domain, bit 1 its key; NULL: not yet
-- computed): a build whose planner reads otherwise finds the keys stale and
-- recomputes them (README "Inventory").
ALTER TABLE profiles ADD COLUMN class TEXT;
ALTER TABLE facts ADD COLUMN reads INTEGER;
