import Foundation
import GRDB
import PostgresNIO

/// The record types' own column mapping (GRDB's `EncodableRecord` / `FetchableRecord`), reused
/// for PostgreSQL: a row goes out as its `databaseDictionary` and comes back as a GRDB `Row`,
/// so one definition of every column serves both central stores and the devices.
enum PostgresRows {
  /// Appends a value as a bind parameter. NULL goes untyped: the server takes the type of the
  /// column it lands in.
  static func bind(_ value: DatabaseValue, into binds: inout PostgresBindings) {
    switch value.storage {
    case .null: binds.appendNull()
    case .int64(let number): binds.append(number)
    case .double(let number): binds.append(number)
    case .string(let text): binds.append(text)
    case .blob(let data): binds.append(ByteBuffer(bytes: data))
    }
  }

  /// One PostgreSQL row as a GRDB row, by column name.
  static func row(_ row: PostgresRow) throws -> Row {
    var values: [String: DatabaseValue] = [:]
    for cell in row { values[cell.columnName] = try value(cell) }
    return Row(values)
  }

  static func value(_ cell: PostgresCell) throws -> DatabaseValue {
    guard cell.bytes != nil else { return .null }
    switch cell.dataType {
    case .int8, .int4, .int2: return try cell.decode(Int64.self).databaseValue
    case .float8, .float4: return try cell.decode(Double.self).databaseValue
    case .bool: return try cell.decode(Bool.self).databaseValue
    case .bytea:
      var buffer = try cell.decode(ByteBuffer.self)
      return Data(buffer.readBytes(length: buffer.readableBytes) ?? []).databaseValue
    default: return try cell.decode(String.self).databaseValue
    }
  }

  /// `INSERT INTO table (columns) VALUES (...), (...) <suffix>` for `rows`, in as few
  /// statements as PostgreSQL's 65,535 bind parameters allow.
  static func insert(
    _ rows: [[String: DatabaseValue]], into table: String, columns: [String], suffix: String,
    on connection: PostgresConnection, logger: Logger
  ) async throws {
    guard !rows.isEmpty else { return }
    let perStatement = max(1, 60_000 / columns.count)
    let columnList = columns.joined(separator: ", ")
    var start = 0
    while start < rows.count {
      let chunk = rows[start..<min(rows.count, start + perStatement)]
      var binds = PostgresBindings(capacity: chunk.count * columns.count)
      var sql = "INSERT INTO \(table) (\(columnList)) VALUES "
      for (r, row) in chunk.enumerated() {
        sql += r == 0 ? "(" : ", ("
        for (c, column) in columns.enumerated() {
          sql += c == 0 ? "$\(binds.count + 1)" : ", $\(binds.count + 1)"
          bind(row[column] ?? .null, into: &binds)
        }
        sql += ")"
      }
      sql += " " + suffix
      try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
      start += perStatement
    }
  }
}
