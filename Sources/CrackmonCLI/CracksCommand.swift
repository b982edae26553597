import ArgumentParser
import Foundation
import Store

struct CracksCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cracks",
    abstract: "List the crack observations of an asset, by cycle and photo.",
    discussion: """
      Lengths and widths are in millimetres where the photo's scale is known, else in pixels. \
      "placed" says how the crack was put on the map: footprint (nadir shot, every point placed), \
      camera-position (the photo's position only) or asset (no GPS). "(estimate)" marks a \
      crack narrower than its photo resolves (about 1.5 px): its widths are estimates, not measurements.
      """)

  @OptionGroup var scope: AssetScope
  @OptionGroup var storeOptions: StoreOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let store = try DeviceStore(opening: storeOptions.path)
    let rows = try store.observations(asset: scope.asset, cycle: scope.cycle)
    switch output.format {
    case .json:
      try printJSON(rows.map { CrackRow($0) })
    case .text:
      printTable(
        ["observation", "cycle", "length", "max width", "mean width", "severity", "placed", "±m", "photo"],
        rows.map { row in
          let o = row.observation
          let mm = o.lengthMm != nil
          return [
            String(o.id.prefix(12)), row.cycleLabel,
            mm ? String(format: "%.1f mm", o.lengthMm!) : String(format: "%.0f px", o.lengthPx),
            (mm ? String(format: "%.2f mm", o.maxWidthMm!) : String(format: "%.1f px", o.maxWidthPx))
              + (o.widthIsBelowResolution ? " (estimate)" : ""),
            mm ? String(format: "%.2f mm", o.meanWidthMm!) : String(format: "%.1f px", o.meanWidthPx),
            o.severity ?? "-", o.georefMethod, o.georefUncertaintyM.map { String(format: "%.2f", $0) } ?? "-",
            row.sourcePath,
          ]
        })
      print("\(rows.count) crack observations")
    }
  }
}

/// One observation as `crackmon cracks --format json` prints it: the stored record with its
/// geometry as JSON arrays rather than strings, and its cycle.
struct CrackRow: Encodable {
  var observation: CrackObservation
  var cycle: String
  var photo: String

  init(_ row: ObservationInCycle) {
    observation = row.observation
    cycle = row.cycleLabel
    photo = row.sourcePath
  }

  func encode(to encoder: Encoder) throws {
    try observation.encode(to: encoder)
    var c = encoder.container(keyedBy: Key.self)
    try c.encode(cycle, forKey: Key("cycle"))
    try c.encode(photo, forKey: Key("photo"))
    try c.encode(observation.widthIsBelowResolution, forKey: Key("width_below_resolution"))
    // Geometry as nested arrays, not JSON inside a string.
    for (name, text) in [
      ("polyline_px", observation.polylinePx), ("width_profile_px", observation.widthProfilePx),
      ("polyline_projected", observation.polylineProjected), ("polyline_wgs84", observation.polylineWgs84),
    ] {
      try c.encode(CrackObservation.branches(text), forKey: Key(name))
    }
  }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }
}
