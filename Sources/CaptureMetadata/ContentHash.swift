import Crypto
import Foundation

/// Content addressing: a capture's id is the SHA-256 of its file bytes, so the same
/// photo is the same capture on every device and on the server.
public enum ContentHash {
  public static func sha256(_ data: Data) -> String {
    hex(SHA256.hash(data: data))
  }

  /// The file's SHA-256, read through one reused 1 MiB buffer: memory stays flat for any
  /// size (hashing a mapped 2 GiB file touched, and so held, every page of it).
  public static func sha256(contentsOf url: URL) throws -> String {
    let handle = try FileHandle(forReadingFrom: url)
    defer { try? handle.close() }
    var hasher = SHA256()
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
      }
      if count == 0 { break }
      buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }
    return hex(hasher.finalize())
  }

  private static func hex(_ digest: SHA256.Digest) -> String {
    digest.map { byte in
      let s = String(byte, radix: 16)
      return byte < 16 ? "0" + s : s
    }.joined()
  }
}
