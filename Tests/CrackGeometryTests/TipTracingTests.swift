import CrackGeometry
import Foundation
import Testing

/// Crack tips placed by the photo's grey levels: a mask that stops short of the crack is
/// extended to where the crack ends, one that runs past it is trimmed, and neither a stain
/// beside the crack's line nor a faint crack is followed.
struct TipTracingTests {
  let extractor = CrackExtractor(threshold: 0.5, minimumLengthPx: 10)

  /// `crackPhoto` with round ends (160 + `width` px long) on a larger photo, so that
  /// traces have room beyond the ends.
  func photo(
    width: Double, angle: Double, mask: ClosedRange<Double>, crackGrey: Double = 45, stain: Bool = false
  ) -> (GreyImage, Mask) {
    crackPhoto(
      width: width, angle: angle, size: 260, crackGrey: crackGrey, roundEnds: true, mask: mask, stain: stain)
  }

  @Test(arguments: [(2.0, 0.0), (3.0, 35.0), (5.0, 120.0)])
  func aMaskThatStopsShortIsExtendedToTheCracksEnds(_ c: (width: Double, angle: Double)) throws {
    let (grey, mask) = photo(width: c.width, angle: c.angle, mask: -60...50)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(fromMask.lengthPx < 125, "the mask alone is short: \(fromMask.lengthPx) px")
    #expect(abs(crack.lengthPx - (160 + c.width)) <= 3, "length \(crack.lengthPx) px, truth \(160 + c.width)")
    // The traced tips are part of the polyline: its ends lie at the crack's ends.
    let ends = crack.polylines.flatMap { [$0.first!, $0.last!] }
    let (ux, uy) = (cos(c.angle * .pi / 180), -sin(c.angle * .pi / 180))
    let along = ends.map { ($0.x - 130.3) * ux + ($0.y - 129.6) * uy }
    let end = 80 + c.width / 2
    #expect(
      abs(along.min()! + end) <= 2.5 && abs(along.max()! - end) <= 2.5, "ends at \(along), truth ±\(end)")
  }

  /// Trimmed within the skeleton's last 10 pixels, where the model's masks run on (a
  /// mask that runs on further keeps its tip: a real crack fades towards its tip, and
  /// trimming deeper cut real cracks short of their labels).
  @Test func aMaskThatRunsPastTheCrackIsTrimmed() throws {
    let (grey, mask) = photo(width: 4, angle: 10, mask: -80...89)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(fromMask.lengthPx > 168, "the mask alone runs past the end: \(fromMask.lengthPx) px")
    #expect(abs(crack.lengthPx - 164) <= 2, "length \(crack.lengthPx) px, truth 164")
  }

  /// A dark patch beyond the tip, on one side of where the crack would go on, is not a
  /// line: a trace's darkness is measured against the concrete around it, and inside the
  /// patch there is none. Its corner at the crack's end may pass for a few pixels; its
  /// 40 px do not (measuring against plain concrete instead follows it to the end).
  @Test func aStainBesideTheLineIsNotFollowed() throws {
    let (grey, mask) = photo(width: 3, angle: 0, mask: -80...70, stain: true)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(crack.lengthPx >= 161 && crack.lengthPx <= 171, "length \(crack.lengthPx) px, truth 163")
  }

  /// A crack about as dark as the concrete's grain cannot be followed: the mask's tips stand.
  @Test func aFaintCrackKeepsTheMasksTips() throws {
    let (grey, mask) = photo(width: 3, angle: 0, mask: -60...50, crackGrey: 135)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(abs(crack.lengthPx - fromMask.lengthPx) < 1e-9)
  }
}
