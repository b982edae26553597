import CrackGeometry
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
  /// How far it lies beyond the previous cycle's tip at that end, along the crack, mm: the
  /// length of its branch from the tip back to the previous tip, or minus the length of the
  /// previous branch from there to where this one stops. Negative
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
  /// `widthM`: the crack's width; lengths along it are measured on its centreline simplified
  /// to within half of that (`smoothed`).
  static func tips(of current: [[(Double, Double)]], since previous: [[(Double, Double)]], widthM: Double = 0)
    -> [TipGrowth]?
  {
    let segments = previous.flatMap { branch in
      branch.count == 1 ? [(branch[0], branch[0])] : Array(zip(branch, branch.dropFirst()))
    }
    guard !segments.isEmpty, let tips = ends(of: current), let before = ends(of: previous) else { return nil }
    // Each tip against the previous tip at its end: the pairing with the shorter total distance.
    let crossed =
      distance(tips.0, before.1) + distance(tips.1, before.0) < distance(tips.0, before.0)
      + distance(tips.1, before.1)
    let pairs = [(tips.0, crossed ? before.1 : before.0), (tips.1, crossed ? before.0 : before.1)]
    let (along, alongBefore) = (smoothed(current, widthM / 2), smoothed(previous, widthM / 2))
    return pairs.map { tip, previousTip in
      // Along the crack only: beyond the previous tip, the crack's length from the tip back to
      // there (a crack bends as it grows); short of it, the previous crack's length from its
      // tip to where this one stops. Two photos place a tip that did not move a pixel or so
      // apart across the crack too; as a distance that would only ever add.
      let moved: Double
      if let grown = arcLength(from: tip, to: previousTip, in: along), grown > 0 {
        moved = grown
      } else if let short = arcLength(from: previousTip, to: tip, in: alongBefore) {
        moved = -short
      } else {
        // A crack traced as a loop has no branch ending there: the distance from the previous
        // centreline, less how far short of the previous tip it stops.
        let nearest = segments.map { nearestPoint(tip, $0.0, $0.1) }.min { $0.distance < $1.distance }!
        moved = nearest.distance - distance(nearest.point, previousTip)
      }
      return TipGrowth(easting: tip.0, northing: tip.1, extensionMm: moved * 1000)
    }.sorted { $0.extensionMm > $1.extensionMm }
  }

  /// Branches simplified to within `tolerance` (Ramer-Douglas-Peucker; their ends kept, so
  /// that they still meet). Near a wide crack's blunt tip its skeleton hooks and wanders
  /// inside the crack (on seed 2029 the arc to a 1.6 mm wide crack's tip came out 1.2 mm
  /// longer than the crack's 6 mm of growth), and bends finer than a crack's width leave its
  /// length undefined anyway.
  static func smoothed(_ branches: [[(Double, Double)]], _ tolerance: Double) -> [[(Double, Double)]] {
    guard tolerance > 0 else { return branches }
    return branches.map { branch in
      simplify(branch.map { Point($0.0, $0.1) }, epsilon: tolerance).map { ($0.x, $0.y) }
    }
  }

  /// The length along the crack from `tip` to its point nearest `target`: along the branch of
  /// `branches` that ends at the tip and on through the branches joined to it (a skeleton's
  /// branches meet at junctions, a linked fragment's at its bridge), by the shortest way (a
  /// pore in a wide crack makes a loop); nil when no branch ends at the tip (a crack traced as
  /// a loop).
  static func arcLength(
    from tip: (Double, Double), to target: (Double, Double), in branches: [[(Double, Double)]]
  ) -> Double? {
    let lines = branches.filter { $0.count > 1 }
    guard lines.contains(where: { Key($0.first!) == Key(tip) || Key($0.last!) == Key(tip) }) else {
      return nil
    }
    let lengths = lines.map { line in zip(line, line.dropFirst()).reduce(0) { $0 + distance($1.0, $1.1) } }
    // The shortest way from the tip to each branch end: a few dozen ends, so relaxed until
    // nothing changes.
    var way: [Key: Double] = [Key(tip): 0]
    var changed = true
    while changed {
      changed = false
      for (line, length) in zip(lines, lengths) {
        let (a, b) = (Key(line.first!), Key(line.last!))
        if let wa = way[a], wa + length < way[b] ?? .infinity {
          way[b] = wa + length
          changed = true
        }
        if let wb = way[b], wb + length < way[a] ?? .infinity {
          way[a] = wb + length
          changed = true
        }
      }
    }
    var best = (distance: Double.infinity, arc: 0.0)
    for line in lines {
      for path in [line, line.reversed()] {
        guard let start = way[Key(path.first!)] else { continue }
        var along = start
        for (a, b) in zip(path, path.dropFirst()) {
          let nearest = nearestPoint(target, a, b)
          let arc = along + distance(a, nearest.point)
          if nearest.distance < best.distance - 1e-12
            || (abs(nearest.distance - best.distance) <= 1e-12 && arc < best.arc)
          {
            best = (nearest.distance, arc)
          }
          along += distance(a, b)
        }
      }
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
