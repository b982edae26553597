import ArgumentParser
import Foundation
import MapExport
import Store

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Export an asset's data for other tools.", subcommands: [GeoJSON.self])

  struct GeoJSON: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "geojson",
      abstract: "Export an asset map as GeoJSON for QGIS, GDAL and web maps.",
      discussion: """
        An RFC 7946 FeatureCollection in WGS84 [lon, lat], 7 decimals; with --seq, an RFC 8142 \
        text sequence, one Feature per record. Cracks placed through a nadir footprint are \
        LineStrings or MultiLineStrings; cracks placed only at the camera position, and \
        captures, are Points. Tracks carry their latest geometry (through their registration \
        frame when matched by registration), growth rates and how they were matched (run \
        `crackmon track` first). Every feature has the same flat properties, documented in \
        schema/map-feature-properties.schema.json. The export streams from the store: memory \
        stays flat for any number of features. A file is written whole or not at all.
        """)

    @OptionGroup var scope: AssetScope
    @Option(
      help: ArgumentHelp(
        "Feature kinds, comma-separated: cracks, captures, tracks.", valueName: "kinds"))
    var what = "cracks,captures,tracks"
    @Flag(help: "Write a GeoJSON text sequence (RFC 8142) instead of a FeatureCollection.")
    var seq = false
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?
    @Option(
      help: ArgumentHelp(
        "Only features whose envelope touches this WGS84 box.", valueName: "minlon,minlat,maxlon,maxlat"))
    var bbox: String?
    @OptionGroup var storeOptions: StoreOptions

    var kinds: [MapRow.Kind] {
      get throws {
        do {
          return try AssetMap.kinds(from: what)
        } catch {
          throw ValidationError("--what: \(error.description)")
        }
      }
    }

    func validate() throws {
      _ = try kinds
      if let bbox, BoundingBox(bbox) == nil {
        throw ValidationError("--bbox \(bbox): give minlon,minlat,maxlon,maxlat in degrees, minimums first")
      }
    }

    func run() async throws {
      let store = try DeviceStore(opening: storeOptions.path)
      var map = AssetMap(store: store, asset: scope.asset, cycle: scope.cycle)
      map.kinds = try kinds
      map.sequence = seq
      map.within = bbox.flatMap(BoundingBox.init)
      let summary = try await map.write(to: out)
      let counts = map.kinds.map { "\(summary.written[$0] ?? 0) \($0.rawValue)s" }.joined(separator: ", ")
      printError("wrote \(out ?? "GeoJSON to standard output"): \(counts)")
      let unplaced = summary.unplaced.values.reduce(0, +)
      if unplaced > 0 { printError("left out \(unplaced) features with no position") }
      if summary.untracked > 0 {
        printError(
          "\(summary.untracked) cracks are on no track yet: run `crackmon track --asset \(scope.asset)` for "
            + "their track ids and growth rates")
      }
      for problem in summary.badGeometry { printError(problem.description) }
      if !summary.badGeometry.isEmpty { throw ExitCode(1) }
    }
  }
}
