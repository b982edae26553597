import Imaging

/// How much a photo is shrunk before the crack net sees it, so that its detail is as fine
/// as in the photos the net learnt from.
///
/// The net learnt cracks 1-10 px wide from photos sharp to about the pixel. A photo whose
/// detail is coarser than its pixels (enlarged, a soft lens, a 48 MP sensor behind noise
/// reduction, a phone's digital zoom) shows the same crack wider and softer than anything
/// the net has seen, and the net loses it: UAV75 photos enlarged 2x, 3x and 4x lost 37, 70
/// and 93 % of their crack length (select split, `tools/train/field.py`). Shrinking such a
/// photo back to where its detail is fine gives the net the crack it knows, and costs less.
///
/// Detail is measured as the share of the photo's gradient energy (squared differences of
/// neighbouring grey levels) that survives halving the photo and enlarging it back: a
/// photo sharp to the pixel keeps little (0.09-0.18 for most of the select split, up to
/// 0.41 for its softer drone photos), one enlarged 2x keeps about half (0.44-0.73). The
/// photo is shrunk in steps of 1/8 until the share is at most `keptDetail`. It was chosen
/// on the select splits alone (UAV75 and CFD select, and the wide-crack select), between
/// 0.45 (no select photo shrunk) and 0.3 (the softer drone photos shrunk 1.4-2x): 0.3 kept F1 at
/// 2 px (0.855 and 0.903 on the UAV75 and CFD select, 0.641 against 0.626 on the wide
/// cracks), and found cracks in fewer pieces at 1x and at 2x-4x (UAV75 select: 4.8-6.6
/// per photo against 6.0-8.6), with the length found at 2x-4x within 4 % of 1x.
///
/// It is a property of photographs, whose energy falls with frequency: a texture of white
/// noise enlarged 2x still keeps little, and would not be shrunk.
public enum InferenceScale {
  /// The most gradient energy a halving may keep for a photo to count as sharp to the pixel.
  public static let keptDetail = 0.3
  static let step = 1.125
  static let maxShrink = 8.0
  /// A photo is not shrunk below this many pixels on its shorter side.
  static let minSide = 64

  /// The factor (1 or more) to shrink `grey` (one byte per pixel, row-major) by.
  public static func shrink(grey: [UInt8], width: Int, height: Int) throws(OpenCVError) -> Double {
    var shrink = 1.0
    var current = grey
    var (w, h) = (width, height)
    while shrink * step <= maxShrink {
      guard try detailKeptByHalving(current, width: w, height: h) > keptDetail else { break }
      let next = shrink * step
      let (nw, nh) = (Int((Double(width) / next).rounded()), Int((Double(height) / next).rounded()))
      guard min(nw, nh) >= minSide else { break }
      shrink = next
      (w, h) = (nw, nh)
      current = try Resampling.area.resize(grey, width: width, height: height, to: w, h)
    }
    return shrink
  }

  /// The share of gradient energy left after halving and enlarging back; 0 for a flat image.
  static func detailKeptByHalving(_ grey: [UInt8], width: Int, height: Int) throws(OpenCVError) -> Double {
    guard width >= 4, height >= 4 else { return 0 }
    let half = try Resampling.area.resize(grey, width: width, height: height, to: width / 2, height / 2)
    let back = try Resampling.linear.resize(half, width: width / 2, height: height / 2, to: width, height)
    let before = gradientEnergy(grey, width: width, height: height)
    return before > 0 ? gradientEnergy(back, width: width, height: height) / before : 0
  }

  static func gradientEnergy(_ grey: [UInt8], width: Int, height: Int) -> Double {
    var across = 0
    var down = 0
    grey.withUnsafeBufferPointer { g in
      for y in 0..<height {
        let row = y * width
        for x in 0..<(width - 1) {
          let d = Int(g[row + x + 1]) - Int(g[row + x])
          across += d * d
        }
        if y + 1 < height {
          for x in 0..<width {
            let d = Int(g[row + width + x]) - Int(g[row + x])
            down += d * d
          }
        }
      }
    }
    return Double(across) / Double(height * (width - 1)) + Double(down) / Double((height - 1) * width)
  }
}
