import Foundation

/// One crack, however the model found it: where a faint stretch in the middle of a crack
/// falls below the model's threshold, its mask breaks into fragments, and each would be
/// measured, tracked and reported as a crack of its own (a crack seen whole one year and in
/// two pieces the next became three tracks, with no growth on any of them).
///
/// Two fragments are one crack when a free end of each continues the other. Ends that touch
/// (within two widths, or passing each other by up to `maxOverlapWidths`: a tip traced along the
/// line up to the other fragment) must face each other (directions within `maxTurnDegrees` of
/// opposite) on one line. Across a longer gap (up to `maxGapWidths` widths, at least
/// `minGapLimitPx`), each end must point at the other within `maxAimDegrees` (cracks meander),
/// and the photo must show a dark line across the gap (`darkLine`). Cheapest pairs (shortest
/// gaps) first; each end is linked at most once, and fragments never close a loop.
///
/// Cracks that are really separate stay so: parallel ones face no end of each other, ones end
/// to end with an offset point past each other, and aligned ones with sound concrete between
/// show no line. Real branches and joins are one mask already.
struct FragmentLinker {
  var grey: GreyImage
  var maxTurnDegrees = 35.0
  /// Across a gap, how far off the other end each end may point (cracks meander).
  var maxAimDegrees = 70.0
  var maxGapWidths = 25.0
  var minGapLimitPx = 100.0
  /// Overlap beyond which two ends are not one crack's, in widths (at least 20 px): a tip
  /// traced on along the line may run 13 px past the other fragment's end.
  var maxOverlapWidths = 5.0

  struct End {
    var crack: Int
    var point: Point
    /// Unit, pointing out of the crack.
    var direction: Point
    var width: Double
  }

  func link(_ cracks: [Crack], principalAxis: ([Point]) -> Double) -> [Crack] {
    guard cracks.count > 1 else { return cracks }
    let ends = cracks.indices.flatMap { freeEnds(of: cracks[$0], index: $0) }
    var pairs: [(cost: Double, a: Int, b: Int, bridge: Double)] = []
    for a in ends.indices {
      for b in ends.indices where b > a && ends[a].crack != ends[b].crack {
        guard let (cost, bridge) = continuation(ends[a], ends[b]) else { continue }
        pairs.append((cost, a, b, bridge))
      }
    }
    pairs.sort { ($0.cost, $0.a, $0.b) < ($1.cost, $1.a, $1.b) }
    var group = Array(cracks.indices)
    func root(_ i: Int) -> Int {
      var r = i
      while group[r] != r { r = group[r] }
      return r
    }
    var usedEnds = Set<Int>()
    var bridges: [Int: [(Point, Point, Double)]] = [:]  // root -> bridge segments and their length change
    var linked = false
    for pair in pairs where !usedEnds.contains(pair.a) && !usedEnds.contains(pair.b) {
      let (ra, rb) = (root(ends[pair.a].crack), root(ends[pair.b].crack))
      guard ra != rb else { continue }  // never closes a loop of fragments
      usedEnds.formUnion([pair.a, pair.b])
      group[rb] = ra
      bridges[ra, default: []].append((ends[pair.a].point, ends[pair.b].point, pair.bridge))
      bridges[ra, default: []] += bridges.removeValue(forKey: rb) ?? []
      linked = true
    }
    guard linked else { return cracks }
    var members: [Int: [Int]] = [:]
    for i in cracks.indices { members[root(i), default: []].append(i) }
    return members.keys.sorted().map { r in
      let parts = members[r]!.map { cracks[$0] }
      return parts.count == 1
        ? parts[0] : merged(parts, bridges: bridges[r] ?? [], principalAxis: principalAxis)
    }.sorted { $0.lengthPx > $1.lengthPx }
  }

  /// The polylines' ends that no other polyline of the crack shares, with the direction of
  /// their polyline's last stretch.
  private func freeEnds(of crack: Crack, index: Int) -> [End] {
    var count: [Point: Int] = [:]
    for line in crack.polylines where line.count > 1 {
      count[line.first!, default: 0] += 1
      count[line.last!, default: 0] += 1
    }
    var ends: [End] = []
    for line in crack.polylines where line.count > 1 {
      for ordered in [Array(line.reversed()), line] where count[ordered.last!] == 1 {
        let end = ordered.last!
        // The point about 2 widths (at least 15 px) back along the polyline: a traced tip
        // often hooks in its last pixels.
        let baseline = max(15, 2 * crack.meanWidthPx)
        var inner = ordered[ordered.count - 2]
        var walked = 0.0
        for k in stride(from: ordered.count - 2, through: 0, by: -1) {
          inner = ordered[k]
          walked = end.distance(to: inner)
          if walked >= baseline { break }
        }
        guard walked > 0 else { continue }
        ends.append(
          End(
            crack: index, point: end,
            direction: Point((end.x - inner.x) / walked, (end.y - inner.y) / walked),
            width: max(crack.meanWidthPx, 1)))
      }
    }
    return ends
  }

  /// Whether end `b` continues end `a`: the pair's cost (the gap, px) and how much the merged
  /// crack's length differs from the sum of the two (the bridge, or minus the overlap).
  private func continuation(_ a: End, _ b: End) -> (Double, Double)? {
    let width = max(a.width, b.width)
    let (dx, dy) = (b.point.x - a.point.x, b.point.y - a.point.y)
    let gap = (dx * dx + dy * dy).squareRoot()
    let alongA = dx * a.direction.x + dy * a.direction.y
    let alongB = -dx * b.direction.x - dy * b.direction.y
    // Ends that meet, pass each other or stop within a width of each other touch already (too
    // short a gap to tell a line from the grain): they must face each other, on one line.
    if gap <= max(8, 2 * width) || alongA <= 0 || alongB <= 0 {
      let facing = a.direction.x * b.direction.x + a.direction.y * b.direction.y
      let maxOverlap = max(20, maxOverlapWidths * width)
      let sideA = abs(dx * a.direction.y - dy * a.direction.x)
      let sideB = abs(dx * b.direction.y - dy * b.direction.x)
      guard facing <= -cos(maxTurnDegrees * .pi / 180), alongA >= -maxOverlap, alongB >= -maxOverlap,
        sideA <= max(2, width / 2) + max(alongA, 0), sideB <= max(2, width / 2) + max(alongB, 0)
      else { return nil }
      return (gap, alongA > 0 && alongB > 0 ? gap : min((alongA + alongB) / 2, 0))
    }
    // A longer gap: each end points at the other, and the photo shows the crack's line across.
    let cosine = cos(maxAimDegrees * .pi / 180)
    guard gap <= max(minGapLimitPx, maxGapWidths * width), alongA >= cosine * gap, alongB >= cosine * gap,
      darkLine(from: a, to: b, width: width)
    else { return nil }
    return (gap, gap)
  }

  /// Whether the photo shows a line across the gap from `a` to `b`. A faint stretch meanders
  /// off the straight bridge by a few pixels, so each point of the bridge looks across a band
  /// (`reach` either side) for the darkest pixel, and compares it with the darkest of two equal
  /// bands beside it, one on each side: on plain concrete the line's band is the darkest of the
  /// three a third of the time; a line must make it so for 60 % of the gap, by a median of at
  /// least a twentieth of the crack's own contrast at the two ends (and 3 grey levels).
  private func darkLine(from a: End, to b: End, width: Double) -> Bool {
    let (dx, dy) = (b.point.x - a.point.x, b.point.y - a.point.y)
    let length = (dx * dx + dy * dy).squareRoot()
    guard length > 0 else { return true }
    let reach = max(3, (0.15 * length).rounded())
    let beside = 2 * reach + width / 2 + 4
    func darkest(_ p: Point, _ n: Point, from: Double) -> Double? {
      var least = Double.infinity
      var offset = from - reach
      while offset <= from + reach {
        guard let v = grey.bilinear(p.x + offset * n.x, p.y + offset * n.y, outside: nil, { Double($0) })
        else { return nil }
        least = min(least, v)
        offset += 1
      }
      return least
    }
    func contrast(at p: Point, normal n: Point) -> Double? {
      guard let line = darkest(p, n, from: 0), let left = darkest(p, n, from: beside),
        let right = darkest(p, n, from: -beside)
      else { return nil }
      return min(left, right) - line
    }
    // The crack's own contrast, a few pixels inside each end.
    let own = [a, b].compactMap { end -> Double? in
      let inside = Point(end.point.x - 3 * end.direction.x, end.point.y - 3 * end.direction.y)
      return contrast(at: inside, normal: Point(-end.direction.y, end.direction.x))
    }
    guard let reference = own.max(), reference > 0 else { return false }
    let normal = Point(-dy / length, dx / length)
    var samples: [Double] = []
    var s = 1.0
    while s < length {
      let p = Point(a.point.x + dx * s / length, a.point.y + dy * s / length)
      if let c = contrast(at: p, normal: normal) { samples.append(c) }
      s += 1
    }
    guard !samples.isEmpty else { return false }
    let darker = samples.filter { $0 > 0 }.count
    let median = samples.sorted()[samples.count / 2]
    return Double(darker) >= 0.6 * Double(samples.count) && median >= max(3, 0.05 * reference)
  }

  /// One crack of `parts`: their polylines and the bridges between them; the length is their
  /// sum plus the bridges, less where they overlap.
  private func merged(_ parts: [Crack], bridges: [(Point, Point, Double)], principalAxis: ([Point]) -> Double)
    -> Crack
  {
    let length = parts.reduce(0) { $0 + $1.lengthPx } + bridges.reduce(0) { $0 + $1.2 }
    let area = parts.reduce(0) { $0 + $1.areaPx }
    let profile = parts.flatMap(\.widthProfilePx)
    return Crack(
      polylines: parts.flatMap(\.polylines)
        + bridges.filter { $0.0.distance(to: $0.1) > 1 }.map { [$0.0, $0.1] },
      lengthPx: length,
      widthProfilePx: profile,
      maxWidthPx: parts.map(\.maxWidthPx).max() ?? 0,
      meanWidthPx: parts.reduce(0) { $0 + $1.meanWidthPx * $1.lengthPx }
        / max(parts.reduce(0) { $0 + $1.lengthPx }, 1),
      orientationDeg: principalAxis(profile.map(\.point)),
      areaPx: area,
      confidence: parts.reduce(0) { $0 + $1.confidence * Double($1.areaPx) } / Double(max(area, 1)))
  }
}
