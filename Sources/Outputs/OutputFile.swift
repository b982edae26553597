import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Why an output could not be written. Nothing was left at `path`: an earlier file there is
/// as it was.
public struct OutputFileError: Error, Equatable, CustomStringConvertible {
  public var path: String
  public var reason: String

  public var description: String { "\(path): cannot write (\(reason))" }
}

/// Where a command's output goes: a file that appears whole or not at all, a device or pipe
/// written as it is, or standard output (`-`).
///
/// A regular file (or a new one) is written as a hidden temporary beside it, flushed to disk
/// and renamed over it only when complete, so an interrupted or failed run never leaves a half
/// file where a user (or QGIS) would open it. A symbolic link is followed: the file it points
/// to is replaced and the link stays a link. A character device (`/dev/null`, `/dev/stdout`,
/// a terminal) or a FIFO is written directly: renaming over one would replace the device node
/// itself (as root, `/dev/null` became a regular file). Folders, block devices and sockets
/// are refused.
public final class OutputFile {
  public let path: String
  private let temporaryPath: String?
  /// Where the temporary is renamed to: the path, or the file a link at the path points to.
  private let target: String
  private let fd: Int32
  private let closeWhenDone: Bool
  private var committed = false

  /// Standard output; nothing to rename.
  public init() {
    path = "(standard output)"
    target = path
    temporaryPath = nil
    fd = STDOUT_FILENO
    closeWhenDone = false
  }

  /// `-` (and `/dev/stdout`) is standard output.
  public convenience init(path: String) throws(OutputFileError) {
    if path == "-" || path == "/dev/stdout" {
      self.init()
    } else {
      try self.init(file: path)
    }
  }

  private init(file path: String) throws(OutputFileError) {
    self.path = path
    func failure(_ reason: String) -> OutputFileError { OutputFileError(path: path, reason: reason) }
    // What the path is once the kernel has followed its links (`/proc` links included).
    var info = stat()
    if stat(path, &info) == 0 {
      switch info.st_mode & S_IFMT {
      case S_IFREG: break
      case S_IFCHR, S_IFIFO:
        // Written as it is, never replaced.
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        self.fd = fd
        target = path
        temporaryPath = nil
        closeWhenDone = true
        return
      case S_IFDIR: throw failure("it is a folder")
      default: throw failure("it is not a file, a character device or a pipe")
      }
    } else if errno != ENOENT {
      throw failure(String(cString: strerror(errno)))
    }
    // A file, or nothing yet (a dangling link: the file it names): replaced whole, the link kept.
    target = Self.followingLinks(path)
    let url = URL(fileURLWithPath: target)
    let temporary = url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    temporaryPath = temporary
    closeWhenDone = true
    fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
  }

  /// The path with every symbolic link along the last component followed (a dangling link
  /// gives the path it points to, which is then created).
  private static func followingLinks(_ path: String) -> String {
    var current = path
    for _ in 0..<40 {  // SYMLOOP_MAX
      guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
        return current
      }
      current =
        destination.hasPrefix("/")
        ? destination
        : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(destination).path
    }
    return current
  }

  deinit {
    if closeWhenDone { close(fd) }
    // Not committed: remove the temporary, leave any earlier file as it was.
    if let temporaryPath, !committed { unlink(temporaryPath) }
  }

  /// Writes all of `bytes`.
  public func write(_ bytes: some ContiguousBytes) throws(OutputFileError) {
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
    if failure != 0 { throw OutputFileError(path: path, reason: String(cString: strerror(failure))) }
  }

  /// Syncs and renames a file into place; without this it never appears. Devices and pipes
  /// have had their bytes already.
  public func commit() throws(OutputFileError) {
    guard let temporaryPath else { return }
    guard fsync(fd) == 0, rename(temporaryPath, target) == 0 else {
      throw OutputFileError(path: path, reason: String(cString: strerror(errno)))
    }
    committed = true
  }

  /// `bytes` to `path` in one go, as `init(path:)`, `write` and `commit` do.
  public static func write(_ bytes: some ContiguousBytes, to path: String) throws(OutputFileError) {
    let file = try OutputFile(path: path)
    try file.write(bytes)
    try file.commit()
  }
}
