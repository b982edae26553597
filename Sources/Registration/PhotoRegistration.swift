import Foundation
import Imaging

/// Whether two photos show the same surface, and the homography that aligns them.
public struct Registration: Sendable, Equatable {
  /// True only when a homography was found *and* passed every check below: a false
  /// registration would tie one crack to another, which is worse than none.
  public var registered: Bool
  /// Maps the photo's pixel coordinates to the reference's; nil when not registered.
  public var homography: Homography?
  /// Matches that passed the ratio test.
  public var matches: Int
  /// Matches the homography explains within the estimator's threshold.
  public var inliers: Int
  /// Root-mean-square distance in the reference's pixels between where the homography
  /// puts each inlier and where it was matched.
  public var residualPx: Double?
  /// Share of the photo's frame that lands inside the reference's.
  public var overlap: Double?
  /// Why the photos were not registered.
  public var reason: String?
}

/// Registers photos of one surface by its texture: SIFT features, ratio-test matches,
/// a USAC MAGSAC++ homography, then checks that reject what a real revisit cannot be.
public struct Registrar: Sendable {
  public struct Settings: Sendable {
    /// Longer side of the reduced photo SIFT runs on.
    public var maxSide = 1600
    public var maxFeatures = 8000
    /// SIFT's contrast threshold. Bare concrete is low in contrast: at OpenCV's 0.04,
    /// half the revisits in tools/registration/tune.py found too few features; at 0.01,
    /// 73 of 80 registered with no unrelated pair registered.
    public var contrast = 0.01
    /// Lowe's ratio: a match counts only when clearly better than the second best.
    public var ratio = 0.8
    /// The estimator's inlier threshold, in pixels of the reduced photo.
    public var thresholdPx = 2.5
    /// Fewer agreeing matches than this is chance, not the same surface. Chosen on
    /// khanh-mixed (tools/registration/tune.py): unrelated pairs reach at most 6, and
    /// true revisits with 15 to 24 were up to 3.4 px off.
    public var minInliers = 25
    /// Of the ratio-test matches, the share the homography must explain.
    public var minInlierShare = 0.15
    /// A revisit may come from nearer or further, but not 4 times.
    public var scaleRange: ClosedRange<Double> = 0.25...4
    /// Least share of the photo that must land in the reference.
    public var minOverlap = 0.05

    public init() {}
  }

  public var settings: Settings

  public init(settings: Settings = Settings()) { self.settings = settings }

  public func features(of image: RGBImage) throws(OpenCVError) -> SurfaceFeatures {
    try SurfaceFeatures(
      image, maxSide: settings.maxSide, maxFeatures: settings.maxFeatures, contrast: settings.contrast)
  }

  public func register(_ photo: RGBImage, to reference: RGBImage) throws(OpenCVError) -> Registration {
    try register(features(of: photo), to: features(of: reference))
  }

  public func register(_ photo: SurfaceFeatures, to reference: SurfaceFeatures) throws(OpenCVError)
    -> Registration
  {
    let least = settings.minInliers
    guard photo.count >= least, reference.count >= least else {
      let which = photo.count < least ? "the photo" : "the reference"
      return refused(0, 0, "too little texture: \(min(photo.count, reference.count)) features in \(which)")
    }
    let threshold = settings.thresholdPx * max(photo.scale, reference.scale)
    let fit = try photo.fit(to: reference, ratio: settings.ratio, thresholdPx: threshold)
    let matches = fit.pairs.count
    guard let h = fit.homography?.normalised, fit.inliers >= least else {
      return refused(
        matches, fit.inliers, "no consistent matches: \(fit.inliers) of \(matches) agree, \(least) needed")
    }
    let share = Double(fit.inliers) / Double(max(matches, 1))
    guard share >= settings.minInlierShare else {
      return refused(
        matches, fit.inliers,
        "too few matches agree: \(Int((share * 100).rounded())) %, "
          + "\(Int((settings.minInlierShare * 100).rounded())) % needed")
    }
    if let implausible = implausibility(of: h, photo: photo) {
      return refused(matches, fit.inliers, implausible)
    }
    let overlap = overlapShare(h, photo: photo, reference: reference)
    guard overlap >= settings.minOverlap else {
      return refused(matches, fit.inliers, "the photo would land outside the reference")
    }
    let squares = fit.pairs.filter(\.isInlier).compactMap { pair -> Double? in
      guard let p = h.apply(pair.photo.x, pair.photo.y) else { return nil }
      let dx = p.x - pair.reference.x
      let dy = p.y - pair.reference.y
      return dx * dx + dy * dy
    }
    let rms = (squares.reduce(0, +) / Double(max(squares.count, 1))).squareRoot()
    return Registration(
      registered: true, homography: h, matches: matches, inliers: fit.inliers, residualPx: rms,
      overlap: overlap, reason: nil)
  }

  private func refused(_ matches: Int, _ inliers: Int, _ reason: String) -> Registration {
    Registration(
      registered: false, homography: nil, matches: matches, inliers: inliers, residualPx: nil, overlap: nil,
      reason: reason)
  }

  /// What a revisit of a flat surface cannot produce: a mirror image, a fold, the
  /// horizon inside the frame, or a change of scale beyond `scaleRange`.
  private func implausibility(of h: Homography, photo: SurfaceFeatures) -> String? {
    let w = Double(photo.width)
    let hgt = Double(photo.height)
    let corners = [(0.0, 0.0), (w, 0), (w, hgt), (0, hgt)]
    let m = h.matrix
    // The projective divisor must keep one sign over the frame, or the frame crosses
    // the horizon line.
    let divisors = corners.map { m[6] * $0.0 + m[7] * $0.1 + m[8] }
    guard divisors.allSatisfy({ $0 > 1e-9 }) else {
      return "implausible alignment: the frame crosses the horizon"
    }
    let mapped = corners.compactMap { h.apply($0.0, $0.1) }
    guard mapped.count == 4 else { return "implausible alignment: the frame crosses the horizon" }
    // Turn direction at each corner: all the same sign for a convex quadrilateral,
    // positive (y down, clockwise on screen) when not mirrored.
    let turns = (0..<4).map { i -> Double in
      let a = mapped[i]
      let b = mapped[(i + 1) % 4]
      let c = mapped[(i + 2) % 4]
      return (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)
    }
    guard turns.allSatisfy({ $0 > 0 }) else {
      return turns.allSatisfy({ $0 < 0 })
        ? "implausible alignment: the photo would be mirrored" : "implausible alignment: the frame would fold"
    }
    // Shoelace area of the mapped frame against the photo's own.
    let area =
      (0..<4).map { i in mapped[i].x * mapped[(i + 1) % 4].y - mapped[(i + 1) % 4].x * mapped[i].y }
      .reduce(0, +) / 2
    let linearScale = (abs(area) / (w * hgt)).squareRoot()
    guard settings.scaleRange.contains(linearScale) else {
      return "implausible alignment: the photo would be scaled by \(String(format: "%.2f", linearScale))"
    }
    return nil
  }

  /// Share of a 32 × 32 grid over the photo that lands inside the reference's frame.
  private func overlapShare(_ h: Homography, photo: SurfaceFeatures, reference: SurfaceFeatures) -> Double {
    let n = 32
    var inside = 0
    for j in 0..<n {
      for i in 0..<n {
        let x = (Double(i) + 0.5) / Double(n) * Double(photo.width)
        let y = (Double(j) + 0.5) / Double(n) * Double(photo.height)
        if let p = h.apply(x, y), p.x >= 0, p.y >= 0, p.x < Double(reference.width),
          p.y < Double(reference.height)
        {
          inside += 1
        }
      }
    }
    return Double(inside) / Double(n * n)
  }
}
