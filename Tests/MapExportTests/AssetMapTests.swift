import Foundation
import GRDB
import TestSupport
import Testing

@testable import Store

/// `crackmon export geojson` on a small asset whose every position is known: RFC 7946
/// checks of our own, then GDAL (ogrinfo, ogr2ogr) reading what we wrote.
@Suite(.serialized) struct AssetMapTests {
  let directory: URL
  let store: DeviceStore

  // Asset "bern": a nadir shot (2025) with two footprint cracks, an oblique shot (2026) with a
  // crack placed at the camera only, a photo without GPS (2026) whose crack has no place, and
  // a nadir shot (2026) of the first crack, grown.
  static let line =
    "[[[7.44740004,46.94800004],[7.44740015,46.94800049],[7.44740015,46.94800049],[7.44740031,46.94800101]]]"
  static let branches =
    "[[[7.4475,46.9481],[7.44751,46.94811]],[[7.44751,46.94811],[7.44752,46.9481]],[[7.4475,46.9481],[7.44750001,46.94810001]]]"

  init() throws {
    directory = try TestPaths.temporaryDirectory()
    store = try DeviceStore.create(at: directory.appendingPathComponent("map.sqlite").path)
    try store.add(
      Asset(id: "bern", name: "Bern", kind: .bridge, latitude: 46.948, longitude: 7.4474, epsg: 32632))
    try store.add(InspectionCycle(assetId: "bern", label: "2025", startDate: "2025-06-01"))
    try store.add(InspectionCycle(assetId: "bern", label: "2026", startDate: "2026-06-01"))
    var o1 = Self.crack("o1", "a", 0, method: .footprint, wgs84: Self.line, lat: 46.948, lon: 7.4474)
    o1.polylineProjected = "[[[381000.0,5200000.0],[381000.01,5200000.05],[381000.02,5200000.11]]]"
    (o1.easting, o1.northing, o1.bearingDeg) = (381000.01, 5200000.05, 10)
    var o6 = o1
    (o6.id, o6.captureId, o6.lengthMm, o6.maxWidthMm) = ("o6", "e", 1.61, 0.4)
    o6.polylineProjected = "[[[381000.0,5200000.0],[381000.01,5200000.05],[381000.02,5200000.12]]]"
    try insert(
      capture: "a", cycle: "2025", view: "nadir", lat: 46.948, lon: 7.4474,
      gpsTime: "2025-06-01T09:15:29.500Z",
      observations: [
        o1, Self.crack("o2", "a", 1, method: .footprint, wgs84: Self.branches, lat: 46.9481, lon: 7.4475),
      ])
    try insert(
      capture: "b", cycle: "2026", view: "oblique", lat: 46.9481, lon: 7.4476, takenAt: "2026-06-01T11:00:00",
      offset: "+02:00",
      observations: [Self.crack("o3", "b", 0, method: .cameraPosition, wgs84: nil, lat: 46.9481, lon: 7.4476)]
    )
    try insert(
      capture: "c", cycle: "2026", view: "unknown", lat: nil, lon: nil,
      observations: [Self.crack("o4", "c", 0, method: .asset, wgs84: nil, lat: nil, lon: nil)])
    try insert(capture: "e", cycle: "2026", view: "nadir", lat: 46.948, lon: 7.4474, observations: [o6])
  }

  static func crack(
    _ id: String, _ capture: String, _ index: Int, method: CrackObservation.GeorefMethod, wgs84: String?,
    lat: Double?, lon: Double?
  ) -> CrackObservation {
    CrackObservation(
      id: id, captureId: capture, crackIndex: index, polylinePx: "[[[0,0],[10,10]]]",
      widthProfilePx: "[[0,0,2]]", lengthPx: 14.1, maxWidthPx: 3, meanWidthPx: 2, orientationDeg: 45,
      areaPx: 30,
      lengthMm: method == .asset ? nil : 1.41, maxWidthMm: method == .asset ? nil : 0.3,
      meanWidthMm: method == .asset ? nil : 0.2, polylineWgs84: wgs84, latitude: lat, longitude: lon,
      georefMethod: method, georefUncertaintyM: method == .asset ? nil : 5,
      severityScheme: "aashto-mbei-1130",
      severity: "CS2", confidence: 0.9, modelName: "crackunet", modelVersion: "1.1.0")
  }

  func insert(
    asset: String = "bern", capture: String, cycle: String, view: String, lat: Double?, lon: Double?,
    gpsTime: String? = nil,
    takenAt: String? = nil, offset: String? = nil, observations: [CrackObservation]
  ) throws {
    let id = String(repeating: capture, count: 64)
    let record = CaptureRecord(
      id: id, assetId: asset, cycleLabel: cycle, sourcePath: "\(capture).jpg", fileSize: 1, container: "jpeg",
      make: nil, model: nil, takenAt: takenAt, takenAtOffset: offset, gpsTimeUtc: gpsTime,
      gpsStatus: lat == nil ? "absent" : "valid", gpsProblem: nil, latitude: lat, longitude: lon,
      altitudeM: 560,
      altitudeRef: "above_sea_level", width: 100, height: 100, orientation: 1, cameraView: view, epsg: nil,
      easting: nil, northing: nil, gsdMmPerPx: 0.1, gsdMethod: "user", gsdUncertaintyMmPerPx: nil,
      gsdNote: nil,
      distanceM: nil, metadataJson: "{}", ingestedAt: Timestamp.now())
    _ = try store.insert(record, observations: observations)
  }

  func export(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runCrackmon(["export", "geojson"] + arguments + ["--store", store.path])
  }

  func features(_ text: String) throws -> [[String: Any]] {
    let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    return try #require(json["features"] as? [[String: Any]])
  }

  @Test func rfc7946FeatureCollection() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("bern.geojson")
    let run = try export(["--asset", "bern", "--out", out.path])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("4 cracks, 3 captures, 0 tracks"), "\(run.stderr)")
    #expect(run.stderr.contains("4 cracks are on no track yet"))
    let text = try String(contentsOf: out, encoding: .utf8)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(json["type"] as? String == "FeatureCollection")
    #expect(json["crs"] == nil)
    let features = try #require(json["features"] as? [[String: Any]])
    #expect(features.count == 7)

    // Lon/lat order and 7 decimals, rounded half away from zero, repeated positions dropped.
    let byId = Dictionary(uniqueKeysWithValues: features.map { ($0["id"] as! String, $0) })
    let o1 = try #require(byId["o1"]?["geometry"] as? [String: Any])
    #expect(o1["type"] as? String == "LineString")
    #expect(
      o1["coordinates"] as? [[Double]] == [
        [7.4474, 46.948], [7.4474002, 46.9480005], [7.4474003, 46.948001],
      ])
    let o2 = try #require(byId["o2"]?["geometry"] as? [String: Any])
    #expect(o2["type"] as? String == "MultiLineString")
    #expect((o2["coordinates"] as? [[[Double]]])?.count == 2, "the branch that rounds to one spot is dropped")
    let o3 = try #require(byId["o3"]?["geometry"] as? [String: Any])
    #expect(o3["type"] as? String == "Point")
    #expect(o3["coordinates"] as? [Double] == [7.4476, 46.9481])
    #expect((byId["o3"]?["properties"] as? [String: Any])?["georef_method"] as? String == "camera-position")
    #expect(byId["o4"] == nil, "a crack tied only to the asset has no place on a map")
    let capture = try #require(byId[String(repeating: "a", count: 64)]?["geometry"] as? [String: Any])
    #expect(
      capture["coordinates"] as? [Double] == [7.4474, 46.948], "no altitude: EXIF's is above sea level")

    // No number anywhere has more than 7 decimals.
    let long = try Regex(#"\d\.\d{8,}"#)
    #expect(text.firstMatch(of: long) == nil)

    // The bbox bounds every position, tightly.
    var lons: [Double] = []
    var lats: [Double] = []
    func collect(_ value: Any) {
      if let pair = value as? [Double], pair.count == 2 {
        lons.append(pair[0])
        lats.append(pair[1])
      } else if let list = value as? [Any] {
        list.forEach(collect)
      }
    }
    for feature in features { collect((feature["geometry"] as! [String: Any])["coordinates"]!) }
    #expect(json["bbox"] as? [Double] == [lons.min()!, lats.min()!, lons.max()!, lats.max()!])

    // Flat, typed, the same keys on every feature; ids unique.
    let keys = Set((features[0]["properties"] as! [String: Any]).keys)
    #expect(keys.count == 23 && keys.contains("growth_width_mm_per_year") && keys.contains("matched_by"))
    for feature in features {
      let properties = try #require(feature["properties"] as? [String: Any])
      #expect(Set(properties.keys) == keys)
      // Whether the widths are estimates below the photo's resolution: said of every crack
      // and track, of no capture.
      let resolution = properties["width_below_resolution"]
      #expect(properties["kind"] as? String == "capture" ? resolution is NSNull : resolution is Bool)
      #expect(!properties.values.contains { $0 is [String: Any] || $0 is [Any] })
      #expect(properties["asset_id"] as? String == "bern")
    }
    #expect(Set(features.map { $0["id"] as! String }).count == features.count)
    // ... and exactly the keys schema/map-feature-properties.schema.json documents.
    let schemaFile = TestPaths.repositoryRoot.appendingPathComponent(
      "schema/map-feature-properties.schema.json")
    let schema = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: schemaFile)) as? [String: Any])
    #expect(Set(schema["required"] as? [String] ?? []) == keys)
    #expect(Set((schema["properties"] as? [String: Any] ?? [:]).keys) == keys)

    // Times are UTC: the GPS clock, else the camera clock with its offset.
    let o1Time = (byId["o1"]?["properties"] as? [String: Any])?["observed_at"] as? String
    let o3Time = (byId["o3"]?["properties"] as? [String: Any])?["observed_at"] as? String
    #expect(o1Time == "2025-06-01T09:15:29.500Z")
    #expect(o3Time == "2026-06-01T09:00:00Z")
  }

  @Test func sequenceCyclesKindsAndTracks() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let seq = try export(["--asset", "bern", "--seq", "--what", "cracks"])
    #expect(seq.status == 0, "\(seq.stderr)")
    let records = seq.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(records.count == 5 && records.last == "")
    for record in records.dropLast() {
      #expect(record.first == "\u{1E}")
      let feature = try JSONSerialization.jsonObject(with: Data(record.dropFirst().utf8)) as? [String: Any]
      #expect(feature?["type"] as? String == "Feature")
    }

    let oneCycle = try export(["--asset", "bern", "--cycle", "2026"])
    #expect(
      try features(oneCycle.stdout).map { $0["id"] as? String } == [
        "o3", "o6", String(repeating: "b", count: 64), String(repeating: "e", count: 64),
      ])

    #expect(try runCrackmon(["track", "--asset", "bern", "--store", store.path]).status == 0)
    let tracked = try export(["--asset", "bern", "--what", "tracks,cracks"])
    #expect(tracked.status == 0, "\(tracked.stderr)")
    #expect(!tracked.stderr.contains("no track yet"))
    let all = try features(tracked.stdout)
    let tracks = all.filter { ($0["properties"] as? [String: Any])?["kind"] as? String == "track" }
    let cracks = all.filter { ($0["properties"] as? [String: Any])?["kind"] as? String == "crack" }
    #expect(cracks.count == 4 && (all.first?["id"] as? String)?.hasPrefix("trk_") == true)
    let trackIds = Set(cracks.compactMap { ($0["properties"] as? [String: Any])?["track_id"] as? String })
    #expect(trackIds.count == 3 && Set(tracks.compactMap { $0["id"] as? String }) == trackIds)
    // The crack seen twice: its track has the latest geometry and the rates, and so do its cracks.
    let grown = try #require(
      tracks.first { ($0["properties"] as? [String: Any])?["cycles_seen"] as? Int == 2 })
    let properties = try #require(grown["properties"] as? [String: Any])
    #expect(properties["capture_id"] as? String == String(repeating: "e", count: 64))
    #expect(abs((properties["growth_width_mm_per_year"] as? Double ?? 0) - 0.1) < 0.001)
    #expect(abs((properties["growth_length_mm_per_year"] as? Double ?? 0) - 0.2) < 0.001)
    #expect(properties["growth_note"] is NSNull)
    for track in tracks where track["id"] as? String != grown["id"] as? String {
      #expect((track["properties"] as? [String: Any])?["growth_note"] as? String == "seen in one cycle only")
    }
    let o1 = try #require(cracks.first { $0["id"] as? String == "o1" }?["properties"] as? [String: Any])
    #expect(o1["track_id"] as? String == grown["id"] as? String)
    #expect(o1["growth_width_mm_per_year"] as? Double == properties["growth_width_mm_per_year"] as? Double)
  }

  @Test func badInput() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let unknown = try export(["--asset", "nope"])
    #expect(unknown.status != 0 && unknown.stderr.contains("no asset \"nope\"") && unknown.stdout.isEmpty)
    let unknownCycle = try export(["--asset", "bern", "--cycle", "1999"])
    #expect(unknownCycle.status != 0 && unknownCycle.stderr.contains("1999"))
    let what = try export(["--asset", "bern", "--what", "cracks,rivers"])
    #expect(what.status != 0 && what.stderr.contains("unknown kind 'rivers'"))

    // Nowhere to write: one clear error, and no file anywhere.
    let missing = directory.appendingPathComponent("no/such/dir/map.geojson")
    let unwritable = try export(["--asset", "bern", "--out", missing.path])
    #expect(unwritable.status != 0 && unwritable.stderr.contains("cannot write the map"))
    #expect(!FileManager.default.fileExists(atPath: missing.path))

    // An asset with nothing placed (a tunnel: no GPS, so neither its photo nor its crack has
    // a place): a valid, empty FeatureCollection, with no bbox as there is nothing to bound.
    try store.add(Asset(id: "dark", name: "Dark", kind: .tunnel, latitude: 46.9, longitude: 7.4, epsg: 32632))
    try store.add(InspectionCycle(assetId: "dark", label: "2026", startDate: "2026-06-01"))
    try insert(
      asset: "dark", capture: "d", cycle: "2026", view: "unknown", lat: nil, lon: nil,
      observations: [Self.crack("o5", "d", 0, method: .asset, wgs84: nil, lat: nil, lon: nil)])
    let empty = try export(["--asset", "dark"])
    #expect(empty.status == 0)
    #expect(empty.stdout == "{\"type\":\"FeatureCollection\",\"features\":[]}\n")

    // A stored centreline that is not one: that feature is left out and named, the rest written.
    try DatabaseQueue(path: store.path).write { db in
      try db.execute(
        sql: """
          INSERT INTO crack_observation (id, asset_id, capture_id, polyline_px, width_profile_px, length_px,
            max_width_px, mean_width_px, orientation_deg, area_px, polyline_wgs84, georef_method, confidence,
            model_name, model_version, created_at, device_id, seq)
          VALUES ('bad1', 'bern', ?, '[]', '[]', 1, 1, 1, 0, 1, '[[[7.4474,46.948],[7.44', 'footprint', 0.5, 'm',
            '1', '', 'x', 1), ('bad2', 'bern', ?, '[]', '[]', 1, 1, 1, 0, 1, '[[[7.4474,46.948],[97.4,146.9]]]',
            'footprint', 0.5, 'm', '1', '', 'x', 2)
          """, arguments: [String(repeating: "a", count: 64), String(repeating: "a", count: 64)])
    }
    let out = directory.appendingPathComponent("partly.geojson")
    let partly = try export(["--asset", "bern", "--out", out.path])
    #expect(partly.status == 1)
    #expect(
      partly.stderr.contains("feature bad1: polyline_wgs84 is unusable (not a list of [lon, lat] lists"))
    #expect(partly.stderr.contains("feature bad2: polyline_wgs84 is unusable (position outside"))
    #expect(try features(String(contentsOf: out, encoding: .utf8)).count == 7)
  }

  // MARK: GDAL

  static let hasGDAL = FileManager.default.isExecutableFile(atPath: "/usr/bin/ogrinfo")

  func gdal(_ tool: String, _ arguments: [String]) throws -> String {
    let run = try runProcess(URL(fileURLWithPath: "/usr/bin/\(tool)"), arguments)
    #expect(run.status == 0, "\(tool) \(arguments.joined(separator: " ")): \(run.stderr)")
    return run.stdout
  }

  @Test func gdalReadsTheExport() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    // CI installs gdal-bin (tools/setup.sh): there, a missing ogrinfo is a failure, not a skip.
    try #require(Self.hasGDAL, "ogrinfo not found: run tools/setup.sh (it installs gdal-bin)")
    #expect(try runCrackmon(["track", "--asset", "bern", "--store", store.path]).status == 0)
    let map = directory.appendingPathComponent("bern.geojson")
    #expect(try export(["--asset", "bern", "--out", map.path]).status == 0)

    let summary = try gdal("ogrinfo", ["-al", "-so", map.path])
    #expect(summary.contains("Feature Count: 10"), "\(summary)")
    var fields: [String: String] = [:]
    for line in summary.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      if parts.count == 2, let type = parts[1].split(separator: " ").first, !parts[0].contains(" ") {
        fields[String(parts[0])] = String(type)
      }
    }
    let expected = [
      "kind": "String", "asset_id": "String", "cycle": "String", "cycle_date": "Date",
      "observed_at": "DateTime",
      "capture_id": "String", "track_id": "String", "length_mm": "Real", "max_width_mm": "Real",
      "mean_width_mm": "Real", "severity": "String", "severity_scheme": "String",
      "growth_width_mm_per_year": "Real", "growth_length_mm_per_year": "Real", "growth_note": "String",
      "cycles_seen": "Integer", "georef_method": "String", "uncertainty_m": "Real", "model_version": "String",
      "confidence": "Real", "width_below_resolution": "Integer(Boolean)",
    ]
    for (name, type) in expected {
      #expect(fields[name] == type, "field \(name): \(fields[name] ?? "missing")")
    }

    // Every feature as GDAL reads it: its kind, its geometry type, and every coordinate
    // inside the asset's neighbourhood (lon before lat, or these bounds fail).
    let dump = try gdal("ogrinfo", ["-al", "-q", map.path])
    var kinds: [String: [String]] = [:]
    for block in dump.components(separatedBy: "OGRFeature(").dropFirst() {
      let kind = block.firstMatch(of: /kind \(String\) = (\w+)/).map { String($0.1) } ?? "?"
      let geometry = try #require(
        block.split(separator: "\n").first {
          $0.hasPrefix("  POINT") || $0.hasPrefix("  LINESTRING") || $0.hasPrefix("  MULTILINESTRING")
        })
      kinds[kind, default: []].append(String(geometry.split(separator: " ")[0]))
      let numbers = geometry.matches(of: /-?\d+\.?\d*/).compactMap { Double($0.output) }
      for pair in stride(from: 0, to: numbers.count - 1, by: 2) {
        #expect(
          (7.447...7.448).contains(numbers[pair]) && (46.947...46.949).contains(numbers[pair + 1]),
          "\(geometry)")
      }
    }
    #expect(kinds["crack"]?.sorted() == ["LINESTRING", "LINESTRING", "MULTILINESTRING", "POINT"])
    #expect(kinds["capture"] == ["POINT", "POINT", "POINT"])
    #expect(kinds["track"]?.count == 3)

    // Round trip into a GeoPackage.
    let gpkg = directory.appendingPathComponent("bern.gpkg")
    _ = try gdal("ogr2ogr", ["-f", "GPKG", gpkg.path, map.path])
    #expect(try gdal("ogrinfo", ["-al", "-so", gpkg.path]).contains("Feature Count: 10"))
  }
}
