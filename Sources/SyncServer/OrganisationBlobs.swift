import Crypto
import Foundation

/// Each organisation's photos in a folder of its own: `blobs/org-<hex>/`, named by the first
/// 32 hex digits of the SHA-256 of the organisation id (an id may hold any character; a
/// folder name may not). Two organisations that hold the same photo each upload and keep
/// their own copy: an upload that completed at once, or a status, would otherwise tell one
/// that the other has it.
public actor OrganisationBlobs {
  public let root: URL
  private var shelves: [String: BlobStore] = [:]

  /// Opens (or creates) the folder, and tidies each organisation's folder as `BlobStore`
  /// does when it opens one: before any request, so what a killed server left is dealt with
  /// at start.
  public init(root: URL) throws {
    self.root = root
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    for name in try FileManager.default.contentsOfDirectory(atPath: root.path) where name.hasPrefix("org-") {
      _ = try BlobStore(root: root.appendingPathComponent(name))
    }
  }

  public static func folderName(organisation: String) -> String {
    "org-" + SHA256.hash(data: Data(organisation.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
  }

  /// The organisation's blob store: one per organisation, so that its uploads in progress
  /// are serialised in one place.
  public func store(for organisation: String) throws(BlobStore.Failure) -> BlobStore {
    if let shelf = shelves[organisation] { return shelf }
    do {
      let shelf = try BlobStore(
        root: root.appendingPathComponent(Self.folderName(organisation: organisation)))
      shelves[organisation] = shelf
      return shelf
    } catch {
      throw .io("\(error)")
    }
  }

  /// What `adoptUnsorted` did with blobs stored before organisations had folders.
  public struct Adoption: Sendable, Equatable {
    public var moved = 0
    /// Whole blobs no organisation holds a capture for: left where they are.
    public var unclaimed = 0
  }

  /// Moves each whole blob at the top of `root` (stored before organisations had folders,
  /// when one capture id could belong to one organisation only) into the folder of the
  /// organisation holding its capture, and discards uploads left half done there (their
  /// devices still have the photos and send them again). Run at start, before requests.
  public func adoptUnsorted(holder: (String) async throws -> String?) async throws -> Adoption {
    var adoption = Adoption()
    let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
    for name in names where (try? BlobStore.checkName(name)) != nil {
      guard let organisation = try await holder(name) else {
        adoption.unclaimed += 1
        continue
      }
      let shelf = try store(for: organisation)
      let target = shelf.root.appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: target.path) {
        try FileManager.default.removeItem(at: root.appendingPathComponent(name))
      } else {
        guard rename(root.appendingPathComponent(name).path, target.path) == 0 else {
          throw BlobStore.Failure.io("moving \(name): \(String(cString: strerror(errno)))")
        }
      }
      adoption.moved += 1
    }
    let partial = root.appendingPathComponent(".partial")
    if FileManager.default.fileExists(atPath: partial.path) {
      try FileManager.default.removeItem(at: partial)
    }
    return adoption
  }
}
