import CrackGeometry
import Foundation
import Testing

/// Widths measured from grey levels, on photos of cracks whose width we know: drawn dark
/// (grey 45) on textured concrete (grey 150 with grain), anti-aliased, and found by a mask
/// two pixels fatter than the crack, as the model's masks of thin cracks are.
struct PhotometricWidthTests {
  let extractor = CrackExtractor(threshold: 0.5, minimumLengthPx: 10)

  /// A photo of a straight crack `width` px wide at `angle`°, and a mask `fat` px wider.
  func photo(width: Double, angle: Double, fat: Double, crackGrey: Double = 45) -> (GreyImage, Mask) {
    let size = 240
    var grey = GreyImage(width: size, height: size, repeating: 0)
    var mask = Mask(width: size, height: size, repeating: false)
    var noise = SystemRandomNumberGenerator()
    let (ux, uy) = (cos(angle * .pi / 180), -sin(angle * .pi / 180))
    for y in 0..<size {
      for x in 0..<size {
        let (dx, dy) = (Double(x) - 120.3, Double(y) - 119.6)
        let along = dx * ux + dy * uy
        let across = abs(-dx * uy + dy * ux)
        // Share of the pixel the crack covers (a one-pixel ramp at each edge), within its length.
        let cover = abs(along) < 80 ? min(1, max(0, width / 2 + 0.5 - across)) : 0
        let concrete = 150 + Double.random(in: -12...12, using: &noise)
        grey[x, y] = UInt8((concrete * (1 - cover) + crackGrey * cover).rounded())
        mask[x, y] = abs(along) < 80 && across < (width + fat) / 2
      }
    }
    return (grey, mask)
  }

  @Test(arguments: [(2.0, 0.0), (2.5, 30.0), (3.0, 45.0), (4.5, 100.0), (6.0, 160.0)])
  func greyLevelsGiveTheCracksOwnWidth(_ c: (width: Double, angle: Double)) throws {
    let (grey, mask) = photo(width: c.width, angle: c.angle, fat: 2)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(fromMask.meanWidthPx - c.width > 1.4, "the fat mask alone over-measures")
    #expect(abs(crack.meanWidthPx - c.width) <= 0.25, "mean \(crack.meanWidthPx) px, truth \(c.width)")
    #expect(abs(crack.maxWidthPx - c.width) <= 0.5, "max \(crack.maxWidthPx) px, truth \(c.width)")
    // The mask ends where the crack does: its tips, placed by the photo (TipTracingTests), stay put.
    #expect(
      abs(crack.lengthPx - fromMask.lengthPx) <= 2, "length \(crack.lengthPx) px, mask's \(fromMask.lengthPx)"
    )
  }

  /// A mark no darker than the concrete gives no grey-level width: the mask's stands.
  @Test func withoutContrastTheMaskWidthStands() throws {
    let (grey, mask) = photo(width: 3, angle: 20, fat: 2, crackGrey: 150)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(crack.meanWidthPx == fromMask.meanWidthPx)
    #expect(crack.maxWidthPx == fromMask.maxWidthPx)
  }
}
