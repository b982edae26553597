import Foundation
import TestSupport
import Testing

/// The `crackmon` binary, driven as a user would drive it.
struct CommandLineTests {
  let directory: URL
  let storePath: String

  init() throws {
    directory = try TestPaths.temporaryDirectory()
    storePath = directory.appendingPathComponent("field.sqlite").path
  }

  func crackmon(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
    try runCrackmon(arguments, environment: ["CRACKMON_STORE": storePath])
  }

  func setUpAsset() throws {
    #expect(try crackmon("init").status == 0)
    let added = try crackmon(
      "asset", "add", "pier-17", "--name", "Pier 17", "--kind", "bridge", "--lat", "52.52", "--lon", "13.40")
    #expect(added.status == 0, "\(added.stderr)")
    #expect(added.stdout.contains("EPSG:32633"))
    #expect(try crackmon("cycle", "add", "pier-17", "2026-Q4", "--date", "2026-11-20").status == 0)
  }

  @Test func fieldSessionEndToEnd() throws {
    try setUpAsset()
    let ingest = try crackmon(
      "ingest", TestPaths.fixture("photos").path, "--asset", "pier-17", "--cycle", "2026-Q4", "--format",
      "json")
    #expect(ingest.status == 0, "\(ingest.stderr)")
    let report = try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as! [String: Any]
    #expect((report["ingested"] as! [Any]).count == 5)
    #expect(report["without_gps"] as? Int == 1)

    let again = try crackmon(
      "ingest", TestPaths.fixture("photos").path, "--asset", "pier-17", "--cycle", "2026-Q4")
    #expect(again.status == 0)
    #expect(again.stdout.contains("Already ingested (skipped): 5"))

    let listed = try crackmon("captures", "--asset", "pier-17", "--format", "json")
    let captures = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as! [[String: Any]]
    #expect(captures.count == 5)
    #expect(captures.allSatisfy { ($0["id"] as? String)?.count == 64 })
    #expect(try crackmon("captures", "--asset", "pier-17").stdout.contains("5 captures"))
  }

  @Test func failedFilesGiveANonZeroExitAndTheirReasons() throws {
    try setUpAsset()
    let run = try crackmon(
      "ingest", TestPaths.fixture("bad").path, TestPaths.fixture("photos/phone-gps.jpg").path, "--asset",
      "pier-17", "--cycle", "2026-Q4")
    #expect(run.status == 1)
    #expect(run.stdout.contains("Ingested 1"))
    #expect(run.stdout.contains("Failed: 3"))
    #expect(run.stdout.contains("empty.jpg: file is empty"))
    #expect(run.stdout.contains("text-named.jpg: not an image"))
    #expect(run.stdout.contains("truncated.jpg: truncated file"))
  }

  @Test func metadataPrintsOneJSONObjectPerFile() throws {
    let run = try runCrackmon([
      "metadata", TestPaths.fixture("photos").path, TestPaths.fixture("bad/empty.jpg").path,
    ])
    #expect(run.status == 1)
    let lines = run.stdout.split(separator: "\n")
    #expect(lines.count == 6)
    for line in lines {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
      #expect(object["path"] is String)
      #expect(object["sha256"] is String || object["error"] is String)
    }
    #expect(run.stderr.contains("1 of 6 files could not be read"))
  }

  @Test func badArgumentsGiveOneClearSentence() throws {
    #expect(try crackmon("init").status == 0)
    let badLat = try crackmon(
      "asset", "add", "x", "--name", "X", "--kind", "bridge", "--lat", "95", "--lon", "0")
    #expect(badLat.status != 0)
    #expect(badLat.stderr.contains("--lat 95.0 is outside -90...90"))
    let geographic = try crackmon(
      "asset", "add", "x", "--name", "X", "--kind", "dam", "--lat", "1", "--lon", "1", "--epsg", "4326")
    #expect(geographic.status != 0)
    #expect(geographic.stderr.contains("EPSG:4326 is a geographic CRS, not a projected CRS"))
    let noAsset = try crackmon("ingest", TestPaths.fixture("photos").path, "--asset", "nope", "--cycle", "1")
    #expect(noAsset.status != 0)
    #expect(noAsset.stderr.contains("no asset \"nope\""))
    let noStore = try runCrackmon([
      "captures", "--asset", "x", "--store", directory.appendingPathComponent("none.sqlite").path,
    ])
    #expect(noStore.status != 0)
    #expect(noStore.stderr.contains("no crackmon store at"))
    let badDate = try crackmon("cycle", "add", "x", "q1", "--date", "2026-13-01")
    #expect(badDate.stderr.contains("is not a date written YYYY-MM-DD"))
  }

  @Test func westernAndSouthernAssetsTakeNegativeCoordinates() throws {
    #expect(try crackmon("init").status == 0)
    let added = try crackmon(
      "asset", "add", "rio", "--name", "Rio", "--kind", "bridge", "--lat", "-22.9", "--lon", "-43.2")
    #expect(added.status == 0, "\(added.stderr)")
    #expect(added.stdout.contains("EPSG:32723"))
  }

  @Test func helpReadsWell() throws {
    let help = try runCrackmon(["--help"])
    #expect(help.status == 0)
    for command in ["init", "asset", "cycle", "metadata", "ingest", "captures"] {
      #expect(help.stdout.contains(command))
    }
    let ingestHelp = try runCrackmon(["ingest", "--help"])
    #expect(ingestHelp.stdout.contains("--distance-m"))
    #expect(ingestHelp.stdout.contains("CRACKMON_STORE"))
    #expect(ingestHelp.stdout.contains("Skydio"))
    // The corrections: each listed, and each says what it needs.
    for command in ["reprocess", "corrections"] { #expect(help.stdout.contains(command), "\(command)") }
    for (command, option) in [
      (["captures", "void"], "--reason"), (["captures", "move"], "--cycle"),
      (["asset", "retire"], "--reason"),
      (["cycle", "retire"], "--reason"), (["reprocess"], "--distance-m"), (["corrections"], "--asset"),
    ] {
      let run = try runCrackmon(command + ["--help"])
      #expect(run.status == 0 && run.stdout.contains(option), "\(command): \(run.stdout)")
    }
  }
}
