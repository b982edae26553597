import Crypto
import Foundation
import Logging
import PostgresNIO
import Store

/// The migrations in `schema/postgres/` (installed beside the binary as
/// `crackmon_CentralPostgres.resources/Migrations`): applied once each, in file-name order,
/// each in its own transaction, and recorded with their SHA-256 so that an applied file that
/// was edited afterwards is refused rather than silently skipped.
enum PostgresMigrations {
  struct Migration {
    var name: String
    var sql: String
    var sha256: String
  }

  static func bundled() throws(CentralError) -> [Migration] {
    let executables = [Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0])]
    guard
      let folder = executables.compactMap({ $0 }).map({
        $0.resolvingSymlinksInPath().deletingLastPathComponent()
          .appendingPathComponent("crackmon_CentralPostgres.resources/Migrations")
      }).first(where: { FileManager.default.fileExists(atPath: $0.path) })
    else {
      throw .database(
        "the PostgreSQL migrations (crackmon_CentralPostgres.resources) are not installed beside the binary")
    }
    do {
      return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }
        .sorted().map { name in
          let data = try Data(contentsOf: folder.appendingPathComponent(name))
          return Migration(
            name: String(name.dropLast(4)), sql: String(decoding: data, as: UTF8.self),
            sha256: SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
        }
    } catch {
      throw .database("reading the PostgreSQL migrations in \(folder.path): \(error)")
    }
  }

  /// Brings the database up to date. Two servers starting at once take turns: the
  /// migrations run under a transaction-level advisory lock.
  static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
    let migrations = try bundled()
    do {
      try await connection.query(
        """
        CREATE TABLE IF NOT EXISTS crackmon_migration (
          name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
        """, logger: logger)
      for migration in migrations {
        try await connection.withTransaction(logger: logger) { connection in
          // The lock's key is arbitrary: crackmon's migrations' own.
          try await connection.query("SELECT pg_advisory_xact_lock(7270163911)", logger: logger)
          let applied = try await connection.query(
            "SELECT sha256 FROM crackmon_migration WHERE name = \(migration.name)", logger: logger
          ).collect().first.map { try $0.decode(String.self) }
          if let applied {
            guard applied == migration.sha256 else {
              throw CentralError.database(
                "migration \(migration.name) was changed after it was applied; add a new migration instead")
            }
            return
          }
          for statement in statements(migration.sql) {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
          }
          try await connection.query(
            "INSERT INTO crackmon_migration (name, sha256) VALUES (\(migration.name), \(migration.sha256))",
            logger: logger)
          logger.info("applied migration", metadata: ["name": "\(migration.name)"])
        }
      }
    }
  }

  /// A script's statements: split at semicolons outside quotes, comments and dollar-quoted
  /// bodies. (postgres-nio speaks the extended protocol: one statement per query.)
  static func statements(_ script: String) -> [String] {
    let text = Array(script.unicodeScalars)
    var statements: [String] = []
    var current = String.UnicodeScalarView()
    var i = 0
    func flush() {
      let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
      if !statement.isEmpty, statement.split(separator: "\n").contains(where: { !$0.hasPrefix("--") }) {
        statements.append(statement)
      }
      current = String.UnicodeScalarView()
    }
    while i < text.count {
      let c = text[i]
      if c == "-", i + 1 < text.count, text[i + 1] == "-" {
        while i < text.count, text[i] != "\n" { i += 1 }  // a line comment: dropped
        continue
      }
      if c == "'" || c == "\"" {
        current.append(c)
        i += 1
        while i < text.count {
          current.append(text[i])
          i += 1
          if text[i - 1] == c { break }
        }
        continue
      }
      if c == "$", let close = text[(i + 1)...].firstIndex(of: "$"),
        text[(i + 1)..<close].allSatisfy({ $0.properties.isAlphabetic || $0 == "_" })
      {
        // $tag$ ... $tag$: copied whole.
        let tag = Array(text[i...close])
        var j = close + 1
        while j + tag.count <= text.count, Array(text[j..<(j + tag.count)]) != tag { j += 1 }
        let end = min(text.count, j + tag.count)
        current.append(contentsOf: text[i..<end])
        i = end
        continue
      }
      if c == ";" {
        flush()
      } else {
        current.append(c)
      }
      i += 1
    }
    flush()
    return statements
  }
}
