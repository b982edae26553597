import Foundation
import GRDB
import Store
import TestSupport
import Testing

/// A photo ingested into the wrong asset is moved to the right one from the command line: it is
/// measured again in that asset's coordinate system, set aside where it was, and both facts
/// reach the central store of either kind and the organisation's other devices.
extension PushTests {
  /// The first column of a query's rows on a store.
  func texts(_ store: String, _ sql: String) throws -> [String] {
    try DatabaseQueue(path: store).read { try String.fetchAll($0, sql: sql) }
  }

  /// `crackmon cracks --asset` on a store: each live crack's id and cycle.
  func crackCycles(_ store: String, asset: String) throws -> [String: String] {
    let listed = try crackmon(["cracks", "--asset", asset, "--format", "json", "--store", store])
    #expect(listed.status == 0, "\(listed.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
    return Dictionary(
      uniqueKeysWithValues: json.compactMap { crack in
        (crack["id"] as? String).map { ($0, crack["cycle"] as? String ?? "") }
      })
  }

  @Test(arguments: CentralBackend.available)
  func aPhotoMovedToAnotherAssetIsMeasuredThereAndSetAsideWhereItWas(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let drone = try token(org: "acme", name: "drone")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let url = server.url.absoluteString
    let a = directory.appendingPathComponent("tablet.sqlite").path
    func on(_ store: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String)
    {
      try crackmon(arguments + ["--store", store])
    }
    #expect(try on(a, ["init"]).status == 0)
    // Two assets on one site; the deck's map is in ETRS89-LAEA (EPSG 3035), the pier's in UTM.
    for (id, epsg) in [("pier", [String]()), ("deck", ["--epsg", "3035"])] {
      let added = try on(
        a, ["asset", "add", id, "--name", id, "--kind", "bridge", "--lat", "52.52", "--lon", "13.4"] + epsg)
      #expect(added.status == 0, "\(added.stderr)")
      #expect(try on(a, ["cycle", "add", id, "2026", "--date", "2026-06-01"]).status == 0)
    }
    let photo = TestPaths.fixtures.appendingPathComponent("photos/dji-nadir.jpg").path
    let ingest = try on(
      a, ["ingest", photo, "--asset", "pier", "--cycle", "2026", "--any-scene", "--no-register"])
    #expect(ingest.status == 0, "\(ingest.stderr)")
    let capture = try #require(texts(a, "SELECT id FROM capture").first)
    let onPier = try crackCycles(a, asset: "pier")
    #expect(!onPier.isEmpty, "the fixture's cracks are what moves")
    // Ingesting it into the deck as well is refused while it is the pier's.
    let twice = try on(a, ["ingest", photo, "--asset", "deck", "--cycle", "2026", "--no-register"])
    #expect(twice.status == 0 && twice.stdout.contains("pier"), "\(twice.stdout)")
    #expect(try count(a, "capture") == 1)

    let move = try on(
      a, ["captures", "move", String(capture.prefix(8)), "--asset", "deck", "--cycle", "2026", "--any-scene"])
    #expect(move.status == 0, "\(move.stderr)")
    #expect(move.stdout.contains("from pier to deck"), "\(move.stdout)")
    let onDeck = try crackCycles(a, asset: "deck")
    #expect(try crackCycles(a, asset: "pier").isEmpty)
    #expect(onDeck.count == onPier.count && Set(onDeck.keys).isDisjoint(with: onPier.keys))
    #expect(onDeck.values.allSatisfy { $0 == "2026" })
    // Measured again in the deck's CRS: the same crack sits at LAEA coordinates there.
    let epsgs = try texts(
      a,
      "SELECT DISTINCT CAST(epsg AS TEXT) FROM crack_observation WHERE asset_id = 'deck' AND epsg IS NOT NULL"
    )
    #expect(epsgs == ["3035"])
    let listed = try on(a, ["captures", "--asset", "pier", "--format", "json"])
    #expect(listed.stdout.contains("moved to asset deck"), "\(listed.stdout)")
    // Not again, and not back into the pier by ingest.
    let again = try on(
      a, ["captures", "move", String(capture.prefix(8)), "--asset", "deck", "--cycle", "2026"])
    #expect(again.status != 0, "\(again.stdout)")
    let back = try on(a, ["ingest", photo, "--asset", "pier", "--cycle", "2026", "--no-register"])
    #expect(back.status == 0)
    #expect(try count(a, "capture") == 2)

    // Both facts go up once; the central store reads each asset as the device does.
    #expect(try on(a, ["remote", "set", url, "--token", tablet.token]).status == 0)
    let pushed = try on(a, ["sync"])
    #expect(pushed.status == 0, "\(pushed.stderr)")
    #expect(try central.count("capture WHERE id = '\(capture)'") == 2)
    #expect(try central.count("crack_observation WHERE asset_id = 'deck'") == onDeck.count)
    #expect(try central.count("crack_observation WHERE asset_id = 'pier'") == onPier.count)
    #expect(try await send(server, "GET", "v1/captures/\(capture)/photo", token: drone.token).0 == 200)
    func mapped(_ asset: String) async throws -> Set<String> {
      let (data, _) = try await get(server, "v1/assets/\(asset)/map.geojson?what=cracks", token: drone.token)
      let features =
        (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["features"] as? [[String: Any]]
      return Set((features ?? []).compactMap { $0["id"] as? String })
    }
    let placed = Set(
      try texts(a, "SELECT id FROM crack_observation WHERE asset_id = 'deck' AND georef_method <> 'asset'"))
    #expect(!placed.isEmpty)
    #expect(try await mapped("deck") == placed)
    #expect(try await mapped("pier").isEmpty)

    // The organisation's other device pulls both assets and reads them the same way.
    let b = directory.appendingPathComponent("drone.sqlite").path
    #expect(try on(b, ["init"]).status == 0)
    #expect(try on(b, ["remote", "set", url, "--token", drone.token]).status == 0)
    let pulled = try on(b, ["sync", "--no-photos", "--asset", "pier", "--asset", "deck"])
    #expect(pulled.status == 0, "\(pulled.stderr)")
    #expect(try crackCycles(b, asset: "deck") == onDeck)
    #expect(try crackCycles(b, asset: "pier").isEmpty)

    // The asset an observation names is checked like any other: another organisation's asset
    // (or a capture it does not hold) is refused alike, saying nothing of what is there, and
    // only an observation names one.
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let rival = try token(org: "other", name: "rival")
    let rivalStore = try DeviceStore.create(at: directory.appendingPathComponent("rival.sqlite").path)
    var crack = CrackObservation(
      id: String(repeating: "b", count: 64), captureId: capture, crackIndex: 0, polylinePx: "[]",
      widthProfilePx: "[]", lengthPx: 10, maxWidthPx: 1, meanWidthPx: 1, orientationDeg: 0, areaPx: 10,
      georefMethod: .asset, confidence: 0.9, modelName: "m", modelVersion: "1")
    crack.deviceId = rivalStore.deviceID
    crack.seq = 1
    var entry = SyncEntry(seq: 1, entity: "crack_observation", key: crack.id)
    entry.observation = crack
    for asset in ["deck", "nowhere"] {
      entry.assetId = asset
      let (status, message) = try await push(server, token: rival.token, rivalStore, [entry])
      #expect(status == 400 && message.contains("is not in asset \"\(asset)\""), "\(status) \(message)")
    }
    let third = try token(org: "acme", name: "third")
    let thirdStore = try DeviceStore.create(at: directory.appendingPathComponent("third.sqlite").path)
    var cycle = InspectionCycle(assetId: "deck", label: "2027")
    cycle.deviceId = thirdStore.deviceID
    cycle.seq = 1
    var stray = SyncEntry(seq: 1, entity: "inspection_cycle", key: "deck/2027")
    stray.cycle = cycle
    stray.assetId = "deck"
    let (strayStatus, strayMessage) = try await push(server, token: third.token, thirdStore, [stray])
    #expect(strayStatus == 400 && strayMessage.contains("observation only"), "\(strayStatus) \(strayMessage)")
    #expect(try central.count("crack_observation WHERE asset_id = 'deck'") == onDeck.count)
  }
}
