import Foundation

/// One crack found in a probability map: its shape in image pixels.
///
/// Millimetres come from multiplying by the capture's GSD (`inMillimetres`); geographic
/// geometry is added downstream, where the georeference is known.
public struct Crack: Sendable, Equatable, Codable {
  /// The traced skeleton, one simplified polyline per branch, in image pixels.
  public var polylines: [[Point]]
  /// Along the skeleton, including the half-width beyond each free end that thinning eats;
  /// with the photo at hand, to where its dark line ends (`TipTracer`).
  public var lengthPx: Double
  /// Width samples along the skeleton: from the photo's grey levels across the crack
  /// when the photo is at hand (`PhotometricWidth`), else 2 × the distance transform at
  /// the mask's ridge.
  public var widthProfilePx: [WidthSample]
  /// The widest point: the profile averaged over 15 skeleton pixels along a branch, at its largest.
  public var maxWidthPx: Double
  /// From grey levels, the mean of the profile; from the mask alone, area / length: exact
  /// for a crack of constant width, and steadier than averaging mask samples, which carry
  /// up to about half a pixel of rasterisation noise.
  public var meanWidthPx: Double
  /// Principal axis of the skeleton: 0° = along the image's x axis, 90° = along its y axis
  /// (image "up"), counter-clockwise as seen on screen; in [0, 180).
  public var orientationDeg: Double
  /// Crack pixels in the component.
  public var areaPx: Int
  /// Mean crack probability over the component's pixels.
  public var confidence: Double

  /// The narrowest width a photo's grey levels tell apart from a narrower one. A crack
  /// narrower than a pixel still darkens the pixels it crosses, but its own grey level is
  /// never seen, so the estimate settles near a pixel whatever the truth: cracks 0.2–1.2 px
  /// wide read 0.95–1.29 px (`PhotometricWidthTests`). A width under this is reported as an
  /// estimate below the photo's resolution, never as a measurement.
  public static let narrowestResolvedWidthPx = 1.5
  public static func widthIsBelowResolution(maxWidthPx: Double) -> Bool {
    maxWidthPx < narrowestResolvedWidthPx
  }
  /// Its widest stretch is below what the photo resolves: its widths are estimates.
  public var widthIsBelowResolution: Bool { Self.widthIsBelowResolution(maxWidthPx: maxWidthPx) }

  public struct WidthSample: Sendable, Equatable, Codable {
    public var point: Point
    public var widthPx: Double
  }
}

/// Turns probability maps into cracks: threshold, components, skeleton, measurements.
public struct CrackExtractor: Sendable {
  /// A crack needs pixels at or above this probability (the model's threshold)...
  public var threshold: Float
  /// ...and takes in the pixels at or above this one connected to them (hysteresis, as in
  /// Canny's edge detector): a crack is found by its confident core and measured to
  /// where it fades, not cut short where the model is merely unsure, which is mostly at
  /// thin tips.
  public var extentThreshold: Float
  /// Components whose skeleton is shorter than this are specks, not cracks.
  public var minimumLengthPx: Double
  /// Douglas–Peucker tolerance for the polylines and the length.
  public var simplifyEpsilonPx: Double = 1.0

  /// `extentThreshold` defaults to half of `threshold`: for the shipped model (0.60 / 0.30)
  /// that is the lowest extent that kept F1 at 2 px within 0.005 of the threshold alone on
  /// its select split (docs/model-card.md).
  public init(threshold: Float = 0.5, extentThreshold: Float? = nil, minimumLengthPx: Double = 10) {
    self.threshold = threshold
    self.extentThreshold = min(threshold, extentThreshold ?? threshold / 2)
    self.minimumLengthPx = minimumLengthPx
  }

  /// This extractor for a probability map the net made from the photo shrunk by `factor`:
  /// a speck is judged by the pixels the net saw, so the shortest crack grows with it.
  public func shrunk(by factor: Double) -> CrackExtractor {
    var copy = self
    copy.minimumLengthPx *= max(1, factor)
    return copy
  }

  /// `grey`, the photo's grey levels, when given, measures widths from them
  /// (`PhotometricWidth`) rather than from the mask's edge.
  public func cracks(in probability: ProbabilityMap, grey: GreyImage? = nil) -> [Crack] {
    measure(
      components(probability), width: probability.width, height: probability.height, probability: probability,
      grey: grey)
  }

  /// The crack pixels of a probability map, as `cracks(in:)` measures them.
  public func mask(_ probability: ProbabilityMap) -> Mask {
    var mask = Mask(width: probability.width, height: probability.height, repeating: false)
    for component in components(probability) {
      for i in component { mask.values[i] = true }
    }
    return mask
  }

  /// Cracks of a binary mask; `probability` (same size), when given, sets each confidence,
  /// and `grey` (same size) the widths.
  public func cracks(in mask: Mask, probability: ProbabilityMap? = nil, grey: GreyImage? = nil) -> [Crack] {
    measure(
      connectedComponents(mask), width: mask.width, height: mask.height, probability: probability, grey: grey)
  }

  private func components(_ probability: ProbabilityMap) -> [[Int]] {
    connectedComponents(probability.thresholded(extentThreshold)).filter { pixels in
      pixels.contains { probability.values[$0] >= threshold }
    }
  }

  /// Each component is measured in its own bounding box, so memory stays in proportion
  /// to the largest crack, not to the photo.
  private func measure(
    _ components: [[Int]], width: Int, height: Int, probability: ProbabilityMap?, grey: GreyImage?
  ) -> [Crack] {
    // Where tips are traced, they stop at other cracks the model found: those are measured
    // in their own right (a byte per pixel, so only built when there are others). A region under `minimumTracedArea` pixels is no crack and is
    // crossed (the model often leaves a speck or two beyond where its crack fades).
    var found: Mask?
    if grey != nil, components.count > 1 {
      var mask = Mask(width: width, height: height, repeating: false)
      for pixels in components where pixels.count >= minimumTracedArea {
        for i in pixels { mask.values[i] = true }
      }
      found = mask
    }
    let measured = components.compactMap { pixels in
      measure(pixels, imageWidth: width, probability: probability, grey: grey, found: found)
    }.sorted { $0.lengthPx > $1.lengthPx }
    // Fragments of one crack are linked where the photo shows the line between them.
    guard let grey else { return measured }
    return FragmentLinker(grey: grey).link(measured, principalAxis: principalAxis)
  }

  /// Regions of fewer pixels are crossed when a tip is traced (see `measure`).
  private var minimumTracedArea: Int { Int(4 * minimumLengthPx) }

  /// Measures one component in box coordinates, then moves the geometry to image coordinates.
  private func measure(
    _ pixels: [Int], imageWidth: Int, probability: ProbabilityMap?, grey: GreyImage?, found: Mask?
  ) -> Crack? {
    let (box, mask, skeleton) = thin(pixels, width: imageWidth)
    // Other components never touch this one (they are 8-separated), so the box alone
    // gives the exact distance to the crack's own edge.
    let distance = distanceTransform(mask)
    // Spurs off, then the knots they leave untied, then the twigs those leave.
    let chains = unforkEnds(
      pruneSpurs(untieKnots(pruneSpurs(traceSkeleton(skeleton), distance: distance)), distance: distance),
      distance: distance)
    let skeletonPoints = Array(Set(chains.joined())).sorted { ($0.y, $0.x) < ($1.y, $1.x) }
    guard !skeletonPoints.isEmpty else { return nil }

    let origin = Point(Double(box.x), Double(box.y))
    func toImage(_ p: Point) -> Point { Point(p.x + origin.x, p.y + origin.y) }

    // Thinning stops about half a width short of each free end: each tip reaches at
    // least to the mask's edge along its direction, and, with the photo at hand, on along
    // the dark line the photo shows there (`TipTracer`), which becomes part of the polyline.
    let ends = freeEnds(chains).map { ($0, reachToEdge(from: $0.point, direction: $0.direction, mask: mask)) }
    var simplified = chains.map { simplify($0, epsilon: simplifyEpsilonPx) }
    // Specks are told from the mask alone: a trace must not make a crack of one, nor a
    // trim a speck of a crack.
    let maskLength = simplified.reduce(0) { $0 + polylineLength($1) } + ends.reduce(0) { $0 + $1.1 }
    guard maskLength >= minimumLengthPx else { return nil }
    func isOtherCrack(_ x: Int, _ y: Int) -> Bool {
      guard let found, found.contains(x, y), found[x, y] else { return false }
      let (bx, by) = (x - box.x, y - box.y)
      return !(mask.contains(bx, by) && mask[bx, by])
    }
    var traced = chains
    for (end, reach) in ends {
      // Without the photo, and where it shows no line beyond the mask, the tip is the mask's
      // edge along the crack's direction.
      var beyond = [Point(end.point.x + reach * end.direction.x, end.point.y + reach * end.direction.y)]
      var trim = 0
      if let grey {
        let widths = chains[end.chain].map { 2 * distance[Int($0.x), Int($0.y)] }.sorted()
        let tip = TipTracer(grey: grey, stop: isOtherCrack).trace(
          tail: end.tail.map(toImage), direction: end.direction, width: widths[widths.count / 2])
        let followed = tip.beyond.map { Point($0.x - origin.x, $0.y - origin.y) }
        // A trimmed chain keeps two points, so that it still has a direction.
        trim = max(0, min(tip.overshoot, traced[end.chain].count - 2, chains[end.chain].count - 2))
        if trim > 0 {
          beyond = []
        } else if polylineLength([end.point] + followed) > reach {
          beyond = followed
        }
      }
      // The tip is part of the polyline, so that where a crack ends is stored (growth at
      // the tips compares where it ended in each cycle), not only counted in its length.
      if end.atStart {
        traced[end.chain].removeFirst(trim)
        traced[end.chain].insert(contentsOf: beyond.reversed(), at: 0)
      } else {
        traced[end.chain].removeLast(trim)
        traced[end.chain].append(contentsOf: beyond)
      }
      simplified[end.chain] = simplify(traced[end.chain], epsilon: simplifyEpsilonPx)
    }
    // Tested against the minimum again: a crack whose tips the photo trimmed below it would
    // be reported shorter than anything crackmon calls a crack (20 of 426 on 96 mixed photos).
    let length = simplified.reduce(0) { $0 + polylineLength($1) }
    guard length >= minimumLengthPx else { return nil }

    let tangents = localTangents(chains)
    let normals = skeletonPoints.map { p in tangents[p].map { Point(-$0.y, $0.x) } ?? Point(0, 1) }
    var widths = skeletonPoints.indices.map { i in
      ridgeWidth(at: skeletonPoints[i], normal: normals[i], distance: distance)
    }
    var meanWidth = Double(pixels.count) / length
    if let grey {
      let index = Dictionary(uniqueKeysWithValues: skeletonPoints.enumerated().map { ($1, $0) })
      let photometric = PhotometricWidth(grey: grey).widths(
        at: skeletonPoints.map(toImage), normals: normals, maskWidths: widths,
        chains: chains.map { $0.compactMap { index[$0] } })
      if photometric.contains(where: { $0 != nil }) {
        widths = zip(photometric, widths).map { $0 ?? $1 }
        meanWidth = widths.reduce(0, +) / Double(widths.count)
      }
    }
    let widthAt = Dictionary(uniqueKeysWithValues: zip(skeletonPoints, widths))
    let confidence: Double =
      probability.map { map in pixels.reduce(0.0) { $0 + Double(map.values[$1]) } / Double(pixels.count) }
      ?? 1

    // The widest stretch is at least as wide as the average: where the windowed maximum
    // falls below the mean (wide ends, or junction links outside any full window), the mean is
    // the truer bound (the mean above the maximum was 30 of 426 cracks on 96 mixed photos).
    let maxWidth = max(smoothedMaximum(chains, widthAt), meanWidth)
    let crack = Crack(
      polylines: simplified.map { $0.map(toImage) },
      lengthPx: length,
      widthProfilePx: zip(skeletonPoints, widths).map { Crack.WidthSample(point: toImage($0), widthPx: $1) },
      maxWidthPx: maxWidth, meanWidthPx: meanWidth,
      orientationDeg: principalAxis(skeletonPoints), areaPx: pixels.count, confidence: confidence)
    return crack
  }

  /// The widest point of the crack: the largest width averaged over 15 skeleton pixels
  /// along a branch. The maximum of single samples would pick the noise (a pixel of
  /// rasterisation, grain in the concrete), which only ever adds. Only whole windows
  /// count: a short branch between junctions, or the last pixels of a long one, averages a
  /// handful of samples and brings that noise back (a 3.5 px crack measured 4.0 px from a
  /// 4-pixel link at a junction). A crack with no branch that long gives its widest
  /// branch's mean.
  private func smoothedMaximum(_ chains: [[Point]], _ widthAt: [Point: Double]) -> Double {
    let span = 15
    let profiles = chains.map { $0.map { widthAt[$0] ?? 0 } }.filter { !$0.isEmpty }
    guard profiles.contains(where: { $0.count >= span }) else {
      return profiles.map { $0.reduce(0, +) / Double($0.count) }.max() ?? 0
    }
    var widest = 0.0
    for w in profiles where w.count >= span {
      var sum = w[0..<span].reduce(0, +)
      widest = max(widest, sum)
      for i in span..<w.count {
        sum += w[i] - w[i - span]
        widest = max(widest, sum)
      }
    }
    return widest / Double(span)
  }

  /// Drops spurs: chains from a junction to a free end that are shorter than the crack
  /// is wide there (2 × the distance transform at the junction). Thinning a wide or
  /// ragged mask grows such a twig at every bump of its edge; counted as branches, they
  /// add up to a large share of a wide crack's length and none of it is crack.
  private func pruneSpurs(_ chains: [[Point]], distance: Raster<Double>) -> [[Point]] {
    var ends: [Point: Int] = [:]
    for chain in chains where chain.count > 1 && chain.first != chain.last {
      ends[chain.first!, default: 0] += 1
      ends[chain.last!, default: 0] += 1
    }
    return chains.filter { chain in
      guard chain.count > 1, let first = chain.first, let last = chain.last, first != last else {
        return true
      }
      let junction: Point
      if ends[first] == 1 && (ends[last] ?? 0) >= 3 {
        junction = last
      } else if ends[last] == 1 && (ends[first] ?? 0) >= 3 {
        junction = first
      } else {
        return true
      }
      return polylineLength(chain) >= 3 * distance[Int(junction.x), Int(junction.y)]
    }
  }

  /// Thinning splits the blunt end of a wide crack into a fork, one arm to each corner of the
  /// end: both arms longer than `pruneSpurs` drops, and counted twice as length (a 1.25 mm
  /// crack came out 2.7 mm too long, so that its length seemed to grow 5 % in a year in
  /// which it grew by nothing at that end). Where a chain ends in two or more free arms and
  /// nothing else, all shorter than three widths, only the longest arm is kept. Branches of a
  /// real fork near a tip are longer than that, and stay.
  private func unforkEnds(_ chains: [[Point]], distance: Raster<Double>) -> [[Point]] {
    // A junction is a knot of pixels joined by one-step links (`untieKnots`): one node here.
    var node: [Point: Point] = [:]
    func root(_ p: Point) -> Point {
      var r = p
      while let q = node[r], q != r { r = q }
      return r
    }
    let isLink = { (chain: [Point]) in chain.count == 2 }
    for link in chains where isLink(link) {
      let (a, b) = (root(link[0]), root(link[1]))
      if a != b { node[a] = b }
    }
    var degree: [Point: Int] = [:]
    for chain in chains where !isLink(chain) && chain.count > 1 && chain.first != chain.last {
      degree[root(chain.first!), default: 0] += 1
      degree[root(chain.last!), default: 0] += 1
    }
    // Arms by junction: chains from the junction to a free end.
    var arms: [Point: [Int]] = [:]
    for (index, chain) in chains.enumerated()
    where !isLink(chain) && chain.count > 1 && chain.first != chain.last {
      let (first, last) = (root(chain.first!), root(chain.last!))
      if degree[first] == 1 && (degree[last] ?? 0) >= 3 { arms[last, default: []].append(index) }
      if degree[last] == 1 && (degree[first] ?? 0) >= 3 { arms[first, default: []].append(index) }
    }
    var dropped = Set<Int>()
    for (junction, indices) in arms where indices.count >= 2 && degree[junction] == indices.count + 1 {
      let limit = 6 * distance[Int(junction.x), Int(junction.y)]
      let lengths = indices.map { polylineLength(chains[$0]) }
      guard lengths.allSatisfy({ $0 < limit }) else { continue }
      let longest = indices.indices.max { (lengths[$0], -$0) < (lengths[$1], -$1) }!
      for (k, index) in indices.enumerated() where k != longest { dropped.insert(index) }
    }
    return chains.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
  }

  /// Zhang–Suen leaves each junction as a knot of 2–4 pixels, traced as one-step chains
  /// between them that close small triangles and squares: counted as length, each knot
  /// adds 3–5 px. Keeps every longer chain (so real loops of cracks stay loops) and only
  /// those one-step links that join parts not yet joined, shortest first (Kruskal).
  private func untieKnots(_ chains: [[Point]]) -> [[Point]] {
    var parent: [Point: Point] = [:]
    func root(_ p: Point) -> Point {
      var r = p
      while let q = parent[r], q != r { r = q }
      parent[p] = r
      return r
    }
    func join(_ a: Point, _ b: Point) -> Bool {
      let (ra, rb) = (root(a), root(b))
      if ra == rb { return false }
      parent[ra] = rb
      return true
    }
    let isLink = { (chain: [Point]) in chain.count == 2 }
    var kept: [[Point]] = []
    for chain in chains where !isLink(chain) {
      if let first = chain.first, let last = chain.last { _ = join(first, last) }
      kept.append(chain)
    }
    let links = chains.filter(isLink).sorted {
      (polylineLength($0), $0[0].y, $0[0].x, $0[1].y, $0[1].x)
        < (polylineLength($1), $1[0].y, $1[0].x, $1[1].y, $1[1].x)
    }
    for link in links where join(link[0], link[1]) { kept.append(link) }
    return kept
  }

  /// A tip of the crack: a chain end not shared with another chain.
  private struct FreeEnd {
    var point: Point
    /// Unit, pointing out of the crack.
    var direction: Point
    /// The chain's last 10 pixels or fewer, ending at `point`.
    var tail: [Point]
    var chain: Int
    var atStart: Bool
  }

  private func freeEnds(_ chains: [[Point]]) -> [FreeEnd] {
    var count: [Point: Int] = [:]
    var ends: [Point: FreeEnd] = [:]
    for (index, chain) in chains.enumerated() where chain.count > 1 && chain.first != chain.last {
      for atStart in [true, false] {
        let ordered = atStart ? Array(chain.prefix(10).reversed()) : Array(chain.suffix(10))
        let end = ordered[ordered.count - 1]
        let inner = ordered[max(0, ordered.count - 6)]
        count[end, default: 0] += 1
        let d = end.distance(to: inner)
        ends[end] = FreeEnd(
          point: end, direction: Point((end.x - inner.x) / d, (end.y - inner.y) / d), tail: ordered,
          chain: index, atStart: atStart)
      }
    }
    return ends.values.filter { count[$0.point] == 1 }.sorted {
      ($0.point.x, $0.point.y) < ($1.point.x, $1.point.y)
    }
  }

  /// Distance from a tip pixel's centre, along `direction`, to the edge of the mask.
  private func reachToEdge(from p: Point, direction: Point, mask: Mask) -> Double {
    var s = 0.0
    while s < 50 {
      s += 0.125
      let x = Int((p.x + s * direction.x).rounded())
      let y = Int((p.y + s * direction.y).rounded())
      if !mask.contains(x, y) || !mask[x, y] { return s }
    }
    return s
  }

  /// Width at a skeleton pixel: 2 × the distance transform at the ridge across the crack.
  ///
  /// The distance transform measures to background pixel centres, and the skeleton pixel
  /// may sit half a pixel off the true centre line (even widths). Across the crack the
  /// distance is a tent with slope 1; fitting it through the pixel and its two
  /// neighbours along the normal gives the ridge height h, and the width is 2h − 1
  /// (boundaries lie half a pixel inside the background centres).
  private func ridgeWidth(at p: Point, normal: Point, distance: Raster<Double>) -> Double {
    let c = distance[Int(p.x), Int(p.y)]
    // Beyond the box is background: distance 0.
    let a = distance.bilinear(p.x - normal.x, p.y - normal.y, outside: 0) { $0 } ?? 0
    let b = distance.bilinear(p.x + normal.x, p.y + normal.y, outside: 0) { $0 } ?? 0
    let offset = max(-0.5, min(0.5, (b - a) / 2))
    return max(1, 2 * (c + abs(offset)) - 1)
  }

  /// Direction of the skeleton at each of its pixels, from the chain 3 pixels either side.
  private func localTangents(_ chains: [[Point]]) -> [Point: Point] {
    var tangents: [Point: Point] = [:]
    for chain in chains {
      for (i, p) in chain.enumerated() where tangents[p] == nil {
        let from = chain[max(0, i - 3)]
        let to = chain[min(chain.count - 1, i + 3)]
        let dx = to.x - from.x
        let dy = to.y - from.y
        let norm = (dx * dx + dy * dy).squareRoot()
        if norm > 0 { tangents[p] = Point(dx / norm, dy / norm) }
      }
    }
    return tangents
  }

  /// Orientation of the first principal component of the points, in [0, 180).
  func principalAxis(_ points: [Point]) -> Double {
    let n = Double(points.count)
    let mx = points.reduce(0) { $0 + $1.x } / n
    let my = points.reduce(0) { $0 + $1.y } / n
    var sxx = 0.0
    var syy = 0.0
    var sxy = 0.0
    for p in points {
      sxx += (p.x - mx) * (p.x - mx)
      syy += (p.y - my) * (p.y - my)
      sxy += (p.x - mx) * (p.y - my)
    }
    // Image y points down; negate it so angles turn counter-clockwise on screen.
    let angle = 0.5 * atan2(-2 * sxy, sxx - syy) * 180 / .pi
    return angle < 0 ? angle + 180 : angle
  }
}

extension Crack {
  /// The same measurements in millimetres, for a ground sample distance in mm per pixel.
  public func inMillimetres(gsd: Double) -> (length: Double, maxWidth: Double, meanWidth: Double) {
    (lengthPx * gsd, maxWidthPx * gsd, meanWidthPx * gsd)
  }
}
