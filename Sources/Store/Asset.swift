import GRDB

/// A structure under inspection.
public enum AssetKind: String, Codable, CaseIterable, Sendable {
  case bridge, tunnel, dam, other
}

/// A structure (bridge, tunnel, dam) with a reference location and the projected CRS
/// its crack geometry is measured in.
public struct Asset: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  /// Short, stable identifier chosen by the user, like "pier-17".
  public var id: String
  public var name: String
  public var kind: AssetKind
  public var latitude: Double
  public var longitude: Double
  /// Projected CRS for metric geometry; the UTM zone of the reference point unless given.
  public var epsg: Int
  public var createdAt: String
  /// 1-sigma horizontal GPS error of photos of this asset, metres, where it differs from
  /// open sky (`CaptureRecord.defaultGPSSigmaM`): under a deck or in a tunnel it is worse,
  /// with RTK far better. Ingest assumes it for the asset's photos unless told otherwise.
  public var gpsSigmaM: Double? = nil
  public var deviceId: String = ""
  public var seq: Int64 = 0

  public init(
    id: String, name: String, kind: AssetKind, latitude: Double, longitude: Double, epsg: Int,
    createdAt: String = Timestamp.now(), gpsSigmaM: Double? = nil
  ) {
    self.id = id
    self.name = name
    self.kind = kind
    self.latitude = latitude
    self.longitude = longitude
    self.epsg = epsg
    self.createdAt = createdAt
    self.gpsSigmaM = gpsSigmaM
  }

  public static let databaseTableName = "asset"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}
