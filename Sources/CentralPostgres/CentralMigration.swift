import Foundation
import GRDB
import PostgresNIO
import Store

/// Moves a SQLite central store into an empty PostgreSQL one: every table, in the order
/// their references need, in one PostgreSQL transaction (all or nothing), then the row
/// counts of both compared.
///
/// Stop the server first: the source is read in pages by rowid, and a push landing in the
/// middle would be copied in part (the counts would then disagree and say so).
public struct CentralMigration: Sendable {
  /// Rows per table in the source and in the target after the move.
  public struct Count: Sendable, Equatable {
    public var table: String
    public var source: Int
    public var target: Int
  }

  /// Tables in reference order. The audit is keyed by the receipt's (device, seq) on
  /// PostgreSQL, by its server_seq on SQLite: `overwriteAudit` bridges the two.
  static let tables = [
    "org", "org_receipt_counter", "device_registration", "office_user", "api_token", "office_session",
    "asset", "asset_org", "inspection_cycle", "capture",
    "crack_track",
    "crack_observation", "track_override", "correction", "push_receipt", "overwrite_audit",
  ]
  static let pageRows = 2_000

  public init() {}

  public func run(from path: String, to target: PostgresCentralStore) async throws(CentralError) -> [Count] {
    guard FileManager.default.fileExists(atPath: path) else { throw .database("\(path): no such file") }
    let source = try PostgresCentralStore.wrapped(path) {
      var configuration = Configuration()
      configuration.readonly = true
      let queue = try DatabaseQueue(path: path, configuration: configuration)
      guard try queue.read({ try $0.tableExists("org") && $0.tableExists("push_receipt") }) else {
        throw CentralError.database("\(path) is not a central store (no organisations, no push receipts)")
      }
      return queue
    }
    // Brings an older central file up to this version's schema, as `serve` would.
    _ = try SQLiteCentralStore(path: path)
    try await target.copy { connection, columns in
      for table in ["org", "push_receipt"] {
        let rows = try await connection.query(
          PostgresQuery(unsafeSQL: "SELECT 1 FROM \(table) LIMIT 1"), logger: target.logger)
        for try await _ in rows {
          throw CentralError.database(
            "\(target.url) already holds a central store; move into an empty database")
        }
      }
      for table in Self.tables {
        let wanted = columns[table] ?? []
        let select: String
        if table == "overwrite_audit" {
          select = """
            SELECT a.rowid AS rowid, r.device_id, r.seq, a.entity, a.entity_key, a.previous_json
            FROM overwrite_audit a JOIN push_receipt r ON r.server_seq = a.server_seq
            """
        } else {
          let present = try await source.read { db in try db.columns(in: table).map(\.name) }
          select =
            "SELECT rowid AS rowid, \(wanted.filter(present.contains).joined(separator: ", ")) FROM \(table)"
        }
        var after: Int64 = -1
        while true {
          let page = try await source.read { db in
            try Row.fetchAll(
              db, sql: "SELECT * FROM (\(select)) WHERE rowid > ? ORDER BY rowid LIMIT ?",
              arguments: [after, Self.pageRows])
          }
          guard let last = page.last else { break }
          after = last["rowid"]
          let values = page.map { row in
            Dictionary(row.columnNames.filter { $0 != "rowid" }.map { ($0, row[$0] as DatabaseValue) }) {
              a, _ in a
            }
          }
          let names = wanted.filter { values[0][$0] != nil }
          try await PostgresRows.insert(
            values, into: table, columns: names, suffix: "", on: connection, logger: target.logger)
        }
      }
      try await connection.query(
        "UPDATE receipt_counter SET last = (SELECT COALESCE(MAX(server_seq), 0) FROM push_receipt) WHERE id = 1",
        logger: target.logger)
    }
    var counts: [Count] = []
    let after = try await target.counts()
    for table in Self.tables {
      let source = try PostgresCentralStore.wrapped(path) {
        try source.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
      }
      let copied =
        if let counted = after[table] { counted } else { try await target.count(table) }
      counts.append(Count(table: table, source: source, target: copied))
    }
    return counts
  }
}
