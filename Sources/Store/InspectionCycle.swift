import GRDB

/// One inspection round of one asset, identified by its label within the asset ("2026-Q4").
public struct InspectionCycle: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  public var assetId: String
  public var label: String
  /// ISO dates (YYYY-MM-DD).
  public var startDate: String?
  public var endDate: String?
  public var createdAt: String
  public var deviceId: String = ""
  public var seq: Int64 = 0

  public init(
    assetId: String, label: String, startDate: String? = nil, endDate: String? = nil,
    createdAt: String = Timestamp.now()
  ) {
    self.assetId = assetId
    self.label = label
    self.startDate = startDate
    self.endDate = endDate
    self.createdAt = createdAt
  }

  public static let databaseTableName = "inspection_cycle"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}
