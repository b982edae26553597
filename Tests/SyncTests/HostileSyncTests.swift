import Foundation
import GRDB
import Store
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The attack run's findings against `crackmon serve`, kept as tests on both backends: pushes
/// that lie about their rows, sizes and values the stores would refuse, a token rotated,
/// an upload changed under a chunk in flight, slow sockets, pages too large for a client.
extension PushTests {
  /// An entry from `store` at `seq`, with the given entity and key and the row `fill` sets
  /// (stamped with the store's id and `seq`, as a device would).
  static func entry(
    _ store: DeviceStore, seq: Int64, entity: String, key: String,
    _ fill: (inout SyncEntry) -> Void = { _ in }
  ) -> SyncEntry {
    var entry = SyncEntry(seq: seq, entity: entity, key: key)
    fill(&entry)
    entry.asset?.deviceId = store.deviceID
    entry.asset?.seq = seq
    entry.cycle?.deviceId = store.deviceID
    entry.cycle?.seq = seq
    entry.capture?.deviceId = store.deviceID
    entry.capture?.seq = seq
    return entry
  }

  static func asset(
    _ id: String, name: String = "Pier", latitude: Double = 46.9, epsg: Int = 32632
  ) -> Asset {
    Asset(id: id, name: name, kind: .bridge, latitude: latitude, longitude: 7.44, epsg: epsg)
  }

  func push(_ server: Server, token: String, _ store: DeviceStore, _ entries: [SyncEntry]) async throws -> (
    Int, String
  ) {
    let body = try JSONEncoder().encode(PushRequest(deviceId: store.deviceID, entries: entries))
    let (status, json) = try await post(server, "v1/push", token: token, body: body)
    return (status, ((json["error"] as? [String: Any])?["message"] as? String) ?? "")
  }

  /// A field store with the fixture photos' records synced to `server` with `token`.
  func syncedStore(_ name: String, asset: String, _ server: Server, token: String) throws -> String {
    let field = try fieldStore(name, asset: asset)
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", token, "--store", field]).status
        == 0)
    let sync = try crackmon(["sync", "--no-photos", "--store", field])
    #expect(sync.status == 0, "\(sync.stderr)")
    return field
  }

  @Test(arguments: CentralBackend.available)
  func pushedEntriesMustDescribeTheirOwnRows(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let rival = try token(org: "other", name: "rival")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let field = try syncedStore("tablet", asset: "pier-17", server, token: tablet.token)
    let device = try DeviceStore(opening: field)
    let receipts = try centralCount("push_receipt")

    // The planted receipt of the attack run: entity and key name another organisation's
    // asset (not there yet, then there), the row is one of acme's own cycles.
    func plant(_ seq: Int64) -> SyncEntry {
      Self.entry(device, seq: seq, entity: "asset", key: "dam-b") {
        $0.cycle = InspectionCycle(assetId: "pier-17", label: "planted-\(seq)")
      }
    }
    let lies: [(String, [SyncEntry])] = [
      ("an asset entry carrying one of acme's cycles", [plant(10_001)]),
      (
        "a cycle entry keyed by another asset",
        [
          Self.entry(device, seq: 10_002, entity: "inspection_cycle", key: "dam-b/2026") {
            $0.cycle = InspectionCycle(assetId: "pier-17", label: "2026-b")
          }
        ]
      ),
      (
        "a capture entry carrying a cycle",
        [
          Self.entry(device, seq: 10_003, entity: "capture", key: "pier-17/x") {
            $0.cycle = InspectionCycle(assetId: "pier-17", label: "x")
          }
        ]
      ),
      ("an entry without a row", [Self.entry(device, seq: 10_004, entity: "asset", key: "dam-b")]),
      (
        "an entry with two rows",
        [
          Self.entry(device, seq: 10_005, entity: "asset", key: "pier-17") {
            $0.asset = Self.asset("pier-17")
            $0.cycle = InspectionCycle(assetId: "pier-17", label: "two")
          }
        ]
      ),
      (
        "seq 0",
        [Self.entry(device, seq: 0, entity: "asset", key: "zero") { $0.asset = Self.asset("zero") }]
      ),
      (
        "seq -1",
        [Self.entry(device, seq: -1, entity: "asset", key: "minus") { $0.asset = Self.asset("minus") }]
      ),
      (
        "an unknown entity",
        [Self.entry(device, seq: 10_006, entity: "org", key: "acme") { $0.asset = Self.asset("acme") }]
      ),
      (
        "latitude 91",
        [
          Self.entry(device, seq: 10_007, entity: "asset", key: "north") {
            $0.asset = Self.asset("north", latitude: 91)
          }
        ]
      ),
      (
        "an empty asset id",
        [Self.entry(device, seq: 10_008, entity: "asset", key: "") { $0.asset = Self.asset("") }]
      ),
      (
        "EPSG -1",
        [
          Self.entry(device, seq: 10_009, entity: "asset", key: "crs") {
            $0.asset = Self.asset("crs", epsg: -1)
          }
        ]
      ),
      (
        "a 2 KiB asset name",
        [
          Self.entry(device, seq: 10_010, entity: "asset", key: "long") {
            $0.asset = Self.asset("long", name: String(repeating: "n", count: 2048))
          }
        ]
      ),
      (
        "a 15 MiB asset name",
        [
          Self.entry(device, seq: 10_011, entity: "asset", key: "huge") {
            $0.asset = Self.asset("huge", name: String(repeating: "n", count: 15 << 20))
          }
        ]
      ),
      (
        "501 entries",
        (1...501).map { i in
          Self.entry(device, seq: 20_000 + Int64(i), entity: "inspection_cycle", key: "pier-17/c\(i)") {
            $0.cycle = InspectionCycle(assetId: "pier-17", label: "c\(i)")
          }
        }
      ),
    ]
    for (lie, entries) in lies {
      let (status, message) = try await push(server, token: tablet.token, device, entries)
      #expect(status == 400 && !message.isEmpty, "\(lie): \(status) \(message)")
    }
    #expect(try centralCount("push_receipt") == receipts, "nothing of a refused batch is applied")

    // The other organisation creates dam-b; the same plant, now that there is something to pull.
    _ = try syncedStore("rival", asset: "dam-b", server, token: rival.token)
    #expect(try await push(server, token: tablet.token, device, [plant(10_100)]).0 == 400)

    // acme's devices see acme's asset only: in the raw pull, after a sync, in the asset list.
    let (pulled, _) = try await get(server, "v1/pull", token: tablet.token)
    let text = String(decoding: pulled, as: UTF8.self)
    #expect(text.contains("pier-17") && !text.contains("dam-b"), "\(text)")
    // Its cursor counts acme's receipts only: the other organisation's pushes leave no gap.
    #expect(try JSONDecoder().decode(PullPage.self, from: pulled).cursor == Int64(receipts))
    #expect(try crackmon(["sync", "--no-photos", "--store", field]).status == 0)
    let assets = try crackmon(["asset", "list", "--store", field])
    #expect(assets.stdout.contains("pier-17") && !assets.stdout.contains("dam-b"), "\(assets.stdout)")
    // Nor does another organisation's asset answer differently from one that is not there.
    let theirs = try await send(server, "GET", "v1/pull?asset=dam-b", token: tablet.token)
    let nowhere = try await send(server, "GET", "v1/pull?asset=no-such-asset", token: tablet.token)
    #expect(theirs.0 == 404 && nowhere.0 == 404)
  }

  @Test(arguments: CentralBackend.available)
  func aRotatedTokenKeepsItsStoreAndNoOtherTokenCanClaimIt(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let old = try token(org: "acme", name: "tablet")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let field = try syncedStore("tablet", asset: "pier-17", server, token: old.token)

    // Rotation: revoke, add, set; the same store syncs on with the new token.
    #expect(try crackmon(["admin", "device", "revoke", old.id]).status == 0)
    let new = try token(org: "acme", name: "tablet, new token")
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", new.token, "--store", field])
        .status
        == 0)
    #expect(try crackmon(["cycle", "add", "pier-17", "2027", "--store", field]).status == 0)
    let rotated = try crackmon(["sync", "--no-photos", "--store", field])
    #expect(rotated.status == 0, "\(rotated.stderr)")
    #expect(try centralCount("inspection_cycle") == 2)

    // While that token is live, no other token may claim the store: not acme's, not another's.
    // Once it is revoked too, another organisation still may not.
    let device = try DeviceStore(opening: field)
    let claim = [
      Self.entry(device, seq: 30_000, entity: "inspection_cycle", key: "pier-17/claimed") {
        $0.cycle = InspectionCycle(assetId: "pier-17", label: "claimed")
      }
    ]
    let spare = try token(org: "acme", name: "spare")
    let rival = try token(org: "other", name: "rival")
    #expect(try await push(server, token: spare.token, device, claim).0 == 403)
    #expect(try await push(server, token: rival.token, device, claim).0 == 403)
    #expect(try crackmon(["admin", "device", "revoke", new.id]).status == 0)
    let (status, message) = try await push(server, token: rival.token, device, claim)
    #expect(status == 403 && !message.contains("acme"), "\(message)")
    #expect(try centralCount("inspection_cycle") == 2)
  }

  @Test(arguments: CentralBackend.available)
  func anUploadsLengthCannotChangeUnderAChunkInFlight(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    _ = try syncedStore("tablet", asset: "pier-17", server, token: tablet.token)
    let bytes = try Data(contentsOf: TestPaths.fixture("photos/dji-nadir.jpg"))
    let sha = Self.sha256(bytes)
    let create = Data(#"{"sha256": "\#(sha)", "length": \#(bytes.count)}"#.utf8)
    #expect(try await send(server, "POST", "v1/blobs", token: tablet.token, body: create).0 == 200)
    let head = bytes.prefix(100)
    let first = try await send(
      server, "PATCH", "v1/blobs/\(sha)", token: tablet.token, body: head,
      headers: ["Upload-Offset": "0", "Upload-Checksum": "sha256 " + Self.sha256(head)])
    #expect(first.0 == 200)

    // The rest goes out in one chunk that stops half way; meanwhile the upload is created
    // again with other lengths.
    let rest = bytes.suffix(from: 100)
    let chunk = try RawConnection(port: server.port)
    try chunk.send(
      "PATCH /v1/blobs/\(sha) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(tablet.token)\r\n"
        + "Upload-Offset: 100\r\nUpload-Checksum: sha256 \(Self.sha256(rest))\r\n"
        + "Content-Length: \(rest.count)\r\n\r\n")
    try chunk.send(rest.prefix(rest.count / 2))
    for length in [1, bytes.count - 1, bytes.count + 1, 2 << 30] {
      let again = Data(#"{"sha256": "\#(sha)", "length": \#(length)}"#.utf8)
      let (status, json) = try await send(server, "POST", "v1/blobs", token: tablet.token, body: again)
      #expect(status == 409 && json["error"] != nil, "length \(length): \(status)")
    }
    try chunk.send(rest.suffix(from: rest.startIndex + rest.count / 2))
    var response = Data()
    while !response.contains(UInt8(ascii: "}")) {
      let more = chunk.read(seconds: 10)
      if more.isEmpty { break }
      response += more
    }
    let answer = String(decoding: response, as: UTF8.self)
    #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains(#""complete":true"#), "\(answer)")

    // The server lives, the photo is whole, and the counter counted each byte once.
    let (health, _) = try await URLSession.shared.data(from: server.url.appendingPathComponent("healthz"))
    #expect(String(decoding: health, as: UTF8.self).contains("ok"))
    let blob = Self.blobFolder(directory.appendingPathComponent("blobs"), organisation: "acme")
      .appendingPathComponent(sha)
    #expect(Self.sha256(contentsOf: blob) == sha)
    let (scrape, _) = try await URLSession.shared.data(from: server.url.appendingPathComponent("metrics"))
    #expect(
      String(decoding: scrape, as: UTF8.self).split(separator: "\n").contains(
        "crackmon_blob_bytes_received_total \(bytes.count)"))

    // An upload body over the limit gets the JSON error every other refusal gets.
    let (status, json) = try await send(
      server, "POST", "v1/blobs", token: tablet.token, body: Data(count: 17 << 20))
    #expect(status == 413 && json["error"] != nil)
  }

  @Test func slowAndIdleSocketsAreClosed() async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(.sqlite)
    let server = try Server(
      central: central, blobs: directory.appendingPathComponent("blobs"),
      environment: ["CRACKMON_IDLE_TIMEOUT_S": "1"])
    defer { server.stop() }
    let idle = try RawConnection(port: server.port)
    let halfHeader = try RawConnection(port: server.port)
    try halfHeader.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    let halfBody = try RawConnection(port: server.port)
    try halfBody.send(
      "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"entries\": [")
    let keptAlive = try RawConnection(port: server.port)
    try keptAlive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    // Generous: the timeout is one second, and only a socket left open for good fails this.
    for (name, connection) in [
      ("idle", idle), ("half a header", halfHeader), ("half a body", halfBody), ("kept alive", keptAlive),
    ] {
      #expect(connection.readUntilClosed(seconds: 30).closed, "\(name) socket still open")
    }
  }

  @Test(arguments: CentralBackend.available)
  func largeRowsArePagedByBytesAndOversizedOnesRefused(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let reader = try token(org: "acme", name: "reader")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let field = try syncedStore("tablet", asset: "pier-17", server, token: tablet.token)
    let device = try DeviceStore(opening: field)
    let template = try #require(try device.captures(asset: "pier-17").first)

    // Ten captures of 900 KB each (a large metadata record, as a long XMP could make).
    func capture(_ seq: Int64, metadataBytes: Int) -> SyncEntry {
      var row = template
      row.id = Self.sha256(Data("capture \(seq)".utf8))
      row.metadataJson = #"{"note": ""# + String(repeating: "m", count: metadataBytes) + #""}"#
      return Self.entry(device, seq: seq, entity: "capture", key: row.id) { $0.capture = row }
    }
    let large = (1...10).map { capture(40_000 + Int64($0), metadataBytes: 900_000) }
    #expect(try await push(server, token: tablet.token, device, large).0 == 200)
    let oversized = try await push(
      server, token: tablet.token, device, [capture(40_100, metadataBytes: 1_100_000)])
    #expect(oversized.0 == 400 && oversized.1.contains("bytes"), "\(oversized)")
    // Nor can a short field carry the bulk: every text field but the metadata, the path and
    // the polylines is held to 1 KiB.
    var hidden = template
    hidden.id = Self.sha256(Data("hidden".utf8))
    hidden.takenAt = String(repeating: "t", count: 2 << 20)
    let smuggled = try await push(
      server, token: tablet.token, device,
      [Self.entry(device, seq: 40_200, entity: "capture", key: hidden.id) { $0.capture = hidden }])
    #expect(smuggled.0 == 400 && smuggled.1.contains("capture.takenAt"), "\(smuggled)")

    var since: Int64 = 0
    var pulled = 0
    var pages = 0
    while pages < 50 {
      let (data, response) = try await get(
        server, "v1/pull?asset=pier-17&since=\(since)", token: reader.token)
      #expect(response.status == 200)
      #expect(data.count <= PullPage.maxBytes + (64 << 10), "a page of \(data.count) bytes")
      let page = try JSONDecoder().decode(PullPage.self, from: data)
      pulled += page.entries.count
      pages += 1
      since = page.cursor
      if !page.more { break }
    }
    #expect(pulled == 15 && pages >= 2, "\(pulled) entries in \(pages) pages")
  }
}

extension PushTests {
  /// Two organisations inspect with the same photos (a shared contractor's drone, a photo
  /// passed on): capture, observation and track ids are derived from the bytes, so they are
  /// the same in both. Each organisation gets its own rows and its own copy of each photo,
  /// its sync never stops on the other's, and nothing tells it that the other holds them.
  @Test(
    .enabled(if: SyntheticCycles.canGenerate, "python3 with numpy, scipy and Pillow is needed"),
    arguments: CentralBackend.available)
  func theSamePhotoInTwoOrganisationsIsEachOnesOwn(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let rival = try token(org: "other", name: "rival")
    let office = try token(org: "other", name: "office")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }

    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.generate(into: photos, cycles: 1)
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    let shared = photos.appendingPathComponent("2023")
    // The other organisation has one photo of its own besides the shared ones.
    let theirs = directory.appendingPathComponent("theirs")
    try FileManager.default.copyItem(at: shared, to: theirs)
    try FileManager.default.copyItem(
      at: TestPaths.fixture("photos/dji-nadir.jpg"), to: theirs.appendingPathComponent("own.jpg"))

    /// A device of `token`'s organisation: the asset, the photos, tracks, an inspector's
    /// link, then a full sync (records and photos).
    func inspect(_ name: String, asset: String, photos: URL, token: String) throws -> (
      store: String, sync: (status: Int32, stdout: String, stderr: String)
    ) {
      let store = directory.appendingPathComponent("\(name).sqlite").path
      func on(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try crackmon(arguments + ["--store", store])
      }
      #expect(try on(["init"]).status == 0)
      #expect(
        try on([
          "asset", "add", asset, "--name", asset, "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474",
        ])
        .status == 0)
      #expect(try on(["cycle", "add", asset, "2023", "--date", "2023-06-01"]).status == 0)
      let ingest = try on(["ingest", photos.path, "--asset", asset, "--cycle", "2023"])
      #expect(ingest.status == 0, "\(ingest.stderr)")
      #expect(try on(["track", "--asset", asset]).status == 0)
      let member = try #require(
        try DatabaseQueue(path: store).read {
          try Row.fetchOne($0, sql: "SELECT observation_id, track_id FROM crack_track_member ORDER BY 1")
        })
      #expect(try on(["track", "link", member["observation_id"], member["track_id"]]).status == 0)
      #expect(try on(["remote", "set", server.url.absoluteString, "--token", token]).status == 0)
      return (store, try on(["sync"]))
    }
    let (a, first) = try inspect("tablet", asset: "bern", photos: shared, token: tablet.token)
    #expect(first.status == 0, "\(first.stderr)")
    let (b, second) = try inspect("rival", asset: "thun", photos: theirs, token: rival.token)

    // The second organisation's sync goes through whole: every record, every photo, every
    // byte of each sent (an upload that finished at once would say the photo was there).
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdout.contains("Pending: 0 records, 0 photos"), "\(second.stdout)")
    let sizes = try FileManager.default.contentsOfDirectory(atPath: theirs.path).map {
      try Data(contentsOf: theirs.appendingPathComponent($0)).count
    }
    #expect(
      second.stdout.contains("Photos: \(sizes.count) uploaded, \(sizes.reduce(0, +)) bytes sent"),
      "\(second.stdout)")
    for word in ["acme", "bern", "tablet"] {
      #expect(!(second.stdout + second.stderr).contains(word), "the rival's sync names \(word)")
    }

    // Each has its own rows centrally, keyed by its asset, as many as its device holds.
    func ids(_ store: String) throws -> Set<String> {
      Set(try DatabaseQueue(path: store).read { try String.fetchAll($0, sql: "SELECT id FROM capture") })
    }
    let shaOfShared = try ids(a)
    #expect(
      try count(b, "capture WHERE id IN ('\(shaOfShared.joined(separator: "','"))')") == shaOfShared.count)
    for (store, asset) in [(a, "bern"), (b, "thun")] {
      for table in ["capture", "crack_observation", "crack_track", "track_override"] {
        #expect(
          try centralCount("\(table) WHERE asset_id = '\(asset)'") == count(store, table), "\(asset) \(table)"
        )
      }
      #expect(try count(store, "track_override") == 1)
    }
    // Each copy of each photo in its organisation's folder, whole.
    for (store, organisation) in [(a, "acme"), (b, "other")] {
      let folder = Self.blobFolder(directory.appendingPathComponent("blobs"), organisation: organisation)
      let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
        !$0.hasPrefix(".")
      }
      #expect(Set(names) == (try ids(store)))
      for name in names { #expect(Self.sha256(contentsOf: folder.appendingPathComponent(name)) == name) }
    }

    // Maps read one organisation's cracks: the same ids in the other's asset are not joined in.
    for (store, asset, token) in [(a, "bern", tablet.token), (b, "thun", rival.token)] {
      let placed = try count(store, "crack_observation WHERE georef_method <> 'asset'")
      #expect(placed > 0)
      let (map, _) = try await get(server, "v1/assets/\(asset)/map.geojson?what=cracks", token: token)
      let features = (try JSONSerialization.jsonObject(with: map) as? [String: Any])?["features"] as? [Any]
      #expect(features?.count == placed, "\(asset)")
      let (boxed, _) = try await get(server, "v1/assets/\(asset)/cracks?bbox=-180,-90,180,90", token: token)
      let inBox = (try JSONSerialization.jsonObject(with: boxed) as? [String: Any])?["features"] as? [Any]
      #expect(inBox?.count == placed, "\(asset)")
    }

    // Another device of the organisation follows its asset and gets its rows, not the other's.
    let c = directory.appendingPathComponent("office.sqlite").path
    #expect(try crackmon(["init", "--store", c]).status == 0)
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", office.token, "--store", c]).status
        == 0)
    let followed = try crackmon(["sync", "--no-photos", "--asset", "thun", "--store", c])
    #expect(followed.status == 0, "\(followed.stderr)")
    for table in ["asset", "capture", "crack_observation", "crack_track", "track_override"] {
      #expect(try count(c, table) == count(b, table), "\(table)")
    }
    #expect(try count(c, "asset WHERE id = 'bern'") == 0)
    #expect(try await send(server, "GET", "v1/pull?asset=bern", token: office.token).0 == 404)
  }
}

extension PushTests {
  /// Photos a server stored before organisations had blob folders (all at the top of the
  /// blob folder) are moved into their organisation's folder when it starts, and are whole
  /// there: the devices that uploaded them are not asked for them again.
  @Test func photosStoredBeforeOrganisationFoldersAreMovedIntoThem() async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(.sqlite)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let blobs = directory.appendingPathComponent("blobs")
    var server = try Server(central: central, blobs: blobs)
    let field = try syncedStore("tablet", asset: "pier-17", server, token: tablet.token)
    #expect(try crackmon(["sync", "--store", field]).status == 0)
    server.stop()

    // The old layout: every blob at the top, and an upload left half done.
    let folder = Self.blobFolder(blobs, organisation: "acme")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
    #expect(names.count == 5)
    for name in names {
      try FileManager.default.moveItem(
        at: folder.appendingPathComponent(name), to: blobs.appendingPathComponent(name))
    }
    try FileManager.default.removeItem(at: folder)
    let partial = blobs.appendingPathComponent(".partial")
    try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
    try Data("half".utf8).write(to: partial.appendingPathComponent(names[0]))

    server = try Server(central: central, blobs: blobs)
    defer { server.stop() }
    let top = try FileManager.default.contentsOfDirectory(atPath: blobs.path)
    #expect(top == [folder.lastPathComponent], "\(top)")
    for name in names {
      #expect(Self.sha256(contentsOf: folder.appendingPathComponent(name)) == name)
      let (status, json) = try await send(server, "GET", "v1/blobs/\(name)", token: tablet.token)
      #expect(status == 200 && json["complete"] as? Bool == true)
    }
  }
}
