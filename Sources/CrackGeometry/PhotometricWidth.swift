/// A photo's grey levels (luminance, 0–255), upright, the size of its probability map.
public typealias GreyImage = Raster<UInt8>

/// Crack width from the photo's grey levels across the crack, not from the mask's edge.
///
/// A segmentation mask is wider than a thin crack: its edge pixels are only partly dark,
/// and the model marks them crack, so a 0.2 mm crack at 0.1 mm/px measures 3–5 px wide
/// from the mask. But a crack of width w whose interior is Δ grey levels darker than the
/// concrete around it takes w × Δ of brightness out of any line across it, however its
/// edges are blurred, anti-aliased or compressed. So along the normal at each skeleton
/// pixel, w = Σ (background − grey) / Δ, summed over the crack and the blur beside it:
/// - background: the median of the profile beyond the mask's edge (both sides);
/// - Δ: background minus the crack's interior grey level: the 10th percentile of the
///   darkest samples of the profiles within 15 skeleton pixels along the crack (a crack's
///   depth, and so its darkness, changes along it). It holds where the crack covers
///   some pixel whole, so for cracks about 2 px wide somewhere in the stretch (0.2 mm at
///   0.1 mm/px); a thinner crack never shows its interior grey level, so its width comes
///   out too large (1.5 px measures about 1.8), as from the mask, never too small.
///
/// Where a profile has too little contrast (a crack no darker than its surroundings, a
/// stain across it) or runs off the photo, the mask's width stands.
struct PhotometricWidth {
  let grey: GreyImage
  /// Below this many grey levels of darkness the sum is noise: the darkest of a dozen
  /// samples of plain concrete is already 10–15 levels below its median.
  var minimumContrast = 24.0
  /// Profile samples per pixel, and the blur allowed beside the mask's edge (pixels).
  let step = 0.5
  let blur = 1.5
  /// Background band beyond the blur (pixels).
  let band = 2.5
  /// Skeleton pixels either side along the crack whose darkest samples set the interior level.
  let stretch = 15

  private struct Profile {
    var background: Double
    var darkest: Double
    var darkness: Double  // Σ (background − grey) × step over the crack and its blur
  }

  /// Widths at skeleton points `points` (image pixels) with unit normals, given the mask's
  /// widths there; nil entries keep the mask's width. `chains` (indices into `points`, in
  /// order along each branch) say which points are neighbours along the crack.
  func widths(at points: [Point], normals: [Point], maskWidths: [Double], chains: [[Int]]) -> [Double?] {
    let profiles = points.indices.map {
      profile(at: points[$0], normal: normals[$0], maskWidth: maskWidths[$0])
    }
    var interior = [Double?](repeating: nil, count: points.count)
    for chain in chains {
      let darkest = chain.map { profiles[$0]?.darkest }
      for (k, i) in chain.enumerated() where interior[i] == nil {
        let window = darkest[max(0, k - stretch)...min(chain.count - 1, k + stretch)].compactMap { $0 }
          .sorted()
        if !window.isEmpty { interior[i] = window[window.count / 10] }
      }
    }
    return profiles.indices.map { i in
      guard let p = profiles[i], let interior = interior[i] else { return nil }
      let contrast = p.background - interior
      guard contrast >= minimumContrast else { return nil }
      return max(0, min(p.darkness / contrast, maskWidths[i]))
    }
  }

  private func profile(at p: Point, normal: Point, maskWidth: Double) -> Profile? {
    let inner = maskWidth / 2 + blur
    let outer = inner + band
    var outside: [Double] = []
    var inside: [Double] = []
    var s = -outer
    while s <= outer + 1e-9 {
      guard let value = grey.bilinear(p.x + s * normal.x, p.y + s * normal.y, outside: nil, { Double($0) })
      else { return nil }
      if abs(s) < inner { inside.append(value) } else { outside.append(value) }
      s += step
    }
    guard outside.count >= 4, let darkest = inside.min() else { return nil }
    outside.sort()
    let background = outside[outside.count / 2]
    // Not clipped at 0: the concrete's grain then cancels instead of adding up.
    let darkness = inside.reduce(0) { $0 + (background - $1) } * step
    return Profile(background: background, darkest: darkest, darkness: darkness)
  }
}
