-- crackmon central store on PostgreSQL + PostGIS: migration 0001.
-- Applied once, in file-name order, by `crackmon serve --postgres` or `crackmon admin --postgres`;
-- recorded with its SHA-256 in crackmon_migration. Never edit an applied file: add the next one.
--
-- The tables and columns are the SQLite central store's (Sources/Store/Migrations.swift), so
-- that one record type reads and writes both. Timestamps stay ISO 8601 text, as devices wrote
-- them. Geometry columns are generated from the stored coordinates: a GIS client (QGIS, ogrinfo)
-- sees crack and capture layers, and a bounding-box query uses their GiST indexes.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE org (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  created_at TEXT NOT NULL
);

-- A field device allowed to sync: its token is kept only as a SHA-256. The device's own
-- store id is bound at its first push; a token is never used by two stores.
CREATE TABLE device_registration (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES org(id),
  name TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  store_device_id TEXT UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE TABLE asset (
  id TEXT PRIMARY KEY CHECK (id <> ''),
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('bridge', 'tunnel', 'dam', 'other')),
  latitude DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  epsg BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  UNIQUE (device_id, seq),
  location GEOMETRY(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED
);

-- Which organisation an asset belongs to: the one whose device pushed it first.
CREATE TABLE asset_org (
  asset_id TEXT PRIMARY KEY REFERENCES asset(id),
  org_id TEXT NOT NULL REFERENCES org(id)
);

CREATE TABLE inspection_cycle (
  asset_id TEXT NOT NULL REFERENCES asset(id),
  label TEXT NOT NULL CHECK (label <> ''),
  start_date TEXT,
  end_date TEXT,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (asset_id, label),
  UNIQUE (device_id, seq)
);

CREATE TABLE capture (
  id TEXT PRIMARY KEY CHECK (length(id) = 64),
  asset_id TEXT NOT NULL,
  cycle_label TEXT NOT NULL,
  source_path TEXT NOT NULL,
  file_size BIGINT NOT NULL,
  container TEXT NOT NULL,
  make TEXT,
  model TEXT,
  taken_at TEXT,
  taken_at_offset TEXT,
  gps_time_utc TEXT,
  gps_status TEXT NOT NULL CHECK (gps_status IN ('valid', 'invalid', 'absent')),
  gps_problem TEXT,
  latitude DOUBLE PRECISION CHECK (latitude BETWEEN -90 AND 90),
  longitude DOUBLE PRECISION CHECK (longitude BETWEEN -180 AND 180),
  altitude_m DOUBLE PRECISION,
  altitude_ref TEXT,
  width BIGINT,
  height BIGINT,
  orientation BIGINT,
  camera_view TEXT NOT NULL CHECK (camera_view IN ('nadir', 'oblique', 'unknown')),
  epsg BIGINT,
  easting DOUBLE PRECISION,
  northing DOUBLE PRECISION,
  gsd_mm_per_px DOUBLE PRECISION CHECK (gsd_mm_per_px > 0),
  gsd_method TEXT NOT NULL,
  gsd_uncertainty_mm_per_px DOUBLE PRECISION,
  gsd_note TEXT,
  distance_m DOUBLE PRECISION,
  metadata_json TEXT NOT NULL,
  ingested_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  UNIQUE (device_id, seq),
  FOREIGN KEY (asset_id, cycle_label) REFERENCES inspection_cycle(asset_id, label),
  CHECK ((latitude IS NULL) = (longitude IS NULL)),
  CHECK (gps_status = 'valid' OR latitude IS NULL),
  -- The camera's GPS fix.
  position GEOMETRY(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED
);

CREATE INDEX capture_by_cycle ON capture (asset_id, cycle_label);
CREATE INDEX capture_position ON capture USING GIST (position);

CREATE TABLE crack_track (
  id TEXT PRIMARY KEY,
  asset_id TEXT NOT NULL REFERENCES asset(id),
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  UNIQUE (device_id, seq)
);

CREATE TABLE crack_observation (
  id TEXT PRIMARY KEY,
  capture_id TEXT NOT NULL REFERENCES capture(id),
  crack_index BIGINT NOT NULL DEFAULT 0,
  polyline_px TEXT NOT NULL,
  width_profile_px TEXT NOT NULL,
  length_px DOUBLE PRECISION NOT NULL,
  max_width_px DOUBLE PRECISION NOT NULL,
  mean_width_px DOUBLE PRECISION NOT NULL,
  orientation_deg DOUBLE PRECISION NOT NULL,
  area_px DOUBLE PRECISION NOT NULL,
  length_mm DOUBLE PRECISION,
  max_width_mm DOUBLE PRECISION,
  mean_width_mm DOUBLE PRECISION,
  area_mm2 DOUBLE PRECISION,
  polyline_projected TEXT,
  polyline_wgs84 TEXT,
  epsg BIGINT,
  easting DOUBLE PRECISION,
  northing DOUBLE PRECISION,
  latitude DOUBLE PRECISION,
  longitude DOUBLE PRECISION,
  bearing_deg DOUBLE PRECISION,
  georef_method TEXT NOT NULL,
  georef_uncertainty_m DOUBLE PRECISION,
  severity_scheme TEXT,
  severity TEXT,
  confidence DOUBLE PRECISION NOT NULL,
  model_name TEXT NOT NULL,
  model_version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  UNIQUE (device_id, seq),
  -- The crack on the ground (footprint georeferencing): its centreline branches, from the
  -- stored JSON [[[lon, lat], ...], ...].
  centreline GEOMETRY(MultiLineString, 4326) GENERATED ALWAYS AS (
    ST_SetSRID(ST_GeomFromGeoJSON('{"type":"MultiLineString","coordinates":' || polyline_wgs84 || '}'), 4326)
  ) STORED,
  -- Its point: the centroid of the centreline, or the camera position for oblique shots.
  position GEOMETRY(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED
);

CREATE INDEX crack_observation_by_capture ON crack_observation (capture_id);
CREATE INDEX crack_observation_centreline ON crack_observation USING GIST (centreline);
CREATE INDEX crack_observation_position ON crack_observation USING GIST (position);
-- Cracks with no centreline (placed at the camera position) by point: the second arm of the
-- bounding-box query. (Without it PostgreSQL finds them through the centreline index's
-- NULL entries, which it scans whole.)
CREATE INDEX crack_observation_position_unplaced ON crack_observation USING GIST (position)
  WHERE centreline IS NULL;

CREATE TABLE track_override (
  observation_id TEXT NOT NULL REFERENCES crack_observation(id),
  action TEXT NOT NULL CHECK (action IN ('link', 'unlink')),
  track_id TEXT,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  UNIQUE (device_id, seq),
  CHECK ((action = 'link') = (track_id IS NOT NULL))
);

-- Every outbox entry applied, once: (device_id, seq) is the idempotency key. server_seq is
-- the server's order: it is given at the end of the pushing transaction, under the lock of
-- receipt_counter's one row, which is held until commit. So numbers are handed out in commit
-- order and a pull never passes a number that a transaction still open could take.
CREATE TABLE push_receipt (
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  server_seq BIGINT UNIQUE,
  entity TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  received_at TEXT NOT NULL,
  asset_id TEXT,
  PRIMARY KEY (device_id, seq)
);

CREATE INDEX push_receipt_by_asset ON push_receipt (asset_id, server_seq);

CREATE TABLE receipt_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last BIGINT NOT NULL CHECK (last >= 0)
);

INSERT INTO receipt_counter (id, last) VALUES (1, 0);

-- Asset and cycle rows overwritten by a later push (last write by server receipt wins):
-- what was there before, as JSON, with the receipt of the push that overwrote it.
CREATE TABLE overwrite_audit (
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  entity TEXT NOT NULL,
  entity_key TEXT NOT NULL,
  previous_json TEXT NOT NULL,
  FOREIGN KEY (device_id, seq) REFERENCES push_receipt (device_id, seq)
);

-- Captures and crack observations are immutable records, as on the devices.
CREATE FUNCTION crackmon_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER capture_is_immutable BEFORE UPDATE ON capture
  FOR EACH ROW EXECUTE FUNCTION crackmon_refuse_update();
CREATE TRIGGER crack_observation_is_immutable BEFORE UPDATE ON crack_observation
  FOR EACH ROW EXECUTE FUNCTION crackmon_refuse_update();
