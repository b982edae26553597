import Foundation
import TestSupport
import Testing

extension CommandLineTests {
  /// A block wall with no crack (khanh-mixed, a wall the crack verifier neither trained nor
  /// chose on): the crack net finds its mortar joints; ingest stores only the lines the
  /// verifier believes, and counts the others as set aside, so the joints never become
  /// observations that are synced, tracked and alerted on.
  @Test(.enabled(if: TestPaths.hasCrackDatasets, "../shared/datasets/cracks is missing"))
  func jointsSetAsideByTheVerifierAreNotStored() throws {
    try setUpAsset()
    let photo = TestPaths.sharedDatasets.appendingPathComponent(
      "cracks/khanh-mixed/images/noncrack_noncrack_concrete_wall_103_0.jpg.jpg"
    ).path
    let ingest = try crackmon("ingest", photo, "--asset", "pier-17", "--cycle", "2026-Q4", "--format", "json")
    #expect(ingest.status == 0, "\(ingest.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
    let ingested = try #require((report["ingested"] as? [[String: Any]])?.first, "\(ingest.stdout)")
    let stored = try #require(ingested["cracks"] as? Int)
    let setAside = try #require(ingested["lines_set_aside"] as? Int)
    print("block wall ingested: \(stored) cracks stored, \(setAside) lines set aside")
    #expect(setAside >= 2 && stored < setAside, "\(ingest.stdout)")
    let cracks = try crackmon("cracks", "--asset", "pier-17", "--format", "json")
    #expect(cracks.status == 0, "\(cracks.stderr)")
    let listed = try #require(try JSONSerialization.jsonObject(with: Data(cracks.stdout.utf8)) as? [Any])
    #expect(listed.count == stored, "\(cracks.stdout)")
  }
}
