import Crypto
import Foundation

/// Photos on the server, content-addressed: `blobs/<sha256>` exists only once its bytes
/// hash to its name. Uploads grow `blobs/.partial/<sha256>` chunk by chunk (each chunk
/// checked and synced before the offset moves), and the finished file is hashed whole,
/// synced, and renamed into place: a crash at any point leaves either no blob or a whole one.
///
/// Names that reach the filesystem are only ever 64 lowercase hex digits: no path traversal.
public actor BlobStore {
  public enum Failure: Error, Equatable, CustomStringConvertible {
    case badName(String)
    case unknownUpload(String)
    case busy(String)
    case lengthChanged(String, declared: Int64)
    case wrongOffset(expected: Int64, got: Int64)
    case chunkChecksum
    case tooLong(limit: Int64)
    case wholeFileChecksum(String)
    case io(String)

    public var description: String {
      switch self {
      case .badName(let name): "\(name) is not a SHA-256 (64 lowercase hex digits)"
      case .unknownUpload(let sha): "no upload for \(sha): create it first"
      case .busy(let sha): "another upload of \(sha) is in progress"
      case .lengthChanged(let sha, let declared):
        "the upload of \(sha) is \(declared) bytes long and has begun: its length cannot change"
      case .wrongOffset(let expected, let got): "chunk at offset \(got), but the upload is at \(expected)"
      case .chunkChecksum: "chunk checksum does not match its bytes; the offset did not move"
      case .tooLong(let limit): "more bytes than the upload's length or the chunk limit (\(limit))"
      case .wholeFileChecksum(let sha): "the uploaded bytes do not hash to \(sha); the upload was discarded"
      case .io(let message): "blob storage error: \(message)"
      }
    }
  }

  public struct Status: Codable, Sendable, Equatable {
    public var sha256: String
    public var length: Int64
    public var offset: Int64
    public var complete: Bool
  }

  public let root: URL
  private var partial: URL { root.appendingPathComponent(".partial") }
  /// Declared lengths of uploads in progress, by name (also written beside the partial file).
  private var writing: Set<String> = []

  /// Opens (or creates) the folder, and tidies what a killed server left in it: chunk files
  /// (no request is in flight yet, so each is an orphan) and uploads that have every byte but
  /// were never verified and published (killed between the last append and the rename).
  public init(root: URL) throws {
    self.root = root
    let partial = root.appendingPathComponent(".partial")
    try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
    // Only an upload's data (`<sha>`) and its declared length (`<sha>.length`) are kept;
    // anything else is a leftover: a chunk file, a length being written when the server died.
    for name in try FileManager.default.contentsOfDirectory(atPath: partial.path) {
      let sha = name.hasSuffix(".length") ? String(name.dropLast(".length".count)) : name
      guard (try? Self.checkName(sha)) != nil else {
        try? FileManager.default.removeItem(at: partial.appendingPathComponent(name))
        continue
      }
      if name.hasSuffix(".length") { try? Self.finishIfWhole(sha, root: root) }
    }
  }

  static func checkName(_ sha: String) throws(Failure) {
    guard sha.utf8.count == 64,
      sha.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    else { throw .badName(sha) }
  }

  private func size(_ url: URL) -> Int64? {
    (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
  }

  public func exists(_ sha: String) throws(Failure) -> Bool {
    try Self.checkName(sha)
    return FileManager.default.fileExists(atPath: root.appendingPathComponent(sha).path)
  }

  /// Creates (or finds) the upload of `sha` with `length` bytes: where to continue from.
  public func create(sha: String, length: Int64) throws(Failure) -> Status {
    try Self.checkName(sha)
    // A whole upload left unpublished is finished now; one with wrong bytes starts over.
    if !writing.contains(sha) { _ = try? status(sha) }
    if let whole = size(root.appendingPathComponent(sha)) {
      return Status(sha256: sha, length: whole, offset: whole, complete: true)
    }
    let data = partial.appendingPathComponent(sha)
    let meta = partial.appendingPathComponent(sha + ".length")
    if let declared = (try? String(contentsOf: meta, encoding: .utf8)).flatMap({ Int64($0) }) {
      let offset = size(data) ?? 0
      if declared == length { return Status(sha256: sha, length: length, offset: offset, complete: false) }
      // A photo's bytes have one length. Starting over under a chunk in flight truncated
      // the file under its writer (and once crashed the server); bytes already checked in
      // are never thrown away for another claim. Only an upload with nothing in it restarts.
      guard !writing.contains(sha) else { throw .busy(sha) }
      guard offset == 0 else { throw .lengthChanged(sha, declared: declared) }
    }
    do {
      try Data().write(to: data)
      // Written beside it and renamed, under a name of ours that a restart clears (an
      // `.atomic` write leaves Foundation's own temporary behind when the server dies).
      let temporary = partial.appendingPathComponent(sha + ".length-new")
      try Data(String(length).utf8).write(to: temporary)
      guard rename(temporary.path, meta.path) == 0 else { throw Failure.io(String(cString: strerror(errno))) }
    } catch {
      throw .io("\(error)")
    }
    return Status(sha256: sha, length: length, offset: 0, complete: false)
  }

  /// Where the upload stands. One that has every byte but was never published (the server
  /// was killed between its last append and the rename) is verified and published now; if
  /// its bytes are wrong it is discarded (`wholeFileChecksum`) and must start over.
  public func status(_ sha: String) throws(Failure) -> Status {
    try Self.checkName(sha)
    if let whole = size(root.appendingPathComponent(sha)) {
      return Status(sha256: sha, length: whole, offset: whole, complete: true)
    }
    let meta = partial.appendingPathComponent(sha + ".length")
    guard let length = (try? String(contentsOf: meta, encoding: .utf8)).flatMap({ Int64($0) }) else {
      throw .unknownUpload(sha)
    }
    let offset = size(partial.appendingPathComponent(sha)) ?? 0
    if offset >= length, !writing.contains(sha) {
      try Self.publish(sha, from: partial.appendingPathComponent(sha), root: root)
      return Status(sha256: sha, length: length, offset: length, complete: true)
    }
    return Status(sha256: sha, length: length, offset: offset, complete: false)
  }

  /// Publishes the upload of `sha` if it has all its declared bytes (see `status`): for the
  /// sweep at start, where no actor state exists yet.
  private static func finishIfWhole(_ sha: String, root: URL) throws(Failure) {
    let partial = root.appendingPathComponent(".partial")
    let data = partial.appendingPathComponent(sha)
    guard
      let declared =
        (try? String(contentsOf: partial.appendingPathComponent(sha + ".length"), encoding: .utf8))
        .flatMap({ Int64($0) }),
      let bytes = (try? FileManager.default.attributesOfItem(atPath: data.path)[.size] as? NSNumber)?
        .int64Value,
      bytes >= declared
    else { return }
    try publish(sha, from: data, root: root)
  }

  /// Claims the upload for one writer; `finishChunk` or `abandonChunk` releases it.
  public func beginChunk(_ sha: String, at offset: Int64) throws(Failure) -> (status: Status, file: URL) {
    let status = try status(sha)
    guard !status.complete else { return (status, root.appendingPathComponent(sha)) }
    guard !writing.contains(sha) else { throw .busy(sha) }
    guard offset == status.offset else { throw .wrongOffset(expected: status.offset, got: offset) }
    writing.insert(sha)
    // Chunk files of this photo left by a request that died with the server: with one writer
    // per photo, none of them is in use now.
    let stale = (try? FileManager.default.contentsOfDirectory(atPath: partial.path)) ?? []
    for name in stale where name.hasPrefix(sha + ".chunk-") {
      try? FileManager.default.removeItem(at: partial.appendingPathComponent(name))
    }
    return (status, partial.appendingPathComponent(sha))
  }

  public func abandonChunk(_ sha: String) { writing.remove(sha) }

  /// After the chunk's bytes went to `chunkFile` and matched their checksum: appends them,
  /// syncs, and when the upload is whole, verifies and publishes the blob.
  public func finishChunk(_ sha: String, chunkFile: URL) throws(Failure) -> Status {
    defer { writing.remove(sha) }
    let data = partial.appendingPathComponent(sha)
    do {
      let out = try FileHandle(forWritingTo: data)
      defer { try? out.close() }
      try out.seekToEnd()
      let input = try FileHandle(forReadingFrom: chunkFile)
      defer { try? input.close() }
      while let bytes = try input.read(upToCount: 1 << 20), !bytes.isEmpty {
        try out.write(contentsOf: bytes)
      }
      try out.synchronize()
    } catch {
      throw .io("\(error)")
    }
    var status = try self.status(sha)
    if status.offset == status.length {
      try Self.publish(sha, from: data, root: root)
      status.complete = true
    }
    return status
  }

  /// Hashes the whole file; only a match is renamed into place.
  private static func publish(_ sha: String, from data: URL, root: URL) throws(Failure) {
    let partial = root.appendingPathComponent(".partial")
    var hasher = SHA256()
    do {
      let input = try FileHandle(forReadingFrom: data)
      defer { try? input.close() }
      while let bytes = try input.read(upToCount: 1 << 20), !bytes.isEmpty { hasher.update(data: bytes) }
    } catch {
      throw .io("\(error)")
    }
    let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
    let meta = partial.appendingPathComponent(sha + ".length")
    guard digest == sha else {
      try? FileManager.default.removeItem(at: data)
      try? FileManager.default.removeItem(at: meta)
      throw .wholeFileChecksum(sha)
    }
    // Rename first: killed in between, the blob exists and the stale length file is harmless.
    guard rename(data.path, root.appendingPathComponent(sha).path) == 0 else {
      throw .io(String(cString: strerror(errno)))
    }
    try? FileManager.default.removeItem(at: meta)
  }
}
