import CaptureMetadata
import Foundation
import Imaging
import Observations
import Segmentation
import Store

/// What `crackmon reprocess` did to each capture.
public struct ReprocessReport: Encodable, Sendable {
  public struct Reprocessed: Encodable, Sendable {
    public var path: String
    public var captureId: String
    public var gsdMmPerPx: Double?
    public var distanceM: Double?
    /// Observations replaced (kept, marked superseded) and the new ones stored.
    public var superseded: Int
    public var cracks: Int
    public var linesSetAside: Int
  }

  public var reprocessed: [Reprocessed] = []
  /// Photos that could not be measured again, with why; their observations are left as they were.
  public var failed: [IngestReport.Failure] = []
  public var allHandled: Bool { failed.isEmpty }

  public init() {}
}

extension Ingestor {
  /// Measures stored captures again from their photos, with this ingestor's model, severity
  /// scheme and distance (else the one last given for each capture, else its photo's own
  /// scale, read again): the new observations are stored with
  /// ids of their own and the old ones are kept, marked superseded by `reason`, with their model
  /// version. A capture whose photo is gone or changed since ingest (its SHA-256 is its id) is
  /// reported and left as it was. Captures need not be of this ingestor's cycle.
  public func reprocess(
    _ captures: [CaptureRecord], reason: String, progress: ((Int, Int) -> Void)? = nil
  ) throws(StoreError) -> ReprocessReport {
    var report = ReprocessReport()
    guard finder != nil, builder != nil else { return report }
    for (done, capture) in captures.enumerated() {
      defer { progress?(done + 1, captures.count) }
      var distance = userDistance
      if distance == nil { distance = try store.givenDistance(of: capture) }
      let measured: Remeasured
      switch measureAgain(capture, distance: distance, run: UUID().uuidString.lowercased()) {
      case .failure(let failure):
        report.failed.append(failure)
        continue
      case .success(let found):
        measured = found
      }
      let replaced = try store.replaceObservations(
        of: capture, with: measured.observations, distanceM: userDistance, reason: reason)
      report.reprocessed.append(
        .init(
          path: capture.sourcePath, captureId: capture.id, gsdMmPerPx: measured.record.gsdMmPerPx,
          distanceM: distance, superseded: replaced.superseded, cracks: replaced.added,
          linesSetAside: measured.linesSetAside))
    }
    return report
  }

  /// A stored capture's photo measured again.
  struct Remeasured {
    /// The capture as this ingestor would store it now: its asset's CRS, its cycle, its GPS
    /// accuracy.
    var record: CaptureRecord
    /// Empty without a model (`--no-segment`).
    var observations: [CrackObservation]
    var linesSetAside: Int
    var image: RGBImage?
    /// Why no cracks were looked for: the scene check found the photo too far from its surface.
    var tooFar: String?
  }

  /// Reads a capture's photo again (it must be unchanged since ingest) and, with a model,
  /// finds and measures its cracks at `distance`, with observation ids salted by `run`.
  func measureAgain(_ capture: CaptureRecord, distance: Double?, run: String)
    -> Result<Remeasured, IngestReport.Failure>
  {
    func fail(_ code: String, _ message: String) -> Result<Remeasured, IngestReport.Failure> {
      .failure(.init(path: capture.sourcePath, error: code, message: message))
    }
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: capture.sourcePath)) else {
      return fail(
        "photo_missing", "\(capture.sourcePath): cannot be read; this needs the photo as it was ingested")
    }
    guard ContentHash.sha256(data) == capture.id else {
      return fail(
        "photo_changed", "\(capture.sourcePath): changed since it was ingested (its SHA-256 differs)")
    }
    let metadata: CaptureMetadata
    do {
      metadata = try CaptureMetadata.read(data, path: capture.sourcePath, sha256: capture.id)
    } catch {
      return fail(error.code, error.description)
    }
    let record = makeRecord(metadata, distance: distance)
    guard let finder, var builder else {
      return .success(Remeasured(record: record, observations: [], linesSetAside: 0, image: nil))
    }
    builder.run = run
    let found: CrackFinder.Found
    do {
      found = try finder.find(
        in: data, path: capture.sourcePath, orientation: metadata.orientation,
        millimetresPerPixel: record.gsdMmPerPx)
    } catch let error as ImageError {
      return fail("undecodable", error.description)
    } catch {
      return fail("segmentation", "\(capture.sourcePath): \(error)")
    }
    if let scene = found.scene, let why = scene.reason, !scene.tooFar {
      return fail(
        "flagged_by_scene_check",
        "\(capture.sourcePath): \(why): left as it was (--any-scene measures it anyway, "
          + "`crackmon captures void` sets it aside)")
    }
    let footprint = builder.footprint(
      capture: record, yawDegrees: metadata.drone?.gimbalYaw ?? metadata.drone?.flightYaw,
      imageWidth: found.image.width, imageHeight: found.image.height)
    // Too far for cracks: none can be seen at that scale, so none stay live.
    let cracks = found.scene?.tooFar == true ? [] : found.cracks
    let observations = cracks.enumerated().map {
      builder.observation(of: $1, index: $0, capture: record, footprint: footprint)
    }
    return .success(
      Remeasured(
        record: record, observations: observations, linesSetAside: found.notCracks.count, image: found.image,
        tooFar: found.scene?.tooFar == true ? found.scene?.reason : nil))
  }
}
