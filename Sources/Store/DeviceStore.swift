import Foundation
import GRDB

/// The SQLite store on a field device: assets, cycles, captures, crack observations,
/// and the outbox that `crackmon sync` drains.
///
/// Safe to share between threads: reads run concurrently (WAL mode), writes are serialized,
/// and every write is one transaction.
public final class DeviceStore: Sendable {
  public let path: String
  /// This device's id, made once by `create(at:)`.
  public let deviceID: String
  private let pool: DatabasePool

  /// Creates a new store with a fresh device id. Refuses to overwrite an existing file.
  public static func create(at path: String) throws(StoreError) -> DeviceStore {
    guard !FileManager.default.fileExists(atPath: path) else { throw .storeExists(path: path) }
    let pool = try open(path)
    try wrap {
      try pool.write { db in
        try db.execute(
          sql: "INSERT INTO device (id, created_at) VALUES (?, ?)",
          arguments: [UUID().uuidString.lowercased(), Timestamp.now()])
      }
    }
    return try DeviceStore(pool: pool, path: path)
  }

  /// Opens an existing store, applying any migrations it lacks.
  public convenience init(opening path: String) throws(StoreError) {
    guard FileManager.default.fileExists(atPath: path) else { throw .noStore(path: path) }
    try self.init(pool: Self.open(path), path: path)
  }

  private init(pool: DatabasePool, path: String) throws(StoreError) {
    self.pool = pool
    self.path = path
    let id = try Self.wrap { try pool.read { try String.fetchOne($0, sql: "SELECT id FROM device") } }
    guard let id else { throw .database("\(path) has no device row; it was not made by `crackmon init`") }
    deviceID = id
  }

  private static func open(_ path: String) throws(StoreError) -> DatabasePool {
    var config = Configuration()
    config.busyMode = .timeout(10)
    // Reads of a whole asset (tracking, maps) walk tens of megabytes: mapped pages skip a
    // copy per page and halve SQLite's time for them.
    config.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 268435456") }
    return try wrap {
      let pool = try DatabasePool(path: path, configuration: config)
      try Migrations.migrator.migrate(pool)
      return pool
    }
  }

  /// Runs GRDB work, turning its errors into `StoreError`.
  static func wrap<T>(_ body: () throws -> T) throws(StoreError) -> T {
    do {
      return try body()
    } catch let error as StoreError {
      throw error
    } catch let error as DatabaseError {
      throw .database(error.message ?? "\(error)")
    } catch {
      throw .database("\(error)")
    }
  }

  func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
    try Self.wrap { try pool.read(body) }
  }

  func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
    try Self.wrap { try pool.write(body) }
  }

  // MARK: Assets

  /// Adds an asset, stamped for sync.
  @discardableResult
  public func add(_ asset: Asset) throws(StoreError) -> Asset {
    try write { db in
      guard try !Asset.exists(db, key: asset.id) else { throw StoreError.assetExists(asset.id) }
      var row = asset
      try row.stamp(device: deviceID, in: db)
      try row.insert(db)
      return row
    }
  }

  public func asset(_ id: String) throws(StoreError) -> Asset {
    guard let asset = try read({ try Asset.fetchOne($0, key: id) }) else { throw .unknownAsset(id) }
    return asset
  }

  public func assets() throws(StoreError) -> [Asset] {
    try read { try Asset.order(Column("id")).fetchAll($0) }
  }

  // MARK: Inspection cycles

  /// Adds an inspection cycle to an existing asset, stamped for sync.
  @discardableResult
  public func add(_ cycle: InspectionCycle) throws(StoreError) -> InspectionCycle {
    try write { db in
      guard try Asset.exists(db, key: cycle.assetId) else { throw StoreError.unknownAsset(cycle.assetId) }
      let key: [String: any DatabaseValueConvertible] = ["asset_id": cycle.assetId, "label": cycle.label]
      guard try !InspectionCycle.exists(db, key: key) else {
        throw StoreError.cycleExists(asset: cycle.assetId, label: cycle.label)
      }
      var row = cycle
      try row.stamp(device: deviceID, in: db)
      try row.insert(db)
      return row
    }
  }

  public func cycle(asset: String, label: String) throws(StoreError) -> InspectionCycle {
    _ = try self.asset(asset)
    let key: [String: any DatabaseValueConvertible] = ["asset_id": asset, "label": label]
    guard let cycle = try read({ try InspectionCycle.fetchOne($0, key: key) }) else {
      throw .unknownCycle(asset: asset, label: label)
    }
    return cycle
  }

  public func cycles(of asset: String) throws(StoreError) -> [InspectionCycle] {
    _ = try self.asset(asset)
    return try read {
      try InspectionCycle.filter(Column("asset_id") == asset)
        .order(Column("start_date"), Column("label")).fetchAll($0)
    }
  }

  // MARK: Captures

  public enum CaptureInsertion: Equatable, Sendable {
    case inserted(CaptureRecord)
    /// The same file (same SHA-256) is already stored, under this asset and cycle.
    case alreadyIngested(assetId: String, cycleLabel: String)
  }

  /// Inserts a capture, its crack observations and their outbox entries in one
  /// transaction. A photo already stored in this asset (set aside or not), or live in
  /// another, is left as it is, and so are its observations: a photo set aside in one asset
  /// may be stored in another (`move(_:to:observations:reason:)`).
  public func insert(_ capture: CaptureRecord, observations: [CrackObservation] = []) throws(StoreError)
    -> CaptureInsertion
  {
    try write { db in
      if let holder = try Self.holder(of: capture.id, in: capture.assetId, db: db) {
        return .alreadyIngested(assetId: holder.asset, cycleLabel: holder.cycle)
      }
      return .inserted(try insert(capture, observations: observations, db: db))
    }
  }

  private func insert(_ capture: CaptureRecord, observations: [CrackObservation], db: Database) throws
    -> CaptureRecord
  {
    var row = capture
    try row.stamp(device: deviceID, in: db)
    try row.insert(db)
    try insert(observations, of: row, db: db)
    return row
  }

  /// Stores observations of a stored capture, stamped for sync.
  func insert(_ observations: [CrackObservation], of capture: CaptureRecord, db: Database) throws {
    for observation in observations {
      var crack = observation
      crack.captureId = capture.id
      try crack.stamp(device: deviceID, in: db)
      try crack.insert(db, asset: capture.assetId)
    }
  }

  /// Where a photo is held that keeps it out of `asset`: `asset` itself (set aside or not),
  /// else another asset where it is live.
  static func holder(of id: String, in asset: String, db: Database) throws -> (asset: String, cycle: String)?
  {
    try Row.fetchOne(
      db,
      sql: """
        SELECT c.asset_id, c.cycle_label FROM capture c
        WHERE c.id = ? AND (c.asset_id = ? OR \(Corrected.captureIsLive("c")))
        ORDER BY c.asset_id = ? DESC LIMIT 1
        """, arguments: [id, asset, asset]
    ).map { ($0["asset_id"], $0["cycle_label"]) }
  }

  /// Moves a photo to another asset: sets it aside in its own (a `void_capture` naming where
  /// it went) and stores `record`, the photo measured again for the other asset, with its
  /// observations, in one transaction. Refused when the photo is set aside already, or is in
  /// the other asset already.
  public func move(
    _ capture: CaptureRecord, to record: CaptureRecord, observations: [CrackObservation], reason: String
  ) throws(StoreError) -> CaptureRecord {
    guard capture.id == record.id, capture.assetId != record.assetId else {
      throw .invalid(field: "asset", reason: "a capture moves to another asset with its own photo")
    }
    if let reason = try retirement(asset: record.assetId, cycle: record.cycleLabel) {
      throw .retired("\(record.assetId) / \(record.cycleLabel)", reason: reason)
    }
    let void = CorrectionRow(
      assetId: capture.assetId, kind: .voidCapture, captureId: capture.id,
      reason: "moved to asset \(record.assetId), cycle \(record.cycleLabel): \(reason)")
    try check(void)
    return try write { db in
      if let holder = try Self.holder(of: record.id, in: record.assetId, db: db),
        holder.asset == record.assetId
      {
        throw StoreError.invalid(
          field: "asset \(holder.asset)",
          reason:
            "holds this photo already (cycle \(holder.cycle), set aside or not); a photo is stored in an asset once"
        )
      }
      var row = void
      try row.stamp(device: deviceID, in: db)
      try row.insert(db)
      return try insert(record, observations: observations, db: db)
    }
  }

  /// The capture of a photo in an asset, if it is stored there.
  public func capture(asset: String, id: String) throws(StoreError) -> CaptureRecord? {
    try read { try CaptureRecord.fetchOne($0, key: ["asset_id": asset, "id": id]) }
  }

  /// Captures of an asset, optionally of one cycle, oldest first, as corrected: each in its
  /// cycle as moved, and none voided or of a retired cycle (`capturesWithState` lists those).
  public func captures(asset: String, cycle: String? = nil) throws(StoreError) -> [CaptureRecord] {
    try capturesWithState(asset: asset, cycle: cycle).filter { $0.setAside == nil }.map(\.capture)
  }

  /// The schema as SQL, in creation order: what `schema/device-store.sql` mirrors.
  public func schemaSQL() throws(StoreError) -> String {
    try read { db in
      let statements = try String.fetchAll(
        db,
        sql: """
          SELECT sql FROM sqlite_master
          WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
          ORDER BY rowid
          """)
      return statements.map { $0 + ";\n" }.joined(separator: "\n")
    }
  }

  /// Rows waiting in the sync outbox, by entity.
  public func outboxCounts() throws(StoreError) -> [String: Int] {
    try read { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT entity, COUNT(*) AS n FROM sync_outbox WHERE pushed_at IS NULL GROUP BY entity")
      return Dictionary(uniqueKeysWithValues: rows.map { ($0["entity"] as String, $0["n"] as Int) })
    }
  }
}
