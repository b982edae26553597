import Foundation

/// Where a crack grew since the previous cycle: each of its two tips, and how far it moved
/// along the crack from where the previous cycle's tip was. A crack that lengthened at one end
/// shows that end's extension and about zero at the other; a length that grew with both tips
/// where they were is a measurement, not growth.
///
/// Only for cycles whose photos lie on one chain of registrations (`RegisteredFrames`): by GPS
/// alone, two cycles' centrelines are metres apart and no tip could be compared.
public struct TipGrowth: Sendable, Equatable, Codable {
  /// The tip, in the asset's CRS (through its registration frame), metres.
  public var easting: Double
  public var northing: Double
  /// How far it lies beyond the previous cycle's tip at that end, mm: its distance from the
  /// previous centreline, less how far short of the previous tip it stops along it. Negative
  /// where the photo shows the crack ending short of where it was seen before: a tip does not
  /// heal, so that is how far the two tip placements disagree, and kept signed so that such
  /// disagreements cancel in the length growth instead of adding up as growth.
  public var extensionMm: Double

  /// The length growth the tips say: the sum of their extensions, mm. Where the photos lie on
  /// one registration chain this is the length growth to report: the part of the crack that
  /// did not change is not measured twice, so its measurement errors (a blunt end, a faint
  /// stretch traced differently) cancel, where the difference of two lengths adds them up.
  public static func lengthGrowthMm(_ tips: [TipGrowth]) -> Double {
    tips.reduce(0) { $0 + $1.extensionMm }
  }

  /// The tips of `current` (the two free ends of its centreline farthest apart), each with
  /// how far it moved from the previous tip at its end; nil when either has no centreline.
  static func tips(of current: [[(Double, Double)]], since previous: [[(Double, Double)]]) -> [TipGrowth]? {
    let segments = previous.flatMap { branch in
      branch.count == 1 ? [(branch[0], branch[0])] : Array(zip(branch, branch.dropFirst()))
    }
    guard !segments.isEmpty, let tips = ends(of: current), let before = ends(of: previous) else { return nil }
    // Each tip against the previous tip at its end: the pairing with the shorter total distance.
    let crossed =
      distance(tips.0, before.1) + distance(tips.1, before.0) < distance(tips.0, before.0)
      + distance(tips.1, before.1)
    let pairs = [(tips.0, crossed ? before.1 : before.0), (tips.1, crossed ? before.0 : before.1)]
    return pairs.map { tip, previousTip in
      let nearest = segments.map { nearestPoint(tip, $0.0, $0.1) }.min { $0.distance < $1.distance }!
      let shortfall = distance(nearest.point, previousTip)
      var moved = nearest.distance - shortfall
      // A tip beyond the previous one grew along the crack's path, which bends: the length of
      // its branch from the tip back to where the previous tip was, not the straight distance.
      if moved > 0, let grown = arcLength(from: tip, to: previousTip, in: current) {
        moved = max(moved, grown)
      }
      return TipGrowth(easting: tip.0, northing: tip.1, extensionMm: moved * 1000)
    }.sorted { $0.extensionMm > $1.extensionMm }
  }

  /// The length of the branch of `branches` that ends at `tip`, from the tip to its point
  /// nearest `target`; nil when no branch ends there (a crack traced as a loop).
  static func arcLength(
    from tip: (Double, Double), to target: (Double, Double), in branches: [[(Double, Double)]]
  ) -> Double? {
    guard
      let branch = branches.first(where: {
        $0.count > 1 && (Key($0.first!) == Key(tip) || Key($0.last!) == Key(tip))
      })
    else { return nil }
    let path = Key(branch.first!) == Key(tip) ? branch : branch.reversed()
    var (walked, best) = (0.0, (distance: Double.infinity, arc: 0.0))
    for (a, b) in zip(path, path.dropFirst()) {
      let nearest = nearestPoint(target, a, b)
      if nearest.distance < best.distance { best = (nearest.distance, walked + distance(a, nearest.point)) }
      walked += distance(a, b)
    }
    return best.arc
  }

  /// A centreline's two ends: of the branch ends no other branch shares, the two farthest
  /// apart. A crack traced as one loop has none: its two points farthest apart stand for them.
  static func ends(of branches: [[(Double, Double)]]) -> ((Double, Double), (Double, Double))? {
    var count: [Key: Int] = [:]
    for branch in branches where !branch.isEmpty {
      count[Key(branch.first!), default: 0] += 1
      count[Key(branch.last!), default: 0] += 1
    }
    var ends = branches.filter { !$0.isEmpty }.flatMap { [$0.first!, $0.last!] }.filter {
      count[Key($0)] == 1
    }
    if ends.count < 2 { ends = Array(branches.joined()) }
    guard ends.count >= 2 else { return nil }
    var best = (0, 1, -1.0)
    for i in ends.indices {
      for j in ends.indices where j > i {
        let d = distance(ends[i], ends[j])
        if d > best.2 { best = (i, j, d) }
      }
    }
    return (ends[best.0], ends[best.1])
  }

  private struct Key: Hashable {
    var x: Double
    var y: Double
    init(_ p: (Double, Double)) { (x, y) = p }
  }

  private static func distance(_ a: (Double, Double), _ b: (Double, Double)) -> Double {
    hypot(a.0 - b.0, a.1 - b.1)
  }

  /// The point of segment a-b nearest `p`, and its distance.
  private static func nearestPoint(
    _ p: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)
  ) -> (point: (Double, Double), distance: Double) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1)
    let length2 = dx * dx + dy * dy
    let t = length2 > 0 ? max(0, min(1, ((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length2)) : 0
    let point = (a.0 + t * dx, a.1 + t * dy)
    return (point, distance(p, point))
  }
}
