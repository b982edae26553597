import ArgumentParser
import Foundation
import Growth
import Outputs
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
    abstract: "Push pending records, pull the organisation's changes, then upload photos.",
    discussion: """
      Push: the outbox in batches; entries are marked pushed only once the server has committed \
      them, and the server applies each (device, sequence) once. Pull: the organisation's assets \
      and cycles, and the crack history (captures, observations, tracks, overrides) of the \
      assets this device captures on or follows with --asset, so earlier cycles can be compared \
      on site, offline; tracking is rebuilt for assets that received observations. Photos are \
      uploaded, never pulled. Safe to interrupt at any point and to run again.
      """,
    subcommands: [Status.self, Photo.self])

  @Flag(help: "Do not upload photos (records only).")
  var noPhotos = false
  @Option(
    name: .customLong("asset"),
    help: "Also pull this asset's crack history (remembered for later syncs). Repeatable.")
  var follow: [String] = []
  @Option(
    name: .customLong("chunk-kb"),
    help: "Largest photo chunk in KiB. Chunks shrink by themselves after a dropped connection.")
  var chunkKB = 4096
  @Option(
    name: .customLong("give-up-after"),
    help: ArgumentHelp(
      "How long to keep trying a server that does not answer before stopping.", valueName: "seconds"))
  var giveUpAfter = 60
  @OptionGroup var storeOptions: StoreOptions

  func run() async throws {
    let store = try DeviceStore(opening: storeOptions.path)
    for asset in follow { try store.follow(asset: asset) }
    var client = SyncClient(store: store)
    client.chunkBytes = chunkKB << 10
    client.patience = .seconds(max(1, giveUpAfter))
    client.notice = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    do {
      let problems: [String]
      do {
        problems = try await sync(store, client)
        await client.close()
      } catch {
        await client.close()
        throw error
      }
      // A sync that finished but left something behind is a failure for `sync status`.
      try store.recordSync(
        error: problems.isEmpty ? nil : "\(problems.count) left behind; first: \(problems[0])")
      if !problems.isEmpty { throw ExitCode(1) }
    } catch let error as SyncError {
      try? store.recordSync(error: error.description)
      throw error
    }
  }

  /// What was left behind that another sync will not fix by itself.
  private func sync(_ store: DeviceStore, _ client: SyncClient) async throws -> [String] {
    var bar = ProgressBar(label: "push")
    var summary = try await client.push { done, total in bar.update(done, of: total) }
    print("Pushed \(summary.pushed) records in \(summary.batches) batches", terminator: "")
    print(summary.duplicates > 0 ? " (\(summary.duplicates) the server already had)" : "")

    var pullBar = ProgressBar(label: "pull")
    let pulled = try await client.pull { rows in pullBar.update(rows) }
    pullBar.finish()
    let rows = pulled.applied.rows
    print(
      "Pulled \(rows.values.reduce(0, +)) records"
        + (rows.isEmpty
          ? ""
          : " (" + rows.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            + ")"))
    if pulled.applied.keptLocal > 0 {
      print("  \(pulled.applied.keptLocal) assets or cycles kept as changed here: they go up next sync")
    }
    for problem in pulled.problems { print("  \(problem)") }
    for asset in pulled.applied.assetsToRetrack.sorted() {
      let tracking = try AssetTracking().run(asset: asset, in: store)
      print(
        "  tracks of \(asset) rebuilt: \(tracking.tracks.count) tracks in \(tracking.cycles.count) cycles")
    }

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
    let retries = summary.retries + pulled.retries
    if retries > 0 { print("Retries: \(retries)") }
    print("Pending: \(try store.pendingCount()) records, \(try store.pendingPhotos().count) photos")
    return pulled.problems + summary.photoProblems
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "status", abstract: "What is waiting to sync, and how the last sync ended.")
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      print("Remote: \(try store.remote()?.url ?? "(none: crackmon remote set URL --token TOKEN)")")
      if let outcome = try store.syncOutcome() {
        print("Last sync: \(outcome.lastSyncAt ?? "never completed")")
        if let error = outcome.lastError {
          print("Last failure (\(outcome.lastErrorAt ?? "?")): \(error)")
        }
      }
      let counts = try store.outboxCounts()
      print("Pending: \(counts.values.reduce(0, +))")
      for (entity, n) in counts.sorted(by: { $0.key < $1.key }) { print("  \(entity): \(n)") }
      let photos = try store.pendingPhotos()
      print("Photos to upload: \(photos.count)")
      if !photos.problems.isEmpty {
        print("  held back at the last sync (tried again at every sync):")
        for problem in photos.problems { print("  \(problem.path): \(problem.reason)") }
      }
      let followed = try store.pullScopes().filter { $0.scope != DeviceStore.organisationScope }
      if !followed.isEmpty {
        print("Pulling crack history of: " + followed.map(\.scope).joined(separator: ", "))
      }
    }
  }

  struct Photo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "photo",
      abstract: "Fetch a capture's photo, or a thumbnail or a crack's crop of it, from the central server.",
      discussion: """
        Any capture of this device's organisation whose photo has been uploaded, by any of its \
        devices. Without --size or --crop, the photo as its device took it; with them, a JPEG \
        of the upright photo (EXIF orientation applied), or of a box of it, at most --size \
        pixels on its longer side (default 512), never enlarged. A crack's box comes from its \
        polyline in pixels (`crackmon cracks --format json`).
        """)
    @Argument(help: "The capture id: the photo's SHA-256, as `crackmon captures` lists it.")
    var capture: String
    @Option(help: ArgumentHelp("Where to write the photo or thumbnail.", valueName: "path"))
    var out: String
    @Option(help: "A JPEG thumbnail at most this many pixels on its longer side (16 to 2048).")
    var size: Int?
    @Option(
      help: ArgumentHelp(
        "Only this box of the upright photo, in its pixels (a crack's box), as a JPEG.", valueName: "x,y,w,h")
    )
    var crop: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
      guard capture.utf8.count == 64,
        capture.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
      else { throw ValidationError("\(capture) is not a capture id (64 lowercase hex digits)") }
      if let size, !(16...2048).contains(size) {
        throw ValidationError("--size \(size) must be 16 to 2048 pixels")
      }
      if let crop {
        let parts = crop.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 4, parts.allSatisfy({ ($0 ?? -1) >= 0 }), (parts[2] ?? 0) > 0,
          (parts[3] ?? 0) > 0
        else {
          throw ValidationError("--crop \(crop): give x,y,width,height in the upright photo's pixels")
        }
      }
    }

    func run() async throws {
      let client = SyncClient(store: try DeviceStore(opening: storeOptions.path))
      let data: Data
      do {
        data = try await client.photo(capture: capture, size: size, crop: crop)
        await client.close()
      } catch {
        await client.close()
        throw error
      }
      try OutputFile.write(data, to: out)
      print("wrote \(out): \(data.count) bytes")
    }
  }
}
