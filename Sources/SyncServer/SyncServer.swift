import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import MapExport
import NIOCore
import Store

/// The central server: Hummingbird 2 over a `CentralStore`.
///
/// Every `/v1` request but sign-in needs a caller (`Caller`): `Authorization: Bearer <device
/// or API token>`, or an office user's session cookie. Each is scoped to its organisation;
/// push, pull and photo uploads are for devices alone. Errors are JSON
/// (`{"error": {"message": ...}}`): 401 for a missing, unknown or revoked token, 404 for
/// another organisation's assets and photos (as for ones that do not exist), 403 for a push
/// into another organisation's asset id or from a store bound to another token, 413 over
/// the size limit, 400 for a malformed body. Plain HTTP: TLS is terminated in front of it
/// (README, "Central server").
public struct SyncServer: Sendable {
  public let store: any CentralStore
  public let blobs: OrganisationBlobs
  public let metrics: ServerMetrics
  /// Photos decoded for thumbnails at once. A 200 MP photo takes 600 MB decoded: without a
  /// bound, a token holder asking for many thumbnails at once could take the server's memory.
  let decoding = DecodeSlots(count: 2)
  /// Largest photo chunk accepted in one PATCH.
  public static let maxChunkBytes: Int64 = 8 << 20
  /// Largest push body accepted: 500 entries of the largest rows (captures carry their
  /// full metadata JSON) fit with room to spare.
  public static let maxPushBytes = 16 << 20
  /// Most entries in one pull page: about as large as a push batch.
  public static let maxPullEntries = 1000
  /// Seconds a connection may send nothing (no header line, no body bytes, no next request)
  /// before it is closed. `CRACKMON_IDLE_TIMEOUT_S` overrides it (the tests shorten it).
  public static let idleTimeoutSeconds: Int = {
    ProcessInfo.processInfo.environment["CRACKMON_IDLE_TIMEOUT_S"].flatMap { Int($0) }.map { max(1, $0) }
      ?? 30
  }()

  /// Tracks assets after pushes, in the background, while `run` serves.
  public let tracker: CentralTracker
  /// More routes on the same router, callers and store: the office's web application
  /// (module WebApp) adds its pages here.
  public var extensions: [@Sendable (SyncServer, Router<Context>) -> Void] = []

  public init(store: any CentralStore, blobs: OrganisationBlobs, metrics: ServerMetrics = ServerMetrics()) {
    self.store = store
    self.blobs = blobs
    self.metrics = metrics
    var logger = Logger(label: "crackmon.tracking")
    logger.logLevel = .info
    tracker = CentralTracker(store: store, logger: logger)
  }

  public struct Context: SessionRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let sessions = SessionContext<OfficeSession>()
    /// Bodies over this are refused with 413 before they are decoded.
    public var maxUploadSize: Int { SyncServer.maxPushBytes }

    public init(source: Source) {
      coreContext = .init(source: source)
    }
  }

  struct Health: ResponseEncodable {
    var status = "ok"
  }

  /// The router, for `application` and for tests that call it without a socket.
  func router() -> Router<Context> {
    let router = Router(context: Context.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: Self.sessionMiddleware(store))
    addSessionRoutes(to: router)
    addOfficeViewRoutes(to: router)
    router.get("healthz") { _, _ in Health() }
    router.get("metrics") { _, _ -> Response in
      Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text())))
    }
    router.get("openapi.yaml") { _, _ -> Response in
      guard let url = Self.openAPIDocument, let bytes = try? Data(contentsOf: url) else {
        throw HTTPError(.notFound, message: "openapi.yaml is not installed beside the binary")
      }
      return Response(
        status: .ok, headers: [.contentType: "application/yaml"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    router.post("v1/push") { request, context -> PushResult in
      let device = try await device(request, context: context)
      let push = try await decodeBody(PushRequest.self, request, context: context, what: "push")
      do throws(CentralError) {
        let result = try await store.push(push.entries, from: push.deviceId, as: device)
        metrics.pushBatches.increment()
        metrics.entriesApplied.increment(by: Int64(result.applied))
        metrics.entriesDuplicate.increment(by: Int64(result.duplicates))
        if result.applied > 0 { tracker.nudge() }
        context.logger.info(
          "push",
          metadata: ["device": "\(device.id)", "applied": "\(result.applied)", "acked": "\(result.ackedSeq)"])
        return result
      } catch {
        if case .database(let message) = error {
          context.logger.error("push failed", metadata: ["device": "\(device.id)", "error": "\(message)"])
        }
        throw Self.httpError(error)
      }
    }
    router.get("v1/pull") { request, context -> PullPage in
      let device = try await device(request, context: context)
      let query = request.uri.queryParameters
      func count(_ name: String) throws -> Int64? {
        guard let text = query.get(name) else { return nil }
        guard let value = Int64(text), value >= 0 else {
          throw HTTPError(.badRequest, message: "\(name) must be a whole number from 0, not \"\(text)\"")
        }
        return value
      }
      let limit = min(try count("limit") ?? Int64(Self.maxPullEntries), Int64(Self.maxPullEntries))
      guard limit > 0 else { throw HTTPError(.badRequest, message: "limit must be above 0") }
      let since = try count("since") ?? 0
      let until = try count("until")
      do throws(CentralError) {
        let page = try await store.pull(
          since: since, until: until, asset: query.get("asset"), limit: Int(limit), as: device)
        metrics.entriesPulled.increment(by: Int64(page.entries.count))
        context.logger.info(
          "pull",
          metadata: [
            "device": "\(device.id)", "asset": "\(query.get("asset") ?? "-")", "since": "\(since)",
            "entries": "\(page.entries.count)", "cursor": "\(page.cursor)",
          ])
        return page
      } catch {
        throw Self.httpError(error)
      }
    }
    router.get("v1/assets/:id/map.geojson") { request, context -> Response in
      try await mapResponse(request, context: context)
    }
    router.get("v1/assets/:id/cracks") { request, context -> Response in
      try await mapResponse(request, context: context, kinds: [MapRow.Kind.crack]) { bbox throws(HTTPError) in
        guard let text = bbox else {
          throw HTTPError(.badRequest, message: "bbox is required: minlon,minlat,maxlon,maxlat")
        }
        guard let box = BoundingBox(text) else {
          throw HTTPError(
            .badRequest,
            message: "bbox \"\(text)\": give minlon,minlat,maxlon,maxlat in WGS84 degrees, minimums first")
        }
        return box
      }
    }
    router.post("v1/blobs") { request, context -> BlobStore.Status in
      let device = try await device(request, context: context)
      let upload = try await decodeBody(NewUpload.self, request, context: context, what: "upload")
      let shelf = try await checkPhoto(upload.sha256, org: device.orgId)
      guard upload.length > 0, upload.length <= CaptureRecord.maxPhotoBytes else {
        throw HTTPError(
          .badRequest, message: "length \(upload.length) is not a photo's size (1 byte to 2 GiB)")
      }
      return try await blobCall { try await shelf.create(sha: upload.sha256, length: upload.length) }
    }
    for format in AssetReport.Format.allCases {
      router.get("v1/assets/:id/report.\(format.rawValue)") { request, context -> Response in
        try await reportResponse(request, context: context, format: format)
      }
    }
    router.get("v1/blobs/:sha") { request, context -> BlobStore.Status in
      let device = try await device(request, context: context)
      let sha = try context.parameters.require("sha")
      let shelf = try await checkPhoto(sha, org: device.orgId)
      return try await blobCall { try await shelf.status(sha) }
    }
    router.patch("v1/blobs/:sha") { request, context -> BlobStore.Status in
      try await appendChunk(request, context: context)
    }
    router.post("v1/assets/:id/reviews") { request, context -> Response in
      try await reviewResponse(request, context: context)
    }
    router.get("v1/captures/:id/photo") { request, context -> Response in
      try await photoResponse(request, context: context)
    }
    router.get("v1/captures/:id/thumbnail") { request, context -> Response in
      try await thumbnailResponse(request, context: context)
    }
    for extend in extensions { extend(self, router) }
    return router
  }

  /// `GET /v1/assets/{id}/map.geojson[?cycle=&what=&seq=true]`: `crackmon export geojson`
  /// of the central store's copy of the asset. The export is written to a temporary file
  /// (it streams from SQLite synchronously) and the file is streamed out in 64 KB chunks:
  /// memory stays flat for any asset.
  ///
  /// `GET /v1/assets/{id}/cracks?bbox=minlon,minlat,maxlon,maxlat[&cycle=]` is the same with
  /// only the crack features whose envelope touches the box: PostGIS answers it through its
  /// spatial index; the SQLite store filters while it streams.
  /// The token and the asset's organisation are checked before any parameter (`within`
  /// reads the box from the `bbox` parameter): a caller learns nothing it may not see.
  func mapResponse(
    _ request: Request, context: Context, kinds: [MapRow.Kind]? = nil,
    within: (_ bbox: String?) throws(HTTPError) -> BoundingBox? = { _ in nil }
  ) async throws -> Response {
    let (_, asset) = try await requestedAsset(request, context: context)
    let query = request.uri.queryParameters
    var map = AssetMap(store: store, asset: asset, cycle: query.get("cycle"))
    map.sequence = query.get("seq") == "true"
    map.within = try within(query.get("bbox"))
    do {
      map.kinds =
        try query.get("what").map { list throws(MapExportError) in try AssetMap.kinds(from: list) }
        ?? kinds ?? MapRow.Kind.allCases
    } catch {
      throw HTTPError(.badRequest, message: "what: \(error.description)")
    }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "crackmon-map-\(UUID().uuidString)")
    do {
      try await map.write(to: file.path)
    } catch let error as StoreError {
      throw HTTPError(.badRequest, message: error.description)
    }
    let handle = try FileHandle(forReadingFrom: file)
    // Unlinked now, read through the open handle: nothing is left behind if the client goes.
    try? FileManager.default.removeItem(at: file)
    let type = map.sequence ? "application/geo+json-seq" : "application/geo+json"
    return Response(
      status: .ok, headers: [.contentType: type],
      body: ResponseBody { writer in
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
          try await writer.write(ByteBuffer(bytes: chunk))
        }
        try await writer.finish(nil)
      })
  }

  /// The asset of a `v1/assets/{id}/...` request, once the token is checked and the asset is
  /// found to be its organisation's. Another organisation's asset is answered as if it did not
  /// exist: a 403 would tell that the id is taken.
  public func requestedAsset(_ request: Request, context: Context) async throws -> (Caller, String) {
    let caller = try await caller(request, context: context)
    let asset = try context.parameters.require("id")
    let owner: String?
    do throws(CentralError) {
      owner = try await store.organisation(ofAsset: asset)
    } catch {
      throw Self.httpError(error)
    }
    guard let owner, owner == caller.orgId else {
      throw HTTPError(.notFound, message: "no asset \"\(asset)\"")
    }
    return (caller, asset)
  }

  struct NewUpload: Decodable {
    var sha256: String
    var length: Int64
  }

  /// Photos are uploaded for captures already pushed, of the token's organisation, into its
  /// own blob folder. Another organisation's photo is answered as if it did not exist: a 403
  /// would tell that someone holds it.
  /// `unheld`: what to add when the organisation has no such capture.
  func checkPhoto(
    _ sha: String, org: String, unheld: String = "push records before photos"
  ) async throws -> BlobStore {
    do throws(BlobStore.Failure) { try BlobStore.checkName(sha) } catch {
      throw HTTPError(.badRequest, message: error.description)
    }
    let held: Bool
    do throws(CentralError) { held = try await store.holds(capture: sha, org: org) } catch {
      throw Self.httpError(error)
    }
    guard held else {
      throw HTTPError(
        .notFound, message: "no capture \(sha) in the central store: \(unheld)")
    }
    return try await blobCall { try await blobs.store(for: org) }
  }

  /// A JSON body, or one JSON error: 413 over the size limit, 400 when it does not decode.
  func decodeBody<T: Decodable>(_ type: T.Type, _ request: Request, context: Context, what: String)
    async throws -> T
  {
    do {
      return try await request.decode(as: type, context: context)
    } catch let error as HTTPError {
      throw error
    } catch is NIOTooManyBytesError {
      throw HTTPError(
        .contentTooLarge, message: "\(what) body over \(Self.maxPushBytes) bytes: send smaller batches")
    } catch {
      throw HTTPError(.badRequest, message: "malformed \(what) body")
    }
  }

  func blobCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
      return try await body()
    } catch let failure as BlobStore.Failure {
      switch failure {
      case .badName, .chunkChecksum, .wholeFileChecksum:
        throw HTTPError(.badRequest, message: failure.description)
      case .unknownUpload: throw HTTPError(.notFound, message: failure.description)
      case .busy, .wrongOffset, .lengthChanged: throw HTTPError(.conflict, message: failure.description)
      case .tooLong: throw HTTPError(.contentTooLarge, message: failure.description)
      case .io: throw HTTPError(.internalServerError, message: "blob storage error")
      }
    }
  }

  static let uploadOffset = HTTPField.Name("Upload-Offset")!
  static let uploadChecksum = HTTPField.Name("Upload-Checksum")!

  /// `PATCH /v1/blobs/{sha}`: one chunk at `Upload-Offset`, checked against
  /// `Upload-Checksum: sha256 <hex>`. The body streams to a file while it is hashed (memory
  /// stays flat); only a chunk whose checksum matches is appended and moves the offset.
  func appendChunk(_ request: Request, context: Context) async throws -> BlobStore.Status {
    let device = try await device(request, context: context)
    let sha = try context.parameters.require("sha")
    let blobs = try await checkPhoto(sha, org: device.orgId)
    guard let offset = request.headers[Self.uploadOffset].flatMap({ Int64($0) }), offset >= 0 else {
      throw HTTPError(.badRequest, message: "Upload-Offset header missing or not a byte offset")
    }
    guard let checksum = request.headers[Self.uploadChecksum], checksum.hasPrefix("sha256 ") else {
      throw HTTPError(
        .badRequest, message: "Upload-Checksum header missing; send 'sha256 <hex of the chunk>'")
    }
    let (status, partial) = try await blobCall { try await blobs.beginChunk(sha, at: offset) }
    if status.complete { return status }
    let chunkFile = partial.deletingLastPathComponent().appendingPathComponent(
      "\(sha).chunk-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: chunkFile) }
    let limit = min(Self.maxChunkBytes, status.length - status.offset)
    do {
      _ = FileManager.default.createFile(atPath: chunkFile.path, contents: nil)
      let out = try FileHandle(forWritingTo: chunkFile)
      defer { try? out.close() }
      var hasher = SHA256()
      var received: Int64 = 0
      for try await buffer in request.body {
        received += Int64(buffer.readableBytes)
        guard received <= limit else { throw BlobStore.Failure.tooLong(limit: limit) }
        let bytes = Data(buffer.readableBytesView)
        hasher.update(data: bytes)
        try out.write(contentsOf: bytes)
      }
      let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
      // No fsync here: until the chunk is appended (and that is synced) the offset has not
      // moved, so a crash loses only this chunk, which the device sends again.
      guard "sha256 " + digest == checksum else { throw BlobStore.Failure.chunkChecksum }
    } catch {
      await blobs.abandonChunk(sha)
      metrics.chunksRefused.increment()
      return try await blobCall { throw error }
    }
    let finished = try await blobCall { try await blobs.finishChunk(sha, chunkFile: chunkFile) }
    // Counters only ever go up: a negative delta stops the process (a precondition).
    metrics.blobBytesReceived.increment(by: max(0, finished.offset - status.offset))
    if finished.complete {
      metrics.blobsCompleted.increment()
      context.logger.info(
        "photo stored",
        metadata: ["device": "\(device.id)", "sha256": "\(sha)", "bytes": "\(finished.length)"])
    }
    return finished
  }

  /// This API's OpenAPI document: the resource folder SwiftPM puts beside the binary
  /// (looked up by hand, as the segmentation model is: `Bundle.module` stops the process
  /// when the folder is missing).
  static var openAPIDocument: URL? {
    let executables = [Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0])].compactMap {
      $0
    }
    for executable in executables {
      let candidate = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("crackmon_SyncServer.resources/openapi.yaml")
      if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    }
    return nil
  }

  public static func httpError(_ error: CentralError) -> HTTPError {
    switch error {
    case .unauthorized: HTTPError(.unauthorized, message: error.description)
    case .forbidden: HTTPError(.forbidden, message: error.description)
    case .badEntry, .unknownOrg, .orgExists, .unknownDevice, .userExists:
      HTTPError(.badRequest, message: error.description)
    case .unknownAsset, .unknownAccount, .notFound: HTTPError(.notFound, message: error.description)
    // Never the database's own words: they may name paths and tables.
    case .database, .noStore: HTTPError(.internalServerError, message: "central store error")
    }
  }

  /// Moves photos stored before organisations had blob folders into their organisation's
  /// folder (`OrganisationBlobs.adoptUnsorted`), and says so when there were any. Call before
  /// `run`.
  public func adoptUnsortedBlobs() async throws {
    let organisations = Set(try await store.devices().map(\.orgId)).sorted()
    let store = self.store
    let adoption = try await blobs.adoptUnsorted { sha in
      for organisation in organisations {
        if try await store.holds(capture: sha, org: organisation) { return organisation }
      }
      return nil
    }
    if adoption.moved + adoption.unclaimed > 0 {
      FileHandle.standardError.write(
        Data(
          ("moved \(adoption.moved) photos into their organisations' blob folders"
            + (adoption.unclaimed > 0 ? "; \(adoption.unclaimed) no capture claims were left in place" : "")
            + "\n").utf8))
    }
  }

  /// Serves until the process is stopped. `onListening` gets the bound port (useful with port 0).
  public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void = { _ in })
    async throws
  {
    metrics.bootstrapRequestMetrics()
    var logger = Logger(label: "crackmon.serve")
    logger.logLevel = .info
    let app = Application(
      router: router(),
      // Idle, half-sent and kept-alive sockets are closed after `idleTimeout` without a
      // byte of request: a slowloris client cannot hold connections open.
      server: .http1(configuration: .init(idleTimeout: .seconds(Int64(Self.idleTimeoutSeconds)))),
      configuration: .init(address: .hostname(host, port: port), serverName: "crackmon"),
      onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
      logger: logger)
    let tracking = Task { await tracker.run() }
    // Made now, not at the first sign-in for an unknown address, which would take twice as
    // long as the rest and so tell that the address has no account.
    Task.detached { _ = Passwords.nobody }
    defer { tracking.cancel() }
    do {
      try await app.runService()
    } catch let error as IOError {
      // NIO's words name a syscall ("bind(descriptor:ptr:bytes:)"): say what it means here.
      throw CannotListen(address: "\(host):\(port)", reason: String(cString: strerror(error.errnoCode)))
    }
  }

  /// The address could not be listened on (in use, not this machine's, not allowed).
  public struct CannotListen: Error, CustomStringConvertible {
    public var address: String
    public var reason: String
    public var description: String { "cannot listen on \(address): \(reason)" }
  }
}

extension PushResult: ResponseEncodable {}
extension PullPage: ResponseEncodable {}
extension BlobStore.Status: ResponseEncodable {}
