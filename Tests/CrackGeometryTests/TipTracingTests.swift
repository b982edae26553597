import CrackGeometry
import Foundation
import Testing

/// Crack tips placed by the photo's grey levels: a mask that stops short of the crack is
/// extended to where the crack ends, one that runs past it is trimmed, and neither a stain
/// beside the crack's line nor a faint crack is followed.
struct TipTracingTests {
  let extractor = CrackExtractor(threshold: 0.5, minimumLengthPx: 10)

  /// A photo of a crack `width` px wide at `angle`° from `along` -80 to +80 px about the
  /// centre, with round ends (so 160 + `width` px long from end to end), dark grey `crackGrey` on grainy concrete; and a mask of it from
  /// `maskFrom` to `maskTo` along it, 2 px wider than the crack, as a model's mask is.
  /// `stain`: a dark patch from along 80 onwards, on one side of the crack's line only.
  func photo(
    width: Double, angle: Double, maskFrom: Double, maskTo: Double, crackGrey: Double = 45,
    stain: Bool = false
  ) -> (GreyImage, Mask) {
    let size = 260
    var grey = GreyImage(width: size, height: size, repeating: 0)
    var mask = Mask(width: size, height: size, repeating: false)
    var noise = SystemRandomNumberGenerator()
    let (ux, uy) = (cos(angle * .pi / 180), -sin(angle * .pi / 180))
    for y in 0..<size {
      for x in 0..<size {
        let (dx, dy) = (Double(x) - 130.3, Double(y) - 129.6)
        let along = dx * ux + dy * uy
        let side = -dx * uy + dy * ux
        let across = abs(side)
        // Round ends, anti-aliased edges: coverage falls off over one pixel.
        let beyond = max(0, abs(along) - 80)
        let distance = (beyond * beyond + across * across).squareRoot()
        let cover = min(1, max(0, width / 2 + 0.5 - distance))
        var concrete = 150 + Double.random(in: -12...12, using: &noise)
        if stain && along > 80 && along < 120 && side > 0 && side < 20 { concrete = 60 }
        grey[x, y] = UInt8((concrete * (1 - cover) + crackGrey * cover).rounded())
        mask[x, y] = along >= maskFrom && along <= maskTo && across < (width + 2) / 2
      }
    }
    return (grey, mask)
  }

  @Test(arguments: [(2.0, 0.0), (3.0, 35.0), (5.0, 120.0)])
  func aMaskThatStopsShortIsExtendedToTheCracksEnds(_ c: (width: Double, angle: Double)) throws {
    let (grey, mask) = photo(width: c.width, angle: c.angle, maskFrom: -60, maskTo: 50)
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
    let (grey, mask) = photo(width: 4, angle: 10, maskFrom: -80, maskTo: 89)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(fromMask.lengthPx > 168, "the mask alone runs past the end: \(fromMask.lengthPx) px")
    #expect(abs(crack.lengthPx - 164) <= 2, "length \(crack.lengthPx) px, truth 164")
  }

  /// A dark patch on one side of where the crack would go on is an edge, not a line: its
  /// corner at the crack's end may look like one for a few pixels, its 40 px edge does not.
  @Test func aStainBesideTheLineIsNotFollowed() throws {
    let (grey, mask) = photo(width: 3, angle: 0, maskFrom: -80, maskTo: 70, stain: true)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(crack.lengthPx >= 161 && crack.lengthPx <= 171, "length \(crack.lengthPx) px, truth 163")
  }

  /// A crack about as dark as the concrete's grain cannot be followed: the mask's tips stand.
  @Test func aFaintCrackKeepsTheMasksTips() throws {
    let (grey, mask) = photo(width: 3, angle: 0, maskFrom: -60, maskTo: 50, crackGrey: 135)
    let fromMask = try #require(extractor.cracks(in: mask).first)
    let crack = try #require(extractor.cracks(in: mask, grey: grey).first)
    #expect(abs(crack.lengthPx - fromMask.lengthPx) < 1e-9)
  }
}
