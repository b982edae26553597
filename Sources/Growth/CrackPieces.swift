import Foundation

/// A crack that one cycle's photo showed in pieces: a faint, dusty or wet stretch the model
/// lost, where the crack is still there. The tracker keeps such pieces on one track
/// (`CrackTracker`); this joins them back into one crack, in order along it, with a straight
/// bridge across each gap. A crack does not heal in a year: the gaps are an unseen stretch of
/// it, not a closed one, so the track's length counts them, and reports say how much of it
/// was unseen.
enum CrackPieces {
  /// The pieces' branches with a two-point bridge across each gap between neighbours along
  /// the crack, and the gaps' total length (in the branches' units).
  static func joined(_ pieces: [[[(Double, Double)]]]) -> (branches: [[(Double, Double)]], gap: Double) {
    let pieces = pieces.map { $0.filter { !$0.isEmpty } }.filter { !$0.isEmpty }
    guard pieces.count > 1 else { return (pieces.first ?? [], 0) }
    let axis = Axis(pieces.joined().joined())
    let ordered = pieces.map { piece in (piece, axis.extent(piece.joined())) }
      .sorted { $0.1.lowerBound + $0.1.upperBound < $1.1.lowerBound + $1.1.upperBound }
      .map(\.0)
    var branches = ordered.flatMap { $0 }
    var gap = 0.0
    for (a, b) in zip(ordered, ordered.dropFirst()) {
      // The nearest pair of branch ends: where one piece stops and the next goes on.
      let endsA = a.flatMap { [$0.first!, $0.last!] }
      let endsB = b.flatMap { [$0.first!, $0.last!] }
      var best = (endsA[0], endsB[0], Double.infinity)
      for p in endsA {
        for q in endsB {
          let d = hypot(p.0 - q.0, p.1 - q.1)
          if d < best.2 { best = (p, q, d) }
        }
      }
      branches.append([best.0, best.1])
      gap += best.2
    }
    return (branches, gap)
  }

  /// A crack's main direction: the principal axis of its points, through their mean.
  struct Axis {
    var origin: (Double, Double)
    var direction: (Double, Double)

    init<S: Sequence>(_ points: S) where S.Element == (Double, Double) {
      // Two passes: the mean first, then sums about it. Points are in projected metres
      // (northings near 5,000,000): sums of squares about zero lose every digit a crack's
      // few centimetres need, and the axis came out at random.
      let points = Array(points)
      let n = Double(max(points.count, 1))
      let mean = (points.reduce(0) { $0 + $1.0 } / n, points.reduce(0) { $0 + $1.1 } / n)
      var (cxx, cyy, cxy) = (0.0, 0.0, 0.0)
      for (x, y) in points {
        let (dx, dy) = (x - mean.0, y - mean.1)
        cxx += dx * dx
        cyy += dy * dy
        cxy += dx * dy
      }
      let angle = 0.5 * atan2(2 * cxy, cxx - cyy)
      origin = mean
      direction = (cos(angle), sin(angle))
    }

    /// Where a point lies along the axis, from its origin.
    func position(of p: (Double, Double)) -> Double {
      (p.0 - origin.0) * direction.0 + (p.1 - origin.1) * direction.1
    }

    /// The stretch of the axis that the points cover.
    func extent<S: Sequence>(_ points: S) -> ClosedRange<Double> where S.Element == (Double, Double) {
      var (lo, hi) = (Double.infinity, -Double.infinity)
      for p in points {
        let t = position(of: p)
        lo = min(lo, t)
        hi = max(hi, t)
      }
      return lo <= hi ? lo...hi : 0...0
    }

    /// How far two stretches overlap, in their units; 0 where they do not.
    static func overlap(_ a: ClosedRange<Double>, _ b: ClosedRange<Double>) -> Double {
      max(0, min(a.upperBound, b.upperBound) - max(a.lowerBound, b.lowerBound))
    }

    /// How much of the shorter of two stretches the other covers, as a share of it.
    static func overlapShare(_ a: ClosedRange<Double>, _ b: ClosedRange<Double>) -> Double {
      let overlap = overlap(a, b)
      guard overlap > 0 else { return 0 }
      let shorter = min(a.upperBound - a.lowerBound, b.upperBound - b.lowerBound)
      return shorter > 0 ? min(1, overlap / shorter) : 1
    }
  }
}
