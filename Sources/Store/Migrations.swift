import GRDB

/// The store's schema, as named migrations.
///
/// A migration that has shipped is never edited: a schema change is a new migration.
/// `schema/device-store.sql` is the resulting schema, kept in sync by a test.
enum Migrations {
  /// The device store.
  static var migrator: DatabaseMigrator {
    var migrator = shared
    migrator.registerMigration("v8 photo problems") { db in
      try db.execute(sql: v8)
    }
    migrator.registerMigration("v9 gps sigma and registrations") { db in
      try db.execute(sql: gpsSigma + v9)
    }
    migrator.registerMigration("v10 how tracks were matched") { db in
      try db.execute(sql: trackMatching)
    }
    migrator.registerMigration("v11 asset gps sigma") { db in
      try db.execute(sql: assetGPSSigma)
    }
    migrator.registerMigration("v12 registered placements") { db in
      try db.execute(sql: registeredPlacement)
    }
    migrator.registerMigration("v13 corrections") { db in
      try db.execute(sql: correctionsOutbox + corrections)
    }
    migrator.registerMigration("v14 captures keyed by asset") { db in
      try db.execute(sql: capturesKeyedByAsset)
    }
    migrator.registerMigration("v15 reviews") { db in
      try db.execute(sql: reviews)
    }
    return migrator
  }

  /// The migrations the device store and the central store share: the central store began as
  /// the device store's schema. Later device-only tables are not part of it.
  private static var shared: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1 device store") { db in
      try db.execute(sql: v1)
    }
    migrator.registerMigration("v2 crack records and tracks") { db in
      try db.execute(sql: v2)
    }
    migrator.registerMigration("v3 track growth") { db in
      try db.execute(sql: v3)
    }
    migrator.registerMigration("v4 sync remote and photos") { db in
      try db.execute(sql: v4)
    }
    migrator.registerMigration("v5 sync pull and outcome") { db in
      try db.execute(sql: v5)
    }
    migrator.registerMigration("v6 tracking centrelines") { db in
      try db.execute(sql: v6)
    }
    migrator.registerMigration("v7 tracking digest") { db in
      try db.execute(sql: v7)
    }
    return migrator
  }

  /// The central store: the device store's schema (the same rows, synced from every
  /// device), plus the server's own tables.
  static var centralMigrator: DatabaseMigrator {
    var migrator = shared
    migrator.registerMigration("central v1") { db in
      try db.execute(sql: central1)
    }
    migrator.registerMigration("central v2 pull by asset") { db in
      try db.execute(sql: central2)
    }
    migrator.registerMigration("central v3 crack envelopes") { db in
      try db.execute(sql: central3)
    }
    migrator.registerMigration("central v4 token rotation") { db in
      try db.execute(sql: central4)
    }
    migrator.registerMigration("central v5 organisation cursors") { db in
      try db.execute(sql: central5)
    }
    migrator.registerMigration("central v6 rows keyed by asset") { db in
      try db.execute(sql: central6)
    }
    migrator.registerMigration("central v7 gps sigma") { db in
      try db.execute(sql: gpsSigma)
    }
    migrator.registerMigration("central v8 how tracks were matched") { db in
      try db.execute(sql: trackMatching)
    }
    migrator.registerMigration("central v9 asset gps sigma") { db in
      try db.execute(sql: assetGPSSigma)
    }
    migrator.registerMigration("central v10 registered placements") { db in
      try db.execute(sql: registeredPlacement)
    }
    migrator.registerMigration("central v11 corrections") { db in
      try db.execute(sql: corrections)
    }
    migrator.registerMigration("central v12 central tracking") { db in
      try db.execute(sql: centralTracking)
    }
    migrator.registerMigration("central v13 reviews") { db in
      try db.execute(sql: reviews)
    }
    migrator.registerMigration("central v14 office accounts") { db in
      try db.execute(sql: officeAccounts)
    }
    return migrator
  }

  private static let v1 = """
    -- The device this store lives on; one row, made by `crackmon init`.
    CREATE TABLE device (
      id TEXT PRIMARY KEY NOT NULL,
      created_at TEXT NOT NULL
    );

    -- Every row created here, in creation order, for `crackmon sync` to push.
    -- (device_id, seq) is the idempotency key on the server.
    CREATE TABLE sync_outbox (
      device_id TEXT NOT NULL REFERENCES device(id),
      seq INTEGER NOT NULL CHECK (seq > 0),
      entity TEXT NOT NULL
        CHECK (entity IN ('asset', 'inspection_cycle', 'capture', 'crack_observation', 'crack_track')),
      entity_key TEXT NOT NULL,
      created_at TEXT NOT NULL,
      pushed_at TEXT,
      PRIMARY KEY (device_id, seq)
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
      seq INTEGER NOT NULL,
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

    -- One photo. id = SHA-256 of the file bytes.
    CREATE TABLE capture (
      id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 64),
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
      UNIQUE (device_id, seq),
      FOREIGN KEY (asset_id, cycle_label) REFERENCES inspection_cycle(asset_id, label),
      CHECK ((latitude IS NULL) = (longitude IS NULL)),
      CHECK (gps_status = 'valid' OR latitude IS NULL)
    );
    CREATE INDEX capture_by_cycle ON capture(asset_id, cycle_label);

    -- The same physical crack across cycles; filled by growth tracking.
    CREATE TABLE crack_track (
      id TEXT PRIMARY KEY NOT NULL,
      asset_id TEXT NOT NULL REFERENCES asset(id),
      created_at TEXT NOT NULL,
      device_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      UNIQUE (device_id, seq)
    );

    -- One crack seen in one capture. Immutable: a correction is a new observation.
    CREATE TABLE crack_observation (
      id TEXT PRIMARY KEY NOT NULL,
      capture_id TEXT NOT NULL REFERENCES capture(id),
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
      polyline_projected TEXT,
      polyline_wgs84 TEXT,
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
      UNIQUE (device_id, seq)
    );
    CREATE INDEX crack_observation_by_capture ON crack_observation(capture_id);

    CREATE TRIGGER crack_observation_is_immutable BEFORE UPDATE ON crack_observation
    BEGIN
      SELECT RAISE(ABORT, 'crack observations are immutable');
    END;
    CREATE TRIGGER capture_is_immutable BEFORE UPDATE ON capture
    BEGIN
      SELECT RAISE(ABORT, 'captures are immutable');
    END;
    """

  private static let v2 = """
    -- Inspector overrides are synced too: the outbox's entity list grows by one.
    CREATE TABLE sync_outbox_v2 (
      device_id TEXT NOT NULL REFERENCES device(id),
      seq INTEGER NOT NULL CHECK (seq > 0),
      entity TEXT NOT NULL
        CHECK (entity IN ('asset', 'inspection_cycle', 'capture', 'crack_observation', 'crack_track',
                          'track_override')),
      entity_key TEXT NOT NULL,
      created_at TEXT NOT NULL,
      pushed_at TEXT,
      PRIMARY KEY (device_id, seq)
    );
    INSERT INTO sync_outbox_v2 SELECT * FROM sync_outbox;
    DROP TABLE sync_outbox;
    ALTER TABLE sync_outbox_v2 RENAME TO sync_outbox;

    -- Where an observation sits: its place among the capture's cracks, its centroid in the
    -- asset's CRS and in WGS84, and its direction on the ground (footprint only).
    ALTER TABLE crack_observation ADD COLUMN crack_index INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE crack_observation ADD COLUMN area_mm2 REAL;
    ALTER TABLE crack_observation ADD COLUMN epsg INTEGER;
    ALTER TABLE crack_observation ADD COLUMN easting REAL;
    ALTER TABLE crack_observation ADD COLUMN northing REAL;
    ALTER TABLE crack_observation ADD COLUMN latitude REAL;
    ALTER TABLE crack_observation ADD COLUMN longitude REAL;
    ALTER TABLE crack_observation ADD COLUMN bearing_deg REAL;

    -- An inspector's word on tracking: `link` puts an observation on a track, `unlink`
    -- takes it off whatever track matching would give it. The latest per observation
    -- (highest rowid) wins, and re-tracking always applies it.
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

    -- Derived by `crackmon track` from observations and overrides; rebuilt, never synced.
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
    """

  private static let v3 = """
    -- Derived by `crackmon track` beside the members: each track's growth rates and its
    -- latest observation, so that map exports join them while streaming instead of
    -- re-tracking. Rebuilt with the rest of tracking, never synced.
    CREATE TABLE track_growth (
      track_id TEXT PRIMARY KEY NOT NULL REFERENCES crack_track(id),
      asset_id TEXT NOT NULL REFERENCES asset(id),
      cycles_seen INTEGER NOT NULL CHECK (cycles_seen > 0),
      latest_observation_id TEXT NOT NULL REFERENCES crack_observation(id),
      length_mm_per_year REAL,
      max_width_mm_per_year REAL,
      mean_width_mm_per_year REAL,
      no_rate_reason TEXT
    );
    CREATE INDEX track_growth_by_asset ON track_growth(asset_id);
    """

  private static let v4 = """
    -- Where `crackmon sync` pushes to, set by `crackmon remote set`: one row. The token is
    -- this device's credential for the central store, shown once by `crackmon admin device add`.
    CREATE TABLE sync_remote (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      url TEXT NOT NULL,
      token TEXT NOT NULL,
      set_at TEXT NOT NULL
    );

    -- Photos the central server has, whole and verified (their SHA-256 is the capture id).
    CREATE TABLE photo_upload (
      capture_id TEXT PRIMARY KEY NOT NULL REFERENCES capture(id),
      uploaded_at TEXT NOT NULL
    );
    """

  private static let v5 = """
    -- Pull cursors (the central store's server_seq reached), one per scope: '' for the
    -- organisation's assets and cycles, else an asset id whose crack history this device
    -- follows. A new remote starts every cursor again from 0.
    CREATE TABLE sync_pull (
      scope TEXT PRIMARY KEY NOT NULL,
      cursor INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
      followed_at TEXT NOT NULL
    );

    -- How the last sync ended, for `crackmon sync status`.
    ALTER TABLE sync_remote ADD COLUMN last_sync_at TEXT;
    ALTER TABLE sync_remote ADD COLUMN last_error TEXT;
    ALTER TABLE sync_remote ADD COLUMN last_error_at TEXT;
    """

  private static let v6 = """
    -- Each observation's projected centreline as tracking reads it: packed little-endian
    -- float64 (easting, northing) pairs, one NaN pair between branches. Derived from
    -- crack_observation.polyline_projected (JSON) by `crackmon track` the first time it
    -- meets the observation, so that re-tracking an asset decodes no JSON. Observations
    -- are immutable, so an entry never goes stale. Local to the device: never synced.
    CREATE TABLE tracking_centreline (
      observation_id TEXT PRIMARY KEY NOT NULL REFERENCES crack_observation(id),
      points BLOB NOT NULL
    ) WITHOUT ROWID;
    """

  private static let v7 = """
    -- SHA-256 of the rows `crackmon track` last wrote for an asset, in the order written:
    -- its members, and its growth, event and alert rows. Re-tracking that derives the
    -- same rows leaves those tables alone instead of comparing or rewriting them. Local
    -- to the device: never synced.
    CREATE TABLE tracking_digest (
      asset_id TEXT PRIMARY KEY NOT NULL REFERENCES asset(id),
      members BLOB NOT NULL,
      derived BLOB NOT NULL
    ) WITHOUT ROWID;
    """

  private static let v8 = """
    -- Photos held back at a sync (moved or changed since ingest, refused by the server), with
    -- why: `sync status` lists them, and every sync tries them again; an upload clears them.
    CREATE TABLE photo_problem (
      capture_id TEXT PRIMARY KEY NOT NULL REFERENCES capture(id),
      reason TEXT NOT NULL,
      noted_at TEXT NOT NULL
    );
    """

  /// The office's accounts (PostgreSQL: 0010): users who sign in, their sessions, and API
  /// tokens for integrations. Secrets are kept only as a bcrypt hash (passwords) or a SHA-256
  /// (tokens, session ids).
  private static let officeAccounts = """
    CREATE TABLE office_user (
      id TEXT PRIMARY KEY NOT NULL,
      org_id TEXT NOT NULL REFERENCES org(id),
      email TEXT NOT NULL UNIQUE CHECK (email <> ''),
      role TEXT NOT NULL CHECK (role IN ('viewer', 'engineer', 'admin')),
      password_hash TEXT NOT NULL,
      -- Set while the password is one the user did not choose.
      must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
      created_at TEXT NOT NULL,
      disabled_at TEXT
    );
    CREATE TABLE api_token (
      id TEXT PRIMARY KEY NOT NULL,
      org_id TEXT NOT NULL REFERENCES org(id),
      name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('viewer', 'engineer', 'admin')),
      token_sha256 TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    );
    -- A signed-in user's session, by the SHA-256 of its cookie; the value is the server's
    -- (JSON). expires_at: Unix seconds.
    CREATE TABLE office_session (
      key_sha256 TEXT PRIMARY KEY NOT NULL,
      value_json TEXT NOT NULL,
      expires_at REAL
    );
    """

  private static let central1 = """
    CREATE TABLE org (
      id TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
      created_at TEXT NOT NULL
    );

    -- A field device allowed to sync: its token is kept only as a SHA-256. The device's own
    -- store id is bound at its first push; a token is never used by two stores.
    CREATE TABLE device_registration (
      id TEXT PRIMARY KEY NOT NULL,
      org_id TEXT NOT NULL REFERENCES org(id),
      name TEXT NOT NULL,
      token_sha256 TEXT NOT NULL UNIQUE,
      store_device_id TEXT UNIQUE,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    );

    -- Which organisation an asset belongs to: the one whose device pushed it first.
    CREATE TABLE asset_org (
      asset_id TEXT PRIMARY KEY NOT NULL REFERENCES asset(id),
      org_id TEXT NOT NULL REFERENCES org(id)
    );

    -- Every outbox entry applied, once: (device_id, seq) is the idempotency key. server_seq
    -- is the server's own order of receipt, which pull cursors and conflict rules use;
    -- device clocks order nothing.
    CREATE TABLE push_receipt (
      server_seq INTEGER PRIMARY KEY AUTOINCREMENT,
      device_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      entity TEXT NOT NULL,
      entity_key TEXT NOT NULL,
      received_at TEXT NOT NULL,
      UNIQUE (device_id, seq)
    );

    -- Asset and cycle rows overwritten by a later push (last write by server receipt wins):
    -- what was there before, as JSON.
    CREATE TABLE overwrite_audit (
      server_seq INTEGER NOT NULL REFERENCES push_receipt(server_seq),
      entity TEXT NOT NULL,
      entity_key TEXT NOT NULL,
      previous_json TEXT NOT NULL
    );
    """

  private static let central2 = """
    -- The asset each applied entry belongs to, so that a pull reads one asset's changes (or
    -- one organisation's) in server order through an index. Cycles are found by key: a
    -- later push may have overwritten the row that first carried the entry's stamp.
    ALTER TABLE push_receipt ADD COLUMN asset_id TEXT;
    UPDATE push_receipt SET asset_id = entity_key WHERE entity = 'asset';
    UPDATE push_receipt SET asset_id =
      (SELECT asset_id FROM inspection_cycle c WHERE c.asset_id || '/' || c.label = push_receipt.entity_key)
      WHERE entity = 'inspection_cycle';
    UPDATE push_receipt SET asset_id =
      (SELECT asset_id FROM capture c WHERE c.device_id = push_receipt.device_id AND c.seq = push_receipt.seq)
      WHERE entity = 'capture';
    UPDATE push_receipt SET asset_id =
      (SELECT c.asset_id FROM crack_observation o JOIN capture c ON c.id = o.capture_id
       WHERE o.device_id = push_receipt.device_id AND o.seq = push_receipt.seq)
      WHERE entity = 'crack_observation';
    UPDATE push_receipt SET asset_id =
      (SELECT asset_id FROM crack_track t WHERE t.device_id = push_receipt.device_id AND t.seq = push_receipt.seq)
      WHERE entity = 'crack_track';
    UPDATE push_receipt SET asset_id =
      (SELECT c.asset_id FROM track_override t JOIN crack_observation o ON o.id = t.observation_id
       JOIN capture c ON c.id = o.capture_id WHERE t.device_id = push_receipt.device_id AND t.seq = push_receipt.seq)
      WHERE entity = 'track_override';
    CREATE INDEX push_receipt_by_asset ON push_receipt(asset_id, server_seq);
    """

  /// A device store keeps its id when its token is rotated (revoked, and a new one added):
  /// the store id is unique among live tokens only. SQLite cannot drop a column's UNIQUE, so
  /// the table is rebuilt (nothing references it).
  private static let central4 = """
    CREATE TABLE device_registration_v4 (
      id TEXT PRIMARY KEY NOT NULL,
      org_id TEXT NOT NULL REFERENCES org(id),
      name TEXT NOT NULL,
      token_sha256 TEXT NOT NULL UNIQUE,
      store_device_id TEXT,
      created_at TEXT NOT NULL,
      revoked_at TEXT
    );
    INSERT INTO device_registration_v4 (id, org_id, name, token_sha256, store_device_id, created_at, revoked_at)
      SELECT id, org_id, name, token_sha256, store_device_id, created_at, revoked_at FROM device_registration;
    DROP TABLE device_registration;
    ALTER TABLE device_registration_v4 RENAME TO device_registration;
    CREATE UNIQUE INDEX device_registration_live_store ON device_registration(store_device_id)
      WHERE revoked_at IS NULL;
    """

  /// Pull cursors count each organisation's receipts only: a global counter let one
  /// organisation watch another's activity in the gaps between its own numbers. Receipts
  /// already given keep their number (the cursors devices hold stay valid); each
  /// organisation's counter starts above every number given so far.
  private static let central5 = """
    ALTER TABLE push_receipt ADD COLUMN org_seq INTEGER;
    UPDATE push_receipt SET org_seq = server_seq;
    CREATE INDEX push_receipt_by_asset_org_seq ON push_receipt(asset_id, org_seq);
    CREATE TABLE org_receipt_counter (
      org_id TEXT PRIMARY KEY NOT NULL REFERENCES org(id),
      last INTEGER NOT NULL CHECK (last >= 0)
    );
    INSERT INTO org_receipt_counter (org_id, last)
      SELECT id, (SELECT COALESCE(MAX(server_seq), 0) FROM push_receipt) FROM org;
    """

  /// Two organisations may hold the same photo, and so the same capture id (its SHA-256) and
  /// the same observation and track ids (derived from it): a global key let the first
  /// organisation's rows shut the second's out, and wedged its sync. Centrally, captures,
  /// observations, tracks and overrides are keyed by their asset as well, and every reference
  /// between them names the asset. The tables are rebuilt (SQLite cannot change a key) with
  /// their rowids, which the crack envelopes' R*Tree is keyed by; the device-only tables that
  /// referenced them by id alone are rebuilt keyed by asset (crack_track_member and
  /// track_growth, read by the map) or dropped (photo_upload, tracking_centreline).
  private static let central6 = """
    DROP TABLE photo_upload;
    DROP TABLE tracking_centreline;

    CREATE TABLE capture_v6 (
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
      PRIMARY KEY (asset_id, id),
      UNIQUE (device_id, seq),
      FOREIGN KEY (asset_id, cycle_label) REFERENCES inspection_cycle(asset_id, label),
      CHECK ((latitude IS NULL) = (longitude IS NULL)),
      CHECK (gps_status = 'valid' OR latitude IS NULL)
    );
    INSERT INTO capture_v6 (rowid, \(captureColumns))
      SELECT rowid, \(captureColumns) FROM capture;

    CREATE TABLE crack_observation_v6 (
      asset_id TEXT NOT NULL,
      id TEXT NOT NULL,
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
      PRIMARY KEY (asset_id, id),
      UNIQUE (device_id, seq),
      FOREIGN KEY (asset_id, capture_id) REFERENCES capture(asset_id, id)
    );
    INSERT INTO crack_observation_v6 (rowid, asset_id, \(observationColumns))
      SELECT o.rowid, c.asset_id, \(observationColumnsOfO)
      FROM crack_observation o JOIN capture c ON c.id = o.capture_id;

    CREATE TABLE crack_track_v6 (
      asset_id TEXT NOT NULL REFERENCES asset(id),
      id TEXT NOT NULL,
      created_at TEXT NOT NULL,
      device_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      PRIMARY KEY (asset_id, id),
      UNIQUE (device_id, seq)
    );
    INSERT INTO crack_track_v6 (rowid, asset_id, id, created_at, device_id, seq)
      SELECT rowid, asset_id, id, created_at, device_id, seq FROM crack_track;

    CREATE TABLE track_override_v6 (
      asset_id TEXT NOT NULL,
      observation_id TEXT NOT NULL,
      action TEXT NOT NULL CHECK (action IN ('link', 'unlink')),
      track_id TEXT,
      created_at TEXT NOT NULL,
      device_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      UNIQUE (device_id, seq),
      FOREIGN KEY (asset_id, observation_id) REFERENCES crack_observation(asset_id, id),
      CHECK ((action = 'link') = (track_id IS NOT NULL))
    );
    INSERT INTO track_override_v6 (rowid, asset_id, observation_id, action, track_id, created_at, device_id, seq)
      SELECT t.rowid, c.asset_id, t.observation_id, t.action, t.track_id, t.created_at, t.device_id, t.seq
      FROM track_override t JOIN crack_observation o ON o.id = t.observation_id JOIN capture c ON c.id = o.capture_id;

    -- Empty centrally for now: the map joins them, and central tracking will fill them.
    CREATE TABLE crack_track_member_v6 (
      asset_id TEXT NOT NULL,
      observation_id TEXT NOT NULL,
      track_id TEXT NOT NULL,
      assigned_by TEXT NOT NULL CHECK (assigned_by IN ('matching', 'inspector', 'new')),
      match_cost REAL,
      PRIMARY KEY (asset_id, observation_id),
      FOREIGN KEY (asset_id, observation_id) REFERENCES crack_observation(asset_id, id),
      FOREIGN KEY (asset_id, track_id) REFERENCES crack_track(asset_id, id)
    );
    CREATE TABLE track_growth_v6 (
      asset_id TEXT NOT NULL REFERENCES asset(id),
      track_id TEXT NOT NULL,
      cycles_seen INTEGER NOT NULL CHECK (cycles_seen > 0),
      latest_observation_id TEXT NOT NULL,
      length_mm_per_year REAL,
      max_width_mm_per_year REAL,
      mean_width_mm_per_year REAL,
      no_rate_reason TEXT,
      PRIMARY KEY (asset_id, track_id),
      FOREIGN KEY (asset_id, track_id) REFERENCES crack_track(asset_id, id),
      FOREIGN KEY (asset_id, latest_observation_id) REFERENCES crack_observation(asset_id, id)
    );

    DROP TABLE track_growth;
    DROP TABLE crack_track_member;
    DROP TABLE track_override;
    DROP TABLE crack_observation;
    DROP TABLE crack_track;
    DROP TABLE capture;
    ALTER TABLE capture_v6 RENAME TO capture;
    ALTER TABLE crack_track_v6 RENAME TO crack_track;
    ALTER TABLE crack_observation_v6 RENAME TO crack_observation;
    ALTER TABLE track_override_v6 RENAME TO track_override;
    ALTER TABLE crack_track_member_v6 RENAME TO crack_track_member;
    ALTER TABLE track_growth_v6 RENAME TO track_growth;

    CREATE INDEX capture_by_cycle ON capture(asset_id, cycle_label);
    CREATE INDEX crack_observation_by_capture ON crack_observation(asset_id, capture_id);
    CREATE INDEX crack_track_member_by_track ON crack_track_member(asset_id, track_id);
    CREATE INDEX track_growth_by_asset ON track_growth(asset_id);
    CREATE TRIGGER crack_observation_is_immutable BEFORE UPDATE ON crack_observation
    BEGIN
      SELECT RAISE(ABORT, 'crack observations are immutable');
    END;
    CREATE TRIGGER capture_is_immutable BEFORE UPDATE ON capture
    BEGIN
      SELECT RAISE(ABORT, 'captures are immutable');
    END;
    \(envelopeTrigger)
    """

  /// The server tracks each asset over every device's observations (PostgreSQL: 0008). Its
  /// tracks are its own, not rows a device pushed to `crack_track`: members and growth no
  /// longer reference that table (both were empty until now). `tracking_state` says how far
  /// each asset's tracking has got: an asset with a push receipt past `tracked_through` is
  /// due again.
  private static let centralTracking = """
    DROP TABLE crack_track_member;
    DROP TABLE track_growth;
    CREATE TABLE crack_track_member (
      asset_id TEXT NOT NULL,
      observation_id TEXT NOT NULL,
      track_id TEXT NOT NULL,
      assigned_by TEXT NOT NULL CHECK (assigned_by IN ('matching', 'inspector', 'new')),
      match_cost REAL,
      PRIMARY KEY (asset_id, observation_id),
      FOREIGN KEY (asset_id, observation_id) REFERENCES crack_observation(asset_id, id)
    );
    CREATE INDEX crack_track_member_by_track ON crack_track_member(asset_id, track_id);
    CREATE TABLE track_growth (
      asset_id TEXT NOT NULL REFERENCES asset(id),
      track_id TEXT NOT NULL,
      cycles_seen INTEGER NOT NULL CHECK (cycles_seen > 0),
      latest_observation_id TEXT NOT NULL,
      length_mm_per_year REAL,
      max_width_mm_per_year REAL,
      mean_width_mm_per_year REAL,
      no_rate_reason TEXT,
      matched_by TEXT CHECK (matched_by IN ('registration', 'gps', 'mixed')),
      registration_residual_mm REAL,
      longitude REAL,
      latitude REAL,
      polyline_wgs84 TEXT,
      PRIMARY KEY (asset_id, track_id),
      FOREIGN KEY (asset_id, latest_observation_id) REFERENCES crack_observation(asset_id, id)
    );
    CREATE TABLE tracking_state (
      asset_id TEXT PRIMARY KEY NOT NULL REFERENCES asset(id),
      tracked_through INTEGER NOT NULL,
      tracked_at TEXT NOT NULL,
      tracks INTEGER NOT NULL,
      seconds REAL NOT NULL
    ) WITHOUT ROWID;
    """

  /// Each capture's GPS uncertainty, as ingest was told or assumed it: it decides which
  /// earlier photos may show the same spot. Synced with the capture (PostgreSQL: 0005).
  private static let gpsSigma = """
    ALTER TABLE capture ADD COLUMN gps_sigma_m REAL;
    """

  /// An asset's GPS uncertainty, where its photos' differs from open sky (under a deck, in a
  /// tunnel, with RTK): ingest's default for them. Synced with the asset (PostgreSQL: 0006).
  private static let assetGPSSigma = """
    ALTER TABLE asset ADD COLUMN gps_sigma_m REAL;
    """

  /// Where tracking placed observations whose photos have no GPS, through their registrations
  /// (derived with the asset's tracks, as track_growth is; read by the map).
  private static let registeredPlacement = """
    CREATE TABLE registered_placement (
      asset_id TEXT NOT NULL REFERENCES asset(id),
      observation_id TEXT NOT NULL,
      longitude REAL NOT NULL,
      latitude REAL NOT NULL,
      polyline_wgs84 TEXT NOT NULL,
      uncertainty_m REAL NOT NULL,
      PRIMARY KEY (asset_id, observation_id)
    ) WITHOUT ROWID;
    """

  /// How each capture aligns with photos of earlier cycles: derived on the device that
  /// holds both photos, so not synced (the central store has no photos to match).
  /// How tracking matched each track across cycles (`registration`, `gps` or `mixed`), the
  /// largest residual of the registration chains that placed it, and, for a track placed
  /// through a registration frame, where it is: the map draws that rather than its latest
  /// photo's own GPS placement, metres off under a deck. Derived, like the rest of the table.
  private static let trackMatching = """
    ALTER TABLE track_growth ADD COLUMN matched_by TEXT CHECK (matched_by IN ('registration', 'gps', 'mixed'));
    ALTER TABLE track_growth ADD COLUMN registration_residual_mm REAL;
    ALTER TABLE track_growth ADD COLUMN longitude REAL;
    ALTER TABLE track_growth ADD COLUMN latitude REAL;
    ALTER TABLE track_growth ADD COLUMN polyline_wgs84 TEXT;
    """

  private static let v9 = """
    CREATE TABLE capture_registration (
      capture_id TEXT NOT NULL REFERENCES capture(id),
      reference_id TEXT NOT NULL REFERENCES capture(id),
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
      PRIMARY KEY (capture_id, reference_id)
    );
    CREATE INDEX capture_registration_by_reference ON capture_registration(reference_id);
    """

  /// An engineer's review of an observation (reject: not a crack; confirm: a crack) is a
  /// correction of two more kinds, on the device and centrally (PostgreSQL: 0009): the table
  /// is rebuilt for its CHECKs, rows and rowids kept, and observations get an index of their
  /// own, which every reader's latest-review lookup goes through.
  private static let reviews = """
    CREATE TABLE correction_reviews (
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
    INSERT INTO correction_reviews (rowid, asset_id, kind, capture_id, observation_id, cycle_label, distance_m,
                                    reason, created_at, device_id, seq)
      SELECT rowid, asset_id, kind, capture_id, observation_id, cycle_label, distance_m, reason, created_at,
             device_id, seq FROM correction;
    DROP TABLE correction;
    ALTER TABLE correction_reviews RENAME TO correction;
    CREATE INDEX correction_by_capture ON correction(asset_id, capture_id);
    CREATE INDEX correction_by_observation ON correction(asset_id, observation_id)
      WHERE observation_id IS NOT NULL;
    CREATE TRIGGER correction_is_immutable BEFORE UPDATE ON correction
    BEGIN
      SELECT RAISE(ABORT, 'corrections are immutable: record another one');
    END;
    """

  /// Corrections are synced: the outbox's entity list grows by one (rebuilt, as in v2).
  private static let correctionsOutbox = """
    CREATE TABLE sync_outbox_v13 (
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
    INSERT INTO sync_outbox_v13 SELECT * FROM sync_outbox;
    DROP TABLE sync_outbox;
    ALTER TABLE sync_outbox_v13 RENAME TO sync_outbox;

    """

  /// An inspector's corrections (`CorrectionRow`): append-only, synced, the same table on the
  /// device and centrally (PostgreSQL: 0007). Every reader sees captures and observations
  /// through them (`Corrected`).
  private static let corrections = """
    CREATE TABLE correction (
      asset_id TEXT NOT NULL REFERENCES asset(id),
      kind TEXT NOT NULL CHECK (kind IN ('void_capture', 'move_capture', 'set_distance',
                                         'supersede_observation', 'retire_asset', 'retire_cycle')),
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
      CHECK ((kind = 'supersede_observation') = (observation_id IS NOT NULL)),
      CHECK ((kind IN ('move_capture', 'retire_cycle')) = (cycle_label IS NOT NULL)),
      CHECK ((kind = 'set_distance') = (distance_m IS NOT NULL))
    );
    CREATE INDEX correction_by_capture ON correction(asset_id, capture_id);
    CREATE TRIGGER correction_is_immutable BEFORE UPDATE ON correction
    BEGIN
      SELECT RAISE(ABORT, 'corrections are immutable: record another one');
    END;
    """

  /// A photo moved to another asset is set aside in the first and stored again in the
  /// second (re-measured in its CRS), so a device, like the central store since central v6,
  /// holds a photo once per asset: captures are keyed by (asset, SHA-256), and observations
  /// and registrations carry the asset of their capture. Observation ids stay unique on the
  /// device (a photo stored again gets ids of its own), so what names them is unchanged.
  /// Uploads and photo problems are about the file, which is one whatever its asset.
  private static let capturesKeyedByAsset = """
    CREATE TABLE capture_v14 (
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
    INSERT INTO capture_v14 (rowid, \(captureColumns), gps_sigma_m)
      SELECT rowid, \(captureColumns), gps_sigma_m FROM capture;

    CREATE TABLE crack_observation_v14 (
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
    INSERT INTO crack_observation_v14 (rowid, asset_id, \(observationColumns))
      SELECT o.rowid, c.asset_id, \(observationColumnsOfO)
      FROM crack_observation o JOIN capture c ON c.id = o.capture_id;

    CREATE TABLE capture_registration_v14 (
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
    INSERT INTO capture_registration_v14
      SELECT c.asset_id, r.* FROM capture_registration r JOIN capture c ON c.id = r.capture_id;

    CREATE TABLE photo_upload_v14 (
      capture_id TEXT PRIMARY KEY NOT NULL CHECK (length(capture_id) = 64),
      uploaded_at TEXT NOT NULL
    );
    INSERT INTO photo_upload_v14 SELECT * FROM photo_upload;
    CREATE TABLE photo_problem_v14 (
      capture_id TEXT PRIMARY KEY NOT NULL CHECK (length(capture_id) = 64),
      reason TEXT NOT NULL,
      noted_at TEXT NOT NULL
    );
    INSERT INTO photo_problem_v14 SELECT * FROM photo_problem;

    DROP TABLE photo_problem;
    DROP TABLE photo_upload;
    DROP TABLE capture_registration;
    DROP TABLE crack_observation;
    DROP TABLE capture;
    ALTER TABLE capture_v14 RENAME TO capture;
    ALTER TABLE crack_observation_v14 RENAME TO crack_observation;
    ALTER TABLE capture_registration_v14 RENAME TO capture_registration;
    ALTER TABLE photo_upload_v14 RENAME TO photo_upload;
    ALTER TABLE photo_problem_v14 RENAME TO photo_problem;

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
    """

  private static let captureColumns = """
    id, asset_id, cycle_label, source_path, file_size, container, make, model, taken_at, taken_at_offset,
    gps_time_utc, gps_status, gps_problem, latitude, longitude, altitude_m, altitude_ref, width, height,
    orientation, camera_view, epsg, easting, northing, gsd_mm_per_px, gsd_method, gsd_uncertainty_mm_per_px,
    gsd_note, distance_m, metadata_json, ingested_at, device_id, seq
    """

  private static var observationColumns: String { CrackObservation.columns.joined(separator: ", ") }
  private static var observationColumnsOfO: String {
    CrackObservation.columns.map { "o." + $0 }.joined(separator: ", ")
  }

  /// Keeps the R*Tree of crack envelopes (central v3) as observations are inserted.
  private static let envelopeTrigger = """
    CREATE TRIGGER crack_observation_envelope_insert AFTER INSERT ON crack_observation
    BEGIN
      INSERT INTO crack_observation_envelope
      SELECT NEW.rowid,
        COALESCE(MIN(CASE WHEN key = 0 THEN value END), NEW.longitude),
        COALESCE(MAX(CASE WHEN key = 0 THEN value END), NEW.longitude),
        COALESCE(MIN(CASE WHEN key = 1 THEN value END), NEW.latitude),
        COALESCE(MAX(CASE WHEN key = 1 THEN value END), NEW.latitude)
      FROM json_tree(CASE WHEN json_valid(NEW.polyline_wgs84) THEN NEW.polyline_wgs84 END)
      WHERE type IN ('real', 'integer')
      HAVING COALESCE(MIN(CASE WHEN key = 0 THEN value END), NEW.longitude) IS NOT NULL
        AND COALESCE(MIN(CASE WHEN key = 1 THEN value END), NEW.latitude) IS NOT NULL;
    END;
    """

  /// An R*Tree of crack envelopes, so that a bounding-box query reads the cracks in the box
  /// rather than the whole asset. Kept by a trigger (observations are insert-only).
  private static let central3 = """
    -- One envelope per placed crack observation, keyed by its rowid: the box around its
    -- WGS84 centreline (every [lon, lat] leaf of the stored JSON), else its point. R*Tree
    -- coordinates are 32-bit floats rounded outwards: a superset, checked exactly after.
    CREATE VIRTUAL TABLE crack_observation_envelope USING rtree(id, min_lon, max_lon, min_lat, max_lat);

    \(envelopeTrigger)

    INSERT INTO crack_observation_envelope
    SELECT * FROM (
      SELECT o.rowid AS id,
        COALESCE(MIN(CASE WHEN t.key = 0 THEN t.value END), o.longitude) AS min_lon,
        COALESCE(MAX(CASE WHEN t.key = 0 THEN t.value END), o.longitude) AS max_lon,
        COALESCE(MIN(CASE WHEN t.key = 1 THEN t.value END), o.latitude) AS min_lat,
        COALESCE(MAX(CASE WHEN t.key = 1 THEN t.value END), o.latitude) AS max_lat
      FROM crack_observation o
      LEFT JOIN json_tree(CASE WHEN json_valid(o.polyline_wgs84) THEN o.polyline_wgs84 END) t
        ON t.type IN ('real', 'integer')
      GROUP BY o.rowid)
    WHERE min_lon IS NOT NULL AND min_lat IS NOT NULL;
    """
}
