-- crackmon central store on PostgreSQL: migration 0009.
-- An engineer's review of a crack observation is a correction of two more kinds (SQLite:
-- "central v13 reviews"): reject_observation (not a crack: the reason says what it is) and
-- confirm_observation. The latest review of an observation stands; every reader's lookup of
-- it goes through an index of its own.
ALTER TABLE correction DROP CONSTRAINT correction_kind_check;
ALTER TABLE correction ADD CONSTRAINT correction_kind_check
  CHECK (kind IN ('void_capture', 'move_capture', 'set_distance', 'supersede_observation', 'retire_asset',
                  'retire_cycle', 'reject_observation', 'confirm_observation'));
-- The CHECK that ties an observation id to its kinds, found by what it says (0007 left it
-- unnamed).
DO $$
DECLARE name TEXT;
BEGIN
  SELECT conname INTO STRICT name FROM pg_constraint
  WHERE conrelid = 'correction'::regclass AND contype = 'c'
    AND pg_get_constraintdef(oid) LIKE '%supersede_observation%observation_id IS NOT NULL%';
  EXECUTE format('ALTER TABLE correction DROP CONSTRAINT %I', name);
END $$;
ALTER TABLE correction ADD CONSTRAINT correction_observation_check
  CHECK ((kind IN ('supersede_observation', 'reject_observation', 'confirm_observation'))
         = (observation_id IS NOT NULL));
CREATE INDEX correction_by_observation ON correction (asset_id, observation_id)
  WHERE observation_id IS NOT NULL;
