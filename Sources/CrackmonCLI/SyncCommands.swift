import ArgumentParser
import Foundation
import Store
import SyncClient

struct RemoteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remote", abstract: "Where this device syncs to.", subcommands: [Set.self])

  struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "set", abstract: "Set the central server and this device's token.")
    @Argument(help: "Server URL, like http://10.0.0.5:8080.")
    var url: String
    @Option(help: "The token `crackmon admin device add` printed for this device.")
    var token: String
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
      guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
      else { throw ValidationError("\(url) is not an http(s) URL") }
      guard !token.isEmpty else { throw ValidationError("--token is empty") }
    }

    func run() throws {
      try DeviceStore(opening: storeOptions.path).setRemote(SyncRemote(url: url, token: token))
      print("remote set to \(url)")
    }
  }
}

struct SyncCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sync",
    abstract: "Push pending records to the central server, then upload their photos.",
    discussion: """
      Safe to interrupt at any point and to run again: entries are marked pushed only once \
      the server has committed them, and the server applies each (device, sequence) once.
      """,
    subcommands: [Status.self])

  @Flag(help: "Do not upload photos (records only).")
  var noPhotos = false
  @Option(
    name: .customLong("chunk-kb"),
    help: "Photo chunk size in KiB: smaller loses less to a dropped connection on a flaky link.")
  var chunkKB = 4096
  @OptionGroup var storeOptions: StoreOptions

  func run() async throws {
    let store = try DeviceStore(opening: storeOptions.path)
    var client = SyncClient(store: store)
    client.chunkBytes = chunkKB << 10
    var bar = ProgressBar(label: "push")
    var summary = try await client.push { done, total in bar.update(done, of: total) }
    print("Pushed \(summary.pushed) records in \(summary.batches) batches", terminator: "")
    print(summary.duplicates > 0 ? " (\(summary.duplicates) the server already had)" : "")
    if !noPhotos {
      var photoBar = ProgressBar(label: "photos")
      do {
        try await client.uploadPhotos(into: &summary) { done, total in
          photoBar.update(Int(done >> 10), of: Int(total >> 10))
        }
      } catch {
        // What got through before the failure is kept; say how much went over the link.
        print("Photos: \(summary.photos) uploaded, \(summary.photoBytesSent) bytes sent before: \(error)")
        throw error
      }
      print("Photos: \(summary.photos) uploaded, \(summary.photoBytesSent) bytes sent")
      for problem in summary.photoProblems { print("  \(problem)") }
    }
    if summary.retries > 0 { print("Retries: \(summary.retries)") }
    print("Pending: \(try store.pendingCount()) records, \(try store.photosToUpload().count) photos")
    if !summary.photoProblems.isEmpty { throw ExitCode(1) }
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "status", abstract: "What is waiting to sync.")
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      print("Remote: \(try store.remote()?.url ?? "(none: crackmon remote set URL --token TOKEN)")")
      let counts = try store.outboxCounts()
      print("Pending: \(counts.values.reduce(0, +))")
      for (entity, n) in counts.sorted(by: { $0.key < $1.key }) { print("  \(entity): \(n)") }
    }
  }
}
