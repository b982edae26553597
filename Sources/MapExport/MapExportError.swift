/// Why a map export, or one feature of it, failed.
public enum MapExportError: Error, Equatable, CustomStringConvertible {
  /// A stored geometry that is not the shape the store writes, or lies outside WGS84:
  /// that feature is left out, the rest are written.
  case badGeometry(featureId: String, reason: String)
  /// The output could not be created or written: nothing is left at `path`.
  case cannotWrite(path: String, reason: String)
  /// A feature kind other than cracks, captures, tracks.
  case unknownKind(String)

  public var description: String {
    switch self {
    case .badGeometry(let id, let reason): "feature \(id): polyline_wgs84 is unusable (\(reason)); left out"
    case .cannotWrite(let path, let reason): "\(path): cannot write the map (\(reason))"
    case .unknownKind(let name): "unknown kind '\(name)'; use cracks, captures, tracks"
    }
  }
}
