/// A crack's centreline in projected metres, laid out flat for the distance tests that
/// tracking runs millions of times: vertices as (x, y) pairs and segments as (ax, ay, bx, by),
/// a one-point branch being a zero-length segment.
final class Centreline: Sendable {
  let vertices: [Double]
  let segments: [Double]

  init(_ branches: [[(Double, Double)]]) {
    var vertices: [Double] = []
    var segments: [Double] = []
    for branch in branches {
      for p in branch { vertices.append(p.0); vertices.append(p.1) }
      if branch.count == 1 {
        segments.append(contentsOf: [branch[0].0, branch[0].1, branch[0].0, branch[0].1])
      }
      for k in branch.indices.dropLast() {
        segments.append(branch[k].0)
        segments.append(branch[k].1)
        segments.append(branch[k + 1].0)
        segments.append(branch[k + 1].1)
      }
    }
    self.vertices = vertices
    self.segments = segments
  }

  var isEmpty: Bool { vertices.isEmpty }

  /// The farthest vertex from a point.
  func reach(from p: (easting: Double, northing: Double)) -> Double {
    var farthest = 0.0
    for i in stride(from: 0, to: vertices.count, by: 2) {
      let (dx, dy) = (vertices[i] - p.easting, vertices[i + 1] - p.northing)
      farthest = max(farthest, dx * dx + dy * dy)
    }
    return farthest.squareRoot()
  }

  /// Symmetric Hausdorff distance, measured from each one's vertices to the other's
  /// segments; stops early, returning some value above `limit`, once it exceeds it.
  func hausdorff(_ other: Centreline, limit: Double = .infinity) -> Double {
    let forward = directed(to: other, limit: limit)
    guard forward <= limit else { return forward }
    return max(forward, other.directed(to: self, limit: limit))
  }

  /// The vertices as points.
  var points: [(Double, Double)] {
    stride(from: 0, to: vertices.count, by: 2).map { (vertices[$0], vertices[$0 + 1]) }
  }

  /// The farthest of its vertices from the other's segments; stops early, returning some
  /// value above `limit`, once it exceeds it.
  func directed(to other: Centreline, limit: Double = .infinity) -> Double {
    let limitSquared = limit * limit
    var worst = 0.0
    vertices.withUnsafeBufferPointer { v in
      other.segments.withUnsafeBufferPointer { s in
        var i = 0
        while i < v.count {
          let (px, py) = (v[i], v[i + 1])
          var best = Double.infinity
          var k = 0
          while k < s.count {
            let (ax, ay, dx, dy) = (s[k], s[k + 1], s[k + 2] - s[k], s[k + 3] - s[k + 1])
            let lengthSquared = dx * dx + dy * dy
            let t = lengthSquared == 0 ? 0 : max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared))
            let (ex, ey) = (px - ax - t * dx, py - ay - t * dy)
            best = min(best, ex * ex + ey * ey)
            k += 4
          }
          worst = max(worst, best)
          if worst > limitSquared { return }
          i += 2
        }
      }
    }
    return worst.squareRoot()
  }
}
