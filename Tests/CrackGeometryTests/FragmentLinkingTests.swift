import CrackGeometry
import Foundation
import Testing

/// One crack, however the model found it (issue 20, part 4): fragments of a crack whose mask
/// breaks where a stretch is faint are linked into one, measured whole; cracks that really
/// are separate stay separate.
struct FragmentLinkingTests {
  let extractor = CrackExtractor(threshold: 0.5, minimumLengthPx: 10)

  /// A stroke of a photo: a straight crack from `from` to `to`, `width` px wide with round
  /// ends, drawn `grey` dark, and in the model's mask or not (a stretch it lost).
  struct Stroke {
    var from: (Double, Double)
    var to: (Double, Double)
    var width = 3.0
    var grey = 45.0
    var inMask = true
  }

  /// Grainy concrete (150 ± 12, the same grain on every run) with the strokes drawn on it,
  /// and the mask of those the model found, 2 px wider than the crack.
  func photo(_ strokes: [Stroke], size: Int = 320) -> (GreyImage, Mask) {
    var grey = GreyImage(width: size, height: size, repeating: 0)
    var mask = Mask(width: size, height: size, repeating: false)
    var state: UInt64 = 2029
    for y in 0..<size {
      for x in 0..<size {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var value = 150 + Double(Int(state >> 33) % 25 - 12)
        for s in strokes {
          let (px, py) = (Double(x), Double(y))
          let (dx, dy) = (s.to.0 - s.from.0, s.to.1 - s.from.1)
          let t = max(0, min(1, ((px - s.from.0) * dx + (py - s.from.1) * dy) / (dx * dx + dy * dy)))
          let d = hypot(px - s.from.0 - t * dx, py - s.from.1 - t * dy)
          let cover = min(1, max(0, s.width / 2 + 0.5 - d))
          value = value * (1 - cover) + s.grey * cover
          if s.inMask && d < (s.width + 2) / 2 { mask[x, y] = true }
        }
        grey[x, y] = UInt8(max(0, min(255, value.rounded())))
      }
    }
    return (grey, mask)
  }

  @Test(arguments: [0.0, 30.0, 110.0])
  func aCrackWhoseMaskBreaksWhereItIsFaintIsOneCrack(_ angle: Double) throws {
    // 200 px along `angle`, its middle 30 px lighter (grey 105) and lost by the model.
    let (c, s) = (cos(angle * .pi / 180), -sin(angle * .pi / 180))
    func at(_ t: Double) -> (Double, Double) { (160 + t * c, 160 + t * s) }
    let (grey, mask) = photo([
      Stroke(from: at(-100), to: at(-15)), Stroke(from: at(-15), to: at(15), grey: 105, inMask: false),
      Stroke(from: at(15), to: at(100)),
    ])
    let cracks = extractor.cracks(in: mask, grey: grey)
    try #require(cracks.count == 1, "\(cracks.count) cracks: \(cracks.map(\.lengthPx))")
    #expect(abs(cracks[0].lengthPx - 203) <= 4, "length \(cracks[0].lengthPx) px, truth 203")
    #expect(abs(cracks[0].maxWidthPx - 3) <= 1)
    // Without the photo there is no line to see: two cracks, as the mask has them.
    #expect(extractor.cracks(in: mask).count == 2)
  }

  @Test func twoCracksInLineWithSoundConcreteBetweenStayTwo() {
    let (grey, mask) = photo([
      Stroke(from: (40, 160), to: (140, 160)), Stroke(from: (175, 160), to: (280, 160)),
    ])
    #expect(extractor.cracks(in: mask, grey: grey).count == 2)
  }

  @Test func parallelCracksStayTwo() {
    let (grey, mask) = photo([
      Stroke(from: (40, 150), to: (200, 150)), Stroke(from: (120, 165), to: (280, 165)),
    ])
    #expect(extractor.cracks(in: mask, grey: grey).count == 2)
  }

  /// End to end, but the second starts 20 px to the side of where the first would go on,
  /// with sound concrete between: two cracks.
  @Test func cracksEndToEndWithAnOffsetStayTwo() {
    let (grey, mask) = photo([
      Stroke(from: (40, 150), to: (150, 150)), Stroke(from: (165, 170), to: (280, 170)),
    ])
    #expect(extractor.cracks(in: mask, grey: grey).count == 2)
  }

  /// A branching crack is one mask and one crack; a fragment that continues one of its
  /// branches across a faint stretch joins it.
  @Test func aBranchAndItsLostContinuationAreOneCrack() throws {
    let (grey, mask) = photo([
      Stroke(from: (30, 160), to: (160, 160)), Stroke(from: (160, 160), to: (260, 110)),
      Stroke(from: (160, 160), to: (210, 185)),
      Stroke(from: (210, 185), to: (230, 195), grey: 105, inMask: false),
      Stroke(from: (230, 195), to: (290, 225)),
    ])
    let cracks = extractor.cracks(in: mask, grey: grey)
    try #require(cracks.count == 1, "\(cracks.count) cracks: \(cracks.map(\.lengthPx))")
    let truth: Double = 130 + (100.0 * 100 + 50 * 50).squareRoot() + (130.0 * 130 + 65 * 65).squareRoot() + 3
    #expect(abs(cracks[0].lengthPx - truth) <= 6, "length \(cracks[0].lengthPx) px, truth \(truth)")
  }
}
