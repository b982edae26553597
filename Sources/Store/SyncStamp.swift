import GRDB

/// A row created on this device: it carries (device id, sequence number), the key that
/// makes pushing it to the central store idempotent.
protocol SyncStamped {
  static var syncEntity: String { get }
  var syncKey: String { get }
  var deviceId: String { get set }
  var seq: Int64 { get set }
}

extension SyncStamped {
  /// Gives the row the next sequence number of this device and queues it in the
  /// outbox. Call inside the transaction that inserts the row, so both land or neither.
  mutating func stamp(device: String, in db: Database) throws {
    let next =
      try Int64.fetchOne(
        db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_outbox WHERE device_id = ?", arguments: [device])
      ?? 1
    deviceId = device
    seq = next
    try db.execute(
      sql: """
        INSERT INTO sync_outbox (device_id, seq, entity, entity_key, created_at) VALUES (?, ?, ?, ?, ?)
        """,
      arguments: [device, next, Self.syncEntity, syncKey, Timestamp.now()])
  }
}

extension Asset: SyncStamped {
  static let syncEntity = "asset"
  var syncKey: String { id }
}

extension InspectionCycle: SyncStamped {
  static let syncEntity = "inspection_cycle"
  var syncKey: String { "\(assetId)/\(label)" }
}

extension CaptureRecord: SyncStamped {
  static let syncEntity = "capture"
  var syncKey: String { id }
}

extension CrackObservation: SyncStamped {
  static let syncEntity = "crack_observation"
  var syncKey: String { id }
}
