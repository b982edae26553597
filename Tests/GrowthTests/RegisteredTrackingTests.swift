import Foundation
import TestSupport
import Testing

/// Tracking in the registered frame (issue 20, parts 3 and 4), end to end: a synthetic asset
/// whose sites keep their own concrete texture across cycles (`make_cycles.py --surface
/// fixed`), whose photos carry the GPS and compass errors of a consumer drone under a bridge
/// deck (σ 3 m per axis, 5° of yaw, independent per photo; the pixels show the true pose), and
/// whose cracks all fade in their middle in the second cycle, where the model loses them.
/// Generated with a seed the defaults do not use; nothing was tuned on it.
@Suite(.serialized) struct RegisteredTrackingTests {
  struct Truth: Decodable {
    struct Sample: Decodable {
      var cycle: String
      var photo: String
      var length_mm: Double
      var east_m: Double
      var north_m: Double
    }
    struct Photo: Decodable {
      var true_east_m: Double
      var true_north_m: Double
      /// Nil for a photo written without GPS.
      var written_east_m: Double?
      var written_north_m: Double?
    }
    var cracks: [String: [Sample]]
    var photos: [String: Photo]
  }

  struct Observation: Decodable {
    var id: String
    var photo: String
    var length_mm: Double?
    var latitude: Double?
    var longitude: Double?
  }

  struct Report: Decodable {
    struct Point: Decodable {
      struct Tip: Decodable { var extension_mm: Double }
      var observation_id: String
      var length_mm: Double?
      var tips: [Tip]?
    }
    struct Track: Decodable {
      var points: [Point]
      var matched_by: String
      var registration_residual_mm: Double?
      var latitude: Double?
      var longitude: Double?
    }
    var tracks: [Track]
  }

  struct Outcome {
    var report: Report
    /// The HTML report's aligned crops: one per cycle of each track matched by registration.
    var alignedCrops: Int
    var tracks: Int
    var rightShare: Double
    var followed: Int
    var worstLengthGrowthError: Double
    /// Growth at the tips, cycle to cycle, of the cracks followed: the worst error of the
    /// growing tip's extension against the true length growth, and the most that a tip
    /// moved where the crack did not grow (mm); how many cycle pairs had tips.
    var worstTipError = 0.0
    var worstStillTip = 0.0
    var tipPairs = 0
  }

  /// Ingests and tracks the generated photos; compares tracks with the truth.
  func run(_ photos: URL, truth: Truth, in directory: URL, register: Bool, gpsSigmaM: String) throws
    -> Outcome
  {
    let store = directory.appendingPathComponent(register ? "registered.sqlite" : "gps.sqlite").path
    func crackmon(_ arguments: [String]) throws -> String {
      let run = try runCrackmon(arguments + ["--store", store])
      #expect(run.status == 0, "crackmon \(arguments.joined(separator: " ")): \(run.stderr)")
      return run.stdout
    }
    _ = try runCrackmon(["init", "--store", store])
    _ = try crackmon([
      "asset", "add", "bern", "--name", "Bern", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474",
    ])
    let years = Set(truth.cracks.values.joined().map(\.cycle)).sorted()
    for year in years {
      _ = try crackmon(["cycle", "add", "bern", year, "--date", "\(year)-06-01"])
      _ = try crackmon(
        [
          "ingest", photos.appendingPathComponent(year).path, "--asset", "bern", "--cycle", year,
          "--gps-sigma-m", gpsSigmaM,
        ]
          + (register ? [] : ["--no-register"]))
    }
    let report = try JSONDecoder().decode(
      Report.self, from: Data(try crackmon(["report", "growth", "--asset", "bern", "--format", "json"]).utf8))
    let observations = try JSONDecoder().decode(
      [Observation].self, from: Data(try crackmon(["cracks", "--asset", "bern", "--format", "json"]).utf8))

    // Each observation's true crack: in its photo, the one whose offset from the true camera
    // position is nearest the observation's offset from the written one (the GPS error
    // cancels; the yaw error moves a crack 7 cm from the centre by a few millimetres).
    let origin = (lat: 46.948, lon: 7.4474)
    let earth = 6_371_008.8
    var trueCrack: [String: String] = [:]
    for o in observations {
      let parts = o.photo.split(separator: "/").suffix(2).map(String.init)
      let key = parts.joined(separator: "/")
      let photo = try #require(truth.photos[key], "\(o.photo)")
      var candidates: [(Double, String)] = []
      if let writtenNorth = photo.written_north_m, let writtenEast = photo.written_east_m {
        let lat: Double = try #require(o.latitude)
        let lon: Double = try #require(o.longitude)
        let degree = Double.pi / 180 * earth
        let north: Double = (lat - origin.lat) * degree - writtenNorth
        let east: Double = (lon - origin.lon) * degree * cos(origin.lat * .pi / 180) - writtenEast
        for (name, samples) in truth.cracks {
          for sample in samples where sample.photo == key {
            let de: Double = sample.east_m - photo.true_east_m - east
            let dn: Double = sample.north_m - photo.true_north_m - north
            candidates.append((hypot(de, dn), name))
          }
        }
      } else {
        // A photo without GPS: the crack of its photo nearest in length (the scenarios leave
        // such photos with one crack, or two of clearly different lengths).
        let length = try #require(o.length_mm)
        for (name, samples) in truth.cracks {
          for sample in samples where sample.photo == key {
            candidates.append((abs(sample.length_mm - length) / 1000, name))
          }
        }
      }
      let nearest = try #require(candidates.min { $0.0 < $1.0 })
      #expect(nearest.0 < 0.02, "observation \(o.id) is \(nearest.0) m from crack \(nearest.1)")
      trueCrack[o.id] = nearest.1
    }
    var right = 0
    var total = 0
    var followed = 0
    var worst = 0.0
    var (worstTip, worstStill, tipPairs) = (0.0, 0.0, 0)
    for track in report.tracks {
      let names = track.points.compactMap { trueCrack[$0.observation_id] }
      let majority = Dictionary(grouping: names, by: { $0 }).max { $0.value.count < $1.value.count }?.key
      right += names.filter { $0 == majority }.count
      total += names.count
      guard let majority, let samples = truth.cracks[majority], names.count == samples.count,
        Set(names) == [majority]
      else { continue }
      followed += 1
      let measured = track.points.compactMap(\.length_mm)
      guard measured.count == samples.count else { continue }
      // Each synthetic crack grows at one end only (`make_cycles.py`).
      for k in 1..<samples.count {
        guard let tips = track.points[k].tips, tips.count == 2 else { continue }
        tipPairs += 1
        worstTip = max(
          worstTip, abs(tips[0].extension_mm - (samples[k].length_mm - samples[k - 1].length_mm)))
        worstStill = max(worstStill, tips[1].extension_mm)
      }
      let measuredGrowth = measured.last! - measured.first!
      let trueGrowth = samples.last!.length_mm - samples.first!.length_mm
      worst = max(worst, abs(measuredGrowth - trueGrowth) / max(samples.last!.length_mm, 1))
    }
    let html = directory.appendingPathComponent(register ? "registered.html" : "gps.html")
    _ = try crackmon(["report", "growth", "--asset", "bern", "--out", html.path])
    let page = try String(contentsOf: html, encoding: .utf8)
    return Outcome(
      report: report, alignedCrops: page.components(separatedBy: "<figcaption>").count - 1,
      tracks: report.tracks.count, rightShare: Double(right) / Double(max(total, 1)), followed: followed,
      worstLengthGrowthError: worst, worstTipError: worstTip, worstStillTip: worstStill, tipPairs: tipPairs)
  }

  @Test(
    .enabled(
      if: SyntheticCycles.canGenerate && TestPaths.hasCrackDatasets,
      "python3 with numpy, scipy and Pillow is needed to generate the photos"))
  func cracksAreFollowedByTheSurfaceWhereGPSIsMetresOff() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.python([
      SyntheticCycles.generator.path, "--out", photos.path, "--cycles", "4", "--seed", "2029", "--surface",
      "fixed",
      "--gps-sigma-m", "3", "--yaw-sigma-deg", "5", "--fade-cycle", "1",
    ])
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    let truth = try JSONDecoder().decode(
      Truth.self, from: Data(contentsOf: photos.appendingPathComponent("truth.json")))

    let registered = try run(photos, truth: truth, in: directory, register: true, gpsSigmaM: "3")
    let gps = try run(photos, truth: truth, in: directory, register: false, gpsSigmaM: "3")
    print(
      "registered: \(registered.tracks) tracks for \(truth.cracks.count) cracks, "
        + "\(Int(registered.rightShare * 100)) % of observations on the right track, "
        + "\(registered.followed) followed through every cycle, worst length growth error "
        + String(format: "%.1f %%", registered.worstLengthGrowthError * 100)
        + String(
          format: "; tips: growing %.2f mm off at worst, still ones moved %.2f mm at most, %d cycle pairs",
          registered.worstTipError, registered.worstStillTip, registered.tipPairs)
        + "; GPS only: \(gps.tracks) tracks, \(Int(gps.rightShare * 100)) %, \(gps.followed) followed")
    #expect(registered.tracks == truth.cracks.count)
    #expect(registered.rightShare >= 0.99)
    #expect(registered.followed == truth.cracks.count)
    // Length growth from the first cycle to the last within 4 % of the crack's final length.
    // Looser than the 1 % per cycle that the default set meets: on this surface the tips of
    // the thinnest crack (0.2 mm) and the blunt ends of the widest (1.6 mm) move by 1-2 mm.
    #expect(registered.worstLengthGrowthError <= 0.04)

    // Part 6: each track says how it was matched, with the registrations' residual and where
    // it is, and the HTML report shows each cycle's photo of it aligned to the latest.
    for track in registered.report.tracks {
      #expect(track.matched_by == "registration")
      #expect(
        (track.registration_residual_mm ?? 1) < 0.5, "residual \(track.registration_residual_mm ?? -1) mm")
      let lat = try #require(track.latitude)
      let lon = try #require(track.longitude)
      // Within the synthetic asset's 36 m and the GPS error of the chain's first photo.
      #expect(abs(lat - 46.948) < 0.0003 && abs(lon - 7.4474) < 0.0008, "\(lat), \(lon)")
    }
    // Part 5: growth where it happens. The growing tip's extension (a straight distance from
    // the previous centreline) within 0.6 mm of the true growth along the crack; the other tip
    // within 0.6 mm of where it was.
    #expect(registered.tipPairs == 3 * truth.cracks.count)
    #expect(registered.worstTipError <= 0.6)
    #expect(registered.worstStillTip <= 0.6)
    #expect(gps.tipPairs == 0)
    #expect(registered.alignedCrops == registered.report.tracks.reduce(0) { $0 + $1.points.count })
    #expect(gps.report.tracks.allSatisfy { $0.matched_by == "gps" && $0.registration_residual_mm == nil })
    #expect(gps.alignedCrops == 0)
  }

  /// Photos with no GPS at all (no fix under the deck) are tracked by the surface alone: their
  /// cracks are placed through the earlier photo they register to. Another seed, 3 cycles,
  /// GPS σ 2 m and yaw σ 4° on the rest.
  @Test(
    .enabled(
      if: SyntheticCycles.canGenerate && TestPaths.hasCrackDatasets,
      "python3 with numpy, scipy and Pillow is needed to generate the photos"))
  func photosWithoutGPSAreTrackedByTheSurface() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.python([
      SyntheticCycles.generator.path, "--out", photos.path, "--cycles", "3", "--seed", "2031", "--surface",
      "fixed", "--gps-sigma-m", "2", "--yaw-sigma-deg", "4", "--no-gps", "2024/site1.jpg", "--no-gps",
      "2025/site2.jpg",
    ])
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    let truth = try JSONDecoder().decode(
      Truth.self, from: Data(contentsOf: photos.appendingPathComponent("truth.json")))
    let registered = try run(photos, truth: truth, in: directory, register: true, gpsSigmaM: "2")
    #expect(registered.tracks == truth.cracks.count)
    #expect(registered.rightShare >= 0.99)
    #expect(registered.followed == truth.cracks.count)
    #expect(registered.report.tracks.allSatisfy { $0.matched_by == "registration" })
  }
}
