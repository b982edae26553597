import Foundation
import Georeference
import Registration
import Store

/// Cracks placed through registrations rather than each photo's own GPS.
///
/// A capture registered to a photo of an earlier cycle, and that one to an earlier one still,
/// forms a chain ending at a *root*: a capture registered to nothing older. Every crack on a
/// chain is mapped through the composed homographies into the root's pixels and placed
/// through the root's footprint, so that all of them share one placement: its GPS error moves
/// them together, and between them only the registration's error is left. The tracker then
/// compares cracks of one frame with that small uncertainty (`frameUncertaintyM`) instead of
/// the photos' combined GPS error.
///
/// A capture's parent is its registered reference of the latest cycle (most inliers on a tie):
/// references are always of earlier cycles, so chains end. A root without a footprint (an
/// oblique shot, no scale or no yaw) places nothing: its chain stays on GPS.
public enum RegisteredFrames {
  struct Placed {
    /// The root capture's id.
    var frame: String
    var branches: [[(Double, Double)]]
    /// Its width samples placed alike: ground point and width, mm (its own photo's scale).
    var widths: [WidthGrowth.Sample] = []
    var position: (easting: Double, northing: Double)
    /// The registrations' residuals along its chain, combined, metres.
    var residualM: Double
    /// 1-sigma error of this crack's placement relative to others of the frame, metres.
    var frameUncertaintyM: Double { max(residualM, minimumFrameUncertaintyM) }
  }

  /// Segmentation and growth at the tips move a crack's centreline by millimetres between
  /// cycles however well the photos align: the least relative uncertainty of a frame.
  static let minimumFrameUncertaintyM = 0.01

  /// A capture's place on its chain of registrations.
  public struct Chain: Sendable {
    /// The root capture's id (the capture itself when it registered to nothing).
    public var root: String
    /// This capture's upright pixels (corner convention) -> the root's.
    public var homography: Homography
    /// The registrations' residuals along the chain, combined, metres.
    public var residualM: Double
  }

  /// Each capture's chain: its parent is the registered reference of the latest cycle (most
  /// inliers on a tie), and homographies compose up to the root.
  public static func chains(
    registrations: [CaptureRegistration], captures: [RegisteredCapture], cycleOrder: [String: Int]
  ) -> [String: Chain] {
    let capture = Dictionary(captures.map { ($0.id, $0) }) { a, _ in a }
    var parent: [String: (id: String, h: Homography, residualM: Double)] = [:]
    let ranked = registrations.filter(\.registered).sorted {
      let a = cycleOrder[capture[$0.referenceId]?.cycleLabel ?? ""] ?? -1
      let b = cycleOrder[capture[$1.referenceId]?.cycleLabel ?? ""] ?? -1
      return (a, $0.inliers, $0.referenceId) > (b, $1.inliers, $1.referenceId)
    }
    for r in ranked where parent[r.captureId] == nil {
      guard let h = homography(r.homography) else { continue }
      let residualM =
        (r.residualMm ?? r.residualPx.map { $0 * (capture[r.referenceId]?.gsdMmPerPx ?? 1) } ?? 0) / 1000
      parent[r.captureId] = (r.referenceId, h, residualM)
    }
    var chains: [String: Chain] = [:]
    func chain(_ id: String, depth: Int = 0) -> Chain {
      if let known = chains[id] { return known }
      var found = Chain(root: id, homography: .identity, residualM: 0)
      // References are of earlier cycles, so chains end; the depth bound guards a store
      // edited by hand.
      if let up = parent[id], depth < 64 {
        let above = chain(up.id, depth: depth + 1)
        found = Chain(
          root: above.root, homography: above.homography.after(up.h),
          residualM: (above.residualM * above.residualM + up.residualM * up.residualM).squareRoot())
      }
      chains[id] = found
      return found
    }
    // Every capture on a chain, roots included.
    for (id, up) in parent {
      _ = chain(id)
      _ = chain(up.id)
    }
    return chains
  }

  /// Each crack of `cracks` that lies on a chain with a footprint, placed in its root's frame.
  static func place(
    _ cracks: [RegisteredCrack], chains: [String: Chain], captures: [RegisteredCapture],
    transform: CoordinateTransform
  ) -> [String: Placed] {
    let capture = Dictionary(captures.map { ($0.id, $0) }) { a, _ in a }
    // Footprints first, on this thread: a PROJ context serves one thread at a time. Then the
    // cracks, whose JSON decoding is most of the work, over every core.
    var footprints: [String: NadirFootprint] = [:]
    for root in Set(chains.values.map(\.root)).sorted() {
      if let c = capture[root], let f = footprint(of: c, transform: transform) { footprints[root] = f }
    }
    let found = concurrentMap(cracks.count) { k -> Placed? in
      let crack = cracks[k]
      guard let chain = chains[crack.captureId], let footprint = footprints[chain.root],
        let pixels = CrackObservation.branches(crack.polylinePx)
      else { return nil }
      // Pixel indices to the homography's corner convention and back.
      func ground(_ point: [Double]) -> (Double, Double)? {
        guard point.count >= 2, let q = chain.homography.apply(point[0] + 0.5, point[1] + 0.5) else {
          return nil
        }
        let g = footprint.ground(x: q.x - 0.5, y: q.y - 0.5)
        return (g.easting, g.northing)
      }
      let branches = pixels.map { $0.compactMap(ground) }.filter { !$0.isEmpty }
      let points = branches.joined()
      guard !points.isEmpty else { return nil }
      // Widths in the crack's own photo's pixels, so at its own scale.
      let gsd = capture[crack.captureId]?.gsdMmPerPx
      let widths = (CrackObservation.branches(crack.widthProfilePx) ?? []).joined().compactMap {
        sample -> WidthGrowth.Sample? in
        guard sample.count >= 3, let gsd, let g = ground(sample) else { return nil }
        return WidthGrowth.Sample(easting: g.0, northing: g.1, widthMm: sample[2] * gsd)
      }
      let position = (
        easting: points.reduce(0) { $0 + $1.0 } / Double(points.count),
        northing: points.reduce(0) { $0 + $1.1 } / Double(points.count)
      )
      return Placed(
        frame: chain.root, branches: branches, widths: widths, position: position, residualM: chain.residualM)
    }
    var placed: [String: Placed] = [:]
    for (crack, p) in zip(cracks, found) { if let p { placed[crack.observationId] = p } }
    return placed
  }

  static func homography(_ json: String?) -> Homography? {
    guard let json, let rows = try? JSONDecoder().decode([[Double]].self, from: Data(json.utf8)),
      rows.count == 3, rows.allSatisfy({ $0.count == 3 })
    else { return nil }
    return Homography(rows.flatMap { $0 })
  }

  /// The nadir footprint of a capture, as ingest placed its cracks.
  static func footprint(of capture: RegisteredCapture, transform: CoordinateTransform) -> NadirFootprint? {
    guard capture.cameraView == CameraView.nadir.rawValue, let gsd = capture.gsdMmPerPx,
      let lat = capture.latitude, let lon = capture.longitude, let width = capture.width,
      let height = capture.height,
      let metadata = try? JSONSerialization.jsonObject(with: Data(capture.metadataJson.utf8))
        as? [String: Any],
      // "dji" is where captures stored before other makers were read keep it.
      let drone = (metadata["drone"] ?? metadata["dji"]) as? [String: Any],
      let yaw = (drone["gimbal_yaw_deg"] as? Double) ?? (drone["flight_yaw_deg"] as? Double)
    else { return nil }
    // Orientations 5-8 turn the picture a quarter: its upright width is the stored height.
    let turned = (5...8).contains(capture.orientation ?? 1)
    return try? NadirFootprint(
      latitude: lat, longitude: lon, yawDegrees: yaw, millimetresPerPixel: gsd,
      imageWidth: turned ? height : width, imageHeight: turned ? width : height, transform: transform)
  }
}
