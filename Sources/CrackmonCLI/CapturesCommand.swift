import ArgumentParser
import Foundation
import Store

struct CapturesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "captures",
    abstract: "List the captures of an asset, oldest first.")

  @OptionGroup var scope: AssetScope
  @OptionGroup var storeOptions: StoreOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let store = try DeviceStore(opening: storeOptions.path)
    let captures = try store.captures(asset: scope.asset, cycle: scope.cycle)
    switch output.format {
    case .json:
      try printJSON(captures)
    case .text:
      printTable(
        ["capture", "cycle", "taken", "gps", "lat", "lon", "gsd mm/px", "scale from", "file"],
        captures.map { c in
          [
            String(c.id.prefix(12)), c.cycleLabel, c.takenAt ?? "-", c.gpsStatus,
            c.latitude.map { String(format: "%.7f", $0) } ?? "-",
            c.longitude.map { String(format: "%.7f", $0) } ?? "-",
            c.gsdMmPerPx.map { String(format: "%.3f", $0) } ?? "-", c.gsdMethod, c.sourcePath,
          ]
        })
      print("\(captures.count) captures")
    }
  }
}
