import Foundation
import TestSupport
import Testing

/// Ingest registers each photo to earlier cycles' photos of its spot (issue 20, part 2), on
/// real photos: CFD's 004 and 008 show one crack from opposite sides, 012 and 013 another.
/// GPS puts them metres off, as a consumer drone's would; the texture decides.
@Suite(.serialized)
struct RevisitIngestTests {
  static let cfd = TestPaths.sharedDatasets.appendingPathComponent("cracks/cfd/images")
  let directory: URL
  let environment: [String: String]

  init() throws {
    directory = try TestPaths.temporaryDirectory()
    environment = ["CRACKMON_STORE": directory.appendingPathComponent("field.sqlite").path]
  }

  func crackmon(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
    try runCrackmon(arguments, environment: environment)
  }

  /// A copy of CFD photo `name` with GPS `east`/`north` metres from the asset, taken in `year`.
  func photo(_ name: String, _ file: String, year: Int, east: Double, north: Double = 0, quality: Int? = nil)
    throws -> String
  {
    let folder = directory.appendingPathComponent(String(year))
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var source = Self.cfd.appendingPathComponent("\(name).jpg").path
    if let quality {  // the same view saved again: another file, so another capture
      source = folder.appendingPathComponent("\(file).src.jpg").path
      let save = try SyntheticCycles.python([
        "-c",
        "import sys; from PIL import Image; Image.open(sys.argv[1]).save(sys.argv[2], quality=int(sys.argv[3]))",
        Self.cfd.appendingPathComponent("\(name).jpg").path, source, String(quality),
      ])
      try #require(save.status == 0, "\(save.output)")
    }
    let out = folder.appendingPathComponent("\(file).jpg").path
    let run = try SyntheticCycles.python([
      TestPaths.repositoryRoot.appendingPathComponent("tools/synth/with_gps.py").path, source, out,
      "--lat", "46.948", "--lon", "7.4474", "--east-m", String(east), "--north-m", String(north),
      "--date", "\(year)-06-01",
    ])
    try #require(run.status == 0, "\(run.output)")
    if quality != nil { try FileManager.default.removeItem(atPath: source) }
    return out
  }

  func ingest(_ paths: [String], cycle: Int, _ extra: String...) throws -> [String: [String: Any]] {
    let run = try runCrackmon(
      ["ingest"] + paths + [
        "--asset", "pier-17", "--cycle", String(cycle), "--no-segment", "--format", "json",
      ]
        + extra, environment: environment)
    #expect(run.status == 0, "\(run.stderr)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let ingested = try #require(report["ingested"] as? [[String: Any]], "\(run.stdout)")
    return Dictionary(
      uniqueKeysWithValues: ingested.map {
        (URL(fileURLWithPath: $0["path"] as? String ?? "").lastPathComponent, $0)
      })
  }

  func setUpAsset(cycles: [Int], _ extra: String...) throws {
    #expect(try crackmon("init").status == 0)
    #expect(
      try runCrackmon(
        [
          "asset", "add", "pier-17", "--name", "Pier 17", "--kind", "bridge", "--lat", "46.948", "--lon",
          "7.4474",
        ] + extra, environment: environment
      ).status == 0)
    for cycle in cycles { #expect(try crackmon("cycle", "add", "pier-17", String(cycle)).status == 0) }
  }

  static func registeredTo(_ entry: [String: Any]?) -> [String] {
    ((entry?["registration"] as? [String: Any])?["registered_to"] as? [[String: Any]] ?? []).compactMap {
      $0["capture_id"] as? String
    }
  }

  @Test(.enabled(if: TestPaths.hasCrackDatasets, "needs ../shared/datasets/cracks"))
  func aRevisitRegistersToItsSpotAndAnotherSurfaceDoesNot() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try setUpAsset(cycles: [2025, 2026, 2027])
    let first = try ingest(
      [try photo("004", "a", year: 2025, east: 0), try photo("012", "b", year: 2025, east: 60)], cycle: 2025)
    let a = try #require(first["a.jpg"]?["capture_id"] as? String)
    let b = try #require(first["b.jpg"]?["capture_id"] as? String)
    #expect((first["a.jpg"]?["registration"] as? [String: Any])?["reason"] as? String == "no earlier cycle")

    // A year on: the same spots from GPS 2-3 m off, and a different surface where GPS puts
    // it 1 m from the first spot.
    let second = try ingest(
      [
        try photo("008", "a", year: 2026, east: 2, north: -1.5),
        try photo("013", "b", year: 2026, east: 62, north: 3),
        try photo("050", "c", year: 2026, east: 1),
      ], cycle: 2026, "--gps-sigma-m", "3")
    #expect(Self.registeredTo(second["a.jpg"]) == [a], "\(second)")
    #expect(Self.registeredTo(second["b.jpg"]) == [b], "\(second)")
    let aRegistration = try #require(
      (second["a.jpg"]?["registration"] as? [String: Any])?["registered_to"] as? [[String: Any]])
    #expect((aRegistration.first?["inliers"] as? Int ?? 0) >= 100)
    #expect((aRegistration.first?["residual_px"] as? Double ?? 9) < 1.5)
    // Candidates come from GPS: b's spot, 60 m away, is not one for a.
    #expect((second["a.jpg"]?["registration"] as? [String: Any])?["candidates"] as? Int == 1)
    let c = try #require(second["c.jpg"]?["registration"] as? [String: Any])
    #expect(Self.registeredTo(second["c.jpg"]).isEmpty)
    #expect((c["reason"] as? String ?? "").contains("does not register"), "\(c)")

    // The latest cycle first: a 2027 view of 008's spot registers to 2026's photo and stops
    // there (2025's is older; the chain 2027 -> 2026 -> 2025 holds through 2026).
    let a2026 = try #require(second["a.jpg"]?["capture_id"] as? String)
    let third = try ingest([try photo("008", "a", year: 2027, east: -2, quality: 70)], cycle: 2027)
    #expect(Self.registeredTo(third["a.jpg"]) == [a2026], "\(third)")

    // The text report says how many registered, and which photo fell back to GPS and why.
    let text = try crackmon(
      "ingest", directory.appendingPathComponent("2026").path, "--asset", "pier-17", "--cycle", "2026")
    #expect(text.status == 0)
    #expect(text.stdout.contains("Already ingested (skipped): 3"), "\(text.stdout)")
  }

  @Test(.enabled(if: TestPaths.hasCrackDatasets, "needs ../shared/datasets/cracks"))
  func anEarlierPhotoThatIsGoneOrChangedIsNamedAndTheCaptureFallsBackToGPS() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try setUpAsset(cycles: [2025, 2026])
    let earlier = try photo("004", "a", year: 2025, east: 0)
    _ = try ingest([earlier], cycle: 2025)
    try FileManager.default.removeItem(atPath: earlier)
    let later = try photo("008", "a", year: 2026, east: 1)
    let run = try crackmon("ingest", later, "--asset", "pier-17", "--cycle", "2026", "--no-segment")
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("Registered to an earlier cycle's photo: 0 of 1"), "\(run.stdout)")
    #expect(
      run.stdout.contains(
        "\(later): placed by GPS only: the earlier photo of this spot does not register: "
          + "the earlier photo is not on this device (it was ingested from \(earlier))"), "\(run.stdout)")
  }

  @Test(.enabled(if: TestPaths.hasCrackDatasets, "needs ../shared/datasets/cracks"))
  func anAssetsGPSSigmaIsIngestsDefaultAndAnIngestsOwnOverridesIt() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    // In a tunnel, GPS is tens of metres off: every earlier photo 60 m away may show the spot.
    try setUpAsset(cycles: [2025, 2026], "--gps-sigma-m", "30")
    let first = try ingest(
      [try photo("004", "a", year: 2025, east: 0), try photo("012", "b", year: 2025, east: 60)], cycle: 2025)
    let a = try #require(first["a.jpg"]?["capture_id"] as? String)
    let later = try ingest([try photo("008", "a", year: 2026, east: 2)], cycle: 2026)
    let registration = later["a.jpg"]?["registration"] as? [String: Any]
    #expect(registration?["candidates"] as? Int == 2, "\(later)")
    #expect(Self.registeredTo(later["a.jpg"]) == [a], "\(later)")
    let captures = try crackmon("captures", "--asset", "pier-17", "--format", "json")
    #expect(
      captures.stdout.components(separatedBy: "\"gps_sigma_m\" : 30").count - 1 == 3, "\(captures.stdout)")

    // Told otherwise at ingest (RTK on this flight), the photo keeps its own sigma; the earlier
    // photos' 30 m still reach it.
    let told = try ingest(
      [try photo("013", "c", year: 2026, east: 1, north: 1)], cycle: 2026, "--gps-sigma-m", "0.5")
    #expect((told["c.jpg"]?["registration"] as? [String: Any])?["candidates"] as? Int == 2, "\(told)")
    let all = try crackmon("captures", "--asset", "pier-17", "--format", "json").stdout
    #expect(all.components(separatedBy: "\"gps_sigma_m\" : 0.5").count - 1 == 1, "\(all)")
    let assets = try crackmon("asset", "list")
    #expect(assets.stdout.contains("gps_sigma_m") && assets.stdout.contains("30.0"), "\(assets.stdout)")
  }

  @Test func aGPSSigmaThatIsNoDistanceIsRefused() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    for bad in ["0", "-3", "nan"] {
      let run = try crackmon("ingest", "x.jpg", "--asset", "pier-17", "--cycle", "2026", "--gps-sigma-m", bad)
      #expect(run.status != 0)
      #expect(run.stderr.contains("--gps-sigma-m"), "\(run.stderr)")
      let asset = try crackmon(
        "asset", "add", "p", "--name", "P", "--kind", "dam", "--lat", "1", "--lon", "1", "--gps-sigma-m", bad)
      #expect(asset.status != 0)
      #expect(asset.stderr.contains("--gps-sigma-m"), "\(asset.stderr)")
    }
  }
}
