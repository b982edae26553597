import Foundation
import GRDB
import Logging
import PostgresNIO
import Store

/// The central store on PostgreSQL with PostGIS, for agencies that outgrow one SQLite file:
/// the same tables and the same guarantees as `SQLiteCentralStore`, through a pool of
/// connections (postgres-nio's `PostgresClient`).
///
/// Exactly once under concurrency: a push runs in one READ COMMITTED transaction; its receipts
/// go in with `ON CONFLICT DO NOTHING`, so a batch sent twice at once applies once (the second
/// waits on the first's keys, then finds them). Server order (`server_seq`) is handed out
/// last, under the row lock of `receipt_counter`, which is held until commit: numbers are
/// given in commit order, so a pull that has read up to N never misses a row numbered below
/// N later. A deadlock or serialization failure retries the whole transaction.
public final class PostgresCentralStore: CentralStore {
  public let url: PostgresConnectionURL
  let client: PostgresClient
  private let running: Task<Void, Never>
  let logger: Logger
  /// Each table's stored columns (the generated geometry left out), in table order.
  let columns: [String: [String]]

  /// Connects, and applies any migration not yet applied. A server that cannot be reached
  /// is reported within seconds (5 s to connect, 10 s in all).
  public init(url text: String, logger: Logger = PostgresCentralStore.quietLogger) async throws(CentralError)
  {
    let url = try PostgresConnectionURL(text)
    self.url = url
    self.logger = logger
    do {
      columns = try await Self.within(seconds: 10, what: "from \(url)") {
        let connection = try await PostgresConnection.connect(
          on: PostgresClient.defaultEventLoopGroup.next(), configuration: try url.connectionConfiguration(),
          id: 0,
          logger: logger
        ).get()
        do {
          try await PostgresMigrations.migrate(connection, logger: logger)
          var columns: [String: [String]] = [:]
          let rows = try await connection.query(
            """
            SELECT table_name::text, column_name::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position
            """, logger: logger)
          for try await (table, column) in rows.decode((String, String).self) {
            columns[table, default: []].append(column)
          }
          try? await connection.close()
          return columns
        } catch {
          try? await connection.close()
          throw error
        }
      }
    } catch {
      throw Self.centralError(error, context: "\(url)")
    }
    let client = PostgresClient(configuration: url.configuration, backgroundLogger: logger)
    self.client = client
    running = Task { await client.run() }
  }

  /// Errors only: postgres-nio logs each connection it opens, and warns when a lease comes
  /// in before the pool's run task is scheduled (it then waits, as it should).
  public static var quietLogger: Logger {
    var logger = Logger(label: "crackmon.postgres")
    logger.logLevel = .error
    return logger
  }

  public func close() async {
    running.cancel()
    _ = await running.value
  }

  // MARK: Organisations and devices

  public func addOrg(_ id: String) async throws(CentralError) {
    try OrganisationId.check(id)
    let inserted = try await transaction { connection in
      try await self.rows(
        "INSERT INTO org (id, created_at) VALUES (\(id), \(Timestamp.now())) ON CONFLICT DO NOTHING RETURNING id",
        connection
      ).count
    }
    if inserted == 0 { throw .orgExists(id) }
  }

  public func organisations() async throws(CentralError) -> [(id: String, createdAt: String)] {
    try await read { connection in
      try await self.rows("SELECT id, created_at FROM org ORDER BY id", connection).map {
        ($0["id"] as String, $0["created_at"] as String)
      }
    }
  }

  public func addDevice(org: String, name: String) async throws(CentralError) -> (
    DeviceRegistration, token: String
  ) {
    let token = DeviceToken.make()
    let id = "dev_" + String(UUID().uuidString.lowercased().prefix(8))
    try await transaction { connection in
      guard try await !self.rows("SELECT 1 FROM org WHERE id = \(org)", connection).isEmpty else {
        throw CentralError.unknownOrg(org)
      }
      try await connection.query(
        """
        INSERT INTO device_registration (id, org_id, name, token_sha256, created_at)
        VALUES (\(id), \(org), \(name), \(DeviceToken.hash(token)), \(Timestamp.now()))
        """, logger: self.logger)
    }
    return (try await registration(id), token)
  }

  private static let registrationColumns = "id, org_id, name, store_device_id, created_at, revoked_at"

  private func registration(_ id: String) async throws(CentralError) -> DeviceRegistration {
    let found = try await read { connection in
      try await self.rows(
        "SELECT \(unescaped: Self.registrationColumns) FROM device_registration WHERE id = \(id)", connection
      ).first.map { try DeviceRegistration(row: $0) }
    }
    guard let found else { throw .unknownDevice(id) }
    return found
  }

  public func devices() async throws(CentralError) -> [DeviceRegistration] {
    try await read { connection in
      try await self.rows(
        "SELECT \(unescaped: Self.registrationColumns) FROM device_registration ORDER BY org_id, created_at",
        connection
      ).map { try DeviceRegistration(row: $0) }
    }
  }

  public func revokeDevice(_ id: String) async throws(CentralError) {
    _ = try await registration(id)
    try await transaction { connection in
      try await connection.query(
        "UPDATE device_registration SET revoked_at = \(Timestamp.now()) WHERE id = \(id) AND revoked_at IS NULL",
        logger: self.logger)
    }
  }

  public func authenticate(token: String) async throws(CentralError) -> DeviceRegistration {
    let found = try await read { connection in
      try await self.rows(
        """
        SELECT \(unescaped: Self.registrationColumns) FROM device_registration
        WHERE token_sha256 = \(DeviceToken.hash(token)) AND revoked_at IS NULL
        """, connection
      ).first.map { try DeviceRegistration(row: $0) }
    }
    guard let found else { throw .unauthorized }
    return found
  }

  // MARK: Push

  public func push(_ entries: [SyncEntry], from storeDevice: String, as device: DeviceRegistration)
    async throws(CentralError) -> PushResult
  {
    try PushRequest(deviceId: storeDevice, entries: entries).check()
    return try await transaction { connection in
      try await self.apply(entries, from: storeDevice, as: device, connection)
    }
  }

  private func apply(
    _ entries: [SyncEntry], from storeDevice: String, as device: DeviceRegistration,
    _ connection: PostgresConnection
  ) async throws -> PushResult {
    // A store id already bound may pass to a new token of the same organisation once every
    // token that held it is revoked (rotation); never to another organisation.
    let holders = try await rows(
      """
      SELECT org_id, revoked_at FROM device_registration
      WHERE store_device_id = \(storeDevice) AND id <> \(device.id) FOR UPDATE
      """, connection)
    guard
      holders.allSatisfy({ ($0["org_id"] as String) == device.orgId && ($0["revoked_at"] as String?) != nil })
    else {
      throw CentralError.forbidden("this device store is bound to another token")
    }
    // Bind the token to the store that first uses it; refuse it from any other store.
    try await connection.query(
      """
      UPDATE device_registration SET store_device_id = \(storeDevice)
      WHERE id = \(device.id) AND store_device_id IS NULL
      """, logger: logger)
    let bound: String? = try await first(
      "SELECT store_device_id FROM device_registration WHERE id = \(device.id)", "store_device_id", connection
    )
    guard bound == storeDevice else {
      throw CentralError.forbidden("this token belongs to another device store")
    }
    return try await applyBatch(entries, from: storeDevice, org: device.orgId, connection)
  }

  /// A checked batch from `storeDevice` of `org`, inside the push transaction: each entry not
  /// applied before is applied and receipted, in the organisation's order.
  func applyBatch(
    _ entries: [SyncEntry], from storeDevice: String, org: String, _ connection: PostgresConnection
  ) async throws -> PushResult {
    let sorted = entries.sorted { $0.seq < $1.seq }
    var result = PushResult(ackedSeq: sorted.last?.seq ?? 0, applied: 0, duplicates: 0)
    let knownRows = try await rows(
      "SELECT seq FROM push_receipt WHERE device_id = \(storeDevice) AND seq = ANY(\(sorted.map(\.seq)))",
      connection)
    let known = Set(knownRows.map { $0["seq"] as Int64 })
    var fresh = sorted.filter { !known.contains($0.seq) }
    let assets = try await assetsOf(fresh, org: org, storeDevice: storeDevice, connection)
    try await checkOwners(fresh, assets: assets, org: org, connection)

    // Receipts first: an entry whose receipt is already there (a concurrent push of the
    // same batch committed it while this one waited) is a duplicate and is not applied.
    let insertedRows = try await rows(
      """
      INSERT INTO push_receipt (device_id, seq, entity, entity_key, received_at, asset_id)
      SELECT \(storeDevice), u.seq, u.entity, u.key, \(Timestamp.now()), u.asset
      FROM unnest(\(fresh.map(\.seq))::int8[], \(fresh.map(\.entity))::text[], \(fresh.map(\.key))::text[],
        \(fresh.map { assets[$0.seq] ?? "" })::text[]) AS u(seq, entity, key, asset)
      ON CONFLICT DO NOTHING RETURNING seq
      """, connection)
    let inserted = Set(insertedRows.map { $0["seq"] as Int64 })
    fresh = fresh.filter { inserted.contains($0.seq) }
    result.applied = fresh.count
    result.duplicates = sorted.count - fresh.count
    guard !fresh.isEmpty else { return result }

    // Assets and cycles change: last write by server order wins, the old row is audited.
    for entry in fresh {
      if let row = entry.asset {
        try await overwrite(entry, row, key: ["id": row.id], connection)
        try await connection.query(
          "INSERT INTO asset_org (asset_id, org_id) VALUES (\(row.id), \(org)) ON CONFLICT DO NOTHING",
          logger: logger)
        // Another organisation's device may have registered the same id a moment before.
        let owner: String? = try await first(
          "SELECT org_id FROM asset_org WHERE asset_id = \(row.id)", "org_id", connection)
        guard owner == org else {
          throw CentralError.notYours(asset: row.id)
        }
      } else if let row = entry.cycle {
        try await overwrite(entry, row, key: ["asset_id": row.assetId, "label": row.label], connection)
      }
    }
    // The rest is append-only, inserted per table in the order their references need.
    // Observations and overrides are keyed by asset centrally; the device's row does not say it.
    func dictionaries(_ row: (SyncEntry) -> (any EncodableRecord)?, keyedByAsset: Bool = false) throws
      -> [[String: DatabaseValue]]
    {
      try fresh.compactMap { entry in
        guard var values = try row(entry)?.databaseDictionary else { return nil }
        if keyedByAsset { values["asset_id"] = assets[entry.seq]?.databaseValue }
        return values
      }
    }
    try await insert(dictionaries({ $0.capture }), into: "capture", connection)
    try await insert(dictionaries({ $0.track }), into: "crack_track", connection)
    try await insert(
      dictionaries({ $0.observation }, keyedByAsset: true), into: "crack_observation", connection)
    try await insert(
      dictionaries({ $0.trackOverride }, keyedByAsset: true), into: "track_override", connection)
    // Corrections come after the rows they name (a re-processing supersedes observations
    // pushed earlier in the same batch), each checked against its asset here.
    for entry in fresh {
      guard let row = entry.correction else { continue }
      if let missing = try await missingReference(of: row, connection) {
        throw CentralError.badEntry(seq: entry.seq, reason: missing)
      }
    }
    try await insert(dictionaries({ $0.correction }), into: "correction", connection)

    // Server order, last: the counter row stays locked until this transaction commits. Then
    // the organisation's own order (its pull cursors), under its counter's row lock, always
    // taken after the global one: the same order in every push, so no deadlock.
    let n = Int64(fresh.count)
    let last: Int64 =
      try await first(
        "UPDATE receipt_counter SET last = last + \(n) WHERE id = 1 RETURNING last", "last", connection) ?? 0
    let orgLast: Int64 =
      try await first(
        """
        INSERT INTO org_receipt_counter (org_id, last) VALUES (\(org), \(n))
        ON CONFLICT (org_id) DO UPDATE SET last = org_receipt_counter.last + \(n) RETURNING last
        """, "last", connection) ?? 0
    try await connection.query(
      """
      UPDATE push_receipt r SET server_seq = \(last - n) + u.n, org_seq = \(orgLast - n) + u.n
      FROM unnest(\(fresh.map(\.seq))::int8[]) WITH ORDINALITY AS u(seq, n)
      WHERE r.device_id = \(storeDevice) AND r.seq = u.seq
      """, logger: logger)
    return result
  }

  /// What a correction names that its asset does not hold here, if anything.
  private func missingReference(of row: CorrectionRow, _ connection: PostgresConnection) async throws
    -> String?
  {
    if let capture = row.captureId,
      try await rows(
        "SELECT 1 FROM capture WHERE asset_id = \(row.assetId) AND id = \(capture)", connection
      ).isEmpty
    {
      return "capture \(capture) is not in asset \"\(row.assetId)\" in the central store"
    }
    if let observation = row.observationId,
      try await rows(
        """
        SELECT 1 FROM crack_observation
        WHERE asset_id = \(row.assetId) AND id = \(observation) AND capture_id = \(row.captureId)
        """, connection
      ).isEmpty
    {
      return "observation \(observation) is not on that capture in the central store"
    }
    if let cycle = row.cycleLabel,
      try await rows(
        "SELECT 1 FROM inspection_cycle WHERE asset_id = \(row.assetId) AND label = \(cycle)", connection
      ).isEmpty
    {
      return "asset \"\(row.assetId)\" has no cycle \"\(cycle)\" in the central store"
    }
    return nil
  }

  /// The asset each entry belongs to: its own, or its capture's or observation's (looked up
  /// in the batch, then in the store). Two organisations, or two assets of one, may hold the
  /// same photo: only the pushing organisation's rows are looked at, the pushing store's own
  /// first (a device that holds a photo in two assets names each observation's).
  private func assetsOf(
    _ entries: [SyncEntry], org: String, storeDevice: String, _ connection: PostgresConnection
  ) async throws -> [Int64: String] {
    func lookUp(_ ids: Set<String>, in table: String) async throws -> [String: String] {
      guard !ids.isEmpty else { return [:] }
      var binds = PostgresBindings()
      binds.append(Array(ids))
      binds.append(org)
      binds.append(storeDevice)
      let found = try await rows(
        PostgresQuery(
          unsafeSQL: """
            SELECT DISTINCT ON (x.id) x.id, x.asset_id FROM \(table) x JOIN asset_org o ON o.asset_id = x.asset_id
            WHERE x.id = ANY($1) AND o.org_id = $2 ORDER BY x.id, x.device_id = $3 DESC, x.asset_id
            """, binds: binds), connection)
      return Dictionary(found.map { ($0["id"] as String, $0["asset_id"] as String) }) { first, _ in first }
    }
    var captureAsset: [String: String] = [:]
    for row in entries.compactMap(\.capture) { captureAsset[row.id] = row.assetId }
    let storedCaptures = try await lookUp(
      Set(entries.compactMap(\.observation?.captureId)).subtracting(captureAsset.keys), in: "capture")
    captureAsset.merge(storedCaptures) { batch, _ in batch }
    // An observation that names its asset (its device holds the photo in two) must find its
    // capture there, in this batch or stored.
    var namedCaptures = Set<[String]>()
    for entry in entries {
      if let asset = entry.assetId, let row = entry.observation {
        namedCaptures.insert([asset, row.captureId])
      }
    }
    namedCaptures.subtract(entries.compactMap { $0.capture.map { [$0.assetId, $0.id] } })
    if !namedCaptures.isEmpty {
      var binds = PostgresBindings()
      binds.append(namedCaptures.map { $0[0] })
      binds.append(namedCaptures.map { $0[1] })
      binds.append(org)
      let stored = try await rows(
        PostgresQuery(
          unsafeSQL: """
            SELECT c.asset_id, c.id FROM capture c JOIN unnest($1::text[], $2::text[]) AS n(asset_id, id)
              ON c.asset_id = n.asset_id AND c.id = n.id JOIN asset_org o ON o.asset_id = c.asset_id
            WHERE o.org_id = $3
            """, binds: binds), connection)
      namedCaptures.subtract(stored.map { [$0["asset_id"] as String, $0["id"] as String] })
    }
    var observationAsset: [String: String] = [:]
    for entry in entries {
      if let row = entry.observation {
        observationAsset[row.id] = entry.assetId ?? captureAsset[row.captureId]
      }
    }
    let storedObservations = try await lookUp(
      Set(entries.compactMap(\.trackOverride?.observationId)).subtracting(observationAsset.keys),
      in: "crack_observation")
    observationAsset.merge(storedObservations) { batch, _ in batch }

    var assets: [Int64: String] = [:]
    for entry in entries {
      if let row = entry.asset {
        assets[entry.seq] = row.id
      } else if let row = entry.cycle {
        assets[entry.seq] = row.assetId
      } else if let row = entry.capture {
        assets[entry.seq] = row.assetId
      } else if let row = entry.observation, let asset = entry.assetId {
        guard !namedCaptures.contains([asset, row.captureId]) else {
          throw CentralError.badEntry(
            seq: entry.seq,
            reason: "capture \(row.captureId) is not in asset \"\(asset)\" in the central store")
        }
        assets[entry.seq] = asset
      } else if let row = entry.observation {
        guard let asset = captureAsset[row.captureId] else {
          throw CentralError.badEntry(
            seq: entry.seq, reason: "capture \(row.captureId) is not in the central store")
        }
        assets[entry.seq] = asset
      } else if let row = entry.track {
        assets[entry.seq] = row.assetId
      } else if let row = entry.trackOverride {
        guard let asset = observationAsset[row.observationId] else {
          throw CentralError.badEntry(seq: entry.seq, reason: "observation \(row.observationId) is unknown")
        }
        assets[entry.seq] = asset
      } else if let row = entry.correction {
        assets[entry.seq] = row.assetId
      } else {
        throw CentralError.badEntry(seq: entry.seq, reason: "no row")
      }
    }
    return assets
  }

  /// Every entry's asset must be the device's organisation's, or be registered by this batch.
  private func checkOwners(
    _ entries: [SyncEntry], assets: [Int64: String], org: String, _ connection: PostgresConnection
  ) async throws {
    var owners: [String: String] = [:]
    for row in try await rows(
      "SELECT asset_id, org_id FROM asset_org WHERE asset_id = ANY(\(Array(Set(assets.values))))", connection)
    {
      owners[row["asset_id"]] = row["org_id"] as String
    }
    let registered = Set(entries.compactMap(\.asset?.id))
    for entry in entries {
      let asset = assets[entry.seq] ?? ""
      if let owner = owners[asset], owner != org {
        throw CentralError.notYours(asset: asset)
      }
      if owners[asset] == nil, !registered.contains(asset) {
        throw CentralError.badEntry(seq: entry.seq, reason: "asset \"\(asset)\" is not in the central store")
      }
    }
  }

  /// Writes an asset or cycle row over the stored one, keeping the old one in the audit.
  private func overwrite<Record: FetchableRecord & EncodableRecord & TableRecord & Encodable>(
    _ entry: SyncEntry, _ record: Record, key: KeyValuePairs<String, String>, _ connection: PostgresConnection
  ) async throws {
    let table = Record.databaseTableName
    let stored = columns[table] ?? []
    var binds = PostgresBindings()
    for (_, value) in key { binds.append(value) }
    let condition = key.enumerated().map { "\($0.element.key) = $\($0.offset + 1)" }.joined(
      separator: " AND ")
    let select = "SELECT \(stored.joined(separator: ", ")) FROM \(table) WHERE \(condition) FOR UPDATE"
    // Two pushes creating the same row at once: FOR UPDATE locks nothing while the row is not
    // there, so the second overwrote the first without auditing it. A lock on the key (until
    // commit) makes the second wait, and then see the first's row.
    let lockKey = table + "/" + key.map(\.value).joined(separator: "/")
    try await connection.query(
      "SELECT pg_advisory_xact_lock(hashtextextended(\(lockKey), 0))", logger: logger)
    if let previous = try await rows(PostgresQuery(unsafeSQL: select, binds: binds), connection).first {
      let json = String(decoding: try JSONEncoder().encode(try Record(row: previous)), as: UTF8.self)
      try await connection.query(
        """
        INSERT INTO overwrite_audit (device_id, seq, entity, entity_key, previous_json)
        VALUES (\(entry.stamp?.deviceId ?? ""), \(entry.seq), \(entry.entity), \(entry.key), \(json))
        """, logger: logger)
    }
    let keys = key.map(\.key)
    let updates = stored.filter { !keys.contains($0) }.map { "\($0) = EXCLUDED.\($0)" }
    try await insert(
      [try record.databaseDictionary], into: table, connection,
      suffix: "ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET \(updates.joined(separator: ", "))"
    )
  }

  private func insert(
    _ rows: [[String: DatabaseValue]], into table: String, _ connection: PostgresConnection,
    suffix: String = "ON CONFLICT DO NOTHING"
  ) async throws {
    let stored = (columns[table] ?? []).filter { rows.first?[$0] != nil }
    try await PostgresRows.insert(
      rows, into: table, columns: stored, suffix: suffix, on: connection, logger: logger)
  }

  // MARK: Pull

  public func pull(since: Int64, until: Int64?, asset: String?, limit: Int, as device: DeviceRegistration)
    async throws(CentralError) -> PullPage
  {
    try await transaction(snapshot: true) { connection in
      let newest: Int64 =
        try await self.first(
          "SELECT last FROM org_receipt_counter WHERE org_id = \(device.orgId)", "last", connection) ?? 0
      let until = min(until ?? newest, newest)
      let receipts: [Row]
      if let asset {
        let owner: String? = try await self.first(
          "SELECT org_id FROM asset_org WHERE asset_id = \(asset)", "org_id", connection)
        // Another organisation's asset is answered as missing: a 403 would tell the id is taken.
        guard let owner, owner == device.orgId else { throw CentralError.unknownAsset(asset) }
        receipts = try await self.rows(
          """
          SELECT org_seq, device_id, seq, entity, entity_key, asset_id FROM push_receipt
          WHERE asset_id = \(asset) AND org_seq > \(since) AND org_seq <= \(until)
            AND device_id IS DISTINCT FROM \(device.storeDeviceId)
            AND entity NOT IN ('asset', 'inspection_cycle')
          ORDER BY org_seq LIMIT \(Int64(limit))
          """, connection)
      } else {
        receipts = try await self.rows(
          """
          SELECT r.org_seq, r.device_id, r.seq, r.entity, r.entity_key, r.asset_id FROM push_receipt r
          JOIN asset_org o ON o.asset_id = r.asset_id
          WHERE o.org_id = \(device.orgId) AND r.org_seq > \(since) AND r.org_seq <= \(until)
            AND r.entity IN ('asset', 'inspection_cycle')
          ORDER BY r.org_seq LIMIT \(Int64(limit))
          """, connection)
      }
      var page = PullPage(cursor: max(since, until), more: false, entries: [])
      if receipts.count == limit, let last = receipts.last {
        page.cursor = last["org_seq"]
        page.more = true
      }
      return try await self.entries(for: receipts, into: page, connection)
    }
  }

  private struct Stamp: Hashable {
    var device: String
    var seq: Int64
  }

  /// The rows the receipts stand for, read per table: assets and cycles as they are now,
  /// the append-only rows by their stamp.
  private func entries(for receipts: [Row], into page: PullPage, _ connection: PostgresConnection)
    async throws
    -> PullPage
  {
    var page = page
    var byEntity: [String: [Row]] = [:]
    for receipt in receipts { byEntity[receipt["entity"], default: []].append(receipt) }
    func select(_ table: String) -> String {
      "SELECT \((columns[table] ?? []).joined(separator: ", ")) FROM \(table)"
    }
    func stamped(_ entity: String) async throws -> [Stamp: Row] {
      let list = byEntity[entity] ?? []
      guard !list.isEmpty else { return [:] }
      var binds = PostgresBindings()
      binds.append(list.map { $0["device_id"] as String })
      binds.append(list.map { $0["seq"] as Int64 })
      let found = try await rows(
        PostgresQuery(
          unsafeSQL: select(entity)
            + " WHERE (device_id, seq) IN (SELECT * FROM unnest($1::text[], $2::int8[]))",
          binds: binds), connection)
      return Dictionary(found.map { (Stamp(device: $0["device_id"], seq: $0["seq"]), $0) }) { first, _ in
        first
      }
    }
    // Assets and cycles are found by the receipt's asset, which the organisation join
    // vouches for: never by the key alone.
    var assetKeys = PostgresBindings()
    assetKeys.append((byEntity["asset"] ?? []).map { $0["asset_id"] as String })
    let assetRows = try await rows(
      PostgresQuery(unsafeSQL: select("asset") + " WHERE id = ANY($1)", binds: assetKeys), connection)
    let assets = Dictionary(assetRows.map { ($0["id"] as String, $0) }) { first, _ in first }
    let cycleReceipts = (byEntity["inspection_cycle"] ?? []).filter {
      ($0["entity_key"] as String).hasPrefix(($0["asset_id"] as String) + "/")
    }
    var cycleKeys = PostgresBindings()
    cycleKeys.append(cycleReceipts.map { $0["asset_id"] as String })
    cycleKeys.append(
      cycleReceipts.map { receipt in
        let asset: String = receipt["asset_id"]
        return String((receipt["entity_key"] as String).dropFirst(asset.count + 1))
      })
    let cycleRows = try await rows(
      PostgresQuery(
        unsafeSQL: select("inspection_cycle")
          + " WHERE (asset_id, label) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
        binds: cycleKeys), connection)
    let cycles = Dictionary(cycleRows.map { ("\($0["asset_id"] as String)/\($0["label"] as String)", $0) }) {
      first, _ in first
    }
    let captures = try await stamped("capture")
    let observations = try await stamped("crack_observation")
    let tracks = try await stamped("crack_track")
    let overrides = try await stamped("track_override")
    let corrections = try await stamped("correction")

    var bytes = 0
    for (index, receipt) in receipts.enumerated() {
      var entry = SyncEntry(seq: receipt["seq"], entity: receipt["entity"], key: receipt["entity_key"])
      let stamp = Stamp(device: receipt["device_id"], seq: entry.seq)
      switch entry.entity {
      case "asset": entry.asset = try assets[receipt["asset_id"] as String].map { try Asset(row: $0) }
      case "inspection_cycle":
        let asset: String = receipt["asset_id"]
        guard entry.key.hasPrefix(asset + "/") else { continue }
        entry.cycle = try cycles[entry.key].map { try InspectionCycle(row: $0) }
      case "capture": entry.capture = try captures[stamp].map { try CaptureRecord(row: $0) }
      case "crack_observation":
        entry.observation = try observations[stamp].map { try CrackObservation(row: $0) }
        entry.assetId = receipt["asset_id"]
      case "crack_track": entry.track = try tracks[stamp].map { try CrackTrackRow(row: $0) }
      case "track_override": entry.trackOverride = try overrides[stamp].map { try TrackOverrideRow(row: $0) }
      case "correction": entry.correction = try corrections[stamp].map { try CorrectionRow(row: $0) }
      default: break
      }
      if entry.stamp != nil,
        !page.add(
          entry, bytes: &bytes, endingAt: index > 0 ? receipts[index - 1]["org_seq"] : page.cursor)
      {
        break
      }
    }
    return page
  }

  // MARK: Lookups

  public func organisation(ofAsset asset: String) async throws(CentralError) -> String? {
    try await read { connection in
      try await self.first("SELECT org_id FROM asset_org WHERE asset_id = \(asset)", "org_id", connection)
    }
  }

  public func holds(capture: String, org: String) async throws(CentralError) -> Bool {
    try await read { connection in
      try await !self.rows(
        """
        SELECT 1 FROM capture c JOIN asset_org o ON o.asset_id = c.asset_id
        WHERE c.id = \(capture) AND o.org_id = \(org) LIMIT 1
        """, connection
      ).isEmpty
    }
  }

  public func counts() async throws(CentralError) -> [String: Int] {
    try await transaction(snapshot: true) { connection in
      var counts: [String: Int] = [:]
      for table in [
        "org", "device_registration", "asset", "inspection_cycle", "capture", "crack_observation",
        "crack_track",
        "track_override", "correction", "push_receipt", "overwrite_audit",
      ] {
        let count: Int64? = try await self.first(
          PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM \(table)"), "n", connection)
        counts[table] = Int(count ?? 0)
      }
      return counts
    }
  }

  // MARK: Map

  /// The central copy of an asset's map, by one query per kind; `within` is answered by
  /// PostGIS through the GiST indexes on crack centrelines, crack points and capture points.
  /// Tracks are the server's own (`CentralTracker`); the map writer checks each against a box.
  public func forEachMapRow(
    asset: String, cycle: String?, kind: MapRow.Kind, within: BoundingBox?, _ body: (MapRow) throws -> Void
  ) async throws {
    try await client.withConnection { connection in
      guard try await !self.rows("SELECT 1 FROM asset WHERE id = \(asset)", connection).isEmpty else {
        throw StoreError.unknownAsset(asset)
      }
      if let cycle,
        try await self.rows(
          "SELECT 1 FROM inspection_cycle WHERE asset_id = \(asset) AND label = \(cycle)", connection
        ).isEmpty
      {
        throw StoreError.unknownCycle(asset: asset, label: cycle)
      }
      // An asset with corrections is read through them (as on SQLite); one without skips their joins.
      let corrected = try await !self.rows(
        "SELECT 1 FROM correction WHERE asset_id = \(asset) LIMIT 1", connection
      ).isEmpty
      let cycleOf = corrected ? Corrected.cycle("c") : "c.cycle_label"
      var binds = PostgresBindings()
      binds.append(asset)
      var filters = corrected ? " AND \(Corrected.captureIsLive("c"))" : ""
      if corrected, kind == .crack { filters += " AND \(Corrected.observationIsLive("o", capture: "c"))" }
      if let cycle {
        binds.append(cycle)
        filters += " AND \(cycleOf) = $\(binds.count)"
      }
      if let box = within, kind != .track {
        for value in [box.minLongitude, box.minLatitude, box.maxLongitude, box.maxLatitude] {
          binds.append(value)
        }
        let envelope =
          "ST_MakeEnvelope($\(binds.count - 3), $\(binds.count - 2), $\(binds.count - 1), $\(binds.count), 4326)"
        filters +=
          kind == .crack
          ? " AND (o.centreline && \(envelope) OR (o.centreline IS NULL AND o.position && \(envelope)))"
          : " AND c.position && \(envelope)"
      }
      let sql: String
      let photo = """
        c.id AS capture_id, \(cycleOf) AS cycle_label, COALESCE(y.start_date, y.end_date) AS cycle_date,
        c.gps_time_utc, c.taken_at, c.taken_at_offset
        """
      let cycleJoin = "JOIN inspection_cycle y ON y.asset_id = c.asset_id AND y.label = \(cycleOf)"
      let measures = """
        o.length_mm, o.max_width_mm, o.mean_width_mm, o.max_width_px, o.severity, o.severity_scheme,
        o.georef_uncertainty_m, o.model_version, o.confidence, g.track_id, g.max_width_mm_per_year,
        g.length_mm_per_year, g.no_rate_reason, g.cycles_seen, g.matched_by, g.registration_residual_mm
        """
      if kind == .crack {
        sql = """
          SELECT \(photo), o.id, \(measures), o.georef_method, o.longitude, o.latitude, o.polyline_wgs84
          FROM capture c \(cycleJoin) JOIN crack_observation o ON o.asset_id = c.asset_id AND o.capture_id = c.id
          LEFT JOIN crack_track_member m ON m.asset_id = o.asset_id AND m.observation_id = o.id
          LEFT JOIN track_growth g ON g.asset_id = m.asset_id AND g.track_id = m.track_id
          WHERE c.asset_id = $1 AND o.georef_method <> 'asset'\(filters)
          ORDER BY y.start_date NULLS FIRST, 2, c.id, o.crack_index, o.id
          """
      } else if kind == .track {
        // As on SQLite: the latest observation, drawn where a registration frame placed the
        // track if one did; with one cycle, the track's longest observation in it.
        let observation =
          cycle == nil
          ? "o.id = g.latest_observation_id"
          : """
          o.id = (SELECT m.observation_id FROM crack_track_member m
            JOIN crack_observation o2 ON o2.asset_id = m.asset_id AND o2.id = m.observation_id
            JOIN capture c2 ON c2.asset_id = o2.asset_id AND c2.id = o2.capture_id
            WHERE m.asset_id = g.asset_id AND m.track_id = g.track_id
              AND \(corrected ? Corrected.cycle("c2") : "c2.cycle_label") = $2
            ORDER BY o2.length_px DESC, o2.id LIMIT 1)
          """
        let placed = cycle == nil ? "g.polyline_wgs84 IS NOT NULL" : "FALSE"
        sql = """
          SELECT \(photo), g.track_id AS id, \(measures),
            CASE WHEN \(placed) THEN 'footprint' ELSE o.georef_method END AS georef_method,
            CASE WHEN \(placed) THEN g.longitude ELSE o.longitude END AS longitude,
            CASE WHEN \(placed) THEN g.latitude ELSE o.latitude END AS latitude,
            CASE WHEN \(placed) THEN g.polyline_wgs84 ELSE o.polyline_wgs84 END AS polyline_wgs84
          FROM track_growth g JOIN crack_observation o ON o.asset_id = g.asset_id AND \(observation)
          JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id \(cycleJoin)
          WHERE g.asset_id = $1 AND (o.georef_method <> 'asset' OR \(placed))
          ORDER BY g.track_id COLLATE "C"
          """
      } else {
        sql = """
          SELECT \(photo), c.longitude, c.latitude FROM capture c \(cycleJoin)
          WHERE c.asset_id = $1 AND c.gps_status = 'valid' AND c.latitude IS NOT NULL
            AND c.longitude IS NOT NULL\(filters)
          ORDER BY y.start_date NULLS FIRST, 2, c.id
          """
      }
      for try await found in try await connection.query(
        PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger)
      {
        let row = try PostgresRows.row(found)
        let captureId: String = row["capture_id"]
        var feature = MapRow(
          kind: kind, id: kind == .capture ? captureId : row["id"], cycle: row["cycle_label"],
          captureId: captureId,
          georefMethod: kind == .capture ? "camera-position" : row["georef_method"])
        feature.cycleDate = row["cycle_date"]
        feature.observedAt = MapRow.observedAt(
          gpsTimeUTC: row["gps_time_utc"], takenAt: row["taken_at"], offset: row["taken_at_offset"])
        feature.longitude = row["longitude"]
        feature.latitude = row["latitude"]
        if kind != .capture {
          feature.trackId = row["track_id"]
          feature.growthWidthMmPerYear = row["max_width_mm_per_year"]
          feature.growthLengthMmPerYear = row["length_mm_per_year"]
          feature.growthNote = row["no_rate_reason"]
          feature.cyclesSeen = row["cycles_seen"]
          feature.matchedBy = row["matched_by"]
          feature.registrationResidualMm = row["registration_residual_mm"]
          feature.lengthMm = row["length_mm"]
          feature.maxWidthMm = row["max_width_mm"]
          feature.meanWidthMm = row["mean_width_mm"]
          feature.maxWidthPx = row["max_width_px"]
          feature.severity = row["severity"]
          feature.severityScheme = row["severity_scheme"]
          feature.uncertaintyM = row["georef_uncertainty_m"]
          feature.modelVersion = row["model_version"]
          feature.confidence = row["confidence"]
          feature.polylineWgs84 = (row["polyline_wgs84"] as String?).map { Data($0.utf8) }
        }
        try body(feature)
      }
    }
  }

  // MARK: Plumbing

  /// `body` in one transaction, with every table's stored columns: for `CentralMigration`.
  func copy(_ body: (PostgresConnection, [String: [String]]) async throws -> Void) async throws(CentralError)
  {
    let columns = self.columns
    try await transaction { connection in try await body(connection, columns) }
  }

  func count(_ table: String) async throws(CentralError) -> Int {
    let count: Int64? = try await transaction { connection in
      try await self.first(PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM \(table)"), "n", connection)
    }
    return Int(count ?? 0)
  }

  /// A synchronous call (SQLite, files) with its errors as one typed error.
  static func wrapped<T>(_ context: String, _ body: () throws -> T) throws(CentralError) -> T {
    do {
      return try body()
    } catch {
      throw centralError(error, context: context)
    }
  }

  /// The first row's value of `column`; nil with no row or a NULL.
  private func first<T: DatabaseValueConvertible>(
    _ query: PostgresQuery, _ column: String, _ connection: PostgresConnection
  ) async throws -> T? {
    try await rows(query, connection).first.flatMap { $0[column] as T? }
  }

  func rows(_ query: PostgresQuery, _ connection: PostgresConnection) async throws -> [Row] {
    var rows: [Row] = []
    for try await row in try await connection.query(query, logger: logger) {
      rows.append(try PostgresRows.row(row))
    }
    return rows
  }

  /// `body` on a pooled connection, outside a transaction: for one-statement reads (every
  /// request authenticates; BEGIN and COMMIT would double its round trips).
  func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(CentralError)
    -> T
  {
    do {
      return try await client.withConnection { connection in try await body(connection) }
    } catch {
      throw Self.centralError(error, context: nil)
    }
  }

  /// `body` in one transaction, retried (up to 5 times, after a short jittered pause) when
  /// PostgreSQL ends it for a deadlock or a serialization failure. With `snapshot`, every
  /// statement reads the same snapshot (REPEATABLE READ, read only).
  func transaction<T: Sendable>(
    snapshot: Bool = false, _ body: (PostgresConnection) async throws -> T
  ) async throws(CentralError) -> T {
    var attempt = 0
    while true {
      do {
        return try await client.withTransaction(logger: logger) { connection in
          if snapshot {
            try await connection.query(
              "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: self.logger)
          }
          return try await body(connection)
        }
      } catch {
        let state = Self.sqlState(error)
        if attempt < 5, state == "40P01" || state == "40001" {
          attempt += 1
          try? await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * attempt))
          continue
        }
        throw Self.centralError(error, context: nil)
      }
    }
  }

  private static func underlying(_ error: any Error) -> any Error {
    if let failed = error as? PostgresTransactionError {
      return failed.closureError ?? failed.beginError ?? failed.commitError ?? failed.rollbackError ?? error
    }
    return error
  }

  private static func sqlState(_ error: any Error) -> String? {
    (underlying(error) as? PSQLError)?.serverInfo?[.sqlState]
  }

  /// One typed error: constraint and data errors are the pushed entries' fault (400); the
  /// rest is the database's (500). Messages carry PostgreSQL's own words, never a query.
  static func centralError(_ error: any Error, context: String?) -> CentralError {
    let error = underlying(error)
    let prefix = context.map { "\($0): " } ?? ""
    switch error {
    case let error as CentralError: return error
    case let error as StoreError: return .database(prefix + error.description)
    case let error as DatabaseError: return .database(prefix + (error.message ?? "\(error)"))
    case let error as PSQLError:
      guard let info = error.serverInfo else {
        let reason = error.underlying.map { "\($0)" } ?? "\(error.code)"
        return .database(prefix + "cannot talk to PostgreSQL: \(reason)")
      }
      let state = info[.sqlState] ?? ""
      let message = (info[.message] ?? "error") + (info[.detail].map { " (\($0))" } ?? "")
      if state.hasPrefix("23") || state.hasPrefix("22") {
        return .badEntry(seq: 0, reason: message)
      }
      return .database(prefix + message + " [SQLSTATE \(state)]")
    default: return .database(prefix + "\(error)")
    }
  }

  struct Timeout: Error, CustomStringConvertible {
    var seconds: Int
    var what: String
    var description: String { "no answer within \(seconds) s \(what)" }
  }

  private static func within<T: Sendable>(
    seconds: Int, what: String, _ body: @escaping @Sendable () async throws -> T
  ) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
      group.addTask { try await body() }
      group.addTask {
        try await Task.sleep(for: .seconds(seconds))
        throw Timeout(seconds: seconds, what: what)
      }
      defer { group.cancelAll() }
      return try await group.next()!
    }
  }
}
