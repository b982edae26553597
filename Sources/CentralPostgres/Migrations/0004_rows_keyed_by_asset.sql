-- crackmon central store on PostgreSQL: migration 0004.
-- Two organisations may hold the same photo, and so the same capture id (its SHA-256) and the
-- same observation and track ids (derived from it): a global key let the first organisation's
-- rows shut the second's out, and wedged its sync. Captures, crack observations, tracks and
-- overrides are keyed by their asset as well, and every reference between them names the asset.

ALTER TABLE track_override DROP CONSTRAINT track_override_observation_id_fkey;
ALTER TABLE crack_observation DROP CONSTRAINT crack_observation_capture_id_fkey;
ALTER TABLE capture DROP CONSTRAINT capture_pkey;
ALTER TABLE capture ADD PRIMARY KEY (asset_id, id);

-- Observations are immutable; this one fill of a new column is the migration's, not a push's.
ALTER TABLE crack_observation ADD COLUMN asset_id TEXT;
ALTER TABLE crack_observation DISABLE TRIGGER crack_observation_is_immutable;
UPDATE crack_observation o SET asset_id = c.asset_id FROM capture c WHERE c.id = o.capture_id;
ALTER TABLE crack_observation ENABLE TRIGGER crack_observation_is_immutable;
ALTER TABLE crack_observation ALTER COLUMN asset_id SET NOT NULL;
ALTER TABLE crack_observation DROP CONSTRAINT crack_observation_pkey;
ALTER TABLE crack_observation ADD PRIMARY KEY (asset_id, id);
ALTER TABLE crack_observation ADD FOREIGN KEY (asset_id, capture_id) REFERENCES capture (asset_id, id);
DROP INDEX crack_observation_by_capture;
CREATE INDEX crack_observation_by_capture ON crack_observation (asset_id, capture_id);

ALTER TABLE crack_track DROP CONSTRAINT crack_track_pkey;
ALTER TABLE crack_track ADD PRIMARY KEY (asset_id, id);

ALTER TABLE track_override ADD COLUMN asset_id TEXT;
UPDATE track_override t SET asset_id = o.asset_id FROM crack_observation o WHERE o.id = t.observation_id;
ALTER TABLE track_override ALTER COLUMN asset_id SET NOT NULL;
ALTER TABLE track_override ADD FOREIGN KEY (asset_id, observation_id) REFERENCES crack_observation (asset_id, id);
