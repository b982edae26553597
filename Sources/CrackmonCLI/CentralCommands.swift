import ArgumentParser
import Foundation
import Store
import SyncServer

/// Where the central store is: `--central`, else `$CRACKMON_CENTRAL`, else `./central.sqlite`.
struct CentralOptions: ParsableArguments {
  @Option(
    name: .customLong("central"),
    help: ArgumentHelp(
      "Central SQLite store (default: $CRACKMON_CENTRAL, then ./central.sqlite).", valueName: "path"))
  var central: String?

  var path: String { resolvedPath(central, environment: "CRACKMON_CENTRAL", default: "central.sqlite") }

  func open() throws -> SQLiteCentralStore { try SQLiteCentralStore(path: path) }
}

struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Run the central sync server that field devices push to.",
    discussion: """
      Plain HTTP on the given address: put it behind a TLS-terminating reverse proxy \
      (nginx, Caddy) to reach it over a network. Logs go to standard error; the line \
      `listening on HOST:PORT` says when it is ready (port 0 picks a free one).
      """)

  // Named --store, as the server's own store; found the same way as `admin`'s --central, so
  // both commands see the same file when $CRACKMON_CENTRAL is set.
  @Option(
    help: ArgumentHelp(
      "Central SQLite store (default: $CRACKMON_CENTRAL, then ./central.sqlite).", valueName: "path"))
  var store: String?
  @Option(help: ArgumentHelp("Folder for photo blobs.", valueName: "dir"))
  var blobs = "blobs"
  @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
  var listen = "127.0.0.1:8080"

  func validate() throws {
    guard let colon = listen.lastIndex(of: ":"), Int(listen[listen.index(after: colon)...]) != nil else {
      throw ValidationError("--listen \(listen): give host:port, like 127.0.0.1:8080")
    }
  }

  func run() async throws {
    let colon = listen.lastIndex(of: ":")!
    let host = String(listen[..<colon])
    let port = Int(listen[listen.index(after: colon)...])!
    try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
    let server = SyncServer(
      store: try SQLiteCentralStore(
        path: resolvedPath(store, environment: "CRACKMON_CENTRAL", default: "central.sqlite")),
      blobs: try BlobStore(root: URL(fileURLWithPath: blobs)))
    try await server.run(host: host, port: port) { port in
      // Unbuffered: scripts and tests wait for this line.
      FileHandle.standardOutput.write(Data("listening on \(host):\(port)\n".utf8))
    }
  }
}

struct AdminCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "admin", abstract: "Manage the central store: organisations and device tokens.",
    subcommands: [Org.self, Device.self])

  struct Org: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "org", abstract: "Organisations.", subcommands: [Add.self])

    struct Add: ParsableCommand {
      static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an organisation.")
      @Argument(help: "Organisation id, like acme.")
      var id: String
      @OptionGroup var central: CentralOptions

      func run() throws {
        try central.open().addOrg(id)
        print("added organisation \(id)")
      }
    }
  }

  struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "device", abstract: "Field devices and their tokens.",
      subcommands: [Add.self, List.self, Revoke.self])

    struct Add: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Register a device and print its token, once.")
      @Option(help: "Organisation the device works for.")
      var org: String
      @Option(help: "A name to recognise it by, like tablet-3.")
      var name: String
      @OptionGroup var central: CentralOptions

      func run() throws {
        let (device, token) = try central.open().addDevice(org: org, name: name)
        print("device \(device.id) (\(device.name), \(device.orgId))")
        print("token: \(token)")
        printError("The token is shown only now; the store keeps only its hash.")
      }
    }

    struct List: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List registered devices.")
      @OptionGroup var central: CentralOptions

      func run() throws {
        for d in try central.open().devices() {
          let state = d.revokedAt.map { "revoked \($0)" } ?? "active"
          print("\(d.id)  \(d.orgId)  \(d.name)  \(state)  store \(d.storeDeviceId ?? "(not synced yet)")")
        }
      }
    }

    struct Revoke: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a device's token: its next request is refused.")
      @Argument(help: "Device id, as `admin device list` shows it.")
      var id: String
      @OptionGroup var central: CentralOptions

      func run() throws {
        try central.open().revokeDevice(id)
        print("revoked \(id)")
      }
    }
  }
}
