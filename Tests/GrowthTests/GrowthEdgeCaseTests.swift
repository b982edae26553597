import Foundation
import Imaging
import TestSupport
import Testing

/// Reports on thin data: one cycle, an empty cycle, photos without GPS, wrong ids.
@Suite(.serialized) struct GrowthEdgeCaseTests {
  @Test(.enabled(if: SyntheticCycles.canGenerate, "python3 with numpy, scipy and Pillow is needed"))
  func oneCycleAnEmptyCycleAndAPhotoWithoutGPS() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.python([
      SyntheticCycles.generator.path, "--out", photos.path, "--cycles", "1",
    ])
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    // The same pixels with no metadata at all: no GPS, no scale.
    let input = directory.appendingPathComponent("input")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: photos.appendingPathComponent("2023/site0.jpg"), to: input.appendingPathComponent("site0.jpg"))
    let pixels = try ImageDecoder().decode(photos.appendingPathComponent("2023/site1.jpg"))
    try Data(JPEGCodec.encode(pixels)).write(to: input.appendingPathComponent("no-gps.jpg"))

    let store = directory.appendingPathComponent("crackmon.sqlite").path
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
      try runCrackmon(arguments + ["--store", store])
    }
    _ = try runCrackmon(["init", "--store", store])
    #expect(
      try run([
        "asset", "add", "solo", "--name", "Solo", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474",
      ]).status == 0)
    #expect(try run(["cycle", "add", "solo", "2023", "--date", "2023-06-01"]).status == 0)
    #expect(try run(["cycle", "add", "solo", "2024", "--date", "2024-06-01"]).status == 0)
    let ingest = try run(["ingest", input.path, "--asset", "solo", "--cycle", "2023"])
    #expect(ingest.status == 0, "\(ingest.stderr)")
    // A cycle with no photos at all is fine, and says so.
    let empty = try run([
      "ingest", directory.appendingPathComponent("nothing-here").path, "--asset", "solo", "--cycle", "2024",
    ])
    #expect(empty.status == 1 && empty.stdout.contains("no such file or directory"))

    let report = try run(["report", "growth", "--asset", "solo", "--format", "json"])
    #expect(report.status == 0, "\(report.stderr)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
    let tracks = try #require(json["tracks"] as? [[String: Any]])
    #expect(tracks.count >= 3)
    for track in tracks {
      #expect(track["max_width_mm_per_year"] == nil)
      #expect(track["no_rate_reason"] as? String == "seen in one cycle only")
    }
    // The photo without GPS gives cracks tied to the asset, without millimetres.
    let unplaced = tracks.filter { $0["georef_method"] as? String == "asset" }
    #expect(!unplaced.isEmpty)
    let cycles = try #require((json["asset"] as? [String: Any])?["cycles"] as? [[String: Any]])
    #expect(cycles.map { $0["observations"] as? Int } == [tracks.count, 0])
    let html = try run(["report", "growth", "--asset", "solo"])
    #expect(html.stdout.contains("Only one inspection cycle") == false)
    #expect(html.stdout.contains("seen in one cycle only"))

    // Wrong ids: one clear sentence, non-zero exit, nothing stored.
    let badLink = try run(["track", "link", "ffff", "trk_0000"])
    #expect(badLink.status != 0 && badLink.stderr.contains("no crack observation \"ffff\""))
    let unknown = try run(["report", "growth", "--asset", "nope"])
    #expect(unknown.status != 0 && unknown.stderr.contains("no asset \"nope\""))
  }

  @Test(.enabled(if: SyntheticCycles.canGenerate, "python3 with numpy, scipy and Pillow is needed"))
  func inspectorOverridesSurviveRetracking() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let photos = directory.appendingPathComponent("synth")
    _ = try SyntheticCycles.python([
      SyntheticCycles.generator.path, "--out", photos.path, "--cycles", "2",
    ])
    let store = directory.appendingPathComponent("crackmon.sqlite").path
    func run(_ arguments: [String]) throws -> String {
      let r = try runCrackmon(arguments + ["--store", store])
      #expect(r.status == 0, "\(arguments): \(r.stderr)")
      return r.stdout
    }
    _ = try runCrackmon(["init", "--store", store])
    _ = try run([
      "asset", "add", "b", "--name", "B", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474",
    ])
    for year in ["2023", "2024"] {
      _ = try run(["cycle", "add", "b", year, "--date", "\(year)-06-01"])
      _ = try run([
        "ingest", photos.appendingPathComponent("\(year)/site2.jpg").path, "--asset", "b", "--cycle", year,
      ])
    }
    struct Track: Decodable {
      var id: String
      var observation_ids: [String]
    }
    struct Output: Decodable { var tracks: [Track] }
    let before = try JSONDecoder().decode(
      Output.self, from: Data(try run(["track", "--asset", "b", "--format", "json"]).utf8))
    // Site 2 has two cracks: two tracks, two observations each.
    // #require, not #expect: the swap below indexes both tracks' two observations, and an
    // index past the end would crash the whole test run instead of failing this test.
    try #require(before.tracks.map(\.observation_ids.count) == [2, 2])
    let (first, second) = (before.tracks[0], before.tracks[1])
    // The inspector swaps the 2024 observations between the two tracks.
    _ = try run(["track", "link", String(first.observation_ids[1].prefix(12)), second.id])
    _ = try run(["track", "link", String(second.observation_ids[1].prefix(12)), first.id])
    for _ in 0..<2 {  // and the swap holds on every re-run
      let after = try JSONDecoder().decode(
        Output.self, from: Data(try run(["track", "--asset", "b", "--format", "json"]).utf8))
      let byId = Dictionary(uniqueKeysWithValues: after.tracks.map { ($0.id, $0.observation_ids) })
      #expect(byId[first.id] == [first.observation_ids[0], second.observation_ids[1]])
      #expect(byId[second.id] == [second.observation_ids[0], first.observation_ids[1]])
    }
    _ = try run(["track", "unlink", first.observation_ids[0]])
    let unlinked = try JSONDecoder().decode(
      Output.self, from: Data(try run(["track", "--asset", "b", "--format", "json"]).utf8))
    #expect(unlinked.tracks.count == 3 || unlinked.tracks.count == 2)
    #expect(
      !unlinked.tracks.contains {
        $0.observation_ids.contains(first.observation_ids[0]) && $0.observation_ids.count > 1
      })
  }
}
