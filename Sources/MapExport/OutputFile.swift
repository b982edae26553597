import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where an export goes: a file that appears whole or not at all, or standard output.
///
/// A file is written as a hidden temporary beside its destination, flushed to disk and
/// renamed over it only when complete, so an interrupted or failed export never leaves a
/// half-written map where a user (or QGIS) would open it.
final class OutputFile {
  let path: String
  private let temporaryPath: String?
  private let fd: Int32
  private var committed = false

  /// Standard output; nothing to rename.
  init() {
    path = "(standard output)"
    temporaryPath = nil
    fd = STDOUT_FILENO
  }

  init(path: String) throws(MapExportError) {
    let url = URL(fileURLWithPath: path)
    self.path = path
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    temporaryPath = temporary
    fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
  }

  deinit {
    // Not committed: remove the temporary, leave any earlier file at `path` as it was.
    if let temporaryPath {
      close(fd)
      if !committed { unlink(temporaryPath) }
    }
  }

  /// Writes all of `bytes`.
  func write(_ bytes: [UInt8]) throws(MapExportError) {
    var failure: Int32 = 0
    bytes.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += n
      }
    }
    if failure != 0 { throw .cannotWrite(path: path, reason: String(cString: strerror(failure))) }
  }

  /// Syncs and renames the file into place. Without this the file never appears.
  func commit() throws(MapExportError) {
    guard let temporaryPath else { return }
    guard fsync(fd) == 0, rename(temporaryPath, path) == 0 else {
      throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    committed = true
  }
}
