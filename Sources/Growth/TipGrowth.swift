import Foundation

/// Where a crack grew since the previous cycle: each of its two tips, and how far it lies
/// beyond the previous cycle's centreline. A crack that lengthened at one end shows that end's
/// extension and about zero at the other; a length that grew with both tips where they were
/// is a measurement, not growth.
///
/// Only for cycles whose photos lie on one chain of registrations (`RegisteredFrames`): by GPS
/// alone, two cycles' centrelines are metres apart and no tip could be compared.
public struct TipGrowth: Sendable, Equatable, Codable {
  /// The tip, in the asset's CRS (through its registration frame), metres.
  public var easting: Double
  public var northing: Double
  /// Its distance from the previous cycle's centreline, mm.
  public var extensionMm: Double

  /// The tips of `current` (the two free ends of its centreline farthest apart), each with
  /// its distance from `previous`; nil when either has no centreline.
  static func tips(of current: [[(Double, Double)]], since previous: [[(Double, Double)]]) -> [TipGrowth]? {
    let segments = previous.flatMap { branch in
      branch.count == 1 ? [(branch[0], branch[0])] : Array(zip(branch, branch.dropFirst()))
    }
    guard !segments.isEmpty else { return nil }
    // Free ends: branch ends no other branch shares. A crack traced as one loop has none: its
    // two points farthest apart stand for them.
    var count: [Key: Int] = [:]
    for branch in current where !branch.isEmpty {
      count[Key(branch.first!), default: 0] += 1
      count[Key(branch.last!), default: 0] += 1
    }
    var ends = current.filter { !$0.isEmpty }.flatMap { [$0.first!, $0.last!] }.filter { count[Key($0)] == 1 }
    if ends.count < 2 { ends = Array(current.joined()) }
    guard ends.count >= 2 else { return nil }
    var best = (0, 1, -1.0)
    for i in ends.indices {
      for j in ends.indices where j > i {
        let d = hypot(ends[i].0 - ends[j].0, ends[i].1 - ends[j].1)
        if d > best.2 { best = (i, j, d) }
      }
    }
    return [ends[best.0], ends[best.1]].map { tip in
      let distance = segments.map { distanceToSegment(tip, $0.0, $0.1) }.min() ?? 0
      return TipGrowth(easting: tip.0, northing: tip.1, extensionMm: distance * 1000)
    }.sorted { $0.extensionMm > $1.extensionMm }
  }

  private struct Key: Hashable {
    var x: Double
    var y: Double
    init(_ p: (Double, Double)) { (x, y) = p }
  }

  private static func distanceToSegment(
    _ p: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)
  ) -> Double {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1)
    let length2 = dx * dx + dy * dy
    let t = length2 > 0 ? max(0, min(1, ((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length2)) : 0
    return hypot(p.0 - a.0 - t * dx, p.1 - a.1 - t * dy)
  }
}
