/// Exact Euclidean distance from each foreground pixel to the nearest background pixel
/// (pixel centre to pixel centre); 0 on background. With `outsideIsBackground`, pixels
/// beyond the raster's edge count as background, so a crack touching the border is not
/// measured as infinitely wide.
///
/// Felzenszwalb & Huttenlocher's separable squared-distance transform: O(width × height).
func distanceTransform(_ mask: Mask, outsideIsBackground: Bool = true) -> Raster<Double> {
  let w = mask.width
  let h = mask.height
  let infinity = Double(w * w + h * h + 1)
  // Pad by one background pixel on every side.
  let pw = w + 2
  let ph = h + 2
  var grid = [Double](repeating: outsideIsBackground ? 0 : infinity, count: pw * ph)
  for y in 0..<h {
    for x in 0..<w { grid[(y + 1) * pw + x + 1] = mask[x, y] ? infinity : 0 }
  }
  var column = [Double](repeating: 0, count: ph)
  var out = [Double](repeating: 0, count: max(pw, ph))
  for x in 0..<pw {
    for y in 0..<ph { column[y] = grid[y * pw + x] }
    squaredDistance1D(column, into: &out)
    for y in 0..<ph { grid[y * pw + x] = out[y] }
  }
  var row = [Double](repeating: 0, count: pw)
  for y in 0..<ph {
    for x in 0..<pw { row[x] = grid[y * pw + x] }
    squaredDistance1D(row, into: &out)
    for x in 0..<pw { grid[y * pw + x] = out[x] }
  }
  var result = Raster<Double>(width: w, height: h, repeating: 0)
  for y in 0..<h {
    for x in 0..<w { result[x, y] = grid[(y + 1) * pw + x + 1].squareRoot() }
  }
  return result
}

/// Lower envelope of parabolas: out[q] = min_p (q - p)² + f[p].
private func squaredDistance1D(_ f: [Double], into out: inout [Double]) {
  let n = f.count
  var v = [Int](repeating: 0, count: n)
  var z = [Double](repeating: 0, count: n + 1)
  var k = 0
  z[0] = -.infinity
  z[1] = .infinity
  for q in 1..<n {
    var s: Double
    repeat {
      let p = v[k]
      s = ((f[q] + Double(q * q)) - (f[p] + Double(p * p))) / Double(2 * q - 2 * p)
      if s <= z[k] { k -= 1 } else { break }
    } while k >= 0
    k += 1
    v[k] = q
    z[k] = s
    z[k + 1] = .infinity
  }
  k = 0
  for q in 0..<n {
    while z[k + 1] < Double(q) { k += 1 }
    let d = Double(q - v[k])
    out[q] = d * d + f[v[k]]
  }
}

extension Raster where Value == Bool {
  /// Pixels within `radius` (Euclidean, centre to centre) of a true pixel: a dilation by
  /// a disk, used for tolerance-based scoring.
  public func dilated(by radius: Double) -> Mask {
    guard radius > 0 else { return self }
    let inverted = Mask(width: width, height: height, values: values.map { !$0 })
    // Distance from every false pixel to the nearest true one; nothing lies outside.
    let distance = distanceTransform(inverted, outsideIsBackground: false)
    return Mask(width: width, height: height, values: zip(values, distance.values).map { $0 || $1 <= radius })
  }
}
