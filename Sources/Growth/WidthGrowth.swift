import Foundation

/// How a crack widened since the previous cycle, point by point along it rather than by its
/// maximum: a crack that opens at one end, or everywhere a little, shows where.
///
/// Only between cycles whose photos lie on one chain of registrations (`RegisteredFrames`):
/// there each width sample of the previous cycle's crack has a place on the ground precise to
/// the registration, and the nearest sample of this cycle's crack within `radius` is the same
/// point of the crack. Single samples are noisy (a pixel of width is 0.05–0.5 mm), so the
/// crack is cut into `bins` equal stretches along its main direction and each stretch gives
/// the medians of its samples.
public struct WidthGrowth: Sendable, Equatable, Codable {
  /// A width sample placed on the ground.
  public struct Sample: Sendable, Equatable {
    public var easting: Double
    public var northing: Double
    public var widthMm: Double
  }

  /// One stretch of the crack: where along it (from its first end, mm), and its median width
  /// before and now at the points found in both cycles.
  public struct Station: Sendable, Equatable, Codable {
    public var alongMm: Double
    public var easting: Double
    public var northing: Double
    public var beforeMm: Double
    public var nowMm: Double
  }

  /// How many of the previous cycle's samples found their point in this cycle's crack.
  public var matched: Int
  /// The median change of width over those points, mm: how much the crack opened as a whole.
  public var medianMm: Double
  /// The stretch that opened most, and by how much (its medians' difference), mm.
  public var largestMm: Double
  public var largestAt: Station
  /// Every stretch, in order along the crack.
  public var stations: [Station]

  static let bins = 10
  /// Two samples farther apart than this are not the same point of the crack, however well
  /// the photos align: a skeleton wanders by a pixel or two.
  static let minimumRadiusM = 0.001

  /// Width change from `previous` to `current` samples (one crack, or its pieces), points
  /// corresponding within `radius` metres; nil when fewer than `bins` points correspond.
  static func between(_ previous: [Sample], _ current: [Sample], radius: Double) -> WidthGrowth? {
    guard !previous.isEmpty, !current.isEmpty, radius > 0 else { return nil }
    // The current samples sorted by easting: each previous sample looks only at those within
    // the radius east and west (a sweep, no hashing: this runs for every cycle pair of every
    // registered track).
    let order = current.indices.sorted { current[$0].easting < current[$1].easting }
    let eastings = order.map { current[$0].easting }
    var pairs: [(before: Sample, now: Double)] = []
    pairs.reserveCapacity(previous.count)
    for p in previous {
      // The first sample at or east of p.easting - radius.
      var (lo, hi) = (0, eastings.count)
      while lo < hi {
        let mid = (lo + hi) / 2
        if eastings[mid] < p.easting - radius { lo = mid + 1 } else { hi = mid }
      }
      var best = (k: -1, d: radius * radius)
      var i = lo
      while i < eastings.count, eastings[i] <= p.easting + radius {
        let c = current[order[i]]
        let (de, dn) = (c.easting - p.easting, c.northing - p.northing)
        let d = de * de + dn * dn
        if d <= best.d { best = (order[i], d) }
        i += 1
      }
      if best.k >= 0 { pairs.append((p, current[best.k].widthMm)) }
    }
    guard pairs.count >= bins else { return nil }
    let axis = CrackPieces.Axis(previous.map { ($0.easting, $0.northing) })
    let along = pairs.map { axis.position(of: ($0.before.easting, $0.before.northing)) }
    let (lo, hi) = (along.min()!, along.max()!)
    let step = max(hi - lo, 1e-9) / Double(bins)
    var binned = [[Int]](repeating: [], count: bins)
    for (k, t) in along.enumerated() { binned[min(bins - 1, Int((t - lo) / step))].append(k) }
    let stations = binned.filter { !$0.isEmpty }.map { members -> Station in
      let n = Double(members.count)
      return Station(
        alongMm: (members.reduce(0) { $0 + along[$1] } / n - lo) * 1000,
        easting: members.reduce(0) { $0 + pairs[$1].before.easting } / n,
        northing: members.reduce(0) { $0 + pairs[$1].before.northing } / n,
        beforeMm: median(members.map { pairs[$0].before.widthMm }),
        nowMm: median(members.map { pairs[$0].now }))
    }
    let largest = stations.max { $0.nowMm - $0.beforeMm < $1.nowMm - $1.beforeMm }!
    return WidthGrowth(
      matched: pairs.count, medianMm: median(pairs.map { $0.now - $0.before.widthMm }),
      largestMm: largest.nowMm - largest.beforeMm, largestAt: largest, stations: stations)
  }

  private static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  }
}
