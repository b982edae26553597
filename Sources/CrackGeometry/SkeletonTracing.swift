/// Splits a one-pixel skeleton into chains of pixels between nodes (ends and junctions),
/// so that a branched crack becomes several polylines that meet at its junctions.
///
/// Returns pixel centres in skeleton coordinates. A closed loop without any node comes
/// back as one chain that starts and ends at the same pixel.
func traceSkeleton(_ skeleton: Mask) -> [[Point]] {
  let w = skeleton.width
  func neighbours(_ i: Int) -> [Int] {
    let x = i % w
    let y = i / w
    return neighbourOffsets.compactMap { dx, dy in
      skeleton.contains(x + dx, y + dy) && skeleton[x + dx, y + dy] ? (y + dy) * w + x + dx : nil
    }
  }
  let pixels = skeleton.values.indices.filter { skeleton.values[$0] }
  var degree: [Int: Int] = [:]
  for i in pixels { degree[i] = neighbours(i).count }
  let isNode = { (i: Int) in degree[i] != 2 }

  // Edges are walked once: remember each step (from, to) taken.
  var walked = Set<[Int]>()
  var chains: [[Int]] = []
  func walk(from start: Int, via first: Int) {
    guard !walked.contains([start, first]) else { return }
    var chain = [start, first]
    walked.insert([start, first])
    walked.insert([first, start])
    var previous = start
    var current = first
    while !isNode(current), current != start {
      guard
        let next = neighbours(current).first(where: { $0 != previous && !walked.contains([current, $0]) })
      else { break }
      walked.insert([current, next])
      walked.insert([next, current])
      chain.append(next)
      previous = current
      current = next
    }
    chains.append(chain)
  }
  for node in pixels where isNode(node) {
    for n in neighbours(node) { walk(from: node, via: n) }
  }
  // Isolated single pixels (degree 0) are a chain of one.
  for node in pixels where degree[node] == 0 { chains.append([node]) }
  // Loops with no node at all.
  for start in pixels where !isNode(start) {
    if let n = neighbours(start).first, !walked.contains([start, n]) { walk(from: start, via: n) }
  }
  return chains.map { $0.map { Point(Double($0 % w), Double($0 / w)) } }
}

/// Ramer–Douglas–Peucker simplification: drops points closer than `epsilon` to the
/// line through their neighbours.
public func simplify(_ points: [Point], epsilon: Double) -> [Point] {
  guard points.count > 2 else { return points }
  var keep = [Bool](repeating: false, count: points.count)
  keep[0] = true
  keep[points.count - 1] = true
  var stack = [(0, points.count - 1)]
  while let (a, b) = stack.popLast() {
    guard b > a + 1 else { continue }
    var farthest = a
    var distance = 0.0
    for i in (a + 1)..<b {
      let d = distanceToSegment(points[i], points[a], points[b])
      if d > distance {
        distance = d
        farthest = i
      }
    }
    if distance > epsilon {
      keep[farthest] = true
      stack.append((a, farthest))
      stack.append((farthest, b))
    }
  }
  return points.indices.filter { keep[$0] }.map { points[$0] }
}

func distanceToSegment(_ p: Point, _ a: Point, _ b: Point) -> Double {
  let dx = b.x - a.x
  let dy = b.y - a.y
  let lengthSquared = dx * dx + dy * dy
  guard lengthSquared > 0 else { return p.distance(to: a) }
  let t = max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSquared))
  return p.distance(to: Point(a.x + t * dx, a.y + t * dy))
}

func polylineLength(_ points: [Point]) -> Double {
  zip(points, points.dropFirst()).reduce(0) { $0 + $1.0.distance(to: $1.1) }
}
