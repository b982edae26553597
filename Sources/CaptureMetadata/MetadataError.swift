import Foundation
import Imaging

/// Why a photo's metadata could not be read. Each case names the file, so a batch
/// can report every failure on one line and carry on with the other files.
public enum MetadataError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The file could not be opened or read.
  case unreadable(path: String, reason: String)
  /// The file has no bytes.
  case empty(path: String)
  /// The bytes are an image container crackmon does not read yet (PNG, TIFF, WebP, raw).
  case unsupportedContainer(path: String, container: Container)
  /// The bytes are not any image container crackmon knows.
  case notAnImage(path: String)
  /// The container's structure ends before it should.
  case truncated(path: String, detail: String)
  /// The container is structurally broken in another way.
  case malformedContainer(path: String, detail: String)

  public var path: String {
    switch self {
    case .unreadable(let path, _), .empty(let path), .unsupportedContainer(let path, _),
      .notAnImage(let path), .truncated(let path, _), .malformedContainer(let path, _):
      return path
    }
  }

  /// A stable machine-readable name for scripts (`--format json`).
  public var code: String {
    switch self {
    case .unreadable: "unreadable"
    case .empty: "empty_file"
    case .unsupportedContainer: "unsupported_container"
    case .notAnImage: "not_an_image"
    case .truncated: "truncated"
    case .malformedContainer: "malformed_container"
    }
  }

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): "\(path): cannot read file: \(reason)"
    case .empty(let path): "\(path): file is empty (0 bytes)"
    case .unsupportedContainer(let path, let container):
      "\(path): unsupported container \(container.rawValue); crackmon reads JPEG and HEIC/HEIF photos"
    case .notAnImage(let path): "\(path): not an image (no known image signature in its first bytes)"
    case .truncated(let path, let detail): "\(path): truncated file: \(detail)"
    case .malformedContainer(let path, let detail): "\(path): malformed file: \(detail)"
    }
  }
}
