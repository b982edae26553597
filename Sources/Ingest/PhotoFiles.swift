import Foundation
import Imaging

#if canImport(Glibc)
  import Glibc
#endif

/// The files an ingest or metadata run should look at.
public enum PhotoFiles {
  /// An entry that is not looked at, and why: it is not a file that can be read as a photo.
  public struct Skipped: Encodable, Sendable, Equatable {
    public var path: String
    public var reason: String
  }

  /// Names a folder walk takes as photos: what crackmon reads (JPEG, PNG, HEIC/HEIF). A DCIM
  /// folder holds much else beside them (DJI `.SRT`, `.MRK`, `.DAT`, `.LRF` sidecars, videos,
  /// raw files, `README.txt`): those are skipped and counted, not failed. A file without an
  /// extension is tried, and a file named on the command line is always tried.
  public static let photoExtensions = ImageDecoder.photoExtensions

  /// Expands files and directories (recursively, hidden entries skipped) into a sorted
  /// list of regular files. A link to a regular file counts as that file. Inputs that do not
  /// exist come back in `missing`; FIFOs, sockets, devices, broken links, links to
  /// directories and names that are not UTF-8 come back in `skipped`, each with its reason
  /// (a FIFO opened for reading would wait for a writer for ever).
  public static func expand(_ inputs: [String]) -> (files: [URL], missing: [String], skipped: [Skipped]) {
    var files: [URL] = []
    var missing: [String] = []
    var skipped: [Skipped] = []
    for input in inputs {
      let path = URL(fileURLWithPath: input).path
      var info = stat()
      guard stat(path, &info) == 0 else {
        var link = stat()
        if lstat(path, &link) == 0 {
          skipped.append(Skipped(path: input, reason: "a broken link"))
        } else {
          missing.append(input)
        }
        continue
      }
      switch info.st_mode & S_IFMT {
      case S_IFREG: files.append(URL(fileURLWithPath: path))
      case S_IFDIR:
        var found: [String] = []
        walk(path, into: &found, skipped: &skipped)
        files += found.sorted().map { URL(fileURLWithPath: $0) }
      default: skipped.append(Skipped(path: input, reason: kind(info.st_mode)))
      }
    }
    return (files, missing, skipped)
  }

  /// Readdir by hand rather than FileManager's enumerator, which passed over links, FIFOs
  /// and names that are not UTF-8 without a word.
  private static func walk(_ directory: String, into files: inout [String], skipped: inout [Skipped]) {
    guard let handle = opendir(directory) else {
      skipped.append(Skipped(path: directory, reason: "cannot be read: \(String(cString: strerror(errno)))"))
      return
    }
    var names: [String] = []
    while let entry = readdir(handle) {
      let raw = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
      guard let name = String(validating: raw, as: UTF8.self) else {
        skipped.append(
          Skipped(
            path: directory + "/" + String(decoding: raw, as: UTF8.self),
            reason: "its name is not valid UTF-8: rename it to ingest it"))
        continue
      }
      if !name.hasPrefix(".") { names.append(name) }  // hidden entries, and . and ..
    }
    closedir(handle)
    for name in names {
      let path = directory + "/" + name
      var info = stat()
      guard lstat(path, &info) == 0 else {
        skipped.append(Skipped(path: path, reason: "cannot be read: \(String(cString: strerror(errno)))"))
        continue
      }
      let fileExtension = (name as NSString).pathExtension.lowercased()
      if info.st_mode & S_IFMT != S_IFDIR, !fileExtension.isEmpty, !photoExtensions.contains(fileExtension) {
        skipped.append(Skipped(path: path, reason: "not a photo (.\(fileExtension))"))
        continue
      }
      switch info.st_mode & S_IFMT {
      case S_IFDIR: walk(path, into: &files, skipped: &skipped)
      case S_IFREG: files.append(path)
      case S_IFLNK:
        var target = stat()
        if stat(path, &target) != 0 {
          skipped.append(Skipped(path: path, reason: "a broken link"))
        } else if target.st_mode & S_IFMT == S_IFREG {
          files.append(path)
        } else if target.st_mode & S_IFMT == S_IFDIR {
          // Not followed: a link back up the tree would never end. Name the folder itself.
          skipped.append(Skipped(path: path, reason: "a link to a directory, not followed"))
        } else {
          skipped.append(Skipped(path: path, reason: "a link to " + kind(target.st_mode)))
        }
      default: skipped.append(Skipped(path: path, reason: kind(info.st_mode)))
      }
    }
  }

  private static func kind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: "a FIFO, not a regular file"
    case S_IFSOCK: "a socket, not a regular file"
    case S_IFCHR, S_IFBLK: "a device, not a regular file"
    default: "not a regular file"
    }
  }
}
