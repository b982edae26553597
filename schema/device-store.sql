-- crackmon device store schema, as the migrations in Sources/Store/Migrations.swift leave it.
-- Generated: CRACKMON_UPDATE_SCHEMA=1 swift test --filter schemaFileMirrorsTheMigrations

CREATE TABLE device (
  id TEXT PRIMARY KEY NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE asset (
  id TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('bridge', 'tunnel', 'dam', 'other')),
  latitude REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  epsg INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL, gps_sigma_m REAL,
  UNIQUE (device_id, seq)
);

CREATE TABLE inspection_cycle (
  asset_id TEXT NOT NULL REFERENCES asset(id),
  label TEXT NOT NULL CHECK (label <> ''),
  start_date TEXT,
  end_date TEXT,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (asset_id, label),
  UNIQUE (device_id, seq)
);

CREATE TABLE crack_track (
  id TEXT PRIMARY KEY NOT NULL,
  asset_id TEXT NOT NULL REFERENCES asset(id),
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  UNIQUE (device_id, seq)
);

CREATE TABLE track_override (
  observation_id TEXT NOT NULL REFERENCES crack_observation(id),
  action TEXT NOT NULL CHECK (action IN ('link', 'unlink')),
  track_id TEXT,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  UNIQUE (device_id, seq),
  CHECK ((action = 'link') = (track_id IS NOT NULL))
);

CREATE TABLE crack_track_member (
  observation_id TEXT PRIMARY KEY NOT NULL REFERENCES crack_observation(id),
  track_id TEXT NOT NULL REFERENCES crack_track(id),
  assigned_by TEXT NOT NULL CHECK (assigned_by IN ('matching', 'inspector', 'new')),
  match_cost REAL
);

CREATE INDEX crack_track_member_by_track ON crack_track_member(track_id);

CREATE TABLE tracking_event (
  asset_id TEXT NOT NULL REFERENCES asset(id),
  cycle_label TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('new', 'not_seen', 'split', 'merge')),
  track_id TEXT NOT NULL,
  observation_id TEXT,
  other_track_id TEXT
);

CREATE INDEX tracking_event_by_asset ON tracking_event(asset_id, cycle_label);

CREATE TABLE growth_alert (
  asset_id TEXT NOT NULL REFERENCES asset(id),
  track_id TEXT NOT NULL,
  cycle_label TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('severity_crossed', 'width_rate', 'length_rate')),
  value REAL,
  limit_value REAL,
  message TEXT NOT NULL
);

CREATE INDEX growth_alert_by_asset ON growth_alert(asset_id);

CREATE TABLE track_growth (
  track_id TEXT PRIMARY KEY NOT NULL REFERENCES crack_track(id),
  asset_id TEXT NOT NULL REFERENCES asset(id),
  cycles_seen INTEGER NOT NULL CHECK (cycles_seen > 0),
  latest_observation_id TEXT NOT NULL REFERENCES crack_observation(id),
  length_mm_per_year REAL,
  max_width_mm_per_year REAL,
  mean_width_mm_per_year REAL,
  no_rate_reason TEXT
, matched_by TEXT CHECK (matched_by IN ('registration', 'gps', 'mixed')), registration_residual_mm REAL, longitude REAL, latitude REAL, polyline_wgs84 TEXT);

CREATE INDEX track_growth_by_asset ON track_growth(asset_id);

CREATE TABLE sync_remote (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  url TEXT NOT NULL,
  token TEXT NOT NULL,
  set_at TEXT NOT NULL
, last_sync_at TEXT, last_error TEXT, last_error_at TEXT);

CREATE TABLE sync_pull (
  scope TEXT PRIMARY KEY NOT NULL,
  cursor INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
  followed_at TEXT NOT NULL
);

CREATE TABLE tracking_centreline (
  observation_id TEXT PRIMARY KEY NOT NULL REFERENCES crack_observation(id),
  points BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE tracking_digest (
  asset_id TEXT PRIMARY KEY NOT NULL REFERENCES asset(id),
  members BLOB NOT NULL,
  derived BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE registered_placement (
  asset_id TEXT NOT NULL REFERENCES asset(id),
  observation_id TEXT NOT NULL,
  longitude REAL NOT NULL,
  latitude REAL NOT NULL,
  polyline_wgs84 TEXT NOT NULL,
  uncertainty_m REAL NOT NULL,
  PRIMARY KEY (asset_id, observation_id)
) WITHOUT ROWID;

CREATE TABLE "sync_outbox" (
  device_id TEXT NOT NULL REFERENCES device(id),
  seq INTEGER NOT NULL CHECK (seq > 0),
  entity TEXT NOT NULL
    CHECK (entity IN ('asset', 'inspection_cycle', 'capture', 'crack_observation', 'crack_track',
                      'track_override', 'correction')),
  entity_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  pushed_at TEXT,
  PRIMARY KEY (device_id, seq)
);

CREATE TABLE "capture" (
  id TEXT NOT NULL CHECK (length(id) = 64),
  asset_id TEXT NOT NULL,
  cycle_label TEXT NOT NULL,
  source_path TEXT NOT NULL,
  file_size INTEGER NOT NULL,
  container TEXT NOT NULL,
  make TEXT,
  model TEXT,
  taken_at TEXT,
  taken_at_offset TEXT,
  gps_time_utc TEXT,
  gps_status TEXT NOT NULL CHECK (gps_status IN ('valid', 'invalid', 'absent')),
  gps_problem TEXT,
  latitude REAL CHECK (latitude BETWEEN -90 AND 90),
  longitude REAL CHECK (longitude BETWEEN -180 AND 180),
  altitude_m REAL,
  altitude_ref TEXT,
  width INTEGER,
  height INTEGER,
  orientation INTEGER,
  camera_view TEXT NOT NULL CHECK (camera_view IN ('nadir', 'oblique', 'unknown')),
  epsg INTEGER,
  easting REAL,
  northing REAL,
  gsd_mm_per_px REAL CHECK (gsd_mm_per_px > 0),
  gsd_method TEXT NOT NULL,
  gsd_uncertainty_mm_per_px REAL,
  gsd_note TEXT,
  distance_m REAL,
  metadata_json TEXT NOT NULL,
  ingested_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  gps_sigma_m REAL,
  PRIMARY KEY (asset_id, id),
  UNIQUE (device_id, seq),
  FOREIGN KEY (asset_id, cycle_label) REFERENCES inspection_cycle(asset_id, label),
  CHECK ((latitude IS NULL) = (longitude IS NULL)),
  CHECK (gps_status = 'valid' OR latitude IS NULL)
);

CREATE TABLE "crack_observation" (
  id TEXT PRIMARY KEY NOT NULL,
  asset_id TEXT NOT NULL,
  capture_id TEXT NOT NULL,
  crack_index INTEGER NOT NULL DEFAULT 0,
  polyline_px TEXT NOT NULL,
  width_profile_px TEXT NOT NULL,
  length_px REAL NOT NULL,
  max_width_px REAL NOT NULL,
  mean_width_px REAL NOT NULL,
  orientation_deg REAL NOT NULL,
  area_px REAL NOT NULL,
  length_mm REAL,
  max_width_mm REAL,
  mean_width_mm REAL,
  area_mm2 REAL,
  polyline_projected TEXT,
  polyline_wgs84 TEXT,
  epsg INTEGER,
  easting REAL,
  northing REAL,
  latitude REAL,
  longitude REAL,
  bearing_deg REAL,
  georef_method TEXT NOT NULL,
  georef_uncertainty_m REAL,
  severity_scheme TEXT,
  severity TEXT,
  confidence REAL NOT NULL,
  model_name TEXT NOT NULL,
  model_version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  UNIQUE (device_id, seq),
  FOREIGN KEY (asset_id, capture_id) REFERENCES capture(asset_id, id)
);

CREATE TABLE "capture_registration" (
  asset_id TEXT NOT NULL,
  capture_id TEXT NOT NULL,
  reference_id TEXT NOT NULL,
  registered INTEGER NOT NULL,
  -- JSON rows of the 3x3 matrix mapping the capture's pixels to the reference's.
  homography TEXT,
  matches INTEGER NOT NULL,
  inliers INTEGER NOT NULL,
  residual_px REAL,
  residual_mm REAL,
  overlap REAL,
  reason TEXT,
  registered_at TEXT NOT NULL,
  PRIMARY KEY (asset_id, capture_id, reference_id),
  FOREIGN KEY (asset_id, capture_id) REFERENCES capture(asset_id, id),
  FOREIGN KEY (asset_id, reference_id) REFERENCES capture(asset_id, id)
);

CREATE TABLE "photo_upload" (
  capture_id TEXT PRIMARY KEY NOT NULL CHECK (length(capture_id) = 64),
  uploaded_at TEXT NOT NULL
);

CREATE TABLE "photo_problem" (
  capture_id TEXT PRIMARY KEY NOT NULL CHECK (length(capture_id) = 64),
  reason TEXT NOT NULL,
  noted_at TEXT NOT NULL
);

CREATE INDEX capture_by_cycle ON capture(asset_id, cycle_label);

CREATE INDEX capture_by_photo ON capture(id);

CREATE INDEX crack_observation_by_capture ON crack_observation(asset_id, capture_id);

CREATE INDEX capture_registration_by_reference ON capture_registration(asset_id, reference_id);

CREATE TRIGGER crack_observation_is_immutable BEFORE UPDATE ON crack_observation
BEGIN
  SELECT RAISE(ABORT, 'crack observations are immutable');
END;

CREATE TRIGGER capture_is_immutable BEFORE UPDATE ON capture
BEGIN
  SELECT RAISE(ABORT, 'captures are immutable');
END;

CREATE TABLE "correction" (
  asset_id TEXT NOT NULL REFERENCES asset(id),
  kind TEXT NOT NULL CHECK (kind IN ('void_capture', 'move_capture', 'set_distance',
                                     'supersede_observation', 'retire_asset', 'retire_cycle',
                                     'reject_observation', 'confirm_observation')),
  capture_id TEXT,
  observation_id TEXT,
  cycle_label TEXT,
  distance_m REAL CHECK (distance_m > 0),
  reason TEXT NOT NULL CHECK (reason <> ''),
  created_at TEXT NOT NULL,
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  UNIQUE (device_id, seq),
  CHECK ((kind IN ('retire_asset', 'retire_cycle')) = (capture_id IS NULL)),
  CHECK ((kind IN ('supersede_observation', 'reject_observation', 'confirm_observation'))
         = (observation_id IS NOT NULL)),
  CHECK ((kind IN ('move_capture', 'retire_cycle')) = (cycle_label IS NOT NULL)),
  CHECK ((kind = 'set_distance') = (distance_m IS NOT NULL))
);

CREATE INDEX correction_by_capture ON correction(asset_id, capture_id);

CREATE INDEX correction_by_observation ON correction(asset_id, observation_id)
  WHERE observation_id IS NOT NULL;

CREATE TRIGGER correction_is_immutable BEFORE UPDATE ON correction
BEGIN
  SELECT RAISE(ABORT, 'corrections are immutable: record another one');
END;
