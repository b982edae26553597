import Foundation
import NIOSSL
import PostgresNIO
import Store

/// A `postgres://user[:password]@host[:port]/database[?sslmode=…&pool=…]` URL, as libpq and
/// most PostgreSQL tools take it, turned into postgres-nio's client configuration.
public struct PostgresConnectionURL: Sendable, CustomStringConvertible {
  /// The pool's configuration.
  public let configuration: PostgresClient.Configuration
  /// The URL without its password: safe to log and print.
  public let description: String
  private let sslMode: String

  /// Whether `text` names a PostgreSQL server rather than a file.
  public static func isPostgres(_ text: String) -> Bool {
    text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
  }

  public init(_ text: String) throws(CentralError) {
    guard Self.isPostgres(text), let parts = URLComponents(string: text), let host = parts.host, !host.isEmpty
    else {
      throw .database("\(text): not a PostgreSQL URL; give postgres://user@host:5432/database")
    }
    let database = parts.path.drop(while: { $0 == "/" })
    guard let user = parts.user, !user.isEmpty, !database.isEmpty else {
      throw .database("\(text): name the user and the database, as in postgres://user@host:5432/database")
    }
    let query = Dictionary(
      (parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
    // libpq's default is `prefer`: TLS when the server offers it.
    let tls: PostgresClient.Configuration.TLS
    sslMode = query["sslmode"] ?? "prefer"
    switch sslMode {
    case "disable": tls = .disable
    case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
    case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
    case let other: throw .database("sslmode=\(other): give disable, prefer or require")
    }
    var configuration = PostgresClient.Configuration(
      host: host, port: parts.port ?? 5432, username: user, password: parts.password,
      database: String(database), tls: tls)
    if let pool = query["pool"] {
      guard let size = Int(pool), (1...200).contains(size) else {
        throw .database("pool=\(pool): give the most connections to hold open, 1 to 200")
      }
      configuration.options.maximumConnections = size
    } else {
      // Every push holds one connection for its transaction; more than this many at once
      // queue for a connection rather than crowd the server.
      configuration.options.maximumConnections = 16
    }
    configuration.options.connectTimeout = .seconds(5)
    self.configuration = configuration
    var shown = parts
    shown.password = shown.password.map { _ in "****" }
    description = shown.string ?? "postgres://\(host)"
  }

  /// The same server for one connection outside the pool: connecting once first gives a
  /// clear error at once ("connection refused") where the pool would keep retrying.
  func connectionConfiguration() throws -> PostgresConnection.Configuration {
    let tls: PostgresConnection.Configuration.TLS
    switch sslMode {
    case "disable": tls = .disable
    case "prefer", "allow": tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
    default: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
    }
    var configuration = PostgresConnection.Configuration(
      host: self.configuration.host ?? "127.0.0.1", port: self.configuration.port ?? 5432,
      username: self.configuration.username, password: self.configuration.password,
      database: self.configuration.database, tls: tls)
    configuration.options.connectTimeout = .seconds(5)
    return configuration
  }
}
