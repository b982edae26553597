import CaptureMetadata
import Foundation
import Georeference
import Imaging
import Observations
import Segmentation
import Store

/// The ingest pipeline: photo file -> capture metadata -> georeference -> segmentation ->
/// crack observations -> device store.
///
/// Metadata is read in parallel batches; segmentation runs one photo at a time. Each
/// capture is written with its observations in one transaction, so a failure leaves no
/// partial rows and does not stop the other files.
public final class Ingestor {
  public let store: DeviceStore
  public let asset: Asset
  public let cycle: InspectionCycle
  /// Stand-off distance the user measured, for oblique and facade shots.
  public let userDistance: Double?
  /// Segmentation, or nil to store captures only (`--no-segment`).
  public let finder: CrackFinder?
  /// A photo whose GPS puts it further than this from the asset is warned about.
  public var farMetres: Double = 1000
  /// Refuse, rather than warn about, photos far from the asset or outside the cycle's dates.
  public var strict = false
  /// 1-sigma GPS error per horizontal axis the user gave for these photos (RTK: a few
  /// centimetres), else the asset's; nil assumes `CaptureRecord.defaultGPSSigmaM`.
  public let gpsSigmaM: Double?
  /// Registers each new capture to earlier cycles' photos of its spot; nil skips it
  /// (`--no-register`).
  public var registration: RevisitRegistration?
  let transform: CoordinateTransform
  /// The asset's reference point in its CRS, for the distance of each photo from it.
  private let assetPosition: (easting: Double, northing: Double)?
  let builder: CrackObservationBuilder?
  private let batchSize = 32

  /// `scheme` classifies the severity of the cracks `finder` finds.
  public init(
    store: DeviceStore, asset: String, cycle: String, userDistance: Double? = nil,
    finder: CrackFinder? = nil, scheme: SeverityScheme = .default, gpsSigmaM: Double? = nil
  ) throws {
    self.store = store
    self.asset = try store.asset(asset)
    self.cycle = try store.cycle(asset: asset, label: cycle)
    self.userDistance = userDistance
    self.finder = finder
    let gpsSigmaM = gpsSigmaM ?? self.asset.gpsSigmaM
    self.gpsSigmaM = gpsSigmaM
    let transform = try CoordinateTransform(projectedEPSG: self.asset.epsg)
    self.transform = transform
    assetPosition = try? transform.project(latitude: self.asset.latitude, longitude: self.asset.longitude)
    builder = finder.map {
      CrackObservationBuilder(
        transform: transform, scheme: scheme, modelName: $0.segmenter.model.name,
        modelVersion: $0.segmenter.model.version,
        positionUncertaintyM: gpsSigmaM ?? CaptureRecord.defaultGPSSigmaM)
    }
  }

  /// Ingests files and directories. `progress` is called after each file with (done, total).
  public func run(_ inputs: [String], progress: ((Int, Int) -> Void)? = nil) throws(StoreError)
    -> IngestReport
  {
    if let reason = try store.retirement(asset: asset.id, cycle: cycle.label) {
      throw .retired("\(asset.id) / \(cycle.label)", reason: reason)
    }
    var report = IngestReport()
    let (found, missing, skipped) = PhotoFiles.expand(inputs)
    var files = found
    report.skipped = skipped
    for path in missing {
      report.failed.append(
        .init(path: path, error: "not_found", message: "\(path): no such file or directory"))
    }
    // A photo the central store could never take is refused now, before it is read or
    // hashed, not after it has waited in the outbox.
    files.removeAll { url in
      let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
      guard let size, size > CaptureRecord.maxPhotoBytes else { return false }
      report.failed.append(
        .init(
          path: url.path, error: "too_large",
          message:
            "\(url.path): \(size) bytes, over the \(CaptureRecord.maxPhotoBytes) a photo may have to sync"))
      return true
    }
    var done = 0
    for start in stride(from: 0, to: files.count, by: batchSize) {
      let batch = Array(files[start..<min(start + batchSize, files.count)])
      for result in CaptureMetadata.readAll(batch) {
        try handle(result, into: &report)
        done += 1
        progress?(done, files.count)
      }
    }
    return report
  }

  private func handle(_ result: Result<CaptureMetadata, MetadataError>, into report: inout IngestReport)
    throws(StoreError)
  {
    let metadata: CaptureMetadata
    switch result {
    case .failure(let error):
      report.failed.append(.init(path: error.path, error: error.code, message: error.description))
      return
    case .success(let read):
      metadata = read
    }
    // A photo cut short cannot be segmented or shown: refuse it before anything is stored.
    guard metadata.imageDataComplete else {
      let error = MetadataError.truncated(
        path: metadata.path, detail: metadata.truncation ?? "picture cut short")
      report.failed.append(.init(path: metadata.path, error: error.code, message: error.description))
      return
    }
    let record = makeRecord(metadata)
    let doubt = doubt(about: record)
    if let doubt, strict {
      report.failed.append(
        .init(path: metadata.path, error: doubt.kind, message: doubt.message + " (--strict)"))
      return
    }
    var observations: [CrackObservation] = []
    var setAside = 0
    var image: RGBImage?
    // Segmentation is the slow stage: skip it for a file that is already stored.
    if let finder, var builder, try store.holder(of: record.id, in: asset.id) == nil {
      // A photo set aside in another asset (ingested into the wrong one) is stored here
      // again: its observations get ids of their own, as the device's ids are unique.
      if try store.isStored(photo: record.id) { builder.run = "asset \(asset.id)" }
      do {
        let found = try finder.find(
          path: metadata.path, orientation: metadata.orientation, millimetresPerPixel: record.gsdMmPerPx)
        image = found.image
        if let scene = found.scene, let reason = scene.reason {
          // Not a surface: not stored at all. A DCIM folder holds holiday photos and selfies
          // that must not be uploaded to the organisation, and a surface flagged in error can
          // be ingested again with --any-scene (a stored capture would be "already ingested").
          // Too far: a view of the asset all the same (a drone's overview), kept as a capture
          // with no cracks, since none can be seen at that scale.
          guard scene.tooFar else {
            report.flagged.append(.init(path: metadata.path, reason: reason))
            return
          }
          report.warnings.append(
            .init(
              path: metadata.path, error: "too_far_for_cracks",
              message: "\(metadata.path): \(reason): stored without cracks"))
        }
        let footprint = builder.footprint(
          capture: record, yawDegrees: metadata.drone?.gimbalYaw ?? metadata.drone?.flightYaw,
          imageWidth: found.image.width, imageHeight: found.image.height)
        setAside = found.notCracks.count
        observations = found.cracks.enumerated().map {
          builder.observation(of: $1, index: $0, capture: record, footprint: footprint)
        }
      } catch let error as ImageError {
        report.failed.append(.init(path: metadata.path, error: "undecodable", message: error.description))
        return
      } catch {
        report.failed.append(
          .init(path: metadata.path, error: "segmentation", message: "\(metadata.path): \(error)"))
        return
      }
    }
    if let doubt {
      report.warnings.append(.init(path: metadata.path, error: doubt.kind, message: doubt.message))
    }
    switch try store.insert(record, observations: observations) {
    case .inserted:
      let registered = try registration?.register(record, image: image)
      if let registered, registered.registeredTo.isEmpty, registered.candidates > 0 {
        report.warnings.append(
          .init(
            path: metadata.path, error: "placed_by_gps_only",
            message: "\(metadata.path): placed by GPS only: \(registered.reason ?? "not registered")"))
      }
      report.ingested.append(
        .init(
          path: metadata.path, captureId: record.id, gpsStatus: record.gpsStatus,
          gsdMmPerPx: record.gsdMmPerPx,
          gsdMethod: record.gsdMethod, cracks: finder == nil ? nil : observations.count,
          placedOnGround: observations.filter {
            $0.georefMethod == CrackObservation.GeorefMethod.footprint.rawValue
          }.count, linesSetAside: finder == nil ? nil : setAside, registration: registered))
    case .alreadyIngested(let assetId, let cycleLabel):
      report.duplicates.append(
        .init(path: metadata.path, captureId: record.id, assetId: assetId, cycleLabel: cycleLabel))
    }
  }

  /// Why a photo may belong to another asset or cycle: its GPS fix far from the asset, or
  /// its date outside the cycle's (a day's grace either side for time zones). Nil when
  /// nothing says so, or nothing can (no fix, no date).
  func doubt(about record: CaptureRecord) -> (kind: String, message: String)? {
    if let easting = record.easting, let northing = record.northing,
      let (assetEasting, assetNorthing) = assetPosition
    {
      let metres =
        ((easting - assetEasting) * (easting - assetEasting) + (northing - assetNorthing)
          * (northing - assetNorthing))
        .squareRoot()
      if metres > farMetres {
        let away =
          metres >= 10_000 ? String(format: "%.0f km", metres / 1000) : String(format: "%.0f m", metres)
        return (
          "far_from_asset",
          "\(record.sourcePath): taken \(away) from asset \(asset.id) (more than \(Int(farMetres)) m): the wrong asset?"
        )
      }
    }
    // The day it was taken: the GPS clock's (UTC), else the camera's own.
    guard let taken = (record.gpsTimeUtc ?? record.takenAt).map({ String($0.prefix(10)) }), taken.count == 10
    else { return nil }
    func shifted(_ day: String, by days: Int) -> String? {
      guard let date = try? Date(day + "T12:00:00Z", strategy: .iso8601) else { return nil }
      return String(date.addingTimeInterval(Double(days) * 86_400).formatted(.iso8601).prefix(10))
    }
    let early = cycle.startDate.flatMap { shifted($0, by: -1) }.map { taken < $0 } ?? false
    let late = cycle.endDate.flatMap { shifted($0, by: 1) }.map { taken > $0 } ?? false
    guard early || late else { return nil }
    let span = "\(cycle.startDate ?? "…") to \(cycle.endDate ?? "…")"
    return (
      "outside_cycle",
      "\(record.sourcePath): taken \(taken), outside cycle \(cycle.label) (\(span)): the wrong cycle?"
    )
  }

  /// `distance`: the camera-to-surface distance for this photo, else the run's.
  func makeRecord(_ metadata: CaptureMetadata, distance: Double? = nil) -> CaptureRecord {
    var projected: (epsg: Int, easting: Double, northing: Double)?
    if let lat = metadata.gps.latitude, let lon = metadata.gps.longitude,
      let (e, n) = try? transform.project(latitude: lat, longitude: lon)
    {
      projected = (asset.epsg, e, n)
    }
    return CaptureRecord(
      metadata: metadata, assetId: asset.id, cycleLabel: cycle.label,
      gsd: .estimate(for: metadata, userDistance: distance ?? userDistance),
      cameraView: CameraView(metadata.drone),
      projected: projected, gpsSigmaM: gpsSigmaM)
  }
}
