import CrackGeometry
import Foundation
import Testing

/// Widths measured from grey levels, on photos of cracks whose width we know (`crackPhoto`),
/// found by a mask two pixels fatter than the crack, as the model's masks of thin cracks are.
struct PhotometricWidthTests {
  let extractor = CrackExtractor(threshold: 0.5, minimumLengthPx: 10)

  @Test(arguments: [(2.0, 0.0), (2.5, 30.0), (3.0, 45.0), (4.5, 100.0), (6.0, 160.0)])
  func greyLevelsGiveTheCracksOwnWidth(_ c: (width: Double, angle: Double)) throws {
    let (grey, mask) = crackPhoto(width: c.width, angle: c.angle)
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

  /// A crack narrower than a pixel still darkens its pixels, but the estimate settles near a
  /// pixel whatever its width: such a crack is marked as below the photo's resolution, and a
  /// crack two pixels or more wide is measured.
  @Test(arguments: [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 2.0, 3.0])
  func aCrackNarrowerThanThePhotoResolvesIsMarkedAsAnEstimate(_ width: Double) throws {
    let (grey, mask) = crackPhoto(width: width, angle: 30, crackGrey: 20)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(crack.widthIsBelowResolution == (width < 1.5), "max \(crack.maxWidthPx) px, truth \(width)")
  }

  /// A mark no darker than the concrete gives no grey-level width: the mask's stands.
  @Test func withoutContrastTheMaskWidthStands() throws {
    let (grey, mask) = crackPhoto(width: 3, angle: 20, crackGrey: 150)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(crack.meanWidthPx == fromMask.meanWidthPx)
    #expect(crack.maxWidthPx == fromMask.maxWidthPx)
  }
}
