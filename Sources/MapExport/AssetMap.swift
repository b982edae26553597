import Foundation
import Outputs
import Store

/// An asset's map as GeoJSON: its crack observations, captures and tracks, streamed from
/// the store to a file or standard output. Memory stays flat: one feature at a time.
public struct AssetMap {
  public let store: any MapRowSource
  public let asset: String
  /// Only this inspection cycle's cracks and captures, and tracks as seen in it.
  public var cycle: String?
  /// What to export, in this order.
  public var kinds: [MapRow.Kind] = MapRow.Kind.allCases
  /// RFC 8142 GeoJSON text sequence instead of one FeatureCollection.
  public var sequence = false
  /// Only features whose envelope touches this WGS84 box.
  public var within: BoundingBox?

  public init(store: any MapRowSource, asset: String, cycle: String? = nil) {
    self.store = store
    self.asset = asset
    self.cycle = cycle
  }

  /// Kinds from a comma-separated list like "cracks,tracks" (singular names work too),
  /// in the order given, without repeats.
  public static func kinds(from list: String) throws(MapExportError) -> [MapRow.Kind] {
    var kinds: [MapRow.Kind] = []
    for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
      guard let kind = MapRow.Kind(rawValue: name.hasSuffix("s") ? String(name.dropLast()) : name) else {
        throw .unknownKind(name)
      }
      if !kinds.contains(kind) { kinds.append(kind) }
    }
    guard !kinds.isEmpty else { throw .unknownKind(list) }
    return kinds
  }

  public struct Summary: Sendable, Equatable {
    /// Features written, per kind.
    public var written: [MapRow.Kind: Int] = [:]
    /// Features of a kind with neither a centreline nor a point (nothing to draw).
    public var unplaced: [MapRow.Kind: Int] = [:]
    /// Features left out because their stored geometry is unusable.
    public var badGeometry: [MapExportError] = []
    /// Placed crack observations that no track holds yet: `crackmon track` has not run
    /// since they were ingested, so they have no track id or growth rates.
    public var untracked = 0

    public var total: Int { written.values.reduce(0, +) }
  }

  /// Writes the map to `path` (whole or not at all; see `OutputFile`), or to standard output
  /// when nil or `-`.
  @discardableResult
  public func write(to path: String?) async throws -> Summary {
    let out: OutputFile
    do {
      out = try path.map { (path) throws(OutputFileError) in try OutputFile(path: path) } ?? OutputFile()
    } catch {
      throw MapExportError.cannotWrite(path: error.path, reason: error.reason)
    }
    var writer = GeoJSONWriter(out: out, framing: sequence ? .sequence : .collection, assetId: asset)
    writer.within = within
    var summary = Summary()
    writer.begin()
    for kind in kinds {
      // The writer decides on the positions it writes (7 decimals); the store's index holds
      // them unrounded, so it is asked for a box wider by more than the rounding.
      try await store.forEachMapRow(asset: asset, cycle: cycle, kind: kind, within: within?.widened(by: 1e-7))
      {
        row in
        do {
          switch try writer.write(row) {
          case .written: summary.written[kind, default: 0] += 1
          case .unplaced: summary.unplaced[kind, default: 0] += 1
          case .outside: return
          }
        } catch MapExportError.badGeometry(let id, let reason) {
          summary.badGeometry.append(.badGeometry(featureId: id, reason: reason))
        }
        if kind == .crack, row.trackId == nil { summary.untracked += 1 }
      }
    }
    try writer.finish()
    do { try out.commit() } catch { throw MapExportError.cannotWrite(path: error.path, reason: error.reason) }
    return summary
  }
}
