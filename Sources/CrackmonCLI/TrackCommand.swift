import ArgumentParser
import Foundation
import Growth
import Store

struct TrackCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "track",
    abstract: "Follow each crack across an asset's inspection cycles, and compute its growth.",
    discussion: """
      Matches each cycle's crack observations to the tracks of earlier cycles by position (Hausdorff \
      distance between centrelines in the asset's CRS, within 3 sigma of the placement uncertainty) \
      and by direction (within 30°), one to one, cheapest pairs first. Reports new cracks, cracks not \
      seen again, splits and merges. Inspector links and unlinks (`crackmon track link|unlink`) \
      always win and survive re-tracking. Re-running gives the same result.
      """,
    subcommands: [Build.self, Link.self, Unlink.self], defaultSubcommand: Build.self)

  struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "build", abstract: "(Re)build the tracks, growth series and alerts of an asset.")

    @Option(help: "Asset id.")
    var asset: String
    @Option(
      name: .customLong("alert-width-rate"), help: "Alert when maximum width grows faster (mm/year).")
    var widthRate: Double = AlertRules().maxWidthMmPerYear
    @Option(name: .customLong("alert-length-rate"), help: "Alert when length grows faster (mm/year).")
    var lengthRate: Double = AlertRules().maxLengthMmPerYear
    @Flag(
      help: "Print the seconds spent reading the store, tracking, and writing the store (for benchmarks).")
    var timings = false
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: FormatOption

    func validate() throws {
      guard widthRate > 0, lengthRate > 0 else { throw ValidationError("alert rates must be above 0") }
    }

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      let tracking = AssetTracking(
        rules: AlertRules(maxWidthMmPerYear: widthRate, maxLengthMmPerYear: lengthRate))
      let summary = try tracking.run(asset: asset, in: store)
      if timings {
        let s = summary.seconds
        printError(
          String(
            format: "timings: read %.3f s, track + growth %.3f s, write %.3f s", s.read, s.compute, s.write))
      }
      switch output.format {
      case .json: try printJSON(TrackingOutput(summary))
      case .text:
        let events = Dictionary(grouping: summary.events, by: \.kind)
        print(
          "\(summary.tracks.count) tracks from \(summary.observationCount) observations in \(summary.cycles.count) cycles"
        )
        for kind in ["new", "not_seen", "split", "merge"] { print("  \(kind): \(events[kind]?.count ?? 0)") }
        let alerts = summary.tracks.flatMap(\.alerts)
        print("\(alerts.count) alerts")
        // A large asset can raise thousands: show the first, point to the full list.
        for alert in alerts.prefix(20) { print("  \(alert.trackId) \(alert.cycle): \(alert.message)") }
        if alerts.count > 20 { print("  ... \(alerts.count - 20) more: crackmon alerts --asset \(asset)") }
      }
    }
  }

  struct Link: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Put an observation on a track, whatever matching says.")
    @Argument(help: "Observation id (a unique prefix will do).")
    var observation: String
    @Argument(help: "Track id.")
    var track: String
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      try store.overrideTrack(observation: observation, trackId: track)
      print("linked \(observation) to \(track); run `crackmon track --asset ...` to rebuild")
    }
  }

  struct Unlink: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Take an observation off its track: it starts a track of its own.")
    @Argument(help: "Observation id (a unique prefix will do).")
    var observation: String
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      try store.overrideTrack(observation: observation, trackId: nil)
      print("unlinked \(observation); run `crackmon track --asset ...` to rebuild")
    }
  }
}

/// `crackmon track --format json`: tracks with members and growth, and the events.
struct TrackingOutput: Encodable {
  var tracks: [AssetTracking.Track]
  var events: [TrackingEvent]

  init(_ summary: AssetTracking.Summary) {
    tracks = summary.tracks
    events = summary.events
  }
}
