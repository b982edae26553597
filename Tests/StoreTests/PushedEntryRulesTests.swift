import Foundation
import TestSupport
import Testing

@testable import Store

/// What a device writes must pass what the central store requires, or its outbox would be
/// refused at every sync.
struct PushedEntryRulesTests {
  /// EXIF text of any length is cut to fit; the whole value stays in the metadata JSON.
  @Test func longExifTextIsCutBetweenCharactersToFitTheCentralStore() throws {
    let make = String(repeating: "é", count: 3000)  // 6,000 bytes, as a fuzzed Make may be
    let cut = try #require(CaptureRecord.clamped(make))
    #expect(cut.utf8.count <= 256 && cut.utf8.count >= 255 && make.hasPrefix(cut))
    #expect(cut.utf8.count <= SyncEntry.maxTextBytes)
    #expect(CaptureRecord.clamped("Hasselblad") == "Hasselblad")
    #expect(CaptureRecord.clamped(nil) == nil)
  }

  /// An asset name or cycle label the central store would refuse is refused when it is typed.
  @Test func namesTooLongToSyncAreRefusedAtTheCommandLine() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let environment = ["CRACKMON_STORE": directory.appendingPathComponent("field.sqlite").path]
    #expect(try runCrackmon(["init"], environment: environment).status == 0)
    let long = try runCrackmon(
      [
        "asset", "add", "p", "--name", String(repeating: "n", count: 2000), "--kind", "dam", "--lat", "1",
        "--lon", "1",
      ],
      environment: environment)
    #expect(long.status == 64 && long.stderr.contains("--name is over 1024 bytes"), "\(long.stderr)")
    #expect(
      try runCrackmon(
        ["asset", "add", "p", "--name", "P", "--kind", "dam", "--lat", "1", "--lon", "1"],
        environment: environment
      ).status == 0)
    let label = try runCrackmon(
      ["cycle", "add", "p", String(repeating: "c", count: 300)], environment: environment)
    #expect(label.status == 64 && label.stderr.contains("cycle label is over 256 bytes"), "\(label.stderr)")
  }
}
