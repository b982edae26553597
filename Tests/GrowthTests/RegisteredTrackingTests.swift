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
      var mean_width_mm: Double
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
    var gsd_mm_per_px: Double
  }

  struct Observation: Decodable {
    var id: String
    var capture_id: String
    var photo: String
    var length_mm: Double?
    var latitude: Double?
    var longitude: Double?
  }

  struct Report: Decodable {
    struct Point: Decodable {
      struct Tip: Decodable { var extension_mm: Double }
      struct WidthGrowth: Decodable {
        var matched: Int
        var median_mm: Double
        var stations: [Station]
        struct Station: Decodable { var before_mm: Double }
      }
      var observation_id: String
      var length_mm: Double?
      var length_growth_mm: Double?
      var tips: [Tip]?
      var piece_ids: [String]?
      var unseen_mm: Double?
      var width_growth: WidthGrowth?
    }
    struct Track: Decodable {
      var id: String
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
    /// Length growth of the cracks followed, against the truth as a share of the crack's true
    /// length: cycle to cycle at worst, and from the first cycle to the last; and how many
    /// cycle pairs had it from the tips.
    var worstCycleLengthGrowthError: Double
    var worstLengthGrowthError: Double
    var tipLengthPairs = 0
    /// Growth at the tips, cycle to cycle, of the cracks followed: the worst error of the
    /// growing tip's extension against the true length growth, and the most that a tip
    /// moved where the crack did not grow (mm); how many cycle pairs had tips.
    var worstTipError = 0.0
    var worstStillTip = 0.0
    var tipPairs = 0
    /// Width growth at corresponding points, cycle to cycle: the worst error of its median
    /// against the true growth of the mean width (mm), and how many cycle pairs had it.
    var worstWidthGrowthError = 0.0
    var widthPairs = 0
    /// Points of a crack seen in pieces, and the worst error of their length (pieces and the
    /// unseen gaps between them) against the true length, as a share of it.
    var piecedPoints = 0
    var worstPiecedLengthError = 0.0
    /// Track features of the GeoJSON export that disagree with the report: how matched, the
    /// residual, or where (more than 5 cm from the report's position); and how many there are.
    var mapDisagreements: [String] = []
    var mapTracks = 0
    /// The crack features of the export, and those of photos without GPS that are not drawn
    /// through their registration frame within 5 cm of their track's reported position.
    var observations = 0
    var mapCracks = 0
    var unplacedCracks: [String] = []
    /// Track features of the export's view of each cycle, by cycle.
    var tracksByCycle: [String: Int] = [:]
  }

  struct Map: Decodable {
    struct Feature: Decodable {
      struct Geometry: Decodable {
        var type: String
        var coordinates: Coordinates
        enum Coordinates: Decodable {
          case line([[Double]])
          case lines([[[Double]]])
          case point([Double])
          init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let p = try? c.decode([Double].self) {
              self = .point(p)
            } else if let l = try? c.decode([[Double]].self) {
              self = .line(l)
            } else {
              self = .lines(try c.decode([[[Double]]].self))
            }
          }
          var points: [[Double]] {
            switch self {
            case .point(let p): [p]
            case .line(let l): l
            case .lines(let m): Array(m.joined())
            }
          }
        }
      }
      struct Properties: Decodable {
        var track_id: String?
        var matched_by: String?
        var registration_residual_mm: Double?
        var capture_id: String?
        var georef_method: String?
      }
      var geometry: Geometry
      var properties: Properties
    }
    var features: [Feature]
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
        // such photos with one crack, or two of clearly different lengths); any piece of the
        // only crack of a photo is that crack.
        let length = try #require(o.length_mm)
        let shown = truth.cracks.filter { $0.value.contains { $0.photo == key } }
        for (name, samples) in shown {
          for sample in samples where sample.photo == key {
            candidates.append((shown.count == 1 ? 0 : abs(sample.length_mm - length) / 1000, name))
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
    var (worst, worstCycle, tipLengthPairs) = (0.0, 0.0, 0)
    var (worstTip, worstStill, tipPairs) = (0.0, 0.0, 0)
    var (worstWidth, widthPairs, pieced, worstPieced) = (0.0, 0, 0, 0.0)
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
      for (point, sample) in zip(track.points, samples) where point.piece_ids != nil {
        pieced += 1
        worstPieced = max(worstPieced, abs((point.length_mm ?? 0) - sample.length_mm) / sample.length_mm)
      }
      for k in 1..<samples.count {
        guard let growth = track.points[k].width_growth else { continue }
        widthPairs += 1
        worstWidth = max(
          worstWidth, abs(growth.median_mm - (samples[k].mean_width_mm - samples[k - 1].mean_width_mm)))
      }
      // Each synthetic crack grows at one end only (`make_cycles.py`).
      for k in 1..<samples.count {
        guard let tips = track.points[k].tips, tips.count == 2 else { continue }
        tipPairs += 1
        worstTip = max(
          worstTip, abs(tips[0].extension_mm - (samples[k].length_mm - samples[k - 1].length_mm)))
        worstStill = max(worstStill, abs(tips[1].extension_mm))
      }
      // The growth the report gives: at the tips where the two photos lie on one chain of
      // registrations, else the difference of the lengths.
      var measuredGrowth = 0.0
      for k in 1..<samples.count {
        let growth = track.points[k].length_growth_mm ?? (measured[k] - measured[k - 1])
        if track.points[k].length_growth_mm != nil { tipLengthPairs += 1 }
        let trueGrowth = samples[k].length_mm - samples[k - 1].length_mm
        worstCycle = max(worstCycle, abs(growth - trueGrowth) / samples[k].length_mm)
        measuredGrowth += growth
      }
      let trueGrowth = samples.last!.length_mm - samples.first!.length_mm
      worst = max(worst, abs(measuredGrowth - trueGrowth) / max(samples.last!.length_mm, 1))
    }
    // The map's track features: how each was matched, and drawn where the report places it.
    let map = try JSONDecoder().decode(
      Map.self,
      from: Data(try crackmon(["export", "geojson", "--asset", "bern", "--what", "tracks"]).utf8))
    var disagreements: [String] = []
    let reported = Dictionary(uniqueKeysWithValues: report.tracks.map { ($0.id, $0) })
    for feature in map.features {
      guard let id = feature.properties.track_id, let track = reported[id] else {
        disagreements.append("a feature of no reported track")
        continue
      }
      let points = feature.geometry.coordinates.points
      let lon = points.reduce(0) { $0 + $1[0] } / Double(points.count)
      let lat = points.reduce(0) { $0 + $1[1] } / Double(points.count)
      let offset = hypot(
        (lat - (track.latitude ?? 0)) * .pi / 180 * earth,
        (lon - (track.longitude ?? 0)) * .pi / 180 * earth * cos(origin.lat * .pi / 180))
      if feature.properties.matched_by != track.matched_by || offset > 0.05
        || abs((feature.properties.registration_residual_mm ?? -1) - (track.registration_residual_mm ?? -1))
          > 0.001
      {
        disagreements.append("\(id): \(feature.properties.matched_by ?? "nil"), \(offset) m from the report")
      }
    }
    // Every crack is on the map, those of photos without GPS where their registrations place
    // them; and each cycle's view has the tracks seen in it.
    let cracks = try JSONDecoder().decode(
      Map.self,
      from: Data(try crackmon(["export", "geojson", "--asset", "bern", "--what", "cracks"]).utf8))
    let withoutGPS = Set(
      observations.filter { o in
        truth.photos[o.photo.split(separator: "/").suffix(2).joined(separator: "/")]?.written_east_m == nil
      }.map(\.capture_id))
    var unplaced: [String] = []
    for feature in cracks.features where withoutGPS.contains(feature.properties.capture_id ?? "") {
      let points = feature.geometry.coordinates.points
      let lon = points.reduce(0) { $0 + $1[0] } / Double(points.count)
      let lat = points.reduce(0) { $0 + $1[1] } / Double(points.count)
      let track = feature.properties.track_id.flatMap { reported[$0] }
      let offset = hypot(
        (lat - (track?.latitude ?? 0)) * .pi / 180 * earth,
        (lon - (track?.longitude ?? 0)) * .pi / 180 * earth * cos(origin.lat * .pi / 180))
      if feature.properties.georef_method != "footprint" || offset > 0.05 {
        unplaced.append("\(feature.properties.track_id ?? "untracked"): \(offset) m from its track")
      }
    }
    var tracksByCycle: [String: Int] = [:]
    for year in years {
      tracksByCycle[year] =
        try JSONDecoder().decode(
          Map.self,
          from: Data(
            try crackmon(["export", "geojson", "--asset", "bern", "--what", "tracks", "--cycle", year]).utf8)
        ).features.count
    }
    let html = directory.appendingPathComponent(register ? "registered.html" : "gps.html")
    _ = try crackmon(["report", "growth", "--asset", "bern", "--out", html.path])
    let page = try String(contentsOf: html, encoding: .utf8)
    return Outcome(
      report: report, alignedCrops: page.components(separatedBy: "<figcaption>").count - 1,
      tracks: report.tracks.count, rightShare: Double(right) / Double(max(total, 1)), followed: followed,
      worstCycleLengthGrowthError: worstCycle, worstLengthGrowthError: worst, tipLengthPairs: tipLengthPairs,
      worstTipError: worstTip, worstStillTip: worstStill, tipPairs: tipPairs,
      worstWidthGrowthError: worstWidth, widthPairs: widthPairs, piecedPoints: pieced,
      worstPiecedLengthError: worstPieced, mapDisagreements: disagreements, mapTracks: map.features.count,
      observations: observations.count, mapCracks: cracks.features.count, unplacedCracks: unplaced,
      tracksByCycle: tracksByCycle)
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
        + String(
          format: "%.1f %% cycle to cycle, %.1f %% first to last",
          registered.worstCycleLengthGrowthError * 100,
          registered.worstLengthGrowthError * 100)
        + String(
          format: "; tips: growing %.2f mm off at worst, still ones moved %.2f mm at most, %d cycle pairs",
          registered.worstTipError, registered.worstStillTip, registered.tipPairs)
        + String(
          format: "; width growth at the same points: %.3f mm off at worst, %d cycle pairs",
          registered.worstWidthGrowthError, registered.widthPairs)
        + "; GPS only: \(gps.tracks) tracks, \(Int(gps.rightShare * 100)) %, \(gps.followed) followed")
    #expect(registered.tracks == truth.cracks.count)
    #expect(registered.rightShare >= 0.99)
    #expect(registered.followed == truth.cracks.count)
    // Length growth at the tips within 1.5 % of the crack's length cycle to cycle and 2 %
    // first to last (1.1 % and 1.6 % on this set; on seeds 2033, 2035, 2037 and 2041 under
    // the same conditions 0.6-0.8 % and 0.5-1.2 %: `tools/synth/growth_accuracy.py`). Looser
    // than the 1 % per cycle that the default set (a fresh photo of each crack, exact GPS)
    // meets with the difference of lengths: the generator's cracks end blunt, in a round cap
    // half their width long that the photo shows and the truth's length leaves out, and it
    // widens with the crack (0.1 mm a year per tip on the fastest-widening crack); this set's
    // worst is that crack's last year, 0.75 mm at its 1.6 mm wide tip. The difference of
    // lengths was 2.6 % off per cycle and 3.4 % first to last on this set.
    #expect(registered.tipLengthPairs == 3 * truth.cracks.count)
    #expect(registered.worstCycleLengthGrowthError <= 0.015)
    #expect(registered.worstLengthGrowthError <= 0.02)

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
    // Part 5: growth where it happens. The growing tip's extension (along the crack, on its
    // centreline simplified to within half its width) within 1 mm of the true growth along
    // the crack (0.75 mm, above); the other tip within 0.45 mm of where it was (0.22 mm).
    #expect(registered.tipPairs == 3 * truth.cracks.count)
    #expect(registered.worstTipError <= 1.0)
    #expect(registered.worstStillTip <= 0.45)
    #expect(gps.tipPairs == 0)
    // Width growth at corresponding points: its median within a pixel (0.1 mm here) of the
    // true growth of the mean width.
    #expect(registered.widthPairs == 3 * truth.cracks.count)
    #expect(registered.worstWidthGrowthError <= truth.gsd_mm_per_px)
    #expect(gps.widthPairs == 0)
    #expect(registered.alignedCrops == registered.report.tracks.reduce(0) { $0 + $1.points.count })
    #expect(gps.report.tracks.allSatisfy { $0.matched_by == "gps" && $0.registration_residual_mm == nil })
    #expect(gps.alignedCrops == 0)
    // The GeoJSON export's tracks agree with the report: how matched, residual, where.
    for outcome in [registered, gps] {
      #expect(outcome.mapTracks == outcome.tracks)
      #expect(outcome.mapDisagreements.isEmpty, "\(outcome.mapDisagreements)")
    }
  }

  /// Photos with no GPS at all (no fix under the deck) are tracked by the surface alone: their
  /// cracks are placed through the earlier photo they register to. And in the first and the
  /// last cycle the middle fifth of every crack is hidden altogether (dirt, efflorescence):
  /// nothing in the photo links the two pieces. Pieces first seen apart become one track when
  /// the crack is seen whole; pieces of a crack seen whole before join its track. Another
  /// seed, 3 cycles, GPS σ 2 m and yaw σ 4° on the rest.
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
      "fixed", "--gps-sigma-m", "2", "--yaw-sigma-deg", "4", "--no-gps", "2024/site0.jpg", "--no-gps",
      "2025/site1.jpg", "--fade-cycle", "0", "--fade-cycle", "2", "--fade-darkness", "0",
    ])
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    let truth = try JSONDecoder().decode(
      Truth.self, from: Data(contentsOf: photos.appendingPathComponent("truth.json")))
    let registered = try run(photos, truth: truth, in: directory, register: true, gpsSigmaM: "2")
    #expect(registered.tracks == truth.cracks.count)
    #expect(registered.rightShare >= 0.99)
    #expect(registered.followed == truth.cracks.count)
    #expect(registered.report.tracks.allSatisfy { $0.matched_by == "registration" })
    print(
      "pieces: \(registered.piecedPoints) points of cracks seen in pieces, length (pieces and gaps) "
        + String(format: "%.1f %% off at worst", registered.worstPiecedLengthError * 100))
    #expect(registered.piecedPoints == 2 * truth.cracks.count)
    // Every track is on the map, those whose latest photo had no GPS too, drawn through
    // their registration frame.
    #expect(registered.mapTracks == registered.tracks)
    #expect(registered.mapDisagreements.isEmpty, "\(registered.mapDisagreements)")
    #expect(registered.worstPiecedLengthError <= 0.05)
    // Every crack is on the map, those of the photos without GPS through their registrations,
    // beside the rest of their track; and each cycle's view shows every crack seen in it.
    #expect(registered.mapCracks == registered.observations)
    #expect(registered.unplacedCracks.isEmpty, "\(registered.unplacedCracks)")
    #expect(
      registered.tracksByCycle.values.allSatisfy { $0 == truth.cracks.count }, "\(registered.tracksByCycle)")
  }
}
