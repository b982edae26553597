import Foundation
import TestSupport
import Testing

extension CommandLineTests {
  /// A photo of two runners (exifr's issue-fast-exif-2.jpg, a source the scene net never trained
  /// on): the crack net alone outlines their arms and shirts as some thirty "cracks". The scene
  /// check flags it, so ingest keeps the capture with no crack observation and a warning saying
  /// why, and segment says the same; --any-scene measures it as before.
  @Test(.enabled(if: TestPaths.hasExifCorpus, "../shared/datasets/exif is missing"))
  func aPhotoThatIsNotOfASurfaceIsKeptWithoutCracks() throws {
    try setUpAsset()
    let photo = TestPaths.exifCorpus.appendingPathComponent("images/exifr/issue-fast-exif-2.jpg").path
    let ingest = try crackmon("ingest", photo, "--asset", "pier-17", "--cycle", "2026-Q4", "--format", "json")
    #expect(ingest.status == 0, "\(ingest.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
    let ingested = try #require(report["ingested"] as? [[String: Any]])
    #expect(ingested.count == 1 && ingested.first?["cracks"] as? Int == 0, "\(ingest.stdout)")
    // Taken years before the cycle, it is warned about for its date as well.
    let warnings = try #require(report["warnings"] as? [[String: Any]])
    let scene = warnings.filter { $0["error"] as? String == "not_a_surface" }
    #expect(scene.count == 1, "\(ingest.stdout)")
    let message = try #require(scene.first?["message"] as? String)
    #expect(
      message.hasPrefix("\(photo): not a close view of a concrete or masonry surface (surface score 0."))
    #expect(message.hasSuffix("no cracks measured; --any-scene measures them anyway"))
    let cracks = try crackmon("cracks", "--asset", "pier-17", "--format", "json")
    #expect(cracks.status == 0 && cracks.stdout.filter { !$0.isWhitespace } == "[]", "\(cracks.stdout)")

    let segment = try crackmon("segment", photo)
    #expect(segment.status == 0)
    #expect(segment.stdout.contains("flagged: not a close view of a concrete or masonry surface"))

    // Insisting measures it: in a store of its own, as the photo is now ingested here.
    let other = ["CRACKMON_STORE": directory.appendingPathComponent("insist.sqlite").path]
    for arguments in [
      ["init"],
      [
        "asset", "add", "pier-17", "--name", "Pier 17", "--kind", "bridge", "--lat", "52.52", "--lon",
        "13.40",
      ],
      ["cycle", "add", "pier-17", "2026-Q4", "--date", "2026-11-20"],
    ] {
      #expect(try runCrackmon(arguments, environment: other).status == 0)
    }
    let insisted = try runCrackmon(
      ["ingest", photo, "--asset", "pier-17", "--cycle", "2026-Q4", "--any-scene", "--format", "json"],
      environment: other)
    let insistedReport = try #require(
      try JSONSerialization.jsonObject(with: Data(insisted.stdout.utf8)) as? [String: Any])
    let measured = try #require((insistedReport["ingested"] as? [[String: Any]])?.first?["cracks"] as? Int)
    #expect(measured > 0)
    let insistedWarnings = try #require(insistedReport["warnings"] as? [[String: Any]])
    #expect(!insistedWarnings.contains { $0["error"] as? String == "not_a_surface" }, "\(insisted.stdout)")
  }
}
