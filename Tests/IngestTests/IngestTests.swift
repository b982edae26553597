import CaptureMetadata
import Foundation
import Ingest
import Store
import TestSupport
import Testing

/// The ingest pipeline on real files, into a real SQLite store.
struct IngestTests {
  let directory: URL
  let store: DeviceStore

  init() throws {
    directory = try TestPaths.temporaryDirectory()
    store = try DeviceStore.create(at: directory.appendingPathComponent("field.sqlite").path)
    try store.add(
      Asset(id: "pier-17", name: "Pier 17", kind: .bridge, latitude: 52.52, longitude: 13.40, epsg: 32633))
    try store.add(InspectionCycle(assetId: "pier-17", label: "2026-Q4", startDate: "2026-11-20"))
  }

  func ingestor(distance: Double? = nil) throws -> Ingestor {
    try Ingestor(store: store, asset: "pier-17", cycle: "2026-Q4", userDistance: distance)
  }

  @Test func ingestsADirectoryAndGeoreferencesIt() throws {
    let report = try ingestor().run([TestPaths.fixture("photos").path])
    #expect(report.ingested.count == 5)
    #expect(report.failed.isEmpty && report.duplicates.isEmpty)
    #expect(report.withoutGPS == 1)  // phone-no-gps.jpg

    let captures = try store.captures(asset: "pier-17")
    #expect(captures.count == 5)
    let nadir = try #require(captures.first { $0.sourcePath.hasSuffix("dji-nadir.jpg") })
    #expect(nadir.cameraView == "nadir")
    #expect(nadir.gsdMethod == "nadir_relative_altitude")
    // echo "52.520094444444446 13.40013888888889" | cs2cs EPSG:4326 EPSG:32633 -f "%.4f"
    #expect(nadir.epsg == 32633)
    #expect(abs(try #require(nadir.easting) - 391_449.6879) < 1e-3)
    #expect(abs(try #require(nadir.northing) - 5_820_089.9623) < 1e-3)
    let noGPS = try #require(captures.first { $0.sourcePath.hasSuffix("phone-no-gps.jpg") })
    #expect(noGPS.gpsStatus == "absent" && noGPS.easting == nil && noGPS.latitude == nil)
  }

  /// Parrot and Skydio nadir shots are scaled and placed as DJI's are.
  @Test func otherMakersDroneShotsAreScaledAndPlaced() throws {
    let report = try ingestor().run([TestPaths.fixture("drones").path])
    #expect(report.ingested.count == 2 && report.failed.isEmpty)
    let captures = try store.captures(asset: "pier-17")
    for (suffix, height) in [("parrot-nadir.jpg", 25.15), ("skydio-nadir.jpg", 18.4)] {
      let capture = try #require(captures.first { $0.sourcePath.hasSuffix(suffix) })
      #expect(capture.cameraView == "nadir", "\(suffix)")
      #expect(capture.gsdMethod == "nadir_relative_altitude" && capture.distanceM == height, "\(suffix)")
      #expect(capture.easting != nil && capture.gsdMmPerPx != nil, "\(suffix)")
    }
  }

  @Test func reingestingIsANoOp() throws {
    let first = try ingestor().run([TestPaths.fixture("photos").path])
    let outboxBefore = try store.outboxCounts()
    let second = try ingestor().run([TestPaths.fixture("photos").path])
    #expect(second.ingested.isEmpty)
    #expect(second.duplicates.count == first.ingested.count)
    #expect(second.allHandled)
    #expect(try store.outboxCounts() == outboxBefore)
    #expect(try store.captures(asset: "pier-17").count == 5)
  }

  @Test func aMixedDirectoryIngestsTheGoodAndReportsTheBad() throws {
    let mixed = directory.appendingPathComponent("mixed")
    try FileManager.default.createDirectory(at: mixed, withIntermediateDirectories: true)
    for name in [
      "photos/phone-gps.jpg", "photos/dji-nadir.jpg", "bad/truncated.jpg", "bad/empty.jpg",
      "bad/text-named.jpg",
    ] {
      try FileManager.default.copyItem(
        at: TestPaths.fixture(name),
        to: mixed.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent))
    }
    let report = try ingestor().run([mixed.path, directory.appendingPathComponent("missing.jpg").path])
    #expect(report.ingested.count == 2)
    #expect(!report.allHandled)
    let failures = Dictionary(
      uniqueKeysWithValues: report.failed.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0.error) })
    #expect(
      failures == [
        "truncated.jpg": "truncated", "empty.jpg": "empty_file", "text-named.jpg": "not_an_image",
        "missing.jpg": "not_found",
      ])
    #expect(report.failed.allSatisfy { $0.message.contains($0.path) })
    // Nothing half-written: only the two good photos are stored, each with its outbox row.
    #expect(try store.captures(asset: "pier-17").count == 2)
    #expect(try store.outboxCounts()["capture"] == 2)
  }

  @Test func userDistanceScalesObliqueShots() throws {
    let report = try ingestor(distance: 1.5).run([
      TestPaths.fixture("photos/dji-oblique-xmp-in-exif.jpg").path
    ])
    let ingested = try #require(report.ingested.first)
    #expect(ingested.gsdMethod == "user_distance")
    #expect(abs(try #require(ingested.gsdMmPerPx) - 1500 / 3666.67) < 1e-9)
  }

  @Test func unknownAssetOrCycleIsOneClearError() {
    #expect(throws: StoreError.unknownAsset("pier-99")) {
      try Ingestor(store: store, asset: "pier-99", cycle: "2026-Q4")
    }
    #expect(throws: StoreError.unknownCycle(asset: "pier-17", label: "2030")) {
      try Ingestor(store: store, asset: "pier-17", cycle: "2030")
    }
  }
}
