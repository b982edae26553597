import Foundation
import GRDB
import Store
import TestSupport
import Testing

/// Corrections (void, move, re-process at another distance, retire) travel like the rows they
/// correct: pushed once, held by the central store of either kind, honoured by its map, and
/// pulled by the organisation's other devices; another organisation cannot correct them.
extension PushTests {
  @Test(arguments: CentralBackend.available)
  func correctionsSyncAndEveryStoreReadsThroughThem(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let drone = try token(org: "acme", name: "drone")
    let rival = try token(org: "other", name: "rival")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let url = server.url.absoluteString

    // The tablet ingests the fixture photos (segmented) into 2026; 2027 is a later cycle and
    // 2028 a cycle made by mistake.
    let a = directory.appendingPathComponent("tablet.sqlite").path
    func on(_ store: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String)
    {
      try crackmon(arguments + ["--store", store])
    }
    #expect(try on(a, ["init"]).status == 0)
    #expect(
      try on(
        a, ["asset", "add", "pier", "--name", "Pier", "--kind", "bridge", "--lat", "52.52", "--lon", "13.4"]
      )
      .status == 0)
    for year in ["2026", "2027", "2028"] {
      #expect(try on(a, ["cycle", "add", "pier", year, "--date", "\(year)-06-01"]).status == 0)
    }
    let photos = TestPaths.fixtures.appendingPathComponent("photos")
    let ingest = try on(
      a, ["ingest", photos.path, "--asset", "pier", "--cycle", "2026", "--any-scene", "--no-register"])
    #expect(ingest.status == 0, "\(ingest.stderr)")
    func captureId(_ file: String) throws -> String {
      try #require(texts(a, "SELECT id FROM capture WHERE source_path LIKE '%/\(file)'").first)
    }
    func cracks(_ store: String) throws -> [String: String] { try crackCycles(store, asset: "pier") }
    let junk = try captureId("huawei-app8-before-exif.jpg")
    let late = try captureId("phone-gps.jpg")
    let oblique = try captureId("dji-oblique-xmp-in-exif.jpg")
    let before = try cracks(a)
    let junkCracks = Set(try texts(a, "SELECT id FROM crack_observation WHERE capture_id = '\(junk)'"))
    let obliqueCracks = Set(try texts(a, "SELECT id FROM crack_observation WHERE capture_id = '\(oblique)'"))
    #expect(!junkCracks.isEmpty && !obliqueCracks.isEmpty, "the fixtures' cracks are what is corrected")

    let void = try on(a, ["captures", "void", String(junk.prefix(8)), "--reason", "test shot"])
    #expect(void.status == 0, "\(void.stderr)")
    #expect(try on(a, ["captures", "move", String(late.prefix(8)), "--cycle", "2027"]).status == 0)
    let reprocess = try on(
      a,
      [
        "reprocess", "--asset", "pier", "--capture", String(oblique.prefix(8)), "--distance-m", "2.5",
        "--any-scene",
      ])
    #expect(reprocess.status == 0, "\(reprocess.stderr)")
    #expect(try on(a, ["cycle", "retire", "pier", "2028", "--reason", "made by mistake"]).status == 0)
    // Nothing more goes into a retired cycle, and a voided capture is not voided twice.
    let refused = try on(a, ["ingest", photos.path, "--asset", "pier", "--cycle", "2028"])
    #expect(refused.status != 0 && refused.stderr.contains("retired (made by mistake)"), "\(refused.stderr)")
    let again = try on(a, ["captures", "void", String(junk.prefix(8)), "--reason", "twice"])
    #expect(again.status != 0 && again.stderr.contains("already set aside"), "\(again.stderr)")

    // On the tablet: the voided photo's cracks are gone, the moved photo's are in 2027, the
    // re-processed photo's are new (in millimetres now) and the old ones superseded.
    let after = try cracks(a)
    #expect(junkCracks.isDisjoint(with: after.keys))
    #expect(obliqueCracks.isDisjoint(with: after.keys))
    let remeasured = Set(try texts(a, "SELECT id FROM crack_observation WHERE capture_id = '\(oblique)'"))
      .subtracting(obliqueCracks)
    #expect(!remeasured.isEmpty && remeasured.isSubset(of: after.keys))
    let lateCracks = try texts(a, "SELECT id FROM crack_observation WHERE capture_id = '\(late)'")
    #expect(!lateCracks.isEmpty && lateCracks.allSatisfy { after[$0] == "2027" && before[$0] == "2026" })
    let millimetres = try count(
      a, "crack_observation WHERE capture_id = '\(oblique)' AND length_mm IS NOT NULL")
    #expect(millimetres == remeasured.count)
    let corrections = try count(a, "correction")
    // Void, move, set distance and retire, and one per observation superseded.
    #expect(corrections == 4 + obliqueCracks.count)

    // Pushed once; the central store holds them and its map reads through them.
    #expect(try on(a, ["track", "--asset", "pier"]).status == 0)
    #expect(try on(a, ["remote", "set", url, "--token", tablet.token]).status == 0)
    let pushed = try on(a, ["sync", "--no-photos"])
    #expect(pushed.status == 0, "\(pushed.stderr)")
    #expect(try central.count("correction") == corrections)
    #expect(try on(a, ["sync", "--no-photos"]).stdout.contains("Pushed 0 records"))
    #expect(try central.count("correction") == corrections)
    // The photos go up too, but for the voided one: a junk photo stays on the device.
    let uploaded = try on(a, ["sync"])
    #expect(uploaded.status == 0, "\(uploaded.stderr)")
    #expect(try await send(server, "GET", "v1/captures/\(late)/photo", token: drone.token).0 == 200)
    #expect(try await send(server, "GET", "v1/captures/\(junk)/photo", token: drone.token).0 == 404)
    #expect(try on(a, ["sync", "status"]).stdout.contains("Photos to upload: 0"))
    let (data, _) = try await get(server, "v1/assets/pier/map.geojson?what=cracks", token: drone.token)
    let features = try #require(
      (JSONSerialization.jsonObject(with: data) as? [String: Any])?["features"] as? [[String: Any]])
    let placed = Set(try texts(a, "SELECT id FROM crack_observation WHERE georef_method <> 'asset'"))
      .intersection(after.keys)
    let mapped = Dictionary(
      uniqueKeysWithValues: features.compactMap { feature -> (String, String)? in
        guard let id = feature["id"] as? String else { return nil }
        return (id, (feature["properties"] as? [String: Any])?["cycle"] as? String ?? "")
      })
    #expect(Set(mapped.keys) == placed, "\(mapped.keys.sorted()) vs \(placed.sorted())")
    #expect(lateCracks.allSatisfy { mapped[$0] == nil || mapped[$0] == "2027" })

    // Another device of the organisation pulls them and reads the asset the same way.
    let b = directory.appendingPathComponent("drone.sqlite").path
    #expect(try on(b, ["init"]).status == 0)
    #expect(try on(b, ["remote", "set", url, "--token", drone.token]).status == 0)
    let pulled = try on(b, ["sync", "--no-photos", "--asset", "pier"])
    #expect(pulled.status == 0, "\(pulled.stderr)")
    #expect(try count(b, "correction") == corrections)
    #expect(try cracks(b) == after)
    #expect(try count(b, "sync_outbox") == 0)

    // Another organisation cannot correct the asset, and no store takes a correction naming a
    // capture its asset does not hold, or one that is not whole.
    let rivalStore = try DeviceStore.create(at: directory.appendingPathComponent("rival.sqlite").path)
    func correction(_ store: DeviceStore, seq: Int64, _ row: CorrectionRow) -> SyncEntry {
      var row = row
      row.deviceId = store.deviceID
      row.seq = seq
      var entry = SyncEntry(seq: seq, entity: "correction", key: "\(row.assetId)/\(row.kind)/\(seq)")
      entry.correction = row
      return entry
    }
    let hostile = correction(
      rivalStore, seq: 1, CorrectionRow(assetId: "pier", kind: .voidCapture, captureId: late, reason: "mine"))
    let (status, message) = try await push(server, token: rival.token, rivalStore, [hostile])
    #expect(status == 403 && message.contains("another organisation"), "\(status) \(message)")
    let other = try token(org: "acme", name: "tablet-2")
    let second = try DeviceStore.create(at: directory.appendingPathComponent("second.sqlite").path)
    let unknown = correction(
      second, seq: 1,
      CorrectionRow(
        assetId: "pier", kind: .voidCapture, captureId: String(repeating: "a", count: 64), reason: "x"))
    let (unknownStatus, unknownMessage) = try await push(server, token: other.token, second, [unknown])
    #expect(unknownStatus == 400 && unknownMessage.contains("is not in asset"), "\(unknownMessage)")
    var broken = correction(
      second, seq: 1, CorrectionRow(assetId: "pier", kind: .moveCapture, captureId: late, reason: "x"))
    let (brokenStatus, brokenMessage) = try await push(server, token: other.token, second, [broken])
    #expect(brokenStatus == 400 && brokenMessage.contains("names cycle"), "\(brokenMessage)")
    broken.correction?.kind = "delete_everything"
    broken.key = "pier/delete_everything/1"
    let (kindStatus, kindMessage) = try await push(server, token: other.token, second, [broken])
    #expect(kindStatus == 400 && kindMessage.contains("is not a correction"), "\(kindMessage)")
    #expect(try central.count("correction") == corrections)
  }
}
