/// Zhang–Suen thinning (Zhang & Suen, CACM 1984) of the pixels `indices` of a mask:
/// a one-pixel-wide, 8-connected skeleton that keeps the component's topology.
///
/// Works in the component's bounding box (plus a one-pixel margin), so thinning many
/// small cracks in a large photo costs in proportion to the cracks, not the photo.
/// Returns the box, the component alone in it, and its skeleton.
func thin(_ indices: [Int], width: Int) -> (
  box: (x: Int, y: Int, width: Int, height: Int), component: Mask, skeleton: Mask
) {
  var minX = Int.max
  var minY = Int.max
  var maxX = Int.min
  var maxY = Int.min
  for i in indices {
    let x = i % width
    let y = i / width
    minX = min(minX, x)
    maxX = max(maxX, x)
    minY = min(minY, y)
    maxY = max(maxY, y)
  }
  // One pixel of background around the box so neighbours never leave it.
  let bw = maxX - minX + 3
  let bh = maxY - minY + 3
  var grid = Mask(width: bw, height: bh, repeating: false)
  for i in indices { grid[i % width - minX + 1, i / width - minY + 1] = true }
  fillSmallHoles(&grid, maxArea: max(16, indices.count / 20))
  let component = grid

  var toClear: [Int] = []
  var changed = true
  while changed {
    changed = false
    for step in 0..<2 {
      toClear.removeAll(keepingCapacity: true)
      for y in 1..<(bh - 1) {
        for x in 1..<(bw - 1) where grid[x, y] {
          // p2..p9 clockwise from north.
          let p = neighbourOffsets.map { grid[x + $0.0, y + $0.1] }
          let count = p.filter { $0 }.count
          guard (2...6).contains(count) else { continue }
          var transitions = 0
          for k in 0..<8 where !p[k] && p[(k + 1) % 8] { transitions += 1 }
          guard transitions == 1 else { continue }
          // p[0]=N p[2]=E p[4]=S p[6]=W
          if step == 0 {
            guard !(p[0] && p[2] && p[4]), !(p[2] && p[4] && p[6]) else { continue }
          } else {
            guard !(p[0] && p[2] && p[6]), !(p[0] && p[4] && p[6]) else { continue }
          }
          toClear.append(y * bw + x)
        }
      }
      if !toClear.isEmpty {
        changed = true
        for i in toClear { grid.values[i] = false }
      }
    }
  }
  // Zhang–Suen can leave 2-pixel-thick staircase corners; drop pixels whose removal
  // keeps 8-connectivity, so every skeleton pixel has at most the neighbours it needs.
  for y in 1..<(bh - 1) {
    for x in 1..<(bw - 1) where grid[x, y] {
      let n = grid[x, y - 1]
      let e = grid[x + 1, y]
      let s = grid[x, y + 1]
      let w = grid[x - 1, y]
      let corner =
        (n && e && !grid[x - 1, y + 1] && !s && !w) || (e && s && !grid[x - 1, y - 1] && !n && !w)
        || (s && w && !grid[x + 1, y - 1] && !n && !e) || (w && n && !grid[x + 1, y + 1] && !s && !e)
      if corner { grid[x, y] = false }
    }
  }
  return ((minX - 1, minY - 1, bw, bh), component, grid)
}

/// Fills background pockets enclosed by the mask and no larger than `maxArea` pixels.
///
/// A segmented wide crack has pinholes (a pale grain, a pore in its floor); thinning
/// would run round each one, turning a single crack into a ladder of parallel branches
/// and counting its length twice there. Pockets larger than `maxArea` (a twentieth of
/// the crack's area) are real concrete enclosed by a loop of cracks, and are kept.
func fillSmallHoles(_ mask: inout Mask, maxArea: Int) {
  let (w, h) = (mask.width, mask.height)
  var seen = [Bool](repeating: false, count: w * h)
  var stack: [Int] = []
  for start in 0..<(w * h) where !mask.values[start] && !seen[start] {
    // One 4-connected background region; it is a hole unless it reaches the box edge.
    var region: [Int] = []
    var touchesEdge = false
    seen[start] = true
    stack.append(start)
    while let i = stack.popLast() {
      region.append(i)
      let (x, y) = (i % w, i / w)
      if x == 0 || y == 0 || x == w - 1 || y == h - 1 { touchesEdge = true }
      for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
      where nx >= 0 && ny >= 0 && nx < w && ny < h {
        let j = ny * w + nx
        if !mask.values[j] && !seen[j] {
          seen[j] = true
          stack.append(j)
        }
      }
    }
    if !touchesEdge && region.count <= maxArea {
      for i in region { mask.values[i] = true }
    }
  }
}

extension Raster where Value == Bool {
  /// The one-pixel skeleton of every connected region of the mask, each thinned on its own
  /// (as `CrackExtractor` thins a crack), for centreline scores.
  public var skeleton: Mask {
    var out = Mask(width: width, height: height, repeating: false)
    for component in connectedComponents(self) {
      let (box, _, skeleton) = thin(component, width: width)
      for y in 0..<box.height {
        for x in 0..<box.width where skeleton[x, y] { out[box.x + x, box.y + y] = true }
      }
    }
    return out
  }
}
