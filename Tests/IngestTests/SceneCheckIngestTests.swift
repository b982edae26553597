import Foundation
import TestSupport
import Testing

extension CommandLineTests {
  /// A photo of two runners (exifr's issue-fast-exif-2.jpg, a source the scene net never trained
  /// on): the crack net alone outlines their arms and shirts as some thirty "cracks". The scene
  /// check flags it, so ingest lists it with the reason and stores nothing of it, and segment
  /// says the same; ingesting it again with --any-scene stores and measures it.
  @Test(.enabled(if: TestPaths.hasExifCorpus, "../shared/datasets/exif is missing"))
  func aPhotoThatIsNotOfASurfaceIsFlaggedAndNotStored() throws {
    try setUpAsset()
    let photo = TestPaths.exifCorpus.appendingPathComponent("images/exifr/issue-fast-exif-2.jpg").path
    let ingest = try crackmon("ingest", photo, "--asset", "pier-17", "--cycle", "2026-Q4", "--format", "json")
    #expect(ingest.status == 0, "\(ingest.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
    #expect((report["ingested"] as? [Any])?.isEmpty == true, "\(ingest.stdout)")
    // Taken years before the cycle, but a photo not stored is not warned about for its date.
    #expect((report["warnings"] as? [Any])?.isEmpty == true, "\(ingest.stdout)")
    let flagged = try #require(report["flagged"] as? [[String: Any]])
    #expect(flagged.count == 1 && flagged.first?["path"] as? String == photo, "\(ingest.stdout)")
    let reason = try #require(flagged.first?["reason"] as? String)
    #expect(
      reason.hasPrefix("not a close view of a concrete or masonry surface (surface score 0."), "\(reason)")
    let text = try crackmon("ingest", photo, "--asset", "pier-17", "--cycle", "2026-Q4")
    #expect(
      text.stdout.contains("Flagged by the scene check (not stored; --any-scene stores and measures them): 1")
    )
    #expect(text.stdout.contains("\(photo): not a close view"), "\(text.stdout)")
    let captures = try crackmon("captures", "--asset", "pier-17", "--format", "json")
    #expect(captures.status == 0 && captures.stdout.filter { !$0.isWhitespace } == "[]", "\(captures.stdout)")

    let segment = try crackmon("segment", photo)
    #expect(segment.status == 0)
    #expect(segment.stdout.contains("flagged: not a close view of a concrete or masonry surface"))

    // Insisting stores and measures it.
    let insisted = try crackmon(
      "ingest", photo, "--asset", "pier-17", "--cycle", "2026-Q4", "--any-scene", "--format", "json")
    let insistedReport = try #require(
      try JSONSerialization.jsonObject(with: Data(insisted.stdout.utf8)) as? [String: Any])
    let measured = try #require((insistedReport["ingested"] as? [[String: Any]])?.first?["cracks"] as? Int)
    #expect(measured > 0)
    #expect((insistedReport["flagged"] as? [Any])?.isEmpty == true, "\(insisted.stdout)")
  }

  /// A drone's view of a surface from too high for cracks (the fixture's DJI nadir shot: 96 px
  /// over some 40 m, 402 mm per pixel) is still a view of the asset: stored, with no cracks,
  /// and a warning saying why.
  @Test func aSurfaceTooFarAwayIsStoredWithoutCracks() throws {
    try setUpAsset()
    let photo = TestPaths.fixture("photos/dji-nadir.jpg").path
    let ingest = try crackmon("ingest", photo, "--asset", "pier-17", "--cycle", "2026-Q4", "--format", "json")
    #expect(ingest.status == 0, "\(ingest.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
    let ingested = try #require(report["ingested"] as? [[String: Any]])
    #expect(ingested.count == 1 && ingested.first?["cracks"] as? Int == 0, "\(ingest.stdout)")
    let warnings = try #require(report["warnings"] as? [[String: Any]])
    #expect(warnings.map { $0["error"] as? String } == ["too_far_for_cracks"], "\(ingest.stdout)")
    #expect(
      warnings.first?["message"] as? String
        == "\(photo): too far for cracks: 402.0 mm per pixel, coarser than 5 mm: stored without cracks")
    #expect((report["flagged"] as? [Any])?.isEmpty == true)
  }
}
