import ArgumentParser
import Foundation
import Store

struct CapturesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "captures",
    abstract: "List an asset's captures; void a capture or move it to another cycle.",
    subcommands: [List.self, Void.self, Move.self],
    defaultSubcommand: List.self)

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the captures of an asset, oldest first, as corrected.",
      discussion: """
        Each capture is listed in its cycle as moved. Voided captures and those of a retired cycle \
        are listed with why (the state column) and left out of tracking, crack lists and maps.
        """)

    @OptionGroup var scope: AssetScope
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: FormatOption

    /// A capture as listed: the stored record (its cycle as corrected), why it is set aside,
    /// and the distance it was last measured at.
    struct Listed: Encodable {
      var capture: CaptureRecord
      var setAside: String?
      var measuredAtDistanceM: Double?

      func encode(to encoder: Encoder) throws {
        try capture.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(setAside, forKey: .setAside)
        try container.encode(measuredAtDistanceM, forKey: .measuredAtDistanceM)
      }
      enum CodingKeys: String, CodingKey { case setAside, measuredAtDistanceM }
    }

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      let captures = try store.capturesWithState(asset: scope.asset, cycle: scope.cycle)
      switch output.format {
      case .json:
        try printJSON(
          captures.map {
            Listed(capture: $0.capture, setAside: $0.setAside, measuredAtDistanceM: $0.distanceM)
          })
      case .text:
        printTable(
          [
            "capture", "cycle", "taken", "gps", "lat", "lon", "gsd mm/px", "scale from", "distance m",
            "state", "file",
          ],
          captures.map { (c, setAside, distance) in
            [
              String(c.id.prefix(12)), c.cycleLabel, c.takenAt ?? "-", c.gpsStatus,
              c.latitude.map { String(format: "%.7f", $0) } ?? "-",
              c.longitude.map { String(format: "%.7f", $0) } ?? "-",
              c.gsdMmPerPx.map { String(format: "%.3f", $0) } ?? "-", c.gsdMethod,
              distance.map { "\($0)" } ?? "-", setAside.map { "set aside (\($0))" } ?? "live", c.sourcePath,
            ]
          })
        let aside = captures.filter { $0.setAside != nil }.count
        print("\(captures.count) captures" + (aside > 0 ? " (\(aside) set aside)" : ""))
      }
    }
  }
}
