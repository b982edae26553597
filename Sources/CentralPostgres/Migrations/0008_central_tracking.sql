-- crackmon central store on PostgreSQL: migration 0008.
-- The server tracks each asset over every device's observations, with the devices' own
-- tracking code (SQLite: "central v12 central tracking"). What it derives is replaced whole
-- per asset at each tracking: each observation's track, each track's growth, the events and
-- alerts, and where registrations placed cracks whose photos have no GPS. tracking_state says
-- how far each asset's tracking has got: an asset with a push receipt past tracked_through is
-- due again.
CREATE TABLE crack_track_member (
  asset_id TEXT NOT NULL,
  observation_id TEXT NOT NULL,
  track_id TEXT NOT NULL,
  assigned_by TEXT NOT NULL CHECK (assigned_by IN ('matching', 'inspector', 'new')),
  match_cost DOUBLE PRECISION,
  PRIMARY KEY (asset_id, observation_id),
  FOREIGN KEY (asset_id, observation_id) REFERENCES crack_observation (asset_id, id)
);
CREATE INDEX crack_track_member_by_track ON crack_track_member (asset_id, track_id);

CREATE TABLE track_growth (
  asset_id TEXT NOT NULL REFERENCES asset (id),
  track_id TEXT NOT NULL,
  cycles_seen BIGINT NOT NULL CHECK (cycles_seen > 0),
  latest_observation_id TEXT NOT NULL,
  length_mm_per_year DOUBLE PRECISION,
  max_width_mm_per_year DOUBLE PRECISION,
  mean_width_mm_per_year DOUBLE PRECISION,
  no_rate_reason TEXT,
  matched_by TEXT CHECK (matched_by IN ('registration', 'gps', 'mixed')),
  registration_residual_mm DOUBLE PRECISION,
  longitude DOUBLE PRECISION,
  latitude DOUBLE PRECISION,
  polyline_wgs84 TEXT,
  PRIMARY KEY (asset_id, track_id),
  FOREIGN KEY (asset_id, latest_observation_id) REFERENCES crack_observation (asset_id, id)
);

CREATE TABLE tracking_event (
  asset_id TEXT NOT NULL REFERENCES asset (id),
  cycle_label TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('new', 'not_seen', 'split', 'merge')),
  track_id TEXT NOT NULL,
  observation_id TEXT,
  other_track_id TEXT
);
CREATE INDEX tracking_event_by_asset ON tracking_event (asset_id, cycle_label);

CREATE TABLE growth_alert (
  asset_id TEXT NOT NULL REFERENCES asset (id),
  track_id TEXT NOT NULL,
  cycle_label TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('severity_crossed', 'width_rate', 'length_rate')),
  value DOUBLE PRECISION,
  limit_value DOUBLE PRECISION,
  message TEXT NOT NULL
);
CREATE INDEX growth_alert_by_asset ON growth_alert (asset_id);

CREATE TABLE registered_placement (
  asset_id TEXT NOT NULL REFERENCES asset (id),
  observation_id TEXT NOT NULL,
  longitude DOUBLE PRECISION NOT NULL,
  latitude DOUBLE PRECISION NOT NULL,
  polyline_wgs84 TEXT NOT NULL,
  uncertainty_m DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (asset_id, observation_id)
);

CREATE TABLE tracking_state (
  asset_id TEXT PRIMARY KEY REFERENCES asset (id),
  tracked_through BIGINT NOT NULL,
  tracked_at TEXT NOT NULL,
  tracks BIGINT NOT NULL,
  seconds DOUBLE PRECISION NOT NULL
);
