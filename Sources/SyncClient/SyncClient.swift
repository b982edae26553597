import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Store

/// Why a sync stopped. Each reads as one sentence for the inspector.
public enum SyncError: Error, Equatable, CustomStringConvertible {
  case noRemote
  case badURL(String)
  /// The server answered with a refusal: retrying will not help.
  case refused(status: Int, message: String)
  /// No answer after every retry: network down, server away.
  case unreachable(url: String, reason: String)

  public var description: String {
    switch self {
    case .noRemote: "no remote set; run `crackmon remote set URL --token TOKEN` first"
    case .badURL(let url): "remote URL \(url) is not an http(s) URL"
    case .refused(let status, let message): "the server refused (HTTP \(status)): \(message)"
    case .unreachable(let url, let reason):
      "cannot reach \(url) (\(reason)); nothing was lost, run sync again later"
    }
  }
}

extension SyncError {
  /// A refusal from the server's JSON error body (`{"error": {"message": ...}}`), or from
  /// the start of whatever else it sent.
  static func refusal(status: Int, body: Data) -> SyncError {
    let message =
      (try? JSONSerialization.jsonObject(with: body) as? [String: [String: String]])?["error"]?["message"]
      ?? String(decoding: body.prefix(200), as: UTF8.self)
    return .refused(status: status, message: message)
  }
}

/// The device side of sync: pushes the outbox in batches, marking entries pushed only once
/// the server has acknowledged them (after its commit). Safe to interrupt anywhere and to run
/// twice: an entry pushed twice is applied once.
public struct SyncClient {
  public let store: DeviceStore
  public var batchSize = 500
  /// Attempts per batch for network errors and 5xx answers, with exponential backoff and jitter.
  public var attempts = 5
  public var firstBackoff = 0.5
  /// How long to keep trying a server that does not answer, from the first failure in a row;
  /// then the sync stops, saying so. A link that drops now and then gets through meanwhile.
  public var patience: Duration = .seconds(60)
  /// Told at once when the server cannot be reached, and what the sync does about it.
  public var notice: @Sendable (String) -> Void = { _ in }
  /// AsyncHTTPClient (SwiftNIO): one kept-alive connection, and a reset or a silent peer
  /// noticed at once or after `idleTimeout`, not left hanging.
  private let http: HTTPClient

  /// Seconds without a byte either way before a request counts as lost (then it is retried).
  public static let idleTimeout: Int64 = 10

  public init(store: DeviceStore) {
    self.store = store
    var configuration = HTTPClient.Configuration()
    // A refused connection is retried inside the pool until the connect timeout: keep it
    // short, so an unreachable server is reported in seconds (the retries add backoff).
    configuration.timeout = .init(
      connect: .seconds(5), read: .seconds(Self.idleTimeout), write: .seconds(Self.idleTimeout))
    configuration.redirectConfiguration = .disallow
    // A refused connection fails at once, into the retries below, which say so: left on, the
    // pool retries in silence until the connect timeout.
    configuration.connectionPool.retryConnectionEstablishment = false
    http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
  }

  /// Closes the connections; call once, when done, however the sync ended.
  public func close() async {
    try? await http.shutdown()
  }

  public struct Summary: Sendable, Equatable {
    public var pushed = 0
    public var duplicates = 0
    public var batches = 0
    public var retries = 0
    public var photos = 0
    /// Photo bytes sent, and the bytes the server still needed when asked: a resumed
    /// upload sends only the rest.
    public var photoBytesSent: Int64 = 0
    public var photoBytesNeeded: Int64 = 0
    /// Bytes of the small JSON requests around the uploads (not photo bytes).
    public var photoRequestBytes: Int64 = 0
    /// Photos that could not be sent (file moved or changed since ingest), with why.
    public var photoProblems: [String] = []
  }

  /// Bytes per photo chunk: big enough to keep the link busy, small enough that a dropped
  /// connection loses little.
  public var chunkBytes = 4 << 20 {
    didSet { chunkBytes = max(chunkBytes, Self.smallestChunk) }
  }

  public func push(progress: (Int, Int) -> Void = { _, _ in }) async throws -> Summary {
    guard let remote = try store.remote() else { throw SyncError.noRemote }
    guard let base = URL(string: remote.url), ["http", "https"].contains(base.scheme ?? "") else {
      throw SyncError.badURL(remote.url)
    }
    let endpoint = base.appendingPathComponent("v1/push")
    let total = try store.pendingCount()
    var summary = Summary()
    let decoder = JSONDecoder()
    let store = store
    /// The next batch after `seq`, read and encoded.
    @Sendable func batch(after seq: Int64, limit: Int) throws -> (after: Int64, last: Int64, body: Data)? {
      let entries = try store.pendingEntries(after: seq, limit: limit)
      guard let last = entries.last?.seq else { return nil }
      return (seq, last, try JSONEncoder().encode(PushRequest(deviceId: store.deviceID, entries: entries)))
    }
    var sizes = AdaptiveSize(smallest: 10, largest: batchSize)
    var next = try batch(after: 0, limit: sizes.current)
    while let current = next {
      // The following batch is read and encoded while the server applies this one.
      let limit = sizes.current
      async let following = batch(after: current.last, limit: limit)
      let request = Call(url: endpoint, method: .POST, token: remote.token, body: current.body)
      guard let (data, status) = try await sendOnce(request, sizes: &sizes, retries: &summary.retries) else {
        // Dropped: the same entries again, fewer at a time.
        next = try batch(after: current.after, limit: sizes.current)
        continue
      }
      guard status == 200 else { throw SyncError.refusal(status: status, body: data) }
      let result = try decoder.decode(PushResult.self, from: data)
      try store.markPushed(through: result.ackedSeq)
      next = try await following
      summary.pushed += result.applied
      summary.duplicates += result.duplicates
      summary.batches += 1
      progress(summary.pushed + summary.duplicates, total)
    }
    return summary
  }

  /// What a pull brought down.
  public struct PullSummary: Sendable, Equatable {
    public var applied = PullApplied()
    public var pages = 0
    public var retries = 0
    /// Followed assets the server would not give, with why (unknown there, another
    /// organisation's): the rest is pulled.
    public var problems: [String] = []
  }

  /// Pulls the organisation's assets and cycles, then the crack history of each followed
  /// asset, page by page. Each page is applied with its cursor in one transaction, so an
  /// interrupted pull resumes where it stopped and a repeated one changes nothing.
  public func pull(progress: (Int) -> Void = { _ in }) async throws -> PullSummary {
    guard let remote = try store.remote() else { throw SyncError.noRemote }
    guard let base = URL(string: remote.url), ["http", "https"].contains(base.scheme ?? "") else {
      throw SyncError.badURL(remote.url)
    }
    var summary = PullSummary()
    let scopes = try store.pullScopes()
    var sizes = AdaptiveSize(smallest: 10, largest: 1000)
    var organisationCursor: Int64?
    for (scope, cursor) in scopes {
      var since = cursor
      var more = true
      while more {
        var components = URLComponents(
          url: base.appendingPathComponent("v1/pull"), resolvingAgainstBaseURL: false)!
        var items = [
          URLQueryItem(name: "since", value: String(since)),
          URLQueryItem(name: "limit", value: String(sizes.current)),
        ]
        if scope != DeviceStore.organisationScope {
          items.append(URLQueryItem(name: "asset", value: scope))
          // Never past the organisation's cursor: every cycle a capture names is here already.
          if let organisationCursor {
            items.append(URLQueryItem(name: "until", value: String(organisationCursor)))
          }
        }
        components.queryItems = items
        let request = Call(url: components.url!, method: .GET, token: remote.token)
        guard let (data, status) = try await sendOnce(request, sizes: &sizes, retries: &summary.retries)
        else {
          continue  // dropped: the same page again, smaller
        }
        if scope != DeviceStore.organisationScope, status == 404 || status == 403 {
          let reason = SyncError.refusal(status: status, body: data)
          summary.problems.append("asset \(scope): not pulled: \(reason)")
          break
        }
        guard status == 200 else { throw SyncError.refusal(status: status, body: data) }
        let page = try JSONDecoder().decode(PullPage.self, from: data)
        summary.applied.add(try store.apply(page, scope: scope))
        summary.pages += 1
        progress(summary.applied.rows.values.reduce(0, +))
        since = page.cursor
        more = page.more
      }
      if scope == DeviceStore.organisationScope { organisationCursor = since }
    }
    return summary
  }

  /// Uploads the photos of pushed captures that the server does not have, resuming each
  /// from the server's offset. A photo that cannot go (moved, changed since ingest, refused by
  /// the server) is named in `photoProblems`, kept pending with its reason (`sync status`),
  /// and the others go on; only a server that cannot be reached stops the uploads.
  public func uploadPhotos(into summary: inout Summary, progress: (Int64, Int64) -> Void = { _, _ in })
    async throws
  {
    guard let remote = try store.remote() else { throw SyncError.noRemote }
    guard let base = URL(string: remote.url) else { throw SyncError.badURL(remote.url) }
    let photos = try store.photosToUpload()
    let total = photos.reduce(0) { $0 + $1.size }
    var done: Int64 = 0
    // Kept from photo to photo: the link stays as bad or as good as it was.
    var sizes = AdaptiveSize(smallest: Self.smallestChunk, largest: chunkBytes)
    for photo in photos {
      let problem: String?
      do {
        problem = try await upload(
          photo, base: base, token: remote.token, sizes: &sizes, summary: &summary
        ) { sent in
          done = min(total, done + sent)
          progress(done, total)
        }
      } catch SyncError.refused(let status, let message) {
        problem = "the server refused it (HTTP \(status)): \(message)"
      }
      if let problem {
        summary.photoProblems.append("\(photo.path): \(problem)")
        try store.notePhotoProblem(photo.sha256, problem)
      } else {
        try store.markPhotoUploaded(photo.sha256)
        summary.photos += 1
      }
    }
  }

  /// One photo's upload: nil once the server has it whole, else why it was held back.
  private func upload(
    _ photo: (sha256: String, path: String, size: Int64), base: URL, token: String,
    sizes: inout AdaptiveSize, summary: inout Summary, sent: (Int64) -> Void
  ) async throws -> String? {
    // The bytes must be those that were ingested: a changed file would be refused at the
    // end (its hash is the capture id), after every byte had gone over the link.
    let onDisk = (try? FileManager.default.attributesOfItem(atPath: photo.path)[.size] as? NSNumber)?
      .int64Value
    guard let onDisk, let handle = FileHandle(forReadingAtPath: photo.path) else {
      return "not found (moved since ingest?); its record is synced, the photo is held back"
    }
    defer { try? handle.close() }
    guard onDisk == photo.size else {
      return "changed since ingest (\(onDisk) bytes now, \(photo.size) then); its record is synced, "
        + "the photo is held back"
    }
    var status = try await call(
      base.appendingPathComponent("v1/blobs"), method: .POST, token: token,
      body: try JSONEncoder().encode(NewUpload(sha256: photo.sha256, length: photo.size)),
      retries: &summary.retries, bytesSent: &summary.photoRequestBytes)
    summary.photoBytesNeeded += status.length - status.offset
    let url = base.appendingPathComponent("v1/blobs/\(photo.sha256)")
    var asked = false
    while !status.complete {
      guard status.offset < status.length else {
        // Every byte is there but the server has not finished the upload: ask once more
        // (asking finishes it); the photo is not to blame.
        guard !asked else { return "the server has every byte but has not finished the upload; sync again" }
        asked = true
        status = try await call(
          url, method: .GET, token: token, body: nil, retries: &summary.retries,
          bytesSent: &summary.photoRequestBytes)
        continue
      }
      try handle.seek(toOffset: UInt64(status.offset))
      let chunk =
        try handle.read(upToCount: Int(min(Int64(sizes.current), status.length - status.offset))) ?? Data()
      guard !chunk.isEmpty else { return "shorter than when it was ingested" }
      do {
        // One try: after a failure the server is asked where the upload stands instead,
        // so a chunk that did arrive is not sent again.
        status = try await call(
          url, method: .PATCH, token: token, body: chunk, retries: &summary.retries,
          bytesSent: &summary.photoBytesSent,
          headers: [
            "Upload-Offset": String(status.offset),
            "Upload-Checksum": "sha256 " + Self.hex(SHA256.hash(data: chunk)),
          ], attempts: 1)
        sizes.succeeded()
      } catch let error as SyncError {
        if case .refused(409, _) = error {
          // An earlier chunk whose answer was lost is still being written: wait a moment.
          try await Task.sleep(for: .milliseconds(100))
        } else if case .refused = error {
          throw error
        } else {
          try await afterDrop(error, sizes: &sizes, retries: &summary.retries)
        }
        status = try await call(
          url, method: .GET, token: token, body: nil, retries: &summary.retries,
          bytesSent: &summary.photoRequestBytes)
      }
      sent(Int64(chunk.count))
    }
    return nil
  }

  /// One try of a request whose size adapts to the link: the answer, or nil when it got
  /// none (see `afterDrop`).
  private func sendOnce(_ call: Call, sizes: inout AdaptiveSize, retries: inout Int) async throws -> (
    Data, Int
  )? {
    do {
      let answer = try await send(call, retries: &retries, attempts: 1)
      sizes.succeeded()
      return answer
    } catch let error as SyncError {
      try await afterDrop(error, sizes: &sizes, retries: &retries)
      return nil
    }
  }

  /// After a request that got no answer (`unreachable` after its one attempt): smaller
  /// requests from now on, and a pause with full jitter that grows with the drops in a row.
  /// Any other error, or too many drops in a row, is thrown.
  private func afterDrop(_ error: SyncError, sizes: inout AdaptiveSize, retries: inout Int) async throws {
    guard case .unreachable(let url, let reason) = error else { throw error }
    sizes.dropped()
    let waited = sizes.firstDrop.map { ContinuousClock.now - $0 } ?? .zero
    guard sizes.drops < attempts * 2, waited < patience else { throw error }
    retries += 1
    let ceiling = min(firstBackoff * Double(1 << min(sizes.drops - 1, 6)), 8)
    let left = Double((patience - waited).components.seconds)
    let pause = min(Double.random(in: 0...ceiling), max(0, left))
    tellRetrying(url: url, reason: reason, pause: pause, waited: waited)
    try await Task.sleep(for: .seconds(pause))
  }

  private func tellRetrying(url: String, reason: String, pause: Double, waited: Duration) {
    let host = URL(string: url).map { "\($0.host ?? url)\($0.port.map { ":\($0)" } ?? "")" } ?? url
    let left = max(0, Int((patience - waited).components.seconds))
    notice(
      "no answer from \(host) (\(reason)): trying again in \(String(format: "%.1f", pause)) s; "
        + "giving up within \(left) s")
  }

  /// What went wrong with a request, in a few words.
  static func reason(_ error: any Error) -> String {
    switch error {
    case let error as HTTPClientError where error == .connectTimeout: return "no connection within 5 s"
    case let error as HTTPClientError where error == .readTimeout || error == .writeTimeout:
      return "no answer within \(idleTimeout) s"
    case let error as HTTPClientError where error == .remoteConnectionClosed:
      return "the connection was closed"
    default:
      let text = "\(error)"
      if text.contains("Connection refused") { return "connection refused" }
      if text.contains("Connection reset") { return "connection reset" }
      if text.contains("NIOConnectionError") || text.contains("resolution") {
        return "cannot connect: \(text)"
      }
      return text
    }
  }

  /// A capture's photo from the central store, as its device took it; with `size` or `crop`,
  /// a JPEG thumbnail of the upright photo, or of the box `crop` ("x,y,width,height" in its
  /// pixels), at most `size` pixels on its longer side. The device's organisation's only.
  public func photo(capture: String, size: Int? = nil, crop: String? = nil) async throws -> Data {
    guard let remote = try store.remote() else { throw SyncError.noRemote }
    guard let base = URL(string: remote.url), ["http", "https"].contains(base.scheme ?? "") else {
      throw SyncError.badURL(remote.url)
    }
    let thumbnail = size != nil || crop != nil
    var components = URLComponents(
      url: base.appendingPathComponent("v1/captures/\(capture)/\(thumbnail ? "thumbnail" : "photo")"),
      resolvingAgainstBaseURL: false)!
    let items = [
      size.map { URLQueryItem(name: "size", value: String($0)) },
      crop.map { URLQueryItem(name: "crop", value: $0) },
    ].compactMap { $0 }
    if !items.isEmpty { components.queryItems = items }
    var retries = 0
    let (data, status) = try await send(
      Call(url: components.url!, method: .GET, token: remote.token), retries: &retries)
    guard status == 200 else { throw SyncError.refusal(status: status, body: data) }
    return data
  }

  /// The smallest photo chunk on a bad link.
  static let smallestChunk = 4096

  /// A JSON request answered with a blob status; refusals (4xx) throw `refused`.
  private func call(
    _ url: URL, method: HTTPMethod, token: String, body: Data?, retries: inout Int, bytesSent: inout Int64,
    headers: [String: String] = [:], attempts: Int? = nil
  ) async throws -> BlobStatus {
    let request = Call(url: url, method: method, token: token, headers: headers, body: body)
    let (data, status) = try await send(
      request, retries: &retries, bytesSent: &bytesSent, attempts: attempts ?? self.attempts)
    guard (200..<300).contains(status) else { throw SyncError.refusal(status: status, body: data) }
    return try JSONDecoder().decode(BlobStatus.self, from: data)
  }

  static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }

  struct NewUpload: Encodable {
    var sha256: String
    var length: Int64
  }

  struct BlobStatus: Decodable {
    var sha256: String
    var length: Int64
    var offset: Int64
    var complete: Bool
  }

  /// One request as the sync sends it: JSON or a photo chunk, with the device's token.
  struct Call {
    var url: URL
    var method: HTTPMethod
    var token: String
    var headers: [String: String] = [:]
    var body: Data?

    var request: HTTPClientRequest {
      var request = HTTPClientRequest(url: url.absoluteString)
      request.method = method
      request.headers.add(name: "Authorization", value: "Bearer \(token)")
      for (name, value) in headers { request.headers.add(name: name, value: value) }
      if let body {
        if method == .POST { request.headers.add(name: "Content-Type", value: "application/json") }
        request.body = .bytes(ByteBuffer(bytes: body))
      }
      return request
    }
  }

  /// Sends with retries on network errors and 5xx; 4xx come back at once.
  private func send(_ call: Call, retries: inout Int, attempts: Int? = nil) async throws -> (Data, Int) {
    var ignored: Int64 = 0
    return try await send(call, retries: &retries, bytesSent: &ignored, attempts: attempts)
  }

  /// Counts the body of every attempt in `bytesSent`: what a flaky link really costs.
  private func send(_ call: Call, retries: inout Int, bytesSent: inout Int64, attempts: Int? = nil)
    async throws -> (Data, Int)
  {
    var delay = firstBackoff
    var lastError = ""
    let request = call.request
    let attempts = attempts ?? self.attempts
    for attempt in 1...attempts {
      bytesSent += Int64(call.body?.count ?? 0)
      do {
        // The deadline only bounds a whole request on a very slow link; a stalled one is
        // caught sooner by the idle timeouts.
        let response = try await http.execute(request, timeout: .minutes(10))
        let body = try await response.body.collect(upTo: 64 << 20)
        let status = Int(response.status.code)
        if status < 500 { return (Data(body.readableBytesView), status) }
        lastError = "HTTP \(status)"
      } catch {
        lastError = Self.reason(error)
      }
      if attempt < attempts {
        retries += 1
        // Full jitter: many devices coming back online at once do not retry in step.
        let pause = Double.random(in: 0...delay)
        tellRetrying(url: call.url.absoluteString, reason: lastError, pause: pause, waited: .zero)
        try await Task.sleep(for: .seconds(pause))
        delay *= 2
      }
    }
    throw SyncError.unreachable(url: call.url.absoluteString, reason: lastError)
  }
}
