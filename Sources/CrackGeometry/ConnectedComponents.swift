/// 8-connected components of a mask, each as the list of its pixel indices (row-major).
///
/// Cost: one pass with an explicit stack; no recursion, so a 100 MP mask cannot blow the stack.
func connectedComponents(_ mask: Mask) -> [[Int]] {
  var seen = [Bool](repeating: false, count: mask.values.count)
  var components: [[Int]] = []
  var stack: [Int] = []
  for start in mask.values.indices where mask.values[start] && !seen[start] {
    var pixels: [Int] = []
    seen[start] = true
    stack.append(start)
    while let index = stack.popLast() {
      pixels.append(index)
      let x = index % mask.width
      let y = index / mask.width
      for (dx, dy) in neighbourOffsets {
        let nx = x + dx
        let ny = y + dy
        guard mask.contains(nx, ny) else { continue }
        let n = ny * mask.width + nx
        if mask.values[n] && !seen[n] {
          seen[n] = true
          stack.append(n)
        }
      }
    }
    components.append(pixels)
  }
  return components
}

extension Raster where Value == Bool {
  /// The components of this mask that hold any of `cracks`' measured centreline points: the
  /// pixels of the cracks kept, when some of those measured in it were set aside.
  public func components(holding cracks: [Crack]) -> Mask {
    var out = Mask(width: width, height: height, repeating: false)
    var wanted = Set<Int>()
    for crack in cracks {
      for sample in crack.widthProfilePx {
        let (x, y) = (Int(sample.point.x.rounded()), Int(sample.point.y.rounded()))
        if contains(x, y), self[x, y] { wanted.insert(y * width + x) }
      }
    }
    guard !wanted.isEmpty else { return out }
    for component in connectedComponents(self) where component.contains(where: wanted.contains) {
      for i in component { out.values[i] = true }
    }
    return out
  }
}
