import ArgumentParser
import Foundation

/// The `crackmon` command line.
public struct Crackmon: AsyncParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "crackmon",
    abstract: "Offline-first crack monitoring for concrete bridges, tunnels and dams.",
    discussion: """
      A field session:
        export CRACKMON_STORE=field.sqlite
        crackmon init
        crackmon asset add pier-17 --name "Pier 17" --kind bridge \\
          --lat 52.52 --lon 13.40
        crackmon cycle add pier-17 2026-Q4 --date 2026-11-20
        crackmon ingest photos/ --asset pier-17 --cycle 2026-Q4
        crackmon cracks --asset pier-17

      After later cycles:
        crackmon track --asset pier-17
        crackmon report growth --asset pier-17 --out pier-17.html
      """,
    subcommands: [
      InitCommand.self, AssetCommand.self, CycleCommand.self, MetadataCommand.self, IngestCommand.self,
      CapturesCommand.self, CorrectionsCommand.self, ReprocessCommand.self, CracksCommand.self,
      ReviewCommand.self,
      TrackCommand.self, AlertsCommand.self, ReportCommand.self,
      ExportCommand.self, RemoteCommand.self, SyncCommand.self, ServeCommand.self, AdminCommand.self,
      MigrateCentralCommand.self,
      SegmentCommand.self, EvalCommand.self, ModelCommand.self, RegisterCommand.self,
    ]
  )

  public init() {}

  /// Parses the arguments and runs the command, awaiting async ones (serve, sync).
  ///
  /// By hand rather than `main()`: from main.swift, `Crackmon.main()` resolves to
  /// ParsableCommand's synchronous entry point, which never awaits an async command's
  /// `run()` (swift-argument-parser issue #688).
  public static func start() async {
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      exit(withError: error)
    }
  }
}

/// Where the store is: `--store`, else `$CRACKMON_STORE`, else `./crackmon.sqlite`.
struct StoreOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "SQLite store to use (default: $CRACKMON_STORE, then ./crackmon.sqlite).", valueName: "path"))
  var store: String?

  var path: String { resolvedPath(store, environment: "CRACKMON_STORE", default: "crackmon.sqlite") }
}

/// A store path: the option if given, else the environment variable if set, else the default.
func resolvedPath(_ option: String?, environment name: String, default fallback: String) -> String {
  option ?? ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

struct FormatOption: ParsableArguments {
  @Option(help: "Output format: text for people, json for scripts.")
  var format: OutputFormat = .text
}

/// `--distance-m`, where a command takes one: a camera-to-surface distance the store accepts
/// (a correction refuses 10 km or more).
func validateDistance(_ distance: Double?) throws {
  if let distance, !(distance > 0 && distance < 10_000) {
    throw ValidationError("--distance-m \(distance) must be a distance in metres above 0 and below 10 km")
  }
}

/// `--max-megapixels`: the largest photo a command decodes, refused before decoding it
/// (a hostile header can claim any size).
struct PhotoSizeOption: ParsableArguments {
  @Option(name: .customLong("max-megapixels"), help: "Refuse photos larger than this, before decoding them.")
  var maxMegapixels: Double = 200

  var maxPixels: Int { Int(maxMegapixels * 1_000_000) }

  func validate() throws {
    guard maxMegapixels > 0, maxMegapixels <= 10_000 else {
      throw ValidationError("--max-megapixels must be above 0 and at most 10000")
    }
  }
}

/// `--asset ID [--cycle LABEL]`: what the listing commands (captures, cracks, alerts) show.
struct AssetScope: ParsableArguments {
  @Option(help: "Asset id.")
  var asset: String
  @Option(help: "Only this inspection cycle.")
  var cycle: String?
}
