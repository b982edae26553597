import Foundation
import GRDB
import TestSupport
import Testing

/// The central store a sync test runs against: every sync, fault and auth test runs once
/// per backend.
enum CentralBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case sqlite, postgres

  var testDescription: String { rawValue }

  /// SQLite always; PostgreSQL where it is installed (tools/setup.sh installs it, so CI
  /// always runs both). Where it is not, the reason is printed once.
  static let available: [CentralBackend] = {
    if let reason = PostgresServer.unavailable {
      print("SKIPPED: the PostgreSQL runs of the sync tests: \(reason)")
      return [.sqlite]
    }
    return allCases
  }()
}

/// Where one test's central store lives, and how to ask it things: a SQLite file in the
/// test's folder, or a database of its own on the throwaway PostgreSQL server.
final class CentralUnderTest: @unchecked Sendable {
  let directory: URL
  private(set) var backend = CentralBackend.sqlite
  private(set) var location: String

  init(directory: URL) {
    self.directory = directory
    location = directory.appendingPathComponent("central.sqlite").path
  }

  /// Switches to `backend`, with a new empty store.
  func use(_ backend: CentralBackend) throws {
    self.backend = backend
    switch backend {
    case .sqlite: location = directory.appendingPathComponent("central.sqlite").path
    case .postgres: location = try #require(PostgresServer.shared).createDatabase()
    }
  }

  /// Switches to an existing store: a file or a postgres:// URL.
  func use(location: String) throws {
    backend = location.hasPrefix("postgres://") ? .postgres : .sqlite
    self.location = location
  }

  /// For `crackmon admin`: the store is found through `$CRACKMON_CENTRAL`.
  var environment: [String: String] { ["CRACKMON_CENTRAL": location] }

  /// For `crackmon serve`.
  var serveArguments: [String] {
    backend == .sqlite ? ["--store", location] : ["--postgres", location]
  }

  /// Rows of a query, each value as text ("" for NULL); the SQL must mean the same on both.
  func query(_ sql: String) throws -> [[String]] {
    switch backend {
    case .sqlite:
      return try Self.query(location, sql)
    case .postgres:
      return try #require(PostgresServer.shared).psql(location, sql)
    }
  }

  /// Rows of a query on a SQLite file (a central or a device store), as `query` gives them.
  static func query(_ path: String, _ sql: String) throws -> [[String]] {
    try DatabaseQueue(path: path).read { db in
      try Row.fetchAll(db, sql: sql).map { row in
        row.databaseValues.map { value in
          switch value.storage {
          case .null: ""
          case .int64(let number): "\(number)"
          case .double(let number): "\(number)"
          case .string(let text): text
          case .blob(let data): data.base64EncodedString()
          }
        }
      }
    }
  }

  /// `SELECT COUNT(*) FROM <from>`, where `from` may carry a WHERE clause.
  func count(_ from: String) throws -> Int {
    Int(try query("SELECT COUNT(*) FROM \(from)").first?.first ?? "") ?? -1
  }
}
