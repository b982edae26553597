/// Places a crack's tips where the photo's dark line ends, not where the model's mask does.
///
/// The model's confidence fades towards a crack's tips before the crack does: on the
/// synthetic asset it stopped 2–7 mm short of tips as dark as the rest of the crack, so
/// a crack's length, and its growth from one cycle to the next, came out short by as much;
/// elsewhere its mask ran on a few pixels past a tip. From each free end of the skeleton,
/// the tracer steps one pixel at a time in the crack's direction and finds the line across
/// it (the darkness-weighted centre within half the crack's width either side, at least a
/// pixel, so it follows the crack's bends) for as long as that line is darker than the
/// concrete on both sides of it by at least half the crack's own darkness near the tip,
/// and by `minimumContrast` grey levels. One step may fall short (grain, a pore); two in a
/// row end the trace at the last point that held. Where the skeleton's own last pixels
/// fail the same test, the tip is trimmed back instead.
///
/// A stain or a shadow edge is not a line (one side of it is as dark as it is), and a
/// pore is not long; neither is followed. A dark line that does carry on from a crack's
/// tip (a formwork joint, a scratch) is followed up to `maxReach`. On UAV75 val and CFD
/// test the measured length against the labels' moved by under 0.005 either way: real
/// cracks fade at their tips, where the mask's tip stands.
struct TipTracer {
  let grey: GreyImage
  /// Pixels where a trace ends: another crack, measured in its own right.
  let stop: (Int, Int) -> Bool
  /// A traced point is at least this share of the crack's darkness near its tip...
  var share = 0.5
  /// ...and at least this many grey levels darker than both sides (as in
  /// `PhotometricWidth`: plain concrete's darkest pixels are 10–15 levels below its median).
  var minimumContrast = 24.0
  /// The furthest a tip is followed beyond its skeleton's end, in pixels.
  var maxReach = 64.0

  /// Where the crack's tip is in the photo.
  struct Tip {
    /// Skeleton pixels at the end of the tail that show no dark line: the model's mask
    /// runs on past the crack there.
    var overshoot = 0
    /// Points beyond the tip, in image pixels, nearest first.
    var beyond: [Point] = []
  }

  /// Trims or extends a tip to where the photo's dark line ends; no change where the
  /// tail itself shows no line (a crack too faint to follow keeps the mask's tip).
  /// `tail`: the skeleton's last points, the tip last; `direction`: unit, pointing out of
  /// the crack; `width`: the crack's width near the tip, in pixels.
  func trace(tail: [Point], direction: Point, width: Double) -> Tip {
    let darkness = tail.map { line(at: $0, direction: direction, width: width)?.darkness }
    let reference = darkness.compactMap { $0 }.sorted()
    guard let tip = tail.last, !reference.isEmpty else { return Tip() }
    let needed = max(minimumContrast, share * reference[reference.count / 2])
    guard let lastDark = darkness.lastIndex(where: { ($0 ?? 0) >= needed }) else { return Tip() }
    if lastDark < tail.count - 1 { return Tip(overshoot: tail.count - 1 - lastDark) }

    var path = tail
    var heading = direction
    var position = tip
    var misses = 0
    while Double(path.count - tail.count + misses) < maxReach {
      let ahead = Point(position.x + heading.x, position.y + heading.y)
      guard let found = line(at: ahead, direction: heading, width: width) else { break }
      if stop(Int(found.centre.x.rounded()), Int(found.centre.y.rounded())) { break }
      if found.darkness >= needed {
        position = found.centre
        path.append(position)
        misses = 0
        // The heading follows the last few pixels of the line, so a bend is followed and
        // a single grainy step does not turn it.
        let back = path[max(0, path.count - 5)]
        let dx = position.x - back.x
        let dy = position.y - back.y
        let norm = (dx * dx + dy * dy).squareRoot()
        if norm > 0 { heading = Point(dx / norm, dy / norm) }
      } else {
        misses += 1
        if misses > 1 { break }
        position = ahead
      }
    }
    return Tip(beyond: Array(path.dropFirst(tail.count)))
  }

  /// The line across the crack's direction near `p`: its centre, and how much darker its
  /// darkest samples are than the darker of the concrete's two sides, so that an edge
  /// between light and dark is not a line. Nil where the samples leave the photo.
  private func line(at p: Point, direction d: Point, width: Double) -> (centre: Point, darkness: Double)? {
    let normal = Point(-d.y, d.x)
    func grey(_ along: Double, _ across: Double, from q: Point) -> Double? {
      self.grey.bilinear(
        q.x + along * d.x + across * normal.x, q.y + along * d.y + across * normal.y, outside: nil
      ) { Double($0) }
    }
    let reach = max(1, (width / 2).rounded())
    var profile: [(offset: Double, value: Double)] = []
    for offset in stride(from: -reach, through: reach, by: 0.5) {
      var sum = 0.0
      for along in [-0.5, 0, 0.5] {
        guard let g = grey(along, offset, from: p) else { return nil }
        sum += g
      }
      profile.append((offset, sum / 3))
    }
    // The line's centre is the darkness-weighted mean offset, not the darkest sample,
    // which wanders from side to side across a crack wider than a pixel or two.
    let brightest = profile.map(\.value).max()!
    let weight = profile.reduce(0) { $0 + (brightest - $1.value) }
    let offset = weight > 0 ? profile.reduce(0) { $0 + $1.offset * (brightest - $1.value) } / weight : 0
    let darkest = profile.map(\.value).min()!
    let centre = Point(p.x + offset * normal.x, p.y + offset * normal.y)
    // The concrete either side: beyond the crack's half-width and a pixel of blur.
    let near = max(1, width / 2) + 1.5
    var sides: [Double] = []
    for side in [-1.0, 1.0] {
      var samples: [Double] = []
      for across in stride(from: near, through: near + 3, by: 0.5) {
        for along in [-1.0, 0, 1] {
          guard let g = grey(along, side * across, from: centre) else { return nil }
          samples.append(g)
        }
      }
      // The brighter part of the band: where a crack bends, its own dark runs into one
      // side of the band.
      samples.sort()
      sides.append(samples[samples.count * 3 / 4])
    }
    return (centre, min(sides[0], sides[1]) - darkest)
  }
}
