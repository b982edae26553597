import Foundation
import TestSupport
import Testing

/// The whole product on the synthetic multi-cycle asset (tools/synth/make_cycles.py):
/// ingest four yearly cycles of nadir photos, track, report, and compare with the truth.
@Suite(.serialized) struct SyntheticGrowthTests {
  struct Truth: Decodable {
    struct Sample: Decodable {
      var cycle: String
      var photo: String
      var length_mm: Double
      var max_width_mm: Double
      var mean_width_mm: Double
      var latitude: Double
      var longitude: Double
    }
    struct Alert: Decodable, Hashable {
      var crack: String
      var cycle: String
      var kind: String
    }
    var cracks: [String: [Sample]]
    var alerts: [Alert]
  }

  struct Report: Decodable {
    struct Point: Decodable {
      var cycle: String
      var observation_id: String
      var length_mm: Double?
      var max_width_mm: Double?
    }
    struct Alert: Decodable {
      var cycle: String
      var kind: String
    }
    struct Track: Decodable {
      var id: String
      var points: [Point]
      var alerts: [Alert]
      var max_width_mm_per_year: Double?
      var length_mm_per_year: Double?
    }
    var tracks: [Track]
  }

  struct Observation: Decodable {
    var id: String
    var photo: String
    var latitude: Double?
    var longitude: Double?
    var georef_method: String
  }

  func crackmon(_ arguments: [String], store: URL) throws -> String {
    let run = try runCrackmon(arguments + ["--store", store.path])
    #expect(run.status == 0, "crackmon \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.stdout
  }

  /// Each followed crack's growth from one cycle to the next, measured against the truth,
  /// within `tolerance` of the later sample.
  func expectGrowth(
    of trackOf: [String: Report.Track], truth: Truth, measured: KeyPath<Report.Point, Double?>,
    true value: KeyPath<Truth.Sample, Double>, _ verb: String, tolerance: (Truth.Sample) -> Double
  ) throws {
    for (name, samples) in truth.cracks {
      guard let track = trackOf[name] else { continue }
      let measured = track.points.compactMap { $0[keyPath: measured] }
      try #require(measured.count == samples.count)
      for k in 1..<samples.count {
        let grown = measured[k] - measured[k - 1]
        let trueGrowth = samples[k][keyPath: value] - samples[k - 1][keyPath: value]
        #expect(
          abs(grown - trueGrowth) <= tolerance(samples[k]),
          "crack \(name) \(samples[k].cycle): \(verb) \(grown) mm, truth \(trueGrowth) mm")
      }
    }
  }

  @Test(
    .enabled(
      if: SyntheticCycles.canGenerate, "python3 with numpy, scipy and Pillow is needed to generate the photos"
    ))
  func growthOfTheSyntheticAssetMatchesTheTruth() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.python([
      SyntheticCycles.generator.path, "--out", photos.path, "--cycles", "4",
    ])
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    let truth = try JSONDecoder().decode(
      Truth.self, from: Data(contentsOf: photos.appendingPathComponent("truth.json")))

    let store = directory.appendingPathComponent("crackmon.sqlite")
    _ = try runCrackmon(["init", "--store", store.path])
    _ = try crackmon(
      [
        "asset", "add", "bern", "--name", "Bern test bridge", "--kind", "bridge", "--lat", "46.948", "--lon",
        "7.4474",
      ],
      store: store)
    for year in 2023...2026 {
      _ = try crackmon(["cycle", "add", "bern", "\(year)", "--date", "\(year)-06-01"], store: store)
      _ = try crackmon(
        ["ingest", photos.appendingPathComponent("\(year)").path, "--asset", "bern", "--cycle", "\(year)"],
        store: store)
    }
    let first = try crackmon(["report", "growth", "--asset", "bern", "--format", "json"], store: store)
    let report = try JSONDecoder().decode(Report.self, from: Data(first.utf8))
    let observations = try JSONDecoder().decode(
      [Observation].self,
      from: Data(try crackmon(["cracks", "--asset", "bern", "--format", "json"], store: store).utf8))

    // Each observation's true crack: the one in its photo nearest its ground position.
    let metresPerDegree = (lat: 111_200.0, lon: 111_200.0 * cos(46.948 * .pi / 180))
    var trueCrack: [String: String] = [:]
    for o in observations {
      #expect(o.georef_method == "footprint")
      let (lat, lon) = (try #require(o.latitude), try #require(o.longitude))
      let candidates = truth.cracks.flatMap { name, samples in
        samples.filter { o.photo.hasSuffix($0.photo) }.map {
          (hypot(($0.latitude - lat) * metresPerDegree.lat, ($0.longitude - lon) * metresPerDegree.lon), name)
        }
      }
      let nearest = try #require(candidates.min { $0.0 < $1.0 })
      #expect(nearest.0 < 0.02, "observation \(o.id) is \(nearest.0) m from crack \(nearest.1)")
      trueCrack[o.id] = nearest.1
    }

    // At least 99 % of observations on the right track: each track is one true crack.
    var right = 0
    var total = 0
    var trackOf: [String: Report.Track] = [:]
    for track in report.tracks {
      let names = track.points.compactMap { trueCrack[$0.observation_id] }
      let majority = Dictionary(grouping: names, by: { $0 }).max { $0.value.count < $1.value.count }?.key
      right += names.filter { $0 == majority }.count
      total += names.count
      if let majority, names.count == truth.cracks[majority]?.count { trackOf[majority] = track }
    }
    #expect(total == truth.cracks.values.reduce(0) { $0 + $1.count })
    #expect(Double(right) >= 0.99 * Double(total), "\(right) of \(total) observations on the right track")
    #expect(trackOf.count == truth.cracks.count, "every crack followed through all cycles")

    // Growth of maximum width within 0.05 mm/year (0.5 px at 0.1 mm/px) of the truth.
    for (name, samples) in truth.cracks {
      guard let track = trackOf[name], let measured = track.max_width_mm_per_year else {
        Issue.record("crack \(name) has no width growth rate")
        continue
      }
      let trueRate = (samples.last!.max_width_mm - samples.first!.max_width_mm) / Double(samples.count - 1)
      #expect(abs(measured - trueRate) <= 0.05, "crack \(name): \(measured) mm/year, truth \(trueRate)")
    }

    // Width growth from cycle to cycle within 0.05 mm (0.5 px) of the truth: widths come
    // from the photo's grey levels, not the mask, which is wider than a thin crack.
    try expectGrowth(of: trackOf, truth: truth, measured: \.max_width_mm, true: \.max_width_mm, "grew") { _ in
      0.05
    }
    // Length growth from cycle to cycle within 1 % of the crack's length: tips are placed
    // by the photo's grey levels (TipTracer), not where the model's confidence fades.
    try expectGrowth(of: trackOf, truth: truth, measured: \.length_mm, true: \.length_mm, "lengthened") {
      0.01 * $0.length_mm
    }

    // Every alert fires exactly where the truth says: width rates and severity crossings
    // (AASHTO condition states by maximum width).
    let raised = Set(
      trackOf.flatMap { name, track in
        track.alerts.map { Truth.Alert(crack: name, cycle: $0.cycle, kind: $0.kind) }
      })
    #expect(raised == Set(truth.alerts))

    // Re-tracking gives the same report; the CSV has one row per track per cycle.
    let again = try crackmon(["report", "growth", "--asset", "bern", "--format", "json"], store: store)
    let strip = { (s: String) in s.split(separator: "\n").filter { !$0.contains("generated_at") }.joined() }
    #expect(strip(again) == strip(first))
    let csv = try crackmon(["report", "growth", "--asset", "bern", "--format", "csv"], store: store)
    #expect(csv.split(separator: "\n").count == 1 + total)
    let html = try crackmon(["report", "growth", "--asset", "bern", "--format", "html"], store: store)
    #expect(html.contains("<svg") && html.contains("data:image/jpeg;base64,"))
    #expect(!html.contains("No growth rate"), "every track has rates: no reason for none is shown")
    #expect(!html.contains("http://") || !html.contains("src=\"http"))

    // The asset map opens in GDAL with every observation, photo and track, and the rates.
    let map = directory.appendingPathComponent("bern.geojson")
    _ = try crackmon(["export", "geojson", "--asset", "bern", "--out", map.path], store: store)
    let photoCount = try FileManager.default.subpathsOfDirectory(atPath: photos.path)
      .filter { $0.hasSuffix(".jpg") }.count
    let ogrinfo = URL(fileURLWithPath: "/usr/bin/ogrinfo")
    try #require(
      FileManager.default.isExecutableFile(atPath: ogrinfo.path),
      "ogrinfo not found: tools/setup.sh installs gdal-bin")
    for (kind, count) in [("crack", total), ("capture", photoCount), ("track", report.tracks.count)] {
      let info = try runProcess(ogrinfo, ["-al", "-so", "-where", "kind = '\(kind)'", map.path])
      #expect(info.stdout.contains("Feature Count: \(count)\n"), "\(kind): \(info.stdout) \(info.stderr)")
    }
    let sql = "SELECT growth_width_mm_per_year FROM bern WHERE kind = 'track'"
    let rates = try runProcess(ogrinfo, ["-q", "-sql", sql, map.path]).stdout
      .matches(of: /growth_width_mm_per_year \(Real\) = (-?[0-9.]+)/).compactMap { Double($0.1) }.sorted()
    let expected = report.tracks.compactMap(\.max_width_mm_per_year).sorted()
    #expect(rates.count == expected.count && !rates.isEmpty)
    for (a, b) in zip(rates, expected) { #expect(abs(a - b) < 0.0001) }
  }
}
