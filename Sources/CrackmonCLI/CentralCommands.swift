import ArgumentParser
import CentralPostgres
import Foundation
import Store
import SyncServer
import WebApp

/// Where the central store is: `--postgres URL`, else `--central` (a SQLite file), else
/// `$CRACKMON_CENTRAL` (a file or a postgres:// URL), else `./central.sqlite`.
struct CentralOptions: ParsableArguments {
  @Option(
    name: .customLong("central"),
    help: ArgumentHelp(
      "Central SQLite store (default: $CRACKMON_CENTRAL, then ./central.sqlite).", valueName: "path"))
  var central: String?
  @Option(
    help: ArgumentHelp(
      "Central store on PostgreSQL + PostGIS instead of SQLite.",
      valueName: "postgres://user@host:5432/db"))
  var postgres: String?

  func validate() throws {
    if central != nil, postgres != nil {
      throw ValidationError("give --central (a SQLite file) or --postgres (a URL), not both")
    }
  }

  /// `body` with the store open, closed afterwards whatever happens. Only a command that
  /// starts a store (`create`) makes a SQLite file that is not there: a mistyped path given
  /// to any other would have made an empty store and listed nothing.
  func with<T>(create: Bool = false, _ body: (any CentralStore) async throws -> T) async throws -> T {
    try await Self.with(location: postgres ?? central, create: create, body)
  }

  /// `body` with the central store at `location` (a file or a postgres:// URL; nil for
  /// `$CRACKMON_CENTRAL`, then ./central.sqlite) open, closed afterwards whatever happens.
  static func with<T>(location: String?, create: Bool, _ body: (any CentralStore) async throws -> T)
    async throws -> T
  {
    let location = resolvedPath(location, environment: "CRACKMON_CENTRAL", default: "central.sqlite")
    if !create, !PostgresConnectionURL.isPostgres(location), !FileManager.default.fileExists(atPath: location)
    {
      throw CentralError.noStore(path: location)
    }
    let store: any CentralStore =
      PostgresConnectionURL.isPostgres(location)
      ? try await PostgresCentralStore(url: location) : try SQLiteCentralStore(path: location)
    do {
      let result = try await body(store)
      await store.close()
      return result
    } catch {
      await store.close()
      throw error
    }
  }
}

struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the central server: devices sync to it, the office signs in to its web application.",
    discussion: """
      The API is under /v1 (schema/openapi.yaml, also at /openapi.yaml); the web application \
      is at / (sign in with a user from `crackmon admin user add`). Plain HTTP on the given \
      address: put it behind a TLS-terminating reverse proxy (nginx, Caddy) to reach it over \
      a network. Logs go to standard error; the line \
      `listening on HOST:PORT` says when it is ready (port 0 picks a free one).
      """)

  // --central, as for `admin` (found the same way, so both see the same store when
  // $CRACKMON_CENTRAL is set); --store, its first name, still works.
  @Option(
    name: [.customLong("central"), .customLong("store")],
    help: ArgumentHelp(
      "Central SQLite store (default: $CRACKMON_CENTRAL, then ./central.sqlite); --store also works.",
      valueName: "path"))
  var store: String?
  @Option(
    help: ArgumentHelp(
      "Central store on PostgreSQL + PostGIS instead of SQLite.",
      valueName: "postgres://user@host:5432/db"))
  var postgres: String?
  @Option(help: ArgumentHelp("Folder for photo blobs.", valueName: "dir"))
  var blobs = "blobs"
  @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
  var listen = "127.0.0.1:8080"

  func validate() throws {
    guard let colon = listen.lastIndex(of: ":"), Int(listen[listen.index(after: colon)...]) != nil else {
      throw ValidationError("--listen \(listen): give host:port, like 127.0.0.1:8080")
    }
    if store != nil, postgres != nil {
      throw ValidationError("give --central (a SQLite file) or --postgres (a URL), not both")
    }
  }

  func run() async throws {
    let colon = listen.lastIndex(of: ":")!
    let host = String(listen[..<colon])
    let port = Int(listen[listen.index(after: colon)...])!
    try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
    try await CentralOptions.with(location: postgres ?? store, create: true) { store in
      var server = SyncServer(store: store, blobs: try OrganisationBlobs(root: URL(fileURLWithPath: blobs)))
      server.extensions.append(WebApp.install)
      try await server.adoptUnsortedBlobs()
      try await server.run(host: host, port: port) { port in
        // Unbuffered: scripts and tests wait for this line.
        FileHandle.standardOutput.write(Data("listening on \(host):\(port)\n".utf8))
      }
    }
  }
}

struct AdminCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "admin",
    abstract: "Manage the central store: organisations, device tokens, office users and API tokens.",
    subcommands: [Org.self, Device.self, User.self, Token.self])

  // Also accepted before the subcommand (`admin --postgres URL org add acme`): the parser
  // hands options given there to the subcommand that declares them.
  @OptionGroup var central: CentralOptions

  struct Org: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "org", abstract: "Organisations.", subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
      static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an organisation.")
      @Argument(help: "Organisation id, like acme.")
      var id: String
      @OptionGroup var central: CentralOptions

      func run() async throws {
        try await central.with(create: true) { try await $0.addOrg(id) }
        print("added organisation \(id)")
      }
    }

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(commandName: "list", abstract: "List organisations.")
      @OptionGroup var central: CentralOptions

      func run() async throws {
        for org in try await central.with({ try await $0.organisations() }) {
          print("\(org.id)  added \(org.createdAt)")
        }
      }
    }
  }

  struct Device: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "device", abstract: "Field devices and their tokens.",
      subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register a device and print its token, once.")
      @Option(help: "Organisation the device works for.")
      var org: String
      @Option(help: "A name to recognise it by, like tablet-3.")
      var name: String
      @OptionGroup var central: CentralOptions

      func run() async throws {
        let (device, token) = try await central.with { try await $0.addDevice(org: org, name: name) }
        print("device \(device.id) (\(device.name), \(device.orgId))")
        print("token: \(token)")
        printError("The token is shown only now; the store keeps only its hash.")
      }
    }

    struct List: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List registered devices.")
      @OptionGroup var central: CentralOptions

      func run() async throws {
        for d in try await central.with({ try await $0.devices() }) {
          let state = d.revokedAt.map { "revoked \($0)" } ?? "active"
          print("\(d.id)  \(d.orgId)  \(d.name)  \(state)  store \(d.storeDeviceId ?? "(not synced yet)")")
        }
      }
    }

    struct Revoke: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a device's token: its next request is refused.")
      @Argument(help: "Device id, as `admin device list` shows it.")
      var id: String
      @OptionGroup var central: CentralOptions

      func run() async throws {
        try await central.with { try await $0.revokeDevice(id) }
        print("revoked \(id)")
      }
    }
  }
}

struct MigrateCentralCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate-central",
    abstract: "Move a SQLite central store into an empty PostgreSQL one, counts verified.",
    discussion: """
      Stop the server first. Every table is copied in one PostgreSQL transaction (all or \
      nothing), then each table's rows are counted on both sides; any difference is an \
      error. The SQLite file is only read. Then run `crackmon serve --postgres URL`.
      """)

  @Option(help: ArgumentHelp("The SQLite central store.", valueName: "central.sqlite"))
  var from: String
  @Option(help: ArgumentHelp("An empty PostgreSQL database.", valueName: "postgres://user@host:5432/db"))
  var to: String

  func run() async throws {
    let target = try await PostgresCentralStore(url: to)
    let counts: [CentralMigration.Count]
    do {
      counts = try await CentralMigration().run(from: from, to: target)
      await target.close()
    } catch {
      await target.close()
      throw error
    }
    for count in counts {
      let mark = count.source == count.target ? "" : "  MISMATCH"
      print(
        "\(count.table.padding(toLength: 20, withPad: " ", startingAt: 0)) \(count.source) -> \(count.target)\(mark)"
      )
    }
    if counts.contains(where: { $0.source != $0.target }) {
      printError("the copy does not match its source: see the table above")
      throw ExitCode(1)
    }
    printError("moved \(from) to \(target.url): every table's rows counted on both sides")
  }
}
