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
