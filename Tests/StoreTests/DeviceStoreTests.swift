import CaptureMetadata
import Foundation
import GRDB
import Georeference
import Store
import TestSupport
import Testing

struct DeviceStoreTests {
  let directory: URL
  let store: DeviceStore

  init() throws {
    directory = try TestPaths.temporaryDirectory()
    store = try DeviceStore.create(at: directory.appendingPathComponent("field.sqlite").path)
  }

  func pier17() -> Asset {
    Asset(id: "pier-17", name: "Pier 17", kind: .bridge, latitude: 52.52, longitude: 13.40, epsg: 32633)
  }

  /// pier-17 with its 2026-Q4 cycle in the store, and the capture of the phone fixture photo
  /// in that cycle (not inserted).
  func phoneCapture() throws -> CaptureRecord {
    try store.add(pier17())
    try store.add(InspectionCycle(assetId: "pier-17", label: "2026-Q4"))
    let metadata = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    return CaptureRecord(
      metadata: metadata, assetId: "pier-17", cycleLabel: "2026-Q4", gsd: .estimate(for: metadata),
      cameraView: .unknown, projected: nil)
  }

  @Test func schemaFileMirrorsTheMigrations() throws {
    let schemaFile = TestPaths.repositoryRoot.appendingPathComponent("schema/device-store.sql")
    let header = """
      -- crackmon device store schema, as the migrations in Sources/Store/Migrations.swift leave it.
      -- Generated: CRACKMON_UPDATE_SCHEMA=1 swift test --filter schemaFileMirrorsTheMigrations


      """
    let actual = header + (try store.schemaSQL())
    if ProcessInfo.processInfo.environment["CRACKMON_UPDATE_SCHEMA"] == "1" {
      try actual.write(to: schemaFile, atomically: true, encoding: .utf8)
    }
    let committed = try String(contentsOf: schemaFile, encoding: .utf8)
    #expect(committed == actual, "schema/device-store.sql is stale: regenerate it as its header says")
  }

  @Test func usesWALAndKeepsItsDeviceId() throws {
    let reopened = try DeviceStore(opening: store.path)
    #expect(reopened.deviceID == store.deviceID)
    #expect(UUID(uuidString: store.deviceID) != nil)
    let mode = try DatabaseQueue(path: store.path).read {
      try String.fetchOne($0, sql: "PRAGMA journal_mode")
    }
    #expect(mode == "wal")
  }

  @Test func refusesToOverwriteOrOpenWhatIsNotThere() {
    #expect(throws: StoreError.storeExists(path: store.path)) { try DeviceStore.create(at: store.path) }
    let missing = directory.appendingPathComponent("nope.sqlite").path
    #expect(throws: StoreError.noStore(path: missing)) { try DeviceStore(opening: missing) }
  }

  @Test func assetsAndCycles() throws {
    try store.add(pier17())
    #expect(throws: StoreError.assetExists("pier-17")) { try store.add(pier17()) }
    try store.add(InspectionCycle(assetId: "pier-17", label: "2026-Q4", startDate: "2026-11-20"))
    #expect(throws: StoreError.cycleExists(asset: "pier-17", label: "2026-Q4")) {
      try store.add(InspectionCycle(assetId: "pier-17", label: "2026-Q4"))
    }
    #expect(throws: StoreError.unknownAsset("pier-18")) {
      try store.add(InspectionCycle(assetId: "pier-18", label: "2026-Q4"))
    }
    #expect(throws: StoreError.unknownCycle(asset: "pier-17", label: "2027-Q1")) {
      try store.cycle(asset: "pier-17", label: "2027-Q1")
    }
    #expect(try store.assets().map(\.id) == ["pier-17"])
    #expect(try store.cycles(of: "pier-17").map(\.label) == ["2026-Q4"])
  }

  @Test func everyRowGetsDeviceIdAndSequenceInTheOutbox() throws {
    let capture = try phoneCapture()
    guard case .inserted(let stored) = try store.insert(capture) else {
      Issue.record("first insert must insert")
      return
    }
    #expect(stored.deviceId == store.deviceID)
    #expect(stored.seq == 3)
    #expect(try store.insert(capture) == .alreadyIngested(assetId: "pier-17", cycleLabel: "2026-Q4"))

    let outbox = try DatabaseQueue(path: store.path).read { db in
      try Row.fetchAll(db, sql: "SELECT device_id, seq, entity, entity_key FROM sync_outbox ORDER BY seq")
    }
    #expect(outbox.map { $0["seq"] as Int64 } == [1, 2, 3])
    #expect(outbox.map { $0["entity"] as String } == ["asset", "inspection_cycle", "capture"])
    #expect(outbox.allSatisfy { ($0["device_id"] as String) == store.deviceID })
    #expect(outbox.last?["entity_key"] == capture.id)
  }

  /// Tracking decodes a stored centreline's JSON once; the store then keeps it packed, and
  /// later reads hand back the same points without the JSON.
  @Test func trackingKeepsTheCentrelinesItDecoded() throws {
    let capture = try phoneCapture()
    let observation = CrackObservation(
      id: "obs-1", captureId: capture.id, crackIndex: 0, polylinePx: "[]", widthProfilePx: "[]", lengthPx: 1,
      maxWidthPx: 1, meanWidthPx: 1, orientationDeg: 0, areaPx: 1,
      polylineProjected: "[[[500000.25,5200000.5],[500001,5200002]],[[500003.125,5200004]]]",
      georefMethod: .footprint, confidence: 0.9, modelName: "model", modelVersion: "1")
    try store.insert(capture, observations: [observation])
    let first = try #require(try store.trackedObservations(asset: "pier-17").first)
    #expect(first.centreline == nil)
    #expect(first.polylineProjected == observation.polylineProjected)

    let branches = [[(500000.25, 5200000.5), (500001.0, 5200002.0)], [(500003.125, 5200004.0)]]
    try store.replaceTracking(
      asset: "pier-17", trackIds: [], members: [], growth: [], events: [], alerts: [],
      centrelines: [("obs-1", branches)])
    let again = try #require(try store.trackedObservations(asset: "pier-17").first)
    let points = { (b: [[(Double, Double)]]) in b.map { $0.map { [$0.0, $0.1] } } }
    #expect(points(try #require(again.centreline)) == points(branches))
    #expect(again.polylineProjected == nil)
    #expect(points(PackedCentreline.unpack(PackedCentreline.pack([]))) == [])
    #expect(PackedCentreline.pack(branches).count == 8 * 2 * 4)
  }

  /// Re-tracking that derives the same rows leaves them in place (same rowids); any change,
  /// to a member or to a growth, event or alert row, is written.
  @Test func retrackingWritesOnlyWhatChanged() throws {
    let capture = try phoneCapture()
    let observations = (1...2).map { k in
      CrackObservation(
        id: "obs-\(k)", captureId: capture.id, crackIndex: k, polylinePx: "[]", widthProfilePx: "[]",
        lengthPx: 1, maxWidthPx: 1, meanWidthPx: 1, orientationDeg: 0, areaPx: 1, georefMethod: .footprint,
        confidence: 0.9, modelName: "model", modelVersion: "1")
    }
    try store.insert(capture, observations: observations)
    var members = [
      TrackMember(observationId: "obs-1", trackId: "trk_1", assignedBy: "new", matchCost: nil),
      TrackMember(observationId: "obs-2", trackId: "trk_2", assignedBy: "new", matchCost: nil),
    ]
    let growth = ["trk_1", "trk_2"].map {
      TrackGrowth(
        trackId: $0, assetId: "pier-17", cyclesSeen: 1, latestObservationId: "obs-1", lengthMmPerYear: nil,
        maxWidthMmPerYear: nil, meanWidthMmPerYear: nil, noRateReason: "seen in one cycle only")
    }
    var alert = GrowthAlertRecord(
      assetId: "pier-17", trackId: "trk_1", cycleLabel: "2026-Q4", kind: "width_rate", value: 1,
      limitValue: 0.5, message: "grew")
    let write = {
      try self.store.replaceTracking(
        asset: "pier-17", trackIds: ["trk_1", "trk_2"], members: members, growth: growth, events: [],
        alerts: [alert])
    }
    // Triggers note every row the store writes to two of the tables.
    let queue = try DatabaseQueue(path: store.path)
    try queue.write { db in
      try db.execute(
        sql: """
          CREATE TABLE written (tbl TEXT);
          CREATE TRIGGER alert_written AFTER INSERT ON growth_alert BEGIN INSERT INTO written VALUES ('alert'); END;
          CREATE TRIGGER member_written AFTER INSERT ON crack_track_member
            BEGIN INSERT INTO written VALUES ('member'); END;
          """)
    }
    let written = { try queue.read { try String.fetchAll($0, sql: "SELECT tbl FROM written") } }
    try write()
    #expect(try written() == ["member", "member", "alert"])
    try write()
    #expect(try written().count == 3, "the same rows: nothing written")
    alert.value = 2
    try write()
    #expect(try written().count == 4)
    #expect(try store.growthAlerts(asset: "pier-17").map(\.value) == [2])
    members[1].trackId = "trk_1"
    members[1].assignedBy = "matching"
    try write()
    #expect(try written().count == 5, "one member moved: one written")
    #expect(try store.trackMembers(asset: "pier-17").map(\.trackId) == ["trk_1", "trk_1"])
  }

  /// Observations are written column by column (not through `Encodable`): every field,
  /// each with its own value, must come back where it went.
  @Test func observationsRoundTripEveryColumn() throws {
    let capture = try phoneCapture()
    var observation = CrackObservation(
      id: "obs-1", captureId: capture.id, crackIndex: 7, polylinePx: "[[[1,2],[3,4]]]",
      widthProfilePx: "[[1,2,3.5]]", lengthPx: 11, maxWidthPx: 12, meanWidthPx: 13, orientationDeg: 14,
      areaPx: 15, lengthMm: 16, maxWidthMm: 17, meanWidthMm: 18, areaMm2: 19,
      polylineProjected: "[[[20,21]]]",
      polylineWgs84: "[[[22,23]]]", epsg: 32633, easting: 24, northing: 25, latitude: 26, longitude: 27,
      bearingDeg: 28, georefMethod: .footprint, georefUncertaintyM: 29, severityScheme: "scheme",
      severity: "CS2", confidence: 0.3, modelName: "model", modelVersion: "v")
    observation.createdAt = "2026-11-23T00:00:00Z"
    try store.insert(capture, observations: [observation])
    let stored = try DatabaseQueue(path: store.path).read { db in
      try CrackObservation.fetchOne(db, key: "obs-1")
    }
    observation.deviceId = store.deviceID
    observation.seq = 4
    #expect(stored == observation)
  }

  @Test func capturesAreImmutable() throws {
    _ = try store.insert(try phoneCapture())
    #expect(throws: DatabaseError.self) {
      try DatabaseQueue(path: store.path).write { db in
        try db.execute(sql: "UPDATE capture SET latitude = 0")
      }
    }
  }

  /// The PostgreSQL store works out a photo's UTC time in Swift; it must agree with the
  /// SQLite stores' strftime: the GPS clock first, else the camera clock with its offset.
  @Test func observedAtInUTC() {
    #expect(
      MapRow.observedAt(gpsTimeUTC: nil, takenAt: "2026-11-20T10:15:30", offset: "+01:00")
        == "2026-11-20T09:15:30Z")
    #expect(
      MapRow.observedAt(gpsTimeUTC: "2026-11-20T09:15:31Z", takenAt: "2026-11-20T10:15:30", offset: "+01:00")
        == "2026-11-20T09:15:31Z")
    #expect(MapRow.observedAt(gpsTimeUTC: nil, takenAt: "2026-11-20T10:15:30", offset: nil) == nil)
    #expect(MapRow.observedAt(gpsTimeUTC: nil, takenAt: "not a time", offset: "+01:00") == nil)
  }

  /// Bounding boxes: parsed strictly, compared as envelopes.
  @Test func boundingBoxes() throws {
    let box = try #require(BoundingBox("7.4, 46.9, 7.5, 47.0"))
    #expect(box.intersects(lon0: 7.5, lat0: 47.0, lon1: 7.6, lat1: 47.1))  // touching counts
    #expect(!box.intersects(lon0: 7.50001, lat0: 46.95, lon1: 7.6, lat1: 46.96))
    for bad in ["", "1,2,3", "7.5,46.9,7.4,47.0", "a,b,c,d", "-181,0,0,1", "0,0,0,91", "nan,0,1,1"] {
      #expect(BoundingBox(bad) == nil, "\(bad)")
    }
    #expect(BoundingBox("179.99999995,0,180,1")?.widened(by: 1e-7).maxLongitude == 180)
  }
}
