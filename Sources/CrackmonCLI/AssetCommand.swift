import ArgumentParser
import Georeference
import Store

struct AssetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "asset",
    abstract: "Register and list the structures under inspection.",
    subcommands: [Add.self, List.self, Retire.self])

  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Register an asset: a bridge, tunnel, dam or other structure.",
      discussion: """
        Crack geometry of the asset is measured in a projected CRS: the UTM zone of the reference \
        point unless --epsg names another (e.g. 25833 for ETRS89 / UTM 33N).
        """)

    @Argument(help: "Short, stable id, like pier-17 (letters, digits, '.', '_' and '-').")
    var id: String
    @Option(help: "Human-readable name.")
    var name: String
    @Option(help: "Kind of structure.")
    var kind: AssetKind
    // .unconditional: "--lon -3.7" must read -3.7 as the value, not as an option.
    @Option(parsing: .unconditional, help: "Reference latitude, WGS84 degrees (north positive).")
    var lat: Double
    @Option(parsing: .unconditional, help: "Reference longitude, WGS84 degrees (east positive).")
    var lon: Double
    @Option(help: "EPSG code of the projected CRS. Default: the UTM zone of --lat/--lon.")
    var epsg: Int?
    @Option(
      name: .customLong("gps-sigma-m"),
      help: ArgumentHelp(
        "1-sigma GPS error per horizontal axis of this asset's photos (default "
          + "\(Int(CaptureRecord.defaultGPSSigmaM)) m; more under a deck or in a tunnel; RTK: 0.05). "
          + "Ingest assumes it unless given --gps-sigma-m.", valueName: "metres"))
    var gpsSigma: Double?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
      guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
      else {
        throw ValidationError("asset id \"\(id)\" may hold only letters, digits, '.', '_' and '-'")
      }
      // The central store's limits (SyncEntry): refused here, not at every sync.
      guard id.utf8.count <= SyncEntry.maxIdentifierBytes else {
        throw ValidationError("asset id is over \(SyncEntry.maxIdentifierBytes) characters")
      }
      guard name.utf8.count <= SyncEntry.maxTextBytes else {
        throw ValidationError("--name is over \(SyncEntry.maxTextBytes) bytes")
      }
      guard (-90...90).contains(lat) else { throw ValidationError("--lat \(lat) is outside -90...90") }
      guard (-180...180).contains(lon) else { throw ValidationError("--lon \(lon) is outside -180...180") }
      if let gpsSigma, !(gpsSigma > 0 && gpsSigma <= 100_000) {
        throw ValidationError("--gps-sigma-m \(gpsSigma) must be a distance in metres above 0")
      }
    }

    func run() throws {
      let code = epsg ?? utmEPSG(latitude: lat, longitude: lon)
      // Fails here, with PROJ's reason, rather than at the first ingest; and a CRS for
      // somewhere else (a UTM zone three zones off) would distort every length and bearing.
      try CoordinateTransform(projectedEPSG: code).checkCovers(latitude: lat, longitude: lon)
      let store = try DeviceStore(opening: storeOptions.path)
      let asset = try store.add(
        Asset(id: id, name: name, kind: kind, latitude: lat, longitude: lon, epsg: code, gpsSigmaM: gpsSigma))
      print(
        "Added asset \(asset.id) (\(asset.name), \(asset.kind.rawValue)) at \(lat), \(lon); CRS EPSG:\(code)"
          + (gpsSigma.map { "; GPS sigma \($0) m" } ?? ""))
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the assets in the store.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: FormatOption

    func run() throws {
      let assets = try DeviceStore(opening: storeOptions.path).assets()
      switch output.format {
      case .json: try printJSON(assets)
      case .text:
        printTable(
          ["id", "name", "kind", "lat", "lon", "epsg", "gps_sigma_m"],
          assets.map {
            [
              $0.id, $0.name, $0.kind.rawValue, "\($0.latitude)", "\($0.longitude)", "\($0.epsg)",
              $0.gpsSigmaM.map { "\($0)" } ?? "",
            ]
          })
      }
    }
  }
}

extension AssetKind: ExpressibleByArgument {}
