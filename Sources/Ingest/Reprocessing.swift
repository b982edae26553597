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
  /// scheme and distance (else each capture's latest): the new observations are stored with
  /// ids of their own and the old ones are kept, marked superseded by `reason`, with their model
  /// version. A capture whose photo is gone or changed since ingest (its SHA-256 is its id) is
  /// reported and left as it was. Captures need not be of this ingestor's cycle.
  public func reprocess(
    _ captures: [CaptureRecord], reason: String, progress: ((Int, Int) -> Void)? = nil
  ) throws(StoreError) -> ReprocessReport {
    var report = ReprocessReport()
    guard let finder, var builder else { return report }
    for (done, capture) in captures.enumerated() {
      defer { progress?(done + 1, captures.count) }
      func fail(_ code: String, _ message: String) {
        report.failed.append(.init(path: capture.sourcePath, error: code, message: message))
      }
      guard let data = try? Data(contentsOf: URL(fileURLWithPath: capture.sourcePath)) else {
        fail(
          "photo_missing",
          "\(capture.sourcePath): cannot be read; re-processing needs the photo as it was ingested")
        continue
      }
      guard ContentHash.sha256(data) == capture.id else {
        fail("photo_changed", "\(capture.sourcePath): changed since it was ingested (its SHA-256 differs)")
        continue
      }
      let metadata: CaptureMetadata
      do {
        metadata = try CaptureMetadata.read(data, path: capture.sourcePath, sha256: capture.id)
      } catch {
        fail(error.code, error.description)
        continue
      }
      var distance = userDistance
      if distance == nil { distance = try store.correctedDistance(of: capture) }
      var record = makeRecord(metadata, distance: distance)
      record.cycleLabel = capture.cycleLabel
      record.gpsSigmaM = capture.gpsSigmaM
      builder.run = UUID().uuidString.lowercased()
      let found: CrackFinder.Found
      do {
        found = try finder.find(
          in: data, path: capture.sourcePath, orientation: metadata.orientation,
          millimetresPerPixel: record.gsdMmPerPx)
      } catch let error as ImageError {
        fail("undecodable", error.description)
        continue
      } catch {
        fail("segmentation", "\(capture.sourcePath): \(error)")
        continue
      }
      if let scene = found.scene, let why = scene.reason, !scene.tooFar {
        fail(
          "flagged_by_scene_check",
          "\(capture.sourcePath): \(why): left as it was (--any-scene measures it anyway, "
            + "`crackmon captures void` sets it aside)")
        continue
      }
      let footprint = builder.footprint(
        capture: record, yawDegrees: metadata.drone?.gimbalYaw ?? metadata.drone?.flightYaw,
        imageWidth: found.image.width, imageHeight: found.image.height)
      // Too far for cracks: none can be seen at that scale, so none stay live.
      let cracks = found.scene?.tooFar == true ? [] : found.cracks
      let observations = cracks.enumerated().map {
        builder.observation(of: $1, index: $0, capture: record, footprint: footprint)
      }
      let replaced = try store.replaceObservations(
        of: capture, with: observations, distanceM: userDistance, reason: reason)
      report.reprocessed.append(
        .init(
          path: capture.sourcePath, captureId: capture.id, gsdMmPerPx: record.gsdMmPerPx, distanceM: distance,
          superseded: replaced.superseded, cracks: replaced.added, linesSetAside: found.notCracks.count))
    }
    return report
  }
}
