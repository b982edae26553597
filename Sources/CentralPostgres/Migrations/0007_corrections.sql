-- crackmon central store on PostgreSQL: migration 0007.
-- An inspector's corrections (void a capture, move it to another cycle, the distance it was
-- taken at, observations replaced by a re-processing, a retired asset or cycle): append-only
-- and synced, the same table as on the devices (SQLite: "central v11 corrections"). Every
-- reader sees captures and observations through them.
CREATE TABLE correction (
  asset_id TEXT NOT NULL REFERENCES asset (id),
  kind TEXT NOT NULL CHECK (kind IN ('void_capture', 'move_capture', 'set_distance',
                                     'supersede_observation', 'retire_asset', 'retire_cycle')),
  capture_id TEXT,
  observation_id TEXT,
  cycle_label TEXT,
  distance_m DOUBLE PRECISION CHECK (distance_m > 0),
  reason TEXT NOT NULL CHECK (reason <> ''),
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  UNIQUE (device_id, seq),
  CHECK ((kind IN ('retire_asset', 'retire_cycle')) = (capture_id IS NULL)),
  CHECK ((kind = 'supersede_observation') = (observation_id IS NOT NULL)),
  CHECK ((kind IN ('move_capture', 'retire_cycle')) = (cycle_label IS NOT NULL)),
  CHECK ((kind = 'set_distance') = (distance_m IS NOT NULL))
);
CREATE INDEX correction_by_capture ON correction (asset_id, capture_id);
CREATE TRIGGER correction_is_immutable BEFORE UPDATE ON correction
  FOR EACH ROW EXECUTE FUNCTION crackmon_refuse_update();
