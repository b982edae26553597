import Crypto
import Foundation
import GRDB
import Imaging
import Store
import SyncServer
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A real `crackmon serve` process on a loopback port, real device stores pushing to it
/// through `crackmon sync`, and raw HTTP requests for the refusals.
@Suite(.serialized) struct PushTests {
  let directory: URL
  /// Each test picks its backend first: `try central.use(backend)`.
  let central: CentralUnderTest

  init() throws {
    directory = try TestPaths.temporaryDirectory()
    central = CentralUnderTest(directory: directory)
  }

  func crackmon(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runCrackmon(arguments, environment: central.environment)
  }

  /// A device store with one asset and cycle and the fixture photos ingested (captures only).
  func fieldStore(_ name: String, asset: String) throws -> String {
    let store = directory.appendingPathComponent("\(name).sqlite").path
    #expect(try crackmon(["init", "--store", store]).status == 0)
    #expect(
      try crackmon([
        "asset", "add", asset, "--name", asset, "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474",
        "--store",
        store,
      ]).status == 0)
    #expect(
      try crackmon(["cycle", "add", asset, "2026", "--date", "2026-06-01", "--store", store]).status == 0)
    let ingest = try crackmon([
      "ingest", TestPaths.fixtures.appendingPathComponent("photos").path, "--asset", asset, "--cycle", "2026",
      "--no-segment", "--store", store,
    ])
    #expect(ingest.status == 0, "\(ingest.stderr)")
    return store
  }

  func token(org: String, name: String) throws -> (id: String, token: String) {
    let added = try crackmon(["admin", "device", "add", "--org", org, "--name", name])
    #expect(added.status == 0, "\(added.stderr)")
    let token = try #require(added.stdout.firstMatch(of: /token: (cmt_[0-9a-f]{64})/)?.1)
    let id = try #require(added.stdout.firstMatch(of: /device (dev_[0-9a-f]+)/)?.1)
    return (String(id), String(token))
  }

  func count(_ store: String, _ table: String) throws -> Int {
    try DatabaseQueue(path: store).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
  }

  func centralCount(_ table: String) throws -> Int { try central.count(table) }

  /// As if the server's acknowledgements had been lost: every entry pending again.
  func forgetAcks(_ store: String) throws {
    try DatabaseQueue(path: store).write { try $0.execute(sql: "UPDATE sync_outbox SET pushed_at = NULL") }
  }

  func post(_ server: Server, _ path: String, token: String?, body: Data) async throws -> (Int, [String: Any])
  {
    var request = URLRequest(url: server.url.appendingPathComponent(path))
    request.httpMethod = "POST"
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    request.httpBody = body
    let (data, response) = try await URLSession.shared.data(for: request)
    let json = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
  }

  /// SHA-256 in hex, by swift-crypto in this process (the large fault run hashes 10,000 blobs).
  static func sha256(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
  }

  /// Where the server keeps an organisation's photos.
  static func blobFolder(_ blobs: URL, organisation: String) -> URL {
    blobs.appendingPathComponent(OrganisationBlobs.folderName(organisation: organisation))
  }

  static func sha256(contentsOf file: URL) -> String {
    (try? Data(contentsOf: file)).map(sha256) ?? "(unreadable)"
  }

  func send(
    _ server: Server, _ method: String, _ path: String, token: String?, body: Data? = nil,
    headers: [String: String] = [:]
  ) async throws -> (Int, [String: Any]) {
    var request = URLRequest(url: URL(string: server.url.absoluteString + "/" + path)!)
    request.httpMethod = method
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    request.httpBody = body
    let (data, response) = try await URLSession.shared.data(for: request)
    return (response.status, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
  }

  func get(_ server: Server, _ path: String, token: String?) async throws -> (Data, URLResponse) {
    var request = URLRequest(url: URL(string: server.url.absoluteString + "/" + path)!)
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    return try await URLSession.shared.data(for: request)
  }

  @Test(arguments: CentralBackend.available)
  func pushIsAppliedExactlyOnceAndRefusalsAreClear(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "acme"]).stderr.contains("already exists"))
    let tablet = try token(org: "acme", name: "tablet-3")
    let rival = try token(org: "other", name: "rival-1")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }

    // Health, without a token.
    let (health, _) = try await URLSession.shared.data(from: server.url.appendingPathComponent("healthz"))
    #expect(String(decoding: health, as: UTF8.self).contains("\"ok\""))
    // The API document it serves is schema/openapi.yaml.
    let (document, _) = try await URLSession.shared.data(
      from: server.url.appendingPathComponent("openapi.yaml"))
    let committed = try Data(
      contentsOf: TestPaths.repositoryRoot.appendingPathComponent("schema/openapi.yaml"))
    #expect(document == committed)

    // A field store pushes everything; the central store has each row once.
    let field = try fieldStore("tablet", asset: "pier-17")
    #expect(try crackmon(["sync", "--store", field]).stderr.contains("no remote set"))
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", tablet.token, "--store", field])
        .status == 0)
    let pending = try count(field, "sync_outbox")
    let captures = try count(field, "capture")
    #expect(captures == 5 && pending == 7)
    let first = try crackmon(["sync", "--no-photos", "--store", field])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(
      first.stdout.contains("Pushed 7 records") && first.stdout.contains("Pending: 0 records, 5 photos"),
      "\(first.stdout)")
    #expect(
      try centralCount("capture") == 5 && centralCount("asset") == 1 && centralCount("push_receipt") == 7)

    // Nothing left: a second sync sends nothing. An ack lost on the way (the outbox still
    // pending after the server committed) re-sends the batch, which changes nothing.
    #expect(try crackmon(["sync", "--no-photos", "--store", field]).stdout.contains("Pushed 0 records"))
    try forgetAcks(field)
    let again = try crackmon(["sync", "--no-photos", "--store", field])
    #expect(again.stdout.contains("Pushed 0 records") && again.stdout.contains("(7 the server already had)"))
    #expect(try centralCount("capture") == 5 && centralCount("push_receipt") == 7)

    // Photos: resumable, checked chunk by chunk and whole. Half of one photo arrives, then
    // a bad chunk and a wrong offset are refused without moving the offset; sync sends the rest.
    let photo = TestPaths.fixtures.appendingPathComponent("photos/dji-nadir.jpg")
    let bytes = try Data(contentsOf: photo)
    let sha = Self.sha256(bytes)
    let half = bytes.count / 2
    let created = try await send(
      server, "POST", "v1/blobs", token: tablet.token,
      body: Data("{\"sha256\": \"\(sha)\", \"length\": \(bytes.count)}".utf8))
    #expect(created.0 == 200 && created.1["offset"] as? Int == 0, "\(created)")
    let firstHalf = try await send(
      server, "PATCH", "v1/blobs/\(sha)", token: tablet.token, body: bytes.prefix(half),
      headers: ["Upload-Offset": "0", "Upload-Checksum": "sha256 " + Self.sha256(bytes.prefix(half))])
    #expect(firstHalf.0 == 200 && firstHalf.1["offset"] as? Int == half, "\(firstHalf)")
    let corrupt = try await send(
      server, "PATCH", "v1/blobs/\(sha)", token: tablet.token, body: bytes.suffix(from: half),
      headers: [
        "Upload-Offset": "\(half)", "Upload-Checksum": "sha256 " + Self.sha256(Data("not these bytes".utf8)),
      ])
    #expect(corrupt.0 == 400)
    let misplaced = try await send(
      server, "PATCH", "v1/blobs/\(sha)", token: tablet.token, body: bytes.suffix(from: half),
      headers: ["Upload-Offset": "1", "Upload-Checksum": "sha256 " + Self.sha256(bytes.suffix(from: half))])
    #expect(misplaced.0 == 409)
    let longer = bytes.suffix(from: half) + Data([0])
    let overlong = try await send(
      server, "PATCH", "v1/blobs/\(sha)", token: tablet.token, body: longer,
      headers: ["Upload-Offset": "\(half)", "Upload-Checksum": "sha256 " + Self.sha256(longer)])
    #expect(overlong.0 == 413, "a chunk past the photo's length")
    #expect(try await send(server, "GET", "v1/blobs/\(sha)", token: tablet.token).1["offset"] as? Int == half)
    #expect(try await send(server, "GET", "v1/blobs/..%2F..%2Fetc%2Fpasswd", token: tablet.token).0 == 400)
    // Another organisation's photo is as good as absent: no 403 tells that it exists.
    #expect(try await send(server, "GET", "v1/blobs/\(sha)", token: rival.token).0 == 404)

    // Half there is not there: the photo cannot be fetched back, and the reason is given.
    let early = try await get(server, "v1/captures/\(sha)/photo", token: tablet.token)
    #expect(early.1.status == 404)
    #expect(String(decoding: early.0, as: UTF8.self).contains("has not been uploaded yet"))

    let photos = try crackmon(["sync", "--store", field])
    #expect(photos.status == 0, "\(photos.stderr)")
    let sizes = try FileManager.default.contentsOfDirectory(
      atPath: TestPaths.fixtures.appendingPathComponent("photos").path
    )
    .map { try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("photos/\($0)")).count }
    let needed = sizes.reduce(0, +) - half
    #expect(photos.stdout.contains("Photos: 5 uploaded, \(needed) bytes sent"), "\(photos.stdout)")
    #expect(photos.stdout.contains("Pending: 0 records, 0 photos"))
    // Every blob is named by its own SHA-256, and nothing is half-there.
    let blobs = Self.blobFolder(directory.appendingPathComponent("blobs"), organisation: "acme")
    let names = try FileManager.default.contentsOfDirectory(atPath: blobs.path).filter { !$0.hasPrefix(".") }
    #expect(names.count == 5)
    for name in names {
      #expect(Self.sha256(contentsOf: blobs.appendingPathComponent(name)) == name)
    }
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: blobs.appendingPathComponent(".partial").path)
        .isEmpty)

    // Photos back out of the central store, for the office: the bytes as the device took
    // them, a thumbnail of the upright photo, and a crack's box of it. Never another
    // organisation's.
    let (fetched, fetchedResponse) = try await get(server, "v1/captures/\(sha)/photo", token: tablet.token)
    #expect(fetched == bytes)
    #expect((fetchedResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") == "image/jpeg")
    #expect(try await get(server, "v1/captures/\(sha)/photo", token: rival.token).1.status == 404)
    // phone-gps.jpg is stored 96x64 with EXIF orientation 6: upright it is 64x96.
    let phone = Self.sha256(try Data(contentsOf: TestPaths.fixture("photos/phone-gps.jpg")))
    func jpeg(_ path: String) async throws -> RGBImage {
      let (data, response) = try await get(server, path, token: tablet.token)
      #expect(response.status == 200, "\(path): \(String(decoding: data, as: UTF8.self))")
      return try data.withUnsafeBytes { try JPEGCodec.decode($0, maxPixels: 1 << 20) }
    }
    let thumbnail = try await jpeg("v1/captures/\(phone)/thumbnail?size=48")
    #expect(thumbnail.width == 32 && thumbnail.height == 48)
    let whole = try await jpeg("v1/captures/\(phone)/thumbnail")
    #expect(whole.width == 64 && whole.height == 96, "never enlarged")
    let crop = try await jpeg("v1/captures/\(phone)/thumbnail?crop=10,20,30,40")
    #expect(crop.width == 30 && crop.height == 40)
    let edge = try await jpeg("v1/captures/\(phone)/thumbnail?crop=50,90,30,40")
    #expect(edge.width == 14 && edge.height == 6, "cut at the photo's edge")
    for bad in ["size=5", "size=big", "crop=1,2,3", "crop=-1,0,5,5", "crop=64,0,5,5", "crop=0,0,0,5"] {
      #expect(
        try await get(server, "v1/captures/\(phone)/thumbnail?\(bad)", token: tablet.token).1.status == 400,
        "\(bad)")
    }
    #expect(try await get(server, "v1/captures/\(phone)/thumbnail", token: rival.token).1.status == 404)
    // Many at once: decoded two at a time (memory stays bounded), every one answered.
    let (base, bearer) = (server.url.absoluteString, tablet.token)
    let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
      for size in 16..<28 {
        group.addTask {
          var request = URLRequest(url: URL(string: base + "/v1/captures/\(phone)/thumbnail?size=\(size)")!)
          request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization")
          return (try await URLSession.shared.data(for: request).1 as? HTTPURLResponse)?.statusCode ?? 0
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(statuses == Array(repeating: 200, count: 12), "\(statuses)")
    #expect(
      try await get(server, "v1/captures/..%2F..%2Fetc%2Fpasswd/photo", token: tablet.token).1.status == 400)
    // The same from the command line of a device of the organisation.
    let copy = directory.appendingPathComponent("fetched.jpg")
    let fetchedByCLI = try crackmon(["sync", "photo", sha, "--out", copy.path, "--store", field])
    #expect(fetchedByCLI.status == 0, "\(fetchedByCLI.stderr)")
    #expect(try Data(contentsOf: copy) == bytes)
    let cropFile = directory.appendingPathComponent("crack.jpg")
    let cropped = try crackmon([
      "sync", "photo", phone, "--crop", "10,20,30,40", "--size", "20", "--out", cropFile.path, "--store",
      field,
    ])
    #expect(cropped.status == 0, "\(cropped.stderr)")
    let crackCrop = try Data(contentsOf: cropFile).withUnsafeBytes {
      try JPEGCodec.decode($0, maxPixels: 1 << 20)
    }
    #expect(crackCrop.width == 15 && crackCrop.height == 20)
    // A capture the organisation does not hold: one clear error, and nothing written.
    let nowhere = directory.appendingPathComponent("nowhere.jpg")
    let unheld = try crackmon([
      "sync", "photo", String(repeating: "0", count: 64), "--out", nowhere.path, "--store", field,
    ])
    #expect(unheld.status != 0)
    #expect(
      unheld.stderr.contains("HTTP 404")
        && unheld.stderr.contains("no device of this organisation has pushed it"),
      "\(unheld.stderr)")
    #expect(!FileManager.default.fileExists(atPath: nowhere.path))

    // The central copy of the asset as a map, scoped to the organisation.
    let placed = try count(field, "capture WHERE gps_status = 'valid'")
    let (map, mapResponse) = try await get(server, "v1/assets/pier-17/map.geojson", token: tablet.token)
    #expect(
      (mapResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") == "application/geo+json")
    let collection = try JSONSerialization.jsonObject(with: map) as? [String: Any]
    #expect((collection?["features"] as? [Any])?.count == placed && placed == 4)
    #expect(try await get(server, "v1/assets/pier-17/map.geojson", token: nil).1.status == 401)
    #expect(try await get(server, "v1/assets/pier-17/map.geojson", token: rival.token).1.status == 404)
    #expect(try await get(server, "v1/assets/nope/map.geojson", token: tablet.token).1.status == 404)
    #expect(
      try await get(server, "v1/assets/pier-17/map.geojson?what=rivers", token: tablet.token).1.status == 400)

    // Refusals: JSON bodies, the right status, nothing applied.
    let body = Data("{\"deviceId\": \"x\", \"entries\": []}".utf8)
    #expect(try await post(server, "v1/push", token: nil, body: body).0 == 401)
    #expect(
      try await post(server, "v1/push", token: "cmt_" + String(repeating: "0", count: 64), body: body).0
        == 401)
    let malformed = try await post(server, "v1/push", token: tablet.token, body: Data("{\"entries\": [".utf8))
    #expect(malformed.0 == 400)
    #expect((malformed.1["error"] as? [String: Any])?["message"] != nil)
    let huge = try await post(server, "v1/push", token: tablet.token, body: Data(count: 17 << 20))
    #expect(huge.0 == 413)
    // A well-formed entry for an asset the central store does not have.
    var ghost = InspectionCycle(assetId: "ghost", label: "2026")
    ghost.deviceId = try DeviceStore(opening: field).deviceID
    ghost.seq = 1000
    var entry = SyncEntry(seq: 1000, entity: "inspection_cycle", key: "ghost/2026")
    entry.cycle = ghost
    let unknown = try await post(
      server, "v1/push", token: tablet.token,
      body: try JSONEncoder().encode(PushRequest(deviceId: ghost.deviceId, entries: [entry])))
    #expect(unknown.0 == 400)
    #expect(((unknown.1["error"] as? [String: Any])?["message"] as? String)?.contains("ghost") == true)

    // Prometheus metrics: the server's counters and the request counts by route and status.
    let (scrape, _) = try await URLSession.shared.data(from: server.url.appendingPathComponent("metrics"))
    let metrics = String(decoding: scrape, as: UTF8.self).split(separator: "\n")
    #expect(metrics.contains("crackmon_push_entries_applied_total 7"))
    #expect(metrics.contains("crackmon_push_entries_duplicate_total 7"))
    #expect(metrics.contains("crackmon_blobs_completed_total 5"))
    #expect(metrics.contains("crackmon_blob_chunks_refused_total 2"))  // the corrupt one, the overlong one
    let refusals = metrics.filter { $0.hasPrefix("hb_request_errors{") && $0.contains("\"/v1/push\"") }
    #expect(refusals.contains { $0.contains("error_type=\"401\"") && $0.hasSuffix(" 2") }, "\(refusals)")

    // Another organisation's device cannot write into pier-17.
    let intruder = try fieldStore("intruder", asset: "pier-17")
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", rival.token, "--store", intruder])
        .status == 0)
    let refused = try crackmon(["sync", "--store", intruder])
    #expect(
      refused.status != 0 && refused.stderr.contains("HTTP 403")
        && refused.stderr.contains("another organisation"))
    #expect(try centralCount("push_receipt") == 7)

    // A revoked token fails at once.
    #expect(try crackmon(["admin", "device", "revoke", tablet.id]).status == 0)
    try forgetAcks(field)
    let revoked = try crackmon(["sync", "--store", field])
    #expect(revoked.status != 0 && revoked.stderr.contains("HTTP 401"), "\(revoked.stderr)")
  }
}

extension URLResponse {
  var status: Int { (self as? HTTPURLResponse)?.statusCode ?? 0 }
}
