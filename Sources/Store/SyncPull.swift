import GRDB

/// What one pulled page changed in the device store.
public struct PullApplied: Sendable, Equatable {
  /// Rows added or brought up to date, by entity.
  public var rows: [String: Int] = [:]
  /// Assets or cycles left as they are here because a local change to them waits to be
  /// pushed (it will reach the server later, and so win there).
  public var keptLocal = 0
  /// Assets whose crack observations or overrides changed: their tracking is out of date.
  public var assetsToRetrack: Set<String> = []

  public init() {}

  public mutating func add(_ other: PullApplied) {
    rows.merge(other.rows, uniquingKeysWith: +)
    keptLocal += other.keptLocal
    assetsToRetrack.formUnion(other.assetsToRetrack)
  }
}

/// The pull side of sync on the device: cursors per scope, and applying what comes down.
/// Pulled rows keep their own (device id, seq) and never enter this device's outbox, so
/// they are not pushed back.
extension DeviceStore {
  /// The organisation-wide scope: assets and cycles.
  public static let organisationScope = ""

  /// Every pull scope with its cursor: the organisation's first, then followed assets.
  public func pullScopes() throws(StoreError) -> [(scope: String, cursor: Int64)] {
    try write { db in
      // Assets this device captures on are followed without being asked.
      try db.execute(
        sql: """
          INSERT OR IGNORE INTO sync_pull (scope, cursor, followed_at)
          SELECT ?, 0, ? UNION SELECT DISTINCT asset_id, 0, ? FROM capture WHERE device_id = ?
          """,
        arguments: [Self.organisationScope, Timestamp.now(), Timestamp.now(), deviceID])
      return try Row.fetchAll(db, sql: "SELECT scope, cursor FROM sync_pull ORDER BY scope").map {
        ($0["scope"], $0["cursor"])
      }
    }
  }

  /// Follows an asset's crack history from the central store, from its beginning.
  public func follow(asset: String) throws(StoreError) {
    guard !asset.isEmpty else { throw .invalid(field: "asset", reason: "an asset id is not empty") }
    try write { db in
      try db.execute(
        sql: "INSERT OR IGNORE INTO sync_pull (scope, cursor, followed_at) VALUES (?, 0, ?)",
        arguments: [asset, Timestamp.now()])
    }
  }

  /// Applies a pulled page and moves the scope's cursor, in one transaction: a sync cut off
  /// in the middle leaves the store and its cursor as they were.
  public func apply(_ page: PullPage, scope: String) throws(StoreError) -> PullApplied {
    try write { db in
      var applied = PullApplied()
      for entry in page.entries {
        switch try apply(entry, scope: scope, db: db) {
        case .changed: applied.rows[entry.entity, default: 0] += 1
        case .keptLocal: applied.keptLocal += 1
        case .unchanged: break
        }
        if entry.observation != nil || entry.trackOverride != nil || entry.correction != nil, !scope.isEmpty {
          applied.assetsToRetrack.insert(scope)
        }
      }
      try db.execute(
        sql: "UPDATE sync_pull SET cursor = MAX(cursor, ?) WHERE scope = ?", arguments: [page.cursor, scope])
      return applied
    }
  }

  private enum Outcome { case changed, unchanged, keptLocal }

  /// Assets and cycles are written over with the server's current row unless a local change
  /// to them is still waiting to be pushed.
  private func apply(_ entry: SyncEntry, scope: String, db: Database) throws -> Outcome {
    func pendingLocal(_ entity: String, _ key: String) throws -> Bool {
      try Row.fetchOne(
        db,
        sql: "SELECT 1 FROM sync_outbox WHERE entity = ? AND entity_key = ? AND pushed_at IS NULL",
        arguments: [entity, key]) != nil
    }
    if let row = entry.asset {
      let local = try Asset.fetchOne(db, key: row.id)
      if local == row { return .unchanged }
      if try pendingLocal("asset", row.id) { return .keptLocal }
      if local == nil { try row.insert(db) } else { try row.update(db) }
      return .changed
    }
    if let row = entry.cycle {
      let local = try InspectionCycle.fetchOne(db, key: ["asset_id": row.assetId, "label": row.label])
      if local == row { return .unchanged }
      if try pendingLocal("inspection_cycle", entry.key) { return .keptLocal }
      if local == nil { try row.insert(db) } else { try row.update(db) }
      return .changed
    }
    // Append-only rows: present already (an earlier page, or a repeated pull) means done.
    let before = db.totalChangesCount
    if let row = entry.capture { try row.insert(db, onConflict: .ignore) }
    if let row = entry.observation {
      // Its asset: the server's word, else the followed asset it came with.
      let asset =
        try entry.assetId ?? (scope.isEmpty ? nil : scope)
        ?? String.fetchOne(
          db, sql: "SELECT asset_id FROM capture WHERE id = ? LIMIT 1", arguments: [row.captureId])
      guard let asset else { throw StoreError.unknownCapture(row.captureId) }
      try row.insert(db, asset: asset, conflict: "OR IGNORE")
    }
    if let row = entry.track { try row.insert(db, onConflict: .ignore) }
    if let row = entry.trackOverride { try row.insert(db, onConflict: .ignore) }
    if let row = entry.correction { try row.insert(db, onConflict: .ignore) }
    return db.totalChangesCount > before ? .changed : .unchanged
  }

  // MARK: How the last sync ended

  public struct SyncOutcome: Sendable, Equatable {
    public var lastSyncAt: String?
    public var lastError: String?
    public var lastErrorAt: String?
  }

  /// Records a finished sync (error nil) or a failed one, for `crackmon sync status`.
  public func recordSync(error: String?) throws(StoreError) {
    try write { db in
      if let error {
        try db.execute(
          sql: "UPDATE sync_remote SET last_error = ?, last_error_at = ?",
          arguments: [error, Timestamp.now()])
      } else {
        try db.execute(
          sql: "UPDATE sync_remote SET last_sync_at = ?, last_error = NULL, last_error_at = NULL",
          arguments: [Timestamp.now()])
      }
    }
  }

  public func syncOutcome() throws(StoreError) -> SyncOutcome? {
    try read { db in
      try Row.fetchOne(db, sql: "SELECT last_sync_at, last_error, last_error_at FROM sync_remote").map {
        SyncOutcome(
          lastSyncAt: $0["last_sync_at"], lastError: $0["last_error"], lastErrorAt: $0["last_error_at"])
      }
    }
  }
}
