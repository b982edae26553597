import ArgumentParser
import Foundation
import Imaging
import Ingest
import Observations
import Store

struct IngestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ingest",
    abstract: "Store photos as captures of an asset's inspection cycle.",
    discussion: """
      Each photo's metadata is read, its GPS fix checked, its scale (GSD) estimated and its position \
      projected into the asset's CRS. Re-ingesting a file is a no-op ("already ingested"). A file \
      that fails is reported and skipped; the others still go in. Exits 0 if every file was \
      handled, 1 if any failed.

      Scale comes from --distance-m where given, else a DJI laser rangefinder, else the height \
      above take-off of a nadir drone shot (DJI, Skydio and Parrot XMP; true only over ground at \
      take-off height), else the camera's focus distance (rough). For oblique or facade shots, \
      give the stand-off distance with --distance-m.

      Each new photo is segmented and one crack observation is stored per crack (see `crackmon \
      cracks`), placed on the ground through the photo's footprint for nadir drone shots, at the \
      camera position for other shots with GPS, and on the asset only without GPS. --no-segment \
      stores the captures only. A photo the scene check flags as not a close view of a concrete or \
      masonry surface is listed with its reason and not stored, so a folder's holiday photos are \
      neither kept nor uploaded; --any-scene stores and measures it anyway. A surface photo whose \
      scale is coarser than 5 mm per pixel (a drone's overview) is stored without cracks, with a \
      warning.
      """)

  @Argument(help: "Photo files or directories (walked recursively).")
  var photos: [String]
  @Option(help: "Asset id.")
  var asset: String
  @Option(help: "Inspection cycle label.")
  var cycle: String
  @Option(
    name: .customLong("distance-m"),
    help: "Camera-to-surface distance in metres, for every photo in this run.")
  var distance: Double?
  @Flag(name: .customLong("no-segment"), help: "Store the captures without looking for cracks.")
  var noSegment = false
  @Option(name: .customLong("severity-scheme"), help: "How crack widths map to severity classes.")
  var scheme: SeverityScheme = .default
  @OptionGroup var photoSize: PhotoSizeOption
  @Option(
    name: .customLong("far-m"),
    help: ArgumentHelp(
      "Warn about photos whose GPS puts them further than this from the asset.", valueName: "metres"))
  var farMetres: Double = 1000
  @Flag(help: "Refuse photos far from the asset or outside the cycle's dates, instead of warning.")
  var strict = false
  @Option(
    name: .customLong("gps-sigma-m"),
    help: ArgumentHelp(
      "1-sigma GPS error per horizontal axis of these photos (default \(Int(CaptureRecord.defaultGPSSigmaM)) m; "
        + "RTK: 0.05). It decides which earlier photos may show the same spot.", valueName: "metres"))
  var gpsSigma: Double?
  @Flag(
    name: .customLong("no-register"),
    help:
      "Do not align the photos with earlier cycles' photos of the same spot (about 2 s per pair at 12 MP).")
  var noRegister = false
  @OptionGroup var model: ModelOptions
  @OptionGroup var scene: SceneOptions
  @OptionGroup var storeOptions: StoreOptions
  @OptionGroup var output: FormatOption

  func validate() throws {
    try validateDistance(distance)
    guard farMetres > 0 else { throw ValidationError("--far-m must be above 0") }
    if let gpsSigma, !(gpsSigma > 0 && gpsSigma <= 100_000) {
      throw ValidationError("--gps-sigma-m \(gpsSigma) must be a distance in metres above 0")
    }
  }

  func run() throws {
    let store = try DeviceStore(opening: storeOptions.path)
    let finder = try noSegment ? nil : model.finder(maxPixels: photoSize.maxPixels, scene: scene)
    let ingestor = try Ingestor(
      store: store, asset: asset, cycle: cycle, userDistance: distance, finder: finder,
      scheme: scheme, gpsSigmaM: gpsSigma)
    if !noRegister {
      ingestor.registration = RevisitRegistration(
        store: store, decoder: ImageDecoder(maxPixels: photoSize.maxPixels))
    }
    ingestor.farMetres = farMetres
    ingestor.strict = strict
    var bar = ProgressBar(label: "ingest")
    let report = try ingestor.run(photos) { done, total in bar.update(done, of: total) }

    switch output.format {
    case .json: try printJSON(report)
    case .text: printSummary(report)
    }
    if !report.allHandled { throw ExitCode(1) }
  }

  private func printSummary(_ report: IngestReport) {
    print("Ingested \(report.ingested.count) into \(asset) / \(cycle)")
    print("Already ingested (skipped): \(report.duplicates.count)")
    print("Without usable GPS: \(report.withoutGPS)")
    if !noRegister {
      let tried = report.ingested.filter { ($0.registration?.candidates ?? 0) > 0 }.count
      print(
        "Registered to an earlier cycle's photo: \(report.registered) of \(tried) with earlier photos within GPS reach"
      )
    }
    if !noSegment {
      let placed = report.ingested.reduce(0) { $0 + $1.placedOnGround }
      let setAside = report.ingested.reduce(0) { $0 + ($1.linesSetAside ?? 0) }
      print(
        "Crack observations: \(report.cracks) (\(placed) placed on the ground through a nadir footprint; "
          + "\(setAside) lines set aside as joints, marks or edges, not stored)")
    }
    if !report.skipped.isEmpty {
      // A DCIM folder's sidecars and videos by kind (hundreds of .SRT files say little one by
      // one); anything else by name.
      let byKind = Dictionary(
        grouping: report.skipped.filter { $0.reason.hasPrefix("not a photo (") }, by: \.reason)
      let kinds = byKind.sorted { $0.key < $1.key }.map {
        "\($0.value.count) \($0.key.dropFirst("not a photo (".count).dropLast())"
      }
      print(
        "Not photo files (skipped): \(report.skipped.count)"
          + (kinds.isEmpty ? "" : " (\(kinds.joined(separator: ", ")))"))
      for entry in report.skipped where !entry.reason.hasPrefix("not a photo (") {
        print("  \(entry.path): \(entry.reason)")
      }
    }
    if !report.warnings.isEmpty {
      print(
        "Warnings: \(report.warnings.count) (stored; --strict refuses photos far away or outside the cycle)")
      for warning in report.warnings { print("  \(warning.message)") }
    }
    if !report.flagged.isEmpty {
      print(
        "Flagged by the scene check (not stored; --any-scene stores and measures them): \(report.flagged.count)"
      )
      for entry in report.flagged { print("  \(entry.path): \(entry.reason)") }
    }
    print("Failed: \(report.failed.count)")
    for failure in report.failed { print("  \(failure.message)") }
    for duplicate in report.duplicates where duplicate.assetId != asset || duplicate.cycleLabel != cycle {
      print("  \(duplicate.path): already ingested as \(duplicate.assetId) / \(duplicate.cycleLabel)")
    }
  }
}

extension SeverityScheme: ExpressibleByArgument {}
