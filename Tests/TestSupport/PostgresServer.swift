import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A throwaway PostgreSQL server for the tests: `initdb` in a temporary folder, `pg_ctl`
/// on a free loopback port, started once per test process and stopped when it exits.
/// Debian's `postgresql` and `postgresql-15-postgis-3` packages (tools/setup.sh) provide it.
/// Each test gets a database of its own.
public final class PostgresServer: Sendable {
  public let port: Int
  let dataDirectory: URL
  let binaries: URL
  /// As root, the server runs as the `postgres` user: PostgreSQL refuses to run as root.
  let asUser: String?

  /// The server, or nil when PostgreSQL is not installed; `unavailable` says why.
  public static let shared: PostgresServer? = {
    do {
      return try PostgresServer()
    } catch {
      unavailableReason.set("\(error)")
      return nil
    }
  }()

  public static var unavailable: String? {
    _ = shared
    return unavailableReason.get()
  }

  private static let unavailableReason = Box()
  private final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ value: String) { lock.withLock { text = value } }
    func get() -> String? { lock.withLock { text } }
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  private init() throws {
    let versions =
      (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.compactMap(Int.init)
      .sorted()
      ?? []
    guard let version = versions.last else {
      throw Failure(description: "PostgreSQL is not installed (tools/setup.sh installs it)")
    }
    binaries = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
    guard FileManager.default.fileExists(atPath: "/usr/share/postgresql/\(version)/extension/postgis.control")
    else {
      throw Failure(
        description: "PostGIS for PostgreSQL \(version) is not installed (tools/setup.sh installs it)")
    }
    asUser = getuid() == 0 ? "postgres" : nil
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("crackmon-postgres-\(getpid())")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    dataDirectory = root.appendingPathComponent("data")
    port = try RawConnection.freePort()
    if let asUser {
      let chown = try runProcess(URL(fileURLWithPath: "/bin/chown"), [asUser, root.path])
      guard chown.status == 0 else { throw Failure(description: "chown \(root.path): \(chown.stderr)") }
    }
    try run(
      "initdb",
      ["-D", dataDirectory.path, "-U", "crackmon", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
    // Durability is not under test here (the server process is what the fault tests kill).
    let options =
      "-p \(port) -k \(root.path) -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
      + " -c synchronous_commit=off -c max_connections=300"
    try run(
      "pg_ctl",
      ["-D", dataDirectory.path, "-o", options, "-l", root.appendingPathComponent("log").path, "-w", "start"])
    Self.stopCommand = [
      binaries.appendingPathComponent("pg_ctl").path, "-D", dataDirectory.path, "-m", "immediate", "stop",
    ]
    Self.stopAs = asUser
    atexit {
      guard let command = PostgresServer.stopCommand else { return }
      let process = Process()
      if let user = PostgresServer.stopAs {
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        process.arguments = ["-u", user, "--"] + command
      } else {
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
      }
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try? process.run()
      process.waitUntilExit()
      try? FileManager.default.removeItem(atPath: (command[2] as NSString).deletingLastPathComponent)
    }
  }

  nonisolated(unsafe) private static var stopCommand: [String]?
  nonisolated(unsafe) private static var stopAs: String?

  /// Runs a PostgreSQL tool (as `asUser` when set), its output to a file, through
  /// system(3): Foundation's `Process` waits until every inheritor of its child's descriptors
  /// has gone, and the server that `pg_ctl start` leaves running is one.
  private func run(_ tool: String, _ arguments: [String]) throws {
    let output = dataDirectory.deletingLastPathComponent().appendingPathComponent("\(tool).out")
    var command = [binaries.appendingPathComponent(tool).path] + arguments
    if let asUser { command = ["/usr/sbin/runuser", "-u", asUser, "--"] + command }
    let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    let status = system(quoted.joined(separator: " ") + " >'\(output.path)' 2>&1 </dev/null")
    guard status == 0 else {
      let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
      throw Failure(description: "\(tool) failed (status \(status)): \(text)")
    }
  }

  /// The URL of `database` on this server.
  public func url(_ database: String) -> String {
    "postgres://crackmon@127.0.0.1:\(port)/\(database)?sslmode=disable"
  }

  /// A new empty database; crackmon applies its migrations when it first opens it.
  public func createDatabase() throws -> String {
    let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    _ = try psql(url("postgres"), "CREATE DATABASE \(name)")
    return url(String(name))
  }

  /// Runs SQL with `psql` and gives the rows, tab-separated fields, NULL as "".
  @discardableResult
  public func psql(_ url: String, _ sql: String) throws -> [[String]] {
    let result = try runProcess(
      binaries.appendingPathComponent("psql"),
      [url, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql])
    guard result.status == 0 else { throw Failure(description: "psql: \(result.stderr)") }
    return result.stdout.split(separator: "\n", omittingEmptySubsequences: true).map {
      $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
  }
}
