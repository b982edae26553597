import Crypto
import Foundation
import GRDB

/// A field device registered with the central store.
public struct DeviceRegistration: Codable, Sendable, Equatable, FetchableRecord {
  public var id: String
  public var orgId: String
  public var name: String
  /// The device store's own id, bound at its first push.
  public var storeDeviceId: String?
  public var createdAt: String
  public var revokedAt: String?

  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
}

/// What the central store did with a pushed batch.
public struct PushResult: Codable, Sendable, Equatable {
  /// The highest sequence number now applied: the device may mark everything up to it pushed.
  public var ackedSeq: Int64
  public var applied: Int
  /// Entries already applied before (a retried batch): nothing changed for them.
  public var duplicates: Int

  public init(ackedSeq: Int64, applied: Int, duplicates: Int) {
    self.ackedSeq = ackedSeq
    self.applied = applied
    self.duplicates = duplicates
  }
}

/// Why the central store refused something. The server turns each into one HTTP status.
public enum CentralError: Error, Equatable, CustomStringConvertible, Sendable {
  case unknownOrg(String)
  case orgExists(String)
  case unknownDevice(String)
  case unknownAsset(String)
  /// An office account (user or API token) the command names is not there: the message says
  /// which and how to list them.
  case unknownAccount(String)
  /// An office user with this address exists already (in any organisation).
  case userExists(String)
  /// A row a request names is not there (the message says which).
  case notFound(String)
  /// No token, or one that is unknown or revoked.
  case unauthorized
  /// The token is good, but the data belongs to another organisation or device.
  case forbidden(String)
  /// A pushed entry that cannot be applied as it is.
  case badEntry(seq: Int64, reason: String)
  case database(String)
  /// No SQLite central store at this path, and the command does not start one.
  case noStore(path: String)

  public var description: String {
    switch self {
    case .unknownOrg(let id): "no organisation \"\(id)\"; add it with `crackmon admin org add \(id)`"
    case .orgExists(let id): "organisation \"\(id)\" already exists"
    case .unknownDevice(let id): "no device \"\(id)\"; list them with `crackmon admin device list`"
    case .unknownAsset(let id): "no asset \"\(id)\" in the central store"
    case .unknownAccount(let message), .notFound(let message): message
    case .userExists(let email): "a user with the address \"\(email)\" exists already"
    case .unauthorized: "missing, unknown or revoked token"
    case .forbidden(let reason): reason
    case .badEntry(let seq, let reason): "entry \(seq): \(reason)"
    case .database(let message): "central store error: \(message)"
    case .noStore(let path):
      "no central store at \(path); `crackmon admin org add ORG` or `crackmon serve` starts one there"
    }
  }

  /// An entry whose asset belongs to another organisation. Only an asset id the row names
  /// itself (the device's own word) can come here: the captures and observations that other
  /// rows refer to are looked up among the pushing organisation's rows alone.
  public static func notYours(asset: String) -> CentralError {
    .forbidden("asset \"\(asset)\" belongs to another organisation")
  }
}

/// The central store every field device syncs to: one SQLite file (`SQLiteCentralStore`),
/// or PostgreSQL with PostGIS (`PostgresCentralStore`, module CentralPostgres).
public protocol CentralStore: MapRowSource, OfficeAccounts, OfficeViews {
  func addOrg(_ id: String) async throws(CentralError)
  /// Every organisation's id and when it was added, by id.
  func organisations() async throws(CentralError) -> [(id: String, createdAt: String)]
  /// Registers a device and returns it with its token: the token is not kept, only its hash.
  func addDevice(org: String, name: String) async throws(CentralError) -> (DeviceRegistration, token: String)
  func devices() async throws(CentralError) -> [DeviceRegistration]
  func revokeDevice(_ id: String) async throws(CentralError)
  /// The registration a token belongs to; `unauthorized` for unknown or revoked tokens.
  func authenticate(token: String) async throws(CentralError) -> DeviceRegistration
  /// Applies a device's outbox entries in one transaction: all or none.
  func push(_ entries: [SyncEntry], from storeDevice: String, as device: DeviceRegistration)
    async throws(CentralError) -> PushResult
  /// Changes after `since` in server receipt order, at most `limit`, for a device of the
  /// organisation: with no asset, the organisation's assets and cycles (their current rows);
  /// with an asset, its captures, crack observations, tracks and overrides from other
  /// devices, up to `until` (the organisation cursor the device holds, so that every cycle
  /// they name has come down first).
  func pull(since: Int64, until: Int64?, asset: String?, limit: Int, as device: DeviceRegistration)
    async throws(CentralError) -> PullPage
  /// The organisation an asset belongs to; nil when the store does not have the asset.
  func organisation(ofAsset asset: String) async throws(CentralError) -> String?
  /// Whether the organisation holds a capture with this id (the photo's SHA-256). Other
  /// organisations may hold the same photo: each has its own rows and its own copy.
  func holds(capture: String, org: String) async throws(CentralError) -> Bool
  /// Rows per table, for status and tests.
  func counts() async throws(CentralError) -> [String: Int]
  /// An asset's live crack observations with their photos' cycle, file name and orientation,
  /// for the growth report's drawings.
  func observations(asset: String) async throws(CentralError) -> [ObservationInCycle]
  /// Central tracking (SyncServer's `CentralTracker`): the assets whose rows changed since
  /// they were last tracked, ...
  func assetsDueForTracking() async throws(CentralError) -> [DueAsset]
  /// ... what tracking reads of one, in one snapshot, ...
  func trackingInput(asset: String) async throws(CentralError) -> TrackingInput
  /// ... and its result, replacing the last in one transaction, which then covers the asset's
  /// receipts up to `through`.
  func replaceTracking(asset: String, _ derived: DerivedTracking, through: Int64, seconds: Double)
    async throws(CentralError)
  /// A correction made at the office (an engineer's review), applied as a push from
  /// `author` (an `OfficeAuthor` id) would be, with the author's next sequence number: it is
  /// receipted, re-tracks the asset, and syncs to the devices following it. A review whose
  /// capture is not given gets its observation's.
  func record(_ correction: CorrectionRow, by author: String, org: String) async throws(CentralError)
    -> CorrectionRow
  /// Lets go of connections: call once, when done.
  func close() async
}

extension CentralStore {
  public func close() async {}
}

/// Organisation ids go into URLs, logs, folder names and scripts: 1 to 64 lowercase letters,
/// digits, dots, hyphens and underscores, beginning with a letter or a digit ("acme",
/// "canton-bern").
public enum OrganisationId {
  public static func check(_ id: String) throws(CentralError) {
    let allowed = id.utf8.allSatisfy {
      (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || [0x2E, 0x2D, 0x5F].contains($0)
    }
    guard (1...64).contains(id.utf8.count), allowed, let first = id.utf8.first,
      (0x61...0x7A).contains(first) || (0x30...0x39).contains(first)
    else {
      throw .badEntry(
        seq: 0,
        reason: "organisation id \"\(id)\" is not 1 to 64 lowercase letters, digits, '.', '-' or '_' "
          + "beginning with a letter or digit")
    }
  }
}

/// Device tokens: 256 random bits, shown once; the store keeps their SHA-256.
public enum DeviceToken {
  public static func make() -> String {
    var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return "cmt_" + bytes.map { String(format: "%02x", $0) }.joined()
  }

  public static func hash(_ token: String) -> String {
    SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
  }
}

/// The central store in one SQLite file: the device store's tables, holding every device's
/// rows, plus organisations, device registrations, push receipts and an overwrite audit.
public final class SQLiteCentralStore: CentralStore {
  public let path: String
  let pool: DatabasePool

  /// Opens the store at `path`, creating it when missing.
  public init(path: String) throws(CentralError) {
    self.path = path
    var config = Configuration()
    config.busyMode = .timeout(10)
    do {
      pool = try DatabasePool(path: path, configuration: config)
      try Migrations.centralMigrator.migrate(pool)
    } catch {
      throw .database("\(path): \(error)")
    }
  }

  func wrap<T>(_ body: () throws -> T) throws(CentralError) -> T {
    do {
      return try body()
    } catch let error as CentralError {
      throw error
    } catch let error as DatabaseError {
      throw .database(error.message ?? "\(error)")
    } catch {
      throw .database("\(error)")
    }
  }

  public func addOrg(_ id: String) throws(CentralError) {
    try OrganisationId.check(id)
    try wrap {
      try pool.write { db in
        guard try Row.fetchOne(db, sql: "SELECT 1 FROM org WHERE id = ?", arguments: [id]) == nil else {
          throw CentralError.orgExists(id)
        }
        try db.execute(
          sql: "INSERT INTO org (id, created_at) VALUES (?, ?)", arguments: [id, Timestamp.now()])
      }
    }
  }

  public func organisations() throws(CentralError) -> [(id: String, createdAt: String)] {
    try wrap {
      try pool.read { db in
        try Row.fetchAll(db, sql: "SELECT id, created_at FROM org ORDER BY id").map {
          ($0["id"], $0["created_at"])
        }
      }
    }
  }

  public func addDevice(org: String, name: String) throws(CentralError) -> (DeviceRegistration, token: String)
  {
    let token = DeviceToken.make()
    let id = "dev_" + String(UUID().uuidString.lowercased().prefix(8))
    try wrap {
      try pool.write { db in
        guard try Row.fetchOne(db, sql: "SELECT 1 FROM org WHERE id = ?", arguments: [org]) != nil else {
          throw CentralError.unknownOrg(org)
        }
        try db.execute(
          sql: """
            INSERT INTO device_registration (id, org_id, name, token_sha256, created_at) VALUES (?, ?, ?, ?, ?)
            """, arguments: [id, org, name, DeviceToken.hash(token), Timestamp.now()])
      }
    }
    return (try registration(id), token)
  }

  private func registration(_ id: String) throws(CentralError) -> DeviceRegistration {
    let found = try wrap {
      try pool.read { db in
        try DeviceRegistration.fetchOne(
          db, sql: "SELECT * FROM device_registration WHERE id = ?", arguments: [id])
      }
    }
    guard let found else { throw .unknownDevice(id) }
    return found
  }

  public func devices() throws(CentralError) -> [DeviceRegistration] {
    try wrap {
      try pool.read { db in
        try DeviceRegistration.fetchAll(
          db, sql: "SELECT * FROM device_registration ORDER BY org_id, created_at")
      }
    }
  }

  public func revokeDevice(_ id: String) throws(CentralError) {
    _ = try registration(id)
    try wrap {
      try pool.write { db in
        try db.execute(
          sql: "UPDATE device_registration SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
          arguments: [Timestamp.now(), id])
      }
    }
  }

  public func authenticate(token: String) throws(CentralError) -> DeviceRegistration {
    let found = try wrap {
      try pool.read { db in
        try DeviceRegistration.fetchOne(
          db, sql: "SELECT * FROM device_registration WHERE token_sha256 = ? AND revoked_at IS NULL",
          arguments: [DeviceToken.hash(token)])
      }
    }
    guard let found else { throw .unauthorized }
    return found
  }

  public func push(_ entries: [SyncEntry], from storeDevice: String, as device: DeviceRegistration)
    throws(CentralError) -> PushResult
  {
    try PushRequest(deviceId: storeDevice, entries: entries).check()
    return try wrap {
      try pool.write { db in
        // Bind the token to the store that first uses it; refuse it from any other store.
        let bound = try String.fetchOne(
          db, sql: "SELECT store_device_id FROM device_registration WHERE id = ?", arguments: [device.id])
        if let bound, bound != storeDevice {
          throw CentralError.forbidden("this token belongs to another device store")
        }
        if bound == nil {
          // A store id already bound may pass to a new token of the same organisation once
          // every token that held it is revoked (rotation); never to another organisation.
          let holders = try Row.fetchAll(
            db,
            sql: "SELECT org_id, revoked_at FROM device_registration WHERE store_device_id = ? AND id <> ?",
            arguments: [storeDevice, device.id])
          guard holders.allSatisfy({ $0["org_id"] == device.orgId && $0["revoked_at"] != nil }) else {
            throw CentralError.forbidden("this device store is bound to another token")
          }
          try db.execute(
            sql: "UPDATE device_registration SET store_device_id = ? WHERE id = ?",
            arguments: [storeDevice, device.id])
        }
        return try applyBatch(entries, org: device.orgId, storeDevice: storeDevice, db: db)
      }
    }
  }

  /// A checked batch from `storeDevice` of `org`, inside the push transaction: each entry not
  /// applied before is applied and receipted, in the organisation's order.
  func applyBatch(_ entries: [SyncEntry], org: String, storeDevice: String, db: Database) throws
    -> PushResult
  {
    var result = PushResult(ackedSeq: 0, applied: 0, duplicates: 0)
    let before = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(server_seq), 0) FROM push_receipt") ?? 0
    for entry in entries.sorted(by: { $0.seq < $1.seq }) {
      result.ackedSeq = max(result.ackedSeq, entry.seq)
      if try Row.fetchOne(
        db, sql: "SELECT 1 FROM push_receipt WHERE device_id = ? AND seq = ?",
        arguments: [storeDevice, entry.seq])
        != nil
      {
        result.duplicates += 1
        continue
      }
      try apply(entry, org: org, storeDevice: storeDevice, db: db)
      result.applied += 1
    }
    if result.applied > 0 {
      // The organisation's own order, which its pulls page by, for the whole batch at
      // once: one writer at a time, so this batch's receipts are those past `before`.
      let last =
        try Int64.fetchOne(
          db,
          sql: """
            INSERT INTO org_receipt_counter (org_id, last) VALUES (?, ?)
            ON CONFLICT (org_id) DO UPDATE SET last = last + excluded.last RETURNING last
            """, arguments: [org, result.applied]) ?? 0
      try db.execute(
        sql: """
          UPDATE push_receipt SET org_seq = ? + u.n
          FROM (SELECT server_seq, ROW_NUMBER() OVER (ORDER BY server_seq) AS n
                FROM push_receipt WHERE server_seq > ?) AS u
          WHERE push_receipt.server_seq = u.server_seq
          """, arguments: [last - Int64(result.applied), before])
    }
    return result
  }

  /// One entry, inside the push transaction: checked against the organisation, receipted,
  /// then inserted (append-only rows) or written over with an audit (assets and cycles).
  private func apply(_ entry: SyncEntry, org: String, storeDevice: String, db: Database) throws {
    let asset: String
    if let row = entry.asset {
      asset = row.id
    } else if let row = entry.cycle {
      asset = row.assetId
    } else if let row = entry.capture {
      asset = row.assetId
    } else if let row = entry.observation {
      if let named = entry.assetId {
        guard
          try Row.fetchOne(
            db,
            sql: """
              SELECT 1 FROM capture c JOIN asset_org o ON o.asset_id = c.asset_id
              WHERE c.asset_id = ? AND c.id = ? AND o.org_id = ?
              """, arguments: [named, row.captureId, org]) != nil
        else {
          throw CentralError.badEntry(
            seq: entry.seq,
            reason: "capture \(row.captureId) is not in asset \"\(named)\" in the central store")
        }
        asset = named
      } else {
        guard
          let found = try Self.assetHolding(
            "capture", id: row.captureId, org: org, storeDevice: storeDevice, db: db)
        else {
          throw CentralError.badEntry(
            seq: entry.seq, reason: "capture \(row.captureId) is not in the central store")
        }
        asset = found
      }
    } else if let row = entry.track {
      asset = row.assetId
    } else if let row = entry.trackOverride {
      guard
        let found = try Self.assetHolding(
          "crack_observation", id: row.observationId, org: org, storeDevice: storeDevice, db: db)
      else {
        throw CentralError.badEntry(seq: entry.seq, reason: "observation \(row.observationId) is unknown")
      }
      asset = found
    } else if let row = entry.correction {
      asset = row.assetId
    } else {
      throw CentralError.badEntry(seq: entry.seq, reason: "no row")
    }
    let owner = try String.fetchOne(
      db, sql: "SELECT org_id FROM asset_org WHERE asset_id = ?", arguments: [asset])
    if let owner, owner != org {
      throw CentralError.notYours(asset: asset)
    }
    if owner == nil, entry.asset == nil {
      throw CentralError.badEntry(seq: entry.seq, reason: "asset \"\(asset)\" is not in the central store")
    }
    if let row = entry.correction, let missing = try Self.missingReference(of: row, db: db) {
      throw CentralError.badEntry(seq: entry.seq, reason: missing)
    }

    try db.execute(
      sql:
        """
        INSERT INTO push_receipt (device_id, seq, entity, entity_key, received_at, asset_id) VALUES (?, ?, ?, ?, ?, ?)
        """,
      arguments: [entry.stamp?.deviceId, entry.seq, entry.entity, entry.key, Timestamp.now(), asset])
    let serverSeq = db.lastInsertedRowID
    func audit(_ previous: some Encodable) throws {
      let json = String(decoding: try JSONEncoder().encode(previous), as: UTF8.self)
      try db.execute(
        sql:
          "INSERT INTO overwrite_audit (server_seq, entity, entity_key, previous_json) VALUES (?, ?, ?, ?)",
        arguments: [serverSeq, entry.entity, entry.key, json])
    }
    if let row = entry.asset {
      if let previous = try Asset.fetchOne(db, key: row.id) {
        try audit(previous)
        try row.update(db)
      } else {
        try row.insert(db)
      }
      if owner == nil {
        try db.execute(
          sql: "INSERT INTO asset_org (asset_id, org_id) VALUES (?, ?)", arguments: [asset, org])
      }
    } else if let row = entry.cycle {
      if let previous = try InspectionCycle.fetchOne(db, key: ["asset_id": row.assetId, "label": row.label]) {
        try audit(previous)
        try row.update(db)
      } else {
        try row.insert(db)
      }
    } else if let row = entry.capture {
      try row.insert(db, onConflict: .ignore)
    } else if let row = entry.observation {
      try row.insert(db, asset: asset, conflict: "OR IGNORE")
    } else if let row = entry.track {
      try row.insert(db, onConflict: .ignore)
    } else if let row = entry.trackOverride {
      try row.insert(db, asset: asset, conflict: "OR IGNORE")
    } else if let row = entry.correction {
      try row.insert(db, onConflict: .ignore)
    }
  }

  /// What a correction names that its asset does not hold here, if anything: a correction
  /// reaches the central store after the rows it corrects (one outbox, in order; another
  /// device's rows were pulled from here).
  static func missingReference(of row: CorrectionRow, db: Database) throws -> String? {
    if let capture = row.captureId,
      try Row.fetchOne(
        db, sql: "SELECT 1 FROM capture WHERE asset_id = ? AND id = ?", arguments: [row.assetId, capture])
        == nil
    {
      return "capture \(capture) is not in asset \"\(row.assetId)\" in the central store"
    }
    if let observation = row.observationId,
      try Row.fetchOne(
        db, sql: "SELECT 1 FROM crack_observation WHERE asset_id = ? AND id = ? AND capture_id = ?",
        arguments: [row.assetId, observation, row.captureId]) == nil
    {
      return "observation \(observation) is not on that capture in the central store"
    }
    if let cycle = row.cycleLabel,
      try Row.fetchOne(
        db, sql: "SELECT 1 FROM inspection_cycle WHERE asset_id = ? AND label = ?",
        arguments: [row.assetId, cycle]) == nil
    {
      return "asset \"\(row.assetId)\" has no cycle \"\(cycle)\" in the central store"
    }
    return nil
  }

  /// The asset of the organisation's capture or crack observation (`table`) with this id.
  /// Two organisations, or two assets of one, may hold the same photo: only the pushing
  /// organisation's rows are looked at, the pushing store's own first (a device that holds a
  /// photo in two assets names the asset of each observation: `SyncEntry.assetId`).
  static func assetHolding(_ table: String, id: String, org: String, storeDevice: String, db: Database) throws
    -> String?
  {
    try String.fetchOne(
      db,
      sql: """
        SELECT x.asset_id FROM \(table) x JOIN asset_org o ON o.asset_id = x.asset_id
        WHERE x.id = ? AND o.org_id = ? ORDER BY x.device_id = ? DESC, x.rowid LIMIT 1
        """, arguments: [id, org, storeDevice])
  }

  public func pull(since: Int64, until: Int64?, asset: String?, limit: Int, as device: DeviceRegistration)
    throws(CentralError) -> PullPage
  {
    try wrap {
      try pool.read { db in
        // Cursors are the organisation's own receipt numbers: they say nothing of others.
        let newest =
          try Int64.fetchOne(
            db, sql: "SELECT last FROM org_receipt_counter WHERE org_id = ?", arguments: [device.orgId]) ?? 0
        let until = min(until ?? newest, newest)
        let receipts: [Row]
        if let asset {
          let owner = try String.fetchOne(
            db, sql: "SELECT org_id FROM asset_org WHERE asset_id = ?", arguments: [asset])
          // Another organisation's asset is answered as missing: a 403 would tell the id is taken.
          guard let owner, owner == device.orgId else { throw CentralError.unknownAsset(asset) }
          receipts = try Row.fetchAll(
            db,
            sql: """
              SELECT org_seq, device_id, seq, entity, entity_key FROM push_receipt
              WHERE asset_id = ? AND org_seq > ? AND org_seq <= ? AND device_id IS NOT ?
                AND entity NOT IN ('asset', 'inspection_cycle')
              ORDER BY org_seq LIMIT ?
              """, arguments: [asset, since, until, device.storeDeviceId, limit])
        } else {
          receipts = try Row.fetchAll(
            db,
            sql: """
              SELECT r.org_seq, r.device_id, r.seq, r.entity, r.entity_key, r.asset_id FROM push_receipt r
              JOIN asset_org o ON o.asset_id = r.asset_id
              WHERE o.org_id = ? AND r.org_seq > ? AND r.org_seq <= ?
                AND r.entity IN ('asset', 'inspection_cycle')
              ORDER BY r.org_seq LIMIT ?
              """, arguments: [device.orgId, since, until, limit])
        }
        var page = PullPage(cursor: max(since, until), more: false, entries: [])
        if receipts.count == limit, let last = receipts.last {
          page.cursor = last["org_seq"]
          page.more = true
        }
        var bytes = 0
        for (index, receipt) in receipts.enumerated() {
          var entry = SyncEntry(seq: receipt["seq"], entity: receipt["entity"], key: receipt["entity_key"])
          let stamp: StatementArguments = [receipt["device_id"], entry.seq]
          let byStamp = "device_id = ? AND seq = ?"
          switch entry.entity {
          // Assets and cycles change: the device gets their current rows (last write wins),
          // found by the receipt's asset, which the organisation join vouches for: never by
          // the key alone.
          case "asset": entry.asset = try Asset.fetchOne(db, key: receipt["asset_id"] as String)
          case "inspection_cycle":
            let assetId: String = receipt["asset_id"]
            guard entry.key.hasPrefix(assetId + "/") else { continue }
            entry.cycle = try InspectionCycle.fetchOne(
              db, key: ["asset_id": assetId, "label": String(entry.key.dropFirst(assetId.count + 1))])
          case "capture":
            entry.capture = try CaptureRecord.filter(sql: byStamp, arguments: stamp).fetchOne(db)
          case "crack_observation":
            entry.observation = try CrackObservation.filter(sql: byStamp, arguments: stamp).fetchOne(db)
            entry.assetId = receipt["asset_id"]
          case "crack_track":
            entry.track = try CrackTrackRow.filter(sql: byStamp, arguments: stamp).fetchOne(db)
          case "track_override":
            entry.trackOverride = try TrackOverrideRow.filter(sql: byStamp, arguments: stamp).fetchOne(db)
          case "correction":
            entry.correction = try CorrectionRow.filter(sql: byStamp, arguments: stamp).fetchOne(db)
          default: break
          }
          if entry.stamp != nil,
            !page.add(
              entry, bytes: &bytes, endingAt: index > 0 ? receipts[index - 1]["org_seq"] : since)
          {
            break
          }
        }
        return page
      }
    }
  }

  public func organisation(ofAsset asset: String) throws(CentralError) -> String? {
    try wrap {
      try pool.read { db in
        try String.fetchOne(db, sql: "SELECT org_id FROM asset_org WHERE asset_id = ?", arguments: [asset])
      }
    }
  }

  public func holds(capture: String, org: String) throws(CentralError) -> Bool {
    try wrap {
      try pool.read { db in
        try Row.fetchOne(
          db,
          sql: """
            SELECT 1 FROM capture c JOIN asset_org o ON o.asset_id = c.asset_id
            WHERE c.id = ? AND o.org_id = ? LIMIT 1
            """, arguments: [capture, org]) != nil
      }
    }
  }

  public func forEachMapRow(
    asset: String, cycle: String?, kind: MapRow.Kind, within: BoundingBox?, _ body: (MapRow) throws -> Void
  ) throws {
    var bodyError: Error?
    // The R*Tree of crack envelopes (migration "central v3") answers the box.
    try pool.read { db in
      bodyError = try MapRow.stream(
        db, asset: asset, cycle: cycle, kind: kind, envelopes: within, keyedByAsset: true, body)
    }
    if let bodyError { throw bodyError }
  }

  public func counts() throws(CentralError) -> [String: Int] {
    try wrap {
      try pool.read { db in
        var counts: [String: Int] = [:]
        for table in [
          "org", "device_registration", "asset", "inspection_cycle", "capture", "crack_observation",
          "crack_track",
          "track_override", "correction", "push_receipt", "overwrite_audit",
        ] {
          counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
        }
        return counts
      }
    }
  }
}
