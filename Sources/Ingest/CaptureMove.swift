import Foundation
import Store

/// What `crackmon captures move --asset` did.
public struct CaptureMoveReport: Encodable, Sendable {
  public var captureId: String
  public var fromAsset: String
  public var toAsset: String
  public var cycle: String
  public var gsdMmPerPx: Double?
  /// Crack observations stored in the new asset (measured again); nil without a model.
  public var cracks: Int?
  /// What the new asset makes doubtful (taken far from it, or outside the cycle's dates).
  public var warnings: [IngestReport.Failure]
}

/// Why a capture could not be moved: its photo (gone, changed, not a surface), or the store.
public struct CaptureMoveError: Error, CustomStringConvertible, Sendable {
  public var code: String
  public var description: String
}

extension Ingestor {
  /// Moves a capture ingested into the wrong asset into this ingestor's asset and cycle. The
  /// photo is read again (it must be unchanged since ingest), placed in this asset's CRS and,
  /// with a model, measured again (at this ingestor's distance, else the one last given for the
  /// capture, else the photo's own scale), its observations getting ids of their own. In one
  /// transaction the capture is set aside in its old asset by a void that names where it went,
  /// and stored in this one; both sync as any capture and correction do. With `strict`, a photo
  /// taken far from this asset or outside the cycle is refused.
  public func move(_ capture: CaptureRecord, reason: String) throws(CaptureMoveError) -> CaptureMoveReport {
    func fromStore<T>(_ body: () throws(StoreError) -> T) throws(CaptureMoveError) -> T {
      do { return try body() } catch { throw CaptureMoveError(code: "store", description: error.description) }
    }
    var distance = userDistance
    if distance == nil {
      distance = try fromStore { () throws(StoreError) in try store.givenDistance(of: capture) }
    }
    var measured: Remeasured
    switch measureAgain(capture, distance: distance, run: "asset \(asset.id)") {
    case .failure(let failure): throw CaptureMoveError(code: failure.error, description: failure.message)
    case .success(let found): measured = found
    }
    // The GPS accuracy given for this asset, else the one the photo was ingested with.
    measured.record.gpsSigmaM = gpsSigmaM ?? capture.gpsSigmaM
    var warnings: [IngestReport.Failure] = []
    if let tooFar = measured.tooFar {
      warnings.append(
        .init(
          path: capture.sourcePath, error: "too_far_for_cracks",
          message: "\(capture.sourcePath): \(tooFar): stored without cracks (--any-scene measures it anyway)")
      )
    }
    if let doubt = doubt(about: measured.record) {
      guard !strict else {
        throw CaptureMoveError(code: doubt.kind, description: doubt.message + " (--strict)")
      }
      warnings.append(.init(path: capture.sourcePath, error: doubt.kind, message: doubt.message))
    }
    let record = measured.record
    let moved = try fromStore { () throws(StoreError) in
      try store.move(capture, to: record, observations: measured.observations, reason: reason)
    }
    return CaptureMoveReport(
      captureId: moved.id, fromAsset: capture.assetId, toAsset: moved.assetId, cycle: moved.cycleLabel,
      gsdMmPerPx: moved.gsdMmPerPx, cracks: finder == nil ? nil : measured.observations.count,
      warnings: warnings)
  }
}
