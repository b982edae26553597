import Foundation

/// What tells a crack from the lines that look like one to the crack model: mortar and
/// formwork joints, grooves, board marks, the edges of members and stains. Joints are
/// straight, even in width, and come in families (parallel and square to each other); an
/// edge is a step in brightness, not a dark valley; a crack wanders, varies in width and is
/// darker than both its sides. One vector per crack, for `CrackVerifier` to weigh.
///
/// Lengths are in the pixels the model saw (the photo's over `shrink`), so a photo with more
/// pixels gives the same figures.
public struct CrackFeatures: Sendable, Equatable {
  /// The order of `values`, as the verifier's weights name them.
  public static let names = [
    "log_length", "log_mean_width", "width_variation", "confidence", "straightness", "turning_per_100px",
    "vertices_per_100px", "axis_deviation", "log_branches", "log_parallel_partners", "log_square_partners",
    "span", "depth", "step", "step_share",
  ]

  public var values: [Double]

  /// `others`: every crack found in the same photo (this one among them is ignored), for
  /// families of lines. `grey`: the photo's grey levels, for the profile across the line.
  public init(
    of crack: Crack, among others: [Crack], grey: GreyImage?, shrink: Double, imageWidth: Int,
    imageHeight: Int
  ) {
    let s = max(1, shrink)
    let length = max(crack.lengthPx / s, 1)
    let widths = crack.widthProfilePx.map(\.widthPx)
    let meanWidth = widths.isEmpty ? crack.meanWidthPx : widths.reduce(0, +) / Double(widths.count)
    let variation: Double = {
      guard widths.count > 1, meanWidth > 0 else { return 0 }
      let variance = widths.reduce(0) { $0 + ($1 - meanWidth) * ($1 - meanWidth) } / Double(widths.count)
      return variance.squareRoot() / meanWidth
    }()

    // Shape of the polylines: how straight the longest branch runs, how much the line turns
    // and how many corners simplification kept.
    let lines = crack.polylines.filter { $0.count > 1 }
    let longest = lines.max { polylineLength($0) < polylineLength($1) } ?? []
    let longestLength = polylineLength(longest)
    let straightness = longestLength > 0 ? longest.first!.distance(to: longest.last!) / longestLength : 1
    var turning = 0.0
    var vertices = 0
    var drawn = 0.0
    for line in lines {
      vertices += line.count
      drawn += polylineLength(line)
      for i in line.indices.dropFirst().dropLast() {
        let a = atan2(line[i].y - line[i - 1].y, line[i].x - line[i - 1].x)
        let b = atan2(line[i + 1].y - line[i].y, line[i + 1].x - line[i].x)
        var d = abs(b - a)
        if d > .pi { d = 2 * .pi - d }
        turning += d
      }
    }
    let drawnModel = max(drawn / s, 1)

    // Spread about the principal axis, over the crack's length.
    let points = lines.flatMap { $0 }
    var deviation = 0.0
    if points.count > 1 {
      let cx = points.reduce(0) { $0 + $1.x } / Double(points.count)
      let cy = points.reduce(0) { $0 + $1.y } / Double(points.count)
      let angle = crack.orientationDeg * .pi / 180
      // orientationDeg is counter-clockwise on screen, with y down.
      let (nx, ny) = (sin(angle), cos(angle))
      let squares = points.reduce(0) { sum, p in
        let d = (p.x - cx) * nx + (p.y - cy) * ny
        return sum + d * d
      }
      deviation = (squares / Double(points.count)).squareRoot() / s / length
    }

    // Families: other long lines at the same or a square angle.
    var parallel = 0
    var square = 0
    for other in others where other != crack && other.lengthPx / s >= max(0.5 * length, 20) {
      var d = abs(other.orientationDeg - crack.orientationDeg).truncatingRemainder(dividingBy: 180)
      if d > 90 { d = 180 - d }
      if d <= 8 { parallel += 1 }
      if d >= 82 { square += 1 }
    }
    let diagonal = (Double(imageWidth * imageWidth + imageHeight * imageHeight)).squareRoot() / s

    let profile =
      grey.map { Self.profile(crack, grey: $0, halfWidth: max(meanWidth / 2, 1)) } ?? (depth: 0, step: 0)
    values = [
      log(length), log(meanWidth / s + 0.5), variation, crack.confidence, straightness,
      100 * turning / drawnModel, 100 * Double(vertices) / drawnModel, deviation,
      log(Double(max(crack.polylines.count, 1))), log(1 + Double(parallel)), log(1 + Double(square)),
      min(length / max(diagonal, 1), 2), profile.depth, profile.step,
      profile.step / (profile.step + abs(profile.depth) + 2 / 255),
    ]
  }

  /// Across the line every 2 px: the grey level on it against both sides, 2 px beyond its
  /// edges. `depth`: how much darker the line is than its sides' mean; `step`: how much the
  /// two sides differ (a dark valley has a depth and no step; an edge, a step). Medians, in
  /// units of full scale. `step_share`, the step over step and depth, is bounded, so that a
  /// line with no depth does not outweigh every other feature.
  static func profile(_ crack: Crack, grey: GreyImage, halfWidth: Double) -> (depth: Double, step: Double) {
    var depths: [Double] = []
    var steps: [Double] = []
    let reach = halfWidth + 2
    func at(_ p: Point) -> Double? { grey.bilinear(p.x, p.y, outside: nil) { Double($0) } }
    for line in crack.polylines where line.count > 1 {
      for i in 1..<line.count {
        let (a, b) = (line[i - 1], line[i])
        let d = a.distance(to: b)
        guard d > 0 else { continue }
        let (tx, ty) = ((b.x - a.x) / d, (b.y - a.y) / d)
        var t = 0.0
        while t < d {
          let p = Point(a.x + t * tx, a.y + t * ty)
          if let c = at(p), let l = at(Point(p.x - ty * reach, p.y + tx * reach)),
            let r = at(Point(p.x + ty * reach, p.y - tx * reach))
          {
            depths.append(((l + r) / 2 - c) / 255)
            steps.append(abs(l - r) / 255)
          }
          t += 2
        }
      }
    }
    func median(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.sorted()[v.count / 2] }
    return (median(depths), median(steps))
  }
}
