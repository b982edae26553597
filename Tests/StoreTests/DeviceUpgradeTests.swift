import CaptureMetadata
import Foundation
import GRDB
import TestSupport
import Testing

@testable import Store

/// A device store made before captures were keyed by asset (v13) opens with every row kept:
/// observations and registrations get their capture's asset, and uploads and photo problems
/// stay as they were.
struct DeviceUpgradeTests {
  @Test func aStoreFromBeforeCapturesWereKeyedByAssetKeepsEveryRow() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("old.sqlite").path
    let old = try DatabaseQueue(path: path)
    try Migrations.migrator.migrate(old, upTo: "v13 corrections")
    let metadata = try CaptureMetadata.read(TestPaths.fixture("photos/dji-nadir.jpg"))
    let other = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    try old.write { db in
      try db.execute(sql: "INSERT INTO device (id, created_at) VALUES ('dev-1', '2026-01-01T00:00:00Z')")
      var seq: Int64 = 0
      func stamped<T: MutablePersistableRecord>(_ row: T, _ set: (inout T) -> Void) throws {
        var row = row
        seq += 1
        set(&row)
        try row.insert(db)
      }
      try stamped(
        Asset(id: "pier", name: "Pier", kind: .bridge, latitude: 52.52, longitude: 13.4, epsg: 32633)
      ) {
        $0.deviceId = "dev-1"
        $0.seq = seq
      }
      try stamped(InspectionCycle(assetId: "pier", label: "2026")) {
        $0.deviceId = "dev-1"
        $0.seq = seq
      }
      for data in [metadata, other] {
        try stamped(
          CaptureRecord(
            metadata: data, assetId: "pier", cycleLabel: "2026", gsd: .estimate(for: data),
            cameraView: .nadir,
            projected: nil)
        ) {
          $0.deviceId = "dev-1"
          $0.seq = seq
        }
      }
      try stamped(
        CrackObservation(
          id: "obs-1", captureId: metadata.sha256, crackIndex: 0, polylinePx: "[]", widthProfilePx: "[]",
          lengthPx: 10, maxWidthPx: 1, meanWidthPx: 1, orientationDeg: 0, areaPx: 10, georefMethod: .asset,
          confidence: 0.9, modelName: "model", modelVersion: "1")
      ) {
        $0.deviceId = "dev-1"
        $0.seq = seq
      }
      try CaptureRegistration(
        captureId: metadata.sha256, referenceId: other.sha256, registered: true, homography: "[]",
        matches: 40,
        inliers: 30, residualPx: 1, residualMm: 0.5, overlap: 0.8, reason: nil
      ).insert(db)
      try db.execute(
        sql: "INSERT INTO photo_upload (capture_id, uploaded_at) VALUES (?, 'now')", arguments: [other.sha256]
      )
      try db.execute(
        sql: "INSERT INTO photo_problem (capture_id, reason, noted_at) VALUES (?, 'moved', 'now')",
        arguments: [metadata.sha256])
    }
    try old.close()

    let store = try DeviceStore(opening: path)
    #expect(try store.captures(asset: "pier").count == 2)
    #expect(try store.observations(asset: "pier").map(\.observation.id) == ["obs-1"])
    #expect(try store.registrations(asset: "pier").map(\.captureId) == [metadata.sha256])
    #expect(try store.pendingPhotos().problems.map(\.reason) == ["moved"])
    let assets = try DatabaseQueue(path: path).read { db in
      try String.fetchAll(
        db, sql: "SELECT asset_id FROM crack_observation UNION ALL SELECT asset_id FROM capture_registration")
    }
    #expect(assets == ["pier", "pier"])
    // The schema now holds a photo once per asset.
    #expect(try store.holder(of: metadata.sha256, in: "pier")?.asset == "pier")
  }
}
