import Foundation
import GRDB
import TestSupport
import Testing

/// `crackmon reprocess`: a forgotten --distance-m or a --no-segment ingest is put right from the
/// photos themselves, and a photo that is gone or changed is named and left as it was.
extension CommandLineTests {
  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func reprocessMeasuresAgainAndNamesPhotosItCannotRead() throws {
    try setUpAsset()
    // Copies of two fixture photos, ingested without segmentation.
    let folder = directory.appendingPathComponent("photos")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in ["dji-oblique-xmp-in-exif.jpg", "phone-gps.jpg", "phone-no-gps.jpg"] {
      try FileManager.default.copyItem(
        at: TestPaths.fixture("photos/\(name)"), to: folder.appendingPathComponent(name))
    }
    let ingest = try crackmon(
      "ingest", folder.path, "--asset", "pier-17", "--cycle", "2026-Q4", "--no-segment")
    #expect(ingest.status == 0, "\(ingest.stderr)")
    let count = { (sql: String) in
      try DatabaseQueue(path: storePath).read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }
    #expect(try count("SELECT COUNT(*) FROM crack_observation") == 0)

    // One photo changed since ingest, one gone: both named, the third measured, exit 1.
    let changed = folder.appendingPathComponent("phone-gps.jpg")
    let handle = try FileHandle(forWritingTo: changed)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data([0]))
    try handle.close()
    try FileManager.default.removeItem(at: folder.appendingPathComponent("phone-no-gps.jpg"))
    let first = try crackmon(
      "reprocess", "--asset", "pier-17", "--distance-m", "2", "--any-scene", "--format", "json")
    #expect(first.status == 1, "\(first.stderr)")
    let report = try json(first.stdout)
    let failed = try #require(report["failed"] as? [[String: Any]])
    #expect(Set(failed.compactMap { $0["error"] as? String }) == ["photo_changed", "photo_missing"])
    #expect(failed.allSatisfy { ($0["message"] as? String)?.hasPrefix(folder.path) == true })
    let done = try #require((report["reprocessed"] as? [[String: Any]])?.first)
    #expect((done["path"] as? String)?.hasSuffix("dji-oblique-xmp-in-exif.jpg") == true)
    #expect(done["distance_m"] as? Double == 2 && done["superseded"] as? Int == 0)
    let cracks = try #require(done["cracks"] as? Int)
    #expect(cracks > 0)
    #expect(try count("SELECT COUNT(*) FROM crack_observation WHERE length_mm IS NOT NULL") == cracks)

    // Again at 4 m: the same cracks twice as long, the earlier ones kept but superseded.
    let second = try crackmon(
      "reprocess", "--asset", "pier-17", "--capture",
      String((done["capture_id"] as? String ?? "").prefix(10)),
      "--distance-m", "4", "--any-scene", "--format", "json")
    #expect(second.status == 0, "\(second.stderr)")
    let again = try #require((try json(second.stdout)["reprocessed"] as? [[String: Any]])?.first)
    #expect(again["superseded"] as? Int == cracks && again["cracks"] as? Int == cracks)
    let listed = try crackmon("cracks", "--asset", "pier-17", "--format", "json")
    let live = try #require(
      try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    #expect(live.count == cracks)
    let lengths = try DatabaseQueue(path: storePath).read {
      try Double.fetchAll($0, sql: "SELECT length_mm FROM crack_observation ORDER BY rowid")
    }
    #expect(lengths.count == 2 * cracks)
    for (early, late) in zip(lengths.prefix(cracks), lengths.suffix(cracks)) {
      #expect(abs(late / early - 2) < 1e-6)
    }
    let corrections = try crackmon("corrections", "--asset", "pier-17")
    #expect(corrections.stdout.contains("set_distance") && corrections.stdout.contains("at 4.0 m"))
    // A capture that is not a live one of the asset is refused by name.
    let unknown = try crackmon("reprocess", "--asset", "pier-17", "--capture", "ffff")
    #expect(unknown.status != 0 && unknown.stderr.contains("no capture \"ffff\""), "\(unknown.stderr)")
  }
}
