import Foundation
import GRDB
import TestSupport
import Testing

/// The full push/pull cycle between two field devices of one organisation, through a real
/// `crackmon serve`: what one device inspected arrives on the other, tracked the same way.
extension PushTests {
  func rows(_ store: String, _ sql: String) throws -> [[String]] {
    try DatabaseQueue(path: store).read { db in
      try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { "\($0)" } }
    }
  }

  /// A GeoJSON geometry's positions, whatever its type.
  static func positions(_ geometry: Any?) -> [(Double, Double)]? {
    func walk(_ value: Any) -> [(Double, Double)] {
      if let pair = value as? [Double], pair.count >= 2 { return [(pair[0], pair[1])] }
      return (value as? [Any])?.flatMap(walk) ?? []
    }
    guard let coordinates = (geometry as? [String: Any])?["coordinates"] else { return nil }
    let found = walk(coordinates)
    return found.isEmpty ? nil : found
  }

  @Test(
    .enabled(if: SyntheticCycles.canGenerate, "python3 with numpy, scipy and Pillow is needed"),
    arguments: CentralBackend.available)
  func pullBringsAnAssetsHistoryToAnotherDevice(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let drone = try token(org: "acme", name: "drone")
    let office = try token(org: "acme", name: "office")
    let rival = try token(org: "other", name: "rival")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let url = server.url.absoluteString

    // The tablet inspects two cycles of an asset, tracks its cracks and syncs.
    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.generate(into: photos, cycles: 2)
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    let a = directory.appendingPathComponent("tablet.sqlite").path
    func on(_ store: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String)
    {
      try crackmon(arguments + ["--store", store])
    }
    #expect(try on(a, ["init"]).status == 0)
    #expect(
      try on(
        a,
        ["asset", "add", "bern", "--name", "Bern", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474"]
      )
      .status == 0)
    for year in ["2023", "2024"] {
      #expect(try on(a, ["cycle", "add", "bern", year, "--date", "\(year)-06-01"]).status == 0)
      let ingest = try on(
        a, ["ingest", photos.appendingPathComponent(year).path, "--asset", "bern", "--cycle", year])
      #expect(ingest.status == 0, "\(ingest.stderr)")
    }
    #expect(try on(a, ["track", "--asset", "bern"]).status == 0)
    #expect(try on(a, ["remote", "set", url, "--token", tablet.token]).status == 0)
    let pushed = try on(a, ["sync", "--no-photos"])
    #expect(pushed.status == 0, "\(pushed.stderr)")
    let observations = try count(a, "crack_observation")
    #expect(observations >= 6)

    // A second device, new to the asset, follows it: the history comes down, is tracked
    // the same way, and nothing of it is queued to go back up.
    let b = directory.appendingPathComponent("drone.sqlite").path
    #expect(try on(b, ["init"]).status == 0)
    #expect(try on(b, ["remote", "set", url, "--token", drone.token]).status == 0)
    let pulled = try on(b, ["sync", "--no-photos", "--asset", "bern"])
    #expect(pulled.status == 0, "\(pulled.stderr)")
    #expect(pulled.stdout.contains("Pulled \(try count(a, "sync_outbox")) records"), "\(pulled.stdout)")
    #expect(pulled.stdout.contains("tracks of bern rebuilt"), "\(pulled.stdout)")
    for table in ["asset", "inspection_cycle", "capture", "crack_observation", "crack_track"] {
      #expect(try count(b, table) == count(a, table), "\(table)")
    }
    let members = "SELECT observation_id, track_id FROM crack_track_member ORDER BY observation_id"
    #expect(try rows(b, members) == rows(a, members))
    let growth = "SELECT track_id, cycles_seen, max_width_mm_per_year FROM track_growth ORDER BY track_id"
    #expect(try rows(b, growth) == rows(a, growth))
    #expect(try count(b, "sync_outbox") == 0)
    // The pulled rows keep the tablet's stamps.
    #expect(try count(b, "capture WHERE device_id = (SELECT id FROM device)") == 0)

    // Again: nothing new either way.
    let again = try on(b, ["sync", "--no-photos"])
    #expect(again.stdout.contains("Pushed 0 records") && again.stdout.contains("Pulled 0 records"))

    // Pages: a small limit gives the same entries, in server order, with a cursor to go on from.
    var cursor = 0
    var keys: [String] = []
    var more = true
    while more {
      let page = try await send(
        server, "GET", "v1/pull?asset=bern&since=\(cursor)&limit=4", token: drone.token)
      #expect(page.0 == 200)
      let entries = try #require(page.1["entries"] as? [[String: Any]])
      #expect(entries.count <= 4)
      keys += entries.compactMap { $0["key"] as? String }
      cursor = try #require(page.1["cursor"] as? Int)
      more = try #require(page.1["more"] as? Bool)
    }
    let expected = try count(a, "sync_outbox") - 3  // not the asset and its two cycles
    #expect(keys.count == Set(keys).count && keys.count == expected)
    // The tablet's own rows do not come back to it.
    let own = try await send(server, "GET", "v1/pull?asset=bern", token: tablet.token)
    #expect((own.1["entries"] as? [Any])?.count == 0)

    // Cracks in a box: PostGIS answers through its spatial index, SQLite by filtering while
    // it streams; both give the features whose envelope touches the box.
    let (whole, _) = try await get(server, "v1/assets/bern/map.geojson?what=cracks", token: drone.token)
    let features = try #require(
      (JSONSerialization.jsonObject(with: whole) as? [String: Any])?["features"] as? [[String: Any]])
    #expect(features.count == observations)
    func cracks(in bbox: String) async throws -> [String]? {
      let (data, response) = try await get(server, "v1/assets/bern/cracks?bbox=\(bbox)", token: drone.token)
      guard response.status == 200 else { return nil }
      let found = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["features"]
      return (found as? [[String: Any]])?.compactMap { $0["id"] as? String }.sorted()
    }
    #expect(try await cracks(in: "-180,-90,180,90") == features.compactMap { $0["id"] as? String }.sorted())
    // One crack's own envelope holds it; the same crack seen in the other cycle lies within
    // a few centimetres, so the box gets both cycles' views of it and not the other cracks.
    let first = try #require(features.first)
    let positions = try #require(Self.positions(first["geometry"]))
    let (lons, lats) = (positions.map(\.0), positions.map(\.1))
    let box = "\(lons.min()!),\(lats.min()!),\(lons.max()!),\(lats.max()!)"
    let inBox = try #require(try await cracks(in: box))
    #expect(inBox.contains(first["id"] as? String ?? "") && inBox.count < features.count, "\(inBox)")
    #expect(try await cracks(in: "0,0,1,1") == [])
    for bad in ["1,2,3", "8,46,7,47", "a,b,c,d", "-181,0,0,1"] {
      #expect(try await get(server, "v1/assets/bern/cracks?bbox=\(bad)", token: drone.token).1.status == 400)
    }
    #expect(try await get(server, "v1/assets/bern/cracks", token: drone.token).1.status == 400)
    #expect(try await get(server, "v1/assets/bern/cracks?bbox=\(box)", token: rival.token).1.status == 404)
    if backend == .postgres {
      // A GIS client sees the crack layer: GDAL's PostgreSQL driver, as QGIS uses it.
      let database = try #require(URLComponents(string: central.location))
      let connection =
        "PG:host=127.0.0.1 port=\(database.port ?? 5432) user=crackmon dbname=\(database.path.dropFirst())"
      let info = try runProcess(
        URL(fileURLWithPath: "/usr/bin/ogrinfo"), ["-ro", "-so", connection, "crack_observation(centreline)"])
      #expect(info.status == 0, "\(info.stderr)")
      #expect(info.stdout.contains("Geometry: Multi Line String"), "\(info.stdout)")
      #expect(info.stdout.contains("Feature Count: \(observations)"), "\(info.stdout)")
      #expect(info.stdout.contains("ID[\"EPSG\",4326]"), "\(info.stdout)")
      let layers = try runProcess(URL(fileURLWithPath: "/usr/bin/ogrinfo"), ["-ro", "-q", connection])
      for layer in ["crack_observation (Multi Line String, Point)", "capture (Point)", "asset (Point)"] {
        #expect(layers.stdout.contains(layer), "\(layers.stdout)")
      }
    }

    // Last write by server receipt wins for asset metadata: a third device registers the same
    // asset under another name and GPS sigma; the others take that name at their next sync, and the
    // central store keeps what was overwritten.
    let c = directory.appendingPathComponent("office.sqlite").path
    #expect(try on(c, ["init"]).status == 0)
    #expect(
      try on(
        c,
        [
          "asset", "add", "bern", "--name", "Bern (Aare crossing)", "--kind", "bridge", "--lat", "46.948",
          "--lon", "7.4474", "--gps-sigma-m", "8",
        ]
      ).status == 0)
    #expect(try on(c, ["remote", "set", url, "--token", office.token]).status == 0)
    #expect(try on(c, ["sync", "--no-photos"]).status == 0)
    #expect(try centralCount("overwrite_audit WHERE entity = 'asset'") == 1)
    for store in [a, b] {
      #expect(try on(store, ["sync", "--no-photos"]).stdout.contains("Pulled 1 records (1 asset)"))
      // With what the office knows of GPS there (under the deck, 8 m): the devices' ingest default.
      #expect(
        try rows(store, "SELECT name, gps_sigma_m FROM asset") == [["\"Bern (Aare crossing)\"", "8.0"]])
    }

    // Another organisation's device gets nothing of the asset, and says so: to it, the
    // asset is not there (not even that the id is taken).
    let r = directory.appendingPathComponent("rival.sqlite").path
    #expect(try on(r, ["init"]).status == 0)
    #expect(try on(r, ["remote", "set", url, "--token", rival.token]).status == 0)
    let refused = try on(r, ["sync", "--no-photos", "--asset", "bern"])
    #expect(
      refused.status == 1 && refused.stdout.contains("HTTP 404")
        && refused.stdout.contains("no asset \"bern\""),
      "\(refused.stdout)")
    #expect(try count(r, "asset") == 0 && count(r, "capture") == 0)
    #expect(try on(r, ["sync", "status"]).stdout.contains("Last failure"))

    // Refusals of the pull itself.
    #expect(try await send(server, "GET", "v1/pull", token: nil).0 == 401)
    #expect(try await send(server, "GET", "v1/pull?since=-1", token: drone.token).0 == 400)
    #expect(try await send(server, "GET", "v1/pull?limit=lots", token: drone.token).0 == 400)
    #expect(try await send(server, "GET", "v1/pull?asset=nope", token: drone.token).0 == 404)

    // A revoked device learns why at once, and `sync status` keeps it.
    #expect(try crackmon(["admin", "device", "revoke", drone.id]).status == 0)
    #expect(try on(b, ["sync", "--no-photos"]).status != 0)
    let status = try on(b, ["sync", "status"]).stdout
    #expect(status.contains("Last failure") && status.contains("HTTP 401"), "\(status)")
  }
}
