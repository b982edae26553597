import Foundation
import GRDB
import Testing

@testable import Store

/// A central store written before rows were keyed by asset ("central v5") opens under this
/// version with every row kept, each keyed by its asset, the crack envelopes still pointing
/// at their cracks, and room for another organisation's copy of the same photo.
@Suite struct CentralUpgradeTests {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("central-upgrade-\(UUID())")

  @Test func aVersion5StoreKeepsEveryRowKeyedByItsAsset() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent("central.sqlite").path
    let sha = String(repeating: "ab", count: 32)
    do {
      let pool = try DatabasePool(path: path)
      try Migrations.centralMigrator.migrate(pool, upTo: "central v5 organisation cursors")
      try pool.write { db in
        try db.execute(
          sql: """
            INSERT INTO org (id, created_at) VALUES ('acme', 't');
            INSERT INTO asset (id, name, kind, latitude, longitude, epsg, created_at, device_id, seq)
              VALUES ('bern', 'Bern', 'bridge', 46.9, 7.4, 32632, 't', 'd', 1);
            INSERT INTO asset_org (asset_id, org_id) VALUES ('bern', 'acme');
            INSERT INTO inspection_cycle (asset_id, label, start_date, created_at, device_id, seq)
              VALUES ('bern', '2026', '2026-06-01', 't', 'd', 2);
            INSERT INTO capture (id, asset_id, cycle_label, source_path, file_size, container, gps_status,
              latitude, longitude, camera_view, gsd_method, metadata_json, ingested_at, device_id, seq)
              VALUES ('\(sha)', 'bern', '2026', 'p.jpg', 5, 'jpeg', 'valid', 46.9, 7.4, 'nadir', 'nadir', '{}', 't', 'd', 3);
            INSERT INTO crack_track (id, asset_id, created_at, device_id, seq) VALUES ('trk_1', 'bern', 't', 'd', 5);
            INSERT INTO crack_observation (id, capture_id, polyline_px, width_profile_px, length_px, max_width_px,
              mean_width_px, orientation_deg, area_px, polyline_wgs84, latitude, longitude, georef_method,
              confidence, model_name, model_version, created_at, device_id, seq, crack_index)
              VALUES ('obs_1', '\(sha)', '[]', '[]', 10, 1, 1, 0, 10, '[[[7.4, 46.9], [7.4001, 46.9001]]]', 46.90005,
                7.40005, 'footprint', 0.9, 'm', '1', 't', 'd', 4, 0);
            INSERT INTO track_override (observation_id, action, track_id, created_at, device_id, seq)
              VALUES ('obs_1', 'link', 'trk_1', 't', 'd', 6);
            """)
      }
    }

    let store = try SQLiteCentralStore(path: path)
    let queue = try DatabaseQueue(path: path)
    try queue.read { (db: Database) throws in
      for table in ["capture", "crack_observation", "crack_track", "track_override"] {
        #expect(
          try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE asset_id = 'bern'") == 1, "\(table)")
      }
      // The envelope still names its crack (the rowids were kept).
      #expect(
        try String.fetchOne(
          db, sql: "SELECT o.id FROM crack_observation_envelope e JOIN crack_observation o ON o.rowid = e.id")
          == "obs_1")
      #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
    }
    var found: [String] = []
    try store.forEachMapRow(
      asset: "bern", cycle: nil, kind: .crack, within: BoundingBox("7,46,8,47")
    ) { found.append($0.id) }
    #expect(found == ["obs_1"])

    // Another asset may now hold the same photo and the same crack id; each map shows its own.
    try queue.write { (db: Database) throws in
      try db.execute(
        sql: """
          INSERT INTO asset (id, name, kind, latitude, longitude, epsg, created_at, device_id, seq)
            VALUES ('thun', 'Thun', 'bridge', 46.7, 7.6, 32632, 't', 'e', 1);
          INSERT INTO inspection_cycle (asset_id, label, created_at, device_id, seq) VALUES ('thun', '2026', 't', 'e', 2);
          INSERT INTO capture (id, asset_id, cycle_label, source_path, file_size, container, gps_status,
            camera_view, gsd_method, metadata_json, ingested_at, device_id, seq)
            VALUES ('\(sha)', 'thun', '2026', 'p.jpg', 5, 'jpeg', 'absent', 'nadir', 'nadir', '{}', 't', 'e', 3);
          INSERT INTO crack_observation (asset_id, id, capture_id, polyline_px, width_profile_px, length_px,
            max_width_px, mean_width_px, orientation_deg, area_px, polyline_wgs84, latitude, longitude,
            georef_method, confidence, model_name, model_version, created_at, device_id, seq)
            VALUES ('thun', 'obs_1', '\(sha)', '[]', '[]', 10, 1, 1, 0, 10, '[[[7.4, 46.9], [7.4001, 46.9001]]]',
              46.90005, 7.40005, 'footprint', 0.9, 'm', '1', 't', 'e', 4);
          """)
      #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM crack_observation_envelope") == 2)
    }
    for asset in ["bern", "thun"] {
      var ids: [String] = []
      try store.forEachMapRow(asset: asset, cycle: nil, kind: .crack, within: BoundingBox("7,46,8,47")) {
        ids.append($0.id)
      }
      #expect(ids == ["obs_1"], "\(asset)")
      ids = []
      try store.forEachMapRow(asset: asset, cycle: nil, kind: .crack, within: nil) { ids.append($0.id) }
      #expect(ids == ["obs_1"], "\(asset)")
    }
    #expect(try store.holds(capture: sha, org: "acme"))
    #expect(try !store.holds(capture: sha, org: "other"))
  }
}
