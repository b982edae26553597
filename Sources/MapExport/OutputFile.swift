import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where an export goes: a file that appears whole or not at all, or standard output.
///
/// A file is written as a hidden temporary beside its destination, flushed to disk and
/// renamed over it only when complete, so an interrupted or failed export never leaves a
/// half-written map where a user (or QGIS) would open it. Bytes go through one buffer in
/// large writes: a million features are hundreds of megabytes.
final class OutputFile {
  let path: String
  private let temporaryPath: String?
  private let fd: Int32
  private var buffer: [UInt8] = []
  private var committed = false
  private static let flushAt = 1 << 18

  /// Standard output; nothing to rename.
  init() {
    path = "(standard output)"
    temporaryPath = nil
    fd = STDOUT_FILENO
    buffer.reserveCapacity(Self.flushAt + 4096)
  }

  init(path: String) throws(MapExportError) {
    let url = URL(fileURLWithPath: path)
    self.path = path
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    temporaryPath = temporary
    fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    buffer.reserveCapacity(Self.flushAt + 4096)
  }

  deinit {
    // Not committed: remove the temporary, leave any earlier file at `path` as it was.
    if let temporaryPath {
      close(fd)
      if !committed { unlink(temporaryPath) }
    }
  }

  @inline(__always) func append(_ byte: UInt8) { buffer.append(byte) }

  @inline(__always) func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

  @inline(__always) func append(_ text: StaticString) {
    text.withUTF8Buffer { buffer.append(contentsOf: $0) }
  }

  /// Writes the buffer out when it is full; call between features.
  func flushIfFull() throws(MapExportError) {
    if buffer.count >= Self.flushAt { try flush() }
  }

  func flush() throws(MapExportError) {
    var failure: Int32 = 0
    buffer.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += n
      }
    }
    buffer.removeAll(keepingCapacity: true)
    if failure != 0 { throw .cannotWrite(path: path, reason: String(cString: strerror(failure))) }
  }

  /// Flushes, syncs and renames the file into place. Without this the file never appears.
  func commit() throws(MapExportError) {
    try flush()
    guard let temporaryPath else { return }
    guard fsync(fd) == 0, rename(temporaryPath, path) == 0 else {
      throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    committed = true
  }
}
