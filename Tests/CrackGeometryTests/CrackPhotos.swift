import CrackGeometry
import Foundation

/// A photo of one straight crack whose every dimension is known, and a mask of it as a
/// model would give: the crack `width` px wide at `angle`° (counter-clockwise on screen),
/// running from -80 to +80 px along itself about the photo's centre, dark grey
/// `crackGrey` on grainy concrete (grey 150 ± 12), anti-aliased over one pixel. With
/// `roundEnds` it is capped by half-discs (so 160 + `width` px long from end to end),
/// else cut square. The mask covers `mask` along the crack and is `fat` px wider than it.
/// `stain`: a dark patch (grey 60) from 80 to 120 px along, on one side of the line only.
func crackPhoto(
  width: Double, angle: Double, size: Int = 240, crackGrey: Double = 45, roundEnds: Bool = false,
  mask maskSpan: ClosedRange<Double> = -80...80, fat: Double = 2, stain: Bool = false
) -> (GreyImage, Mask) {
  var grey = GreyImage(width: size, height: size, repeating: 0)
  var mask = Mask(width: size, height: size, repeating: false)
  var noise = SystemRandomNumberGenerator()
  let centre = (x: Double(size) / 2 + 0.3, y: Double(size) / 2 - 0.4)
  let (ux, uy) = (cos(angle * .pi / 180), -sin(angle * .pi / 180))
  for y in 0..<size {
    for x in 0..<size {
      let (dx, dy) = (Double(x) - centre.x, Double(y) - centre.y)
      let along = dx * ux + dy * uy
      let side = -dx * uy + dy * ux
      let across = abs(side)
      let beyond = max(0, abs(along) - 80)
      // Share of the pixel the crack covers: a one-pixel ramp at each edge.
      let cover =
        roundEnds
        ? min(1, max(0, width / 2 + 0.5 - (beyond * beyond + across * across).squareRoot()))
        : beyond > 0 ? 0 : min(1, max(0, width / 2 + 0.5 - across))
      var concrete = 150 + Double.random(in: -12...12, using: &noise)
      if stain && along > 80 && along < 120 && side > 0 && side < 20 { concrete = 60 }
      grey[x, y] = UInt8((concrete * (1 - cover) + crackGrey * cover).rounded())
      mask[x, y] = maskSpan.contains(along) && across < (width + fat) / 2
    }
  }
  return (grey, mask)
}
