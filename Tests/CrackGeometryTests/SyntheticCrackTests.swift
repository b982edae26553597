import CrackGeometry
import Foundation
import Testing

/// Masks drawn from shapes whose length, width and angle we know.
enum Draw {
  /// A straight crack: a rectangle of `length` × `width` centred on (cx, cy), rotated
  /// `angle` degrees counter-clockwise on screen. A pixel is in when its centre is.
  static func line(
    into mask: inout Mask, cx: Double, cy: Double, length: Double, width: Double, angle: Double
  ) {
    let ux = cos(angle * .pi / 180)
    let uy = -sin(angle * .pi / 180)  // image y points down
    for y in 0..<mask.height {
      for x in 0..<mask.width {
        let dx = Double(x) - cx
        let dy = Double(y) - cy
        let along = dx * ux + dy * uy
        let across = -dx * uy + dy * ux
        if abs(along) < length / 2, abs(across) < width / 2 { mask[x, y] = true }
      }
    }
  }

  /// An arc of a circle (centre, radius), from `start` to `end` degrees, of a given width.
  static func arc(
    into mask: inout Mask, cx: Double, cy: Double, radius: Double, width: Double, start: Double, end: Double
  ) {
    for y in 0..<mask.height {
      for x in 0..<mask.width {
        let dx = Double(x) - cx
        let dy = cy - Double(y)
        var angle = atan2(dy, dx) * 180 / .pi
        if angle < 0 { angle += 360 }
        let r = (dx * dx + dy * dy).squareRoot()
        if abs(r - radius) < width / 2, angle >= start, angle <= end { mask[x, y] = true }
      }
    }
  }
}

func angleDifference(_ a: Double, _ b: Double) -> Double {
  let d = abs(a - b).truncatingRemainder(dividingBy: 180)
  return min(d, 180 - d)
}

struct SyntheticCrackTests {
  let extractor = CrackExtractor(threshold: 0.5, minimumLengthPx: 10)

  static let straightCases: [(width: Double, angle: Double)] = [1, 3, 4, 5, 8].flatMap { w in
    [0.0, 30, 45, 60, 90, 135].map { (w, $0) }
  }

  @Test(arguments: straightCases)
  func straightLine(_ c: (width: Double, angle: Double)) throws {
    var mask = Mask(width: 300, height: 300, repeating: false)
    // Even widths are centred between pixels, so the axis-aligned lines are exactly `width` wide.
    let offset = c.width.truncatingRemainder(dividingBy: 2) == 0 ? 0.5 : 0
    Draw.line(into: &mask, cx: 150 + offset, cy: 150 + offset, length: 200, width: c.width, angle: c.angle)
    // A rotated raster is not exactly `width` wide: pixel centres fall inside the
    // rectangle at a spacing that depends on the angle. Its true width is area / length.
    let rasterWidth = Double(mask.values.filter { $0 }.count) / 200
    let cracks = extractor.cracks(in: mask)
    let crack = try #require(
      cracks.count == 1 ? cracks.first : nil, "expected one crack, got \(cracks.count)")
    #expect(abs(crack.lengthPx - 200) / 200 < 0.02, "length \(crack.lengthPx)")
    #expect(abs(crack.meanWidthPx - rasterWidth) <= 0.5, "mean width \(crack.meanWidthPx) vs \(rasterWidth)")
    let profileMean = crack.widthProfilePx.map(\.widthPx).reduce(0, +) / Double(crack.widthProfilePx.count)
    #expect(abs(profileMean - rasterWidth) <= 0.6, "width profile mean \(profileMean) vs \(rasterWidth)")
    #expect(abs(crack.maxWidthPx - rasterWidth) <= 1.0, "max width \(crack.maxWidthPx) vs \(rasterWidth)")
    #expect(angleDifference(crack.orientationDeg, c.angle) < 2, "orientation \(crack.orientationDeg)")
    // The centreline runs to the crack's ends, not to where thinning stopped half a width
    // short: growth at the tips compares where a crack ended in each cycle. (Along the crack:
    // at a square end the skeleton may run into a corner.)
    let (ux, uy) = (cos(c.angle * .pi / 180), -sin(c.angle * .pi / 180))
    let ends = crack.polylines.flatMap { [$0.first!, $0.last!] }
    let along: [Double] = ends.map { end in
      let (dx, dy) = (end.x - 150 - offset, end.y - 150 - offset)
      return dx * ux + dy * uy
    }
    for side in [-1.0, 1.0] {
      let reach = along.map { side * $0 }.max() ?? 0
      #expect(abs(reach - 100) <= 1.5, "the centreline reaches \(reach) px of 100 towards \(side)")
    }
  }

  @Test func curvedLine() throws {
    var mask = Mask(width: 300, height: 300, repeating: false)
    Draw.arc(into: &mask, cx: 40, cy: 260, radius: 180, width: 3, start: 5, end: 85)
    let crack = try #require(extractor.cracks(in: mask).first)
    let trueLength = 180 * 80 * Double.pi / 180
    #expect(abs(crack.lengthPx - trueLength) / trueLength < 0.02, "length \(crack.lengthPx) vs \(trueLength)")
    #expect(abs(crack.meanWidthPx - 3) <= 0.5, "mean width \(crack.meanWidthPx)")
    // The arc is symmetric about 45°, so its principal axis is perpendicular to that: 135°.
    #expect(angleDifference(crack.orientationDeg, 135) < 2, "orientation \(crack.orientationDeg)")
  }

  @Test func branchedLine() throws {
    var mask = Mask(width: 300, height: 300, repeating: false)
    Draw.line(into: &mask, cx: 150, cy: 150, length: 200, width: 3, angle: 0)
    // A branch of 80 px from the middle of the main crack, at 60°.
    let bx = 150 + 40 * cos(60 * Double.pi / 180)
    let by = 150 - 40 * sin(60 * Double.pi / 180)
    Draw.line(into: &mask, cx: bx, cy: by, length: 80, width: 3, angle: 60)
    let cracks = extractor.cracks(in: mask)
    let crack = try #require(cracks.count == 1 ? cracks.first : nil)
    #expect(crack.polylines.count >= 3, "a Y has three branches, got \(crack.polylines.count)")
    // The branch overlaps the main crack by half its width.
    let trueLength = 200 + 80 - 1.5
    #expect(abs(crack.lengthPx - trueLength) / trueLength < 0.02, "length \(crack.lengthPx) vs \(trueLength)")
    #expect(abs(crack.meanWidthPx - 3) <= 0.5, "mean width \(crack.meanWidthPx)")
  }

  @Test func pinholesInAWideCrackDoNotDoubleItsLength() throws {
    // A 16 px wide crack with pale grains in its floor: thinning would run round each.
    var mask = Mask(width: 300, height: 100, repeating: false)
    Draw.line(into: &mask, cx: 150, cy: 50, length: 240, width: 16, angle: 0)
    let rasterWidth = Double(mask.values.filter { $0 }.count) / 240
    for x in stride(from: 50, to: 250, by: 25) {
      mask[x, 48] = false
      mask[x + 1, 48] = false
      mask[x, 49] = false
    }
    let crack = try #require(extractor.cracks(in: mask).first)
    #expect(abs(crack.lengthPx - 240) / 240 < 0.02, "length \(crack.lengthPx)")
    #expect(abs(crack.meanWidthPx - rasterWidth) <= 0.5, "mean width \(crack.meanWidthPx) vs \(rasterWidth)")

    // A loop of cracks round a large patch of concrete stays a loop: both sides count.
    var loop = Mask(width: 200, height: 200, repeating: false)
    Draw.line(into: &loop, cx: 100, cy: 40, length: 120, width: 3, angle: 0)
    Draw.line(into: &loop, cx: 100, cy: 160, length: 120, width: 3, angle: 0)
    Draw.line(into: &loop, cx: 40, cy: 100, length: 120, width: 3, angle: 90)
    Draw.line(into: &loop, cx: 160, cy: 100, length: 120, width: 3, angle: 90)
    let square = try #require(extractor.cracks(in: loop).first)
    #expect(abs(square.lengthPx - 480) / 480 < 0.03, "loop length \(square.lengthPx)")
  }

  @Test func bumpsOnAWideCrackEdgeAreNotBranches() throws {
    // A 12 px wide crack whose edges carry 3 x 7 px bumps: each grows a twig when thinned.
    var mask = Mask(width: 300, height: 100, repeating: false)
    Draw.line(into: &mask, cx: 150, cy: 50, length: 240, width: 12, angle: 0)
    for x in stride(from: 50, to: 250, by: 20) {
      for dx in 0..<3 {
        for dy in 0..<7 {
          mask[x + dx, 44 - dy] = true
          mask[x + 10 + dx, 56 + dy] = true
        }
      }
    }
    let crack = try #require(extractor.cracks(in: mask).first)
    #expect(
      abs(crack.lengthPx - 240) / 240 < 0.02, "length \(crack.lengthPx), \(crack.polylines.count) polylines")
  }

  @Test func specksAreDroppedAndCracksSeparated() {
    var mask = Mask(width: 200, height: 100, repeating: false)
    Draw.line(into: &mask, cx: 50, cy: 50, length: 60, width: 2, angle: 90)
    Draw.line(into: &mask, cx: 140, cy: 50, length: 80, width: 3, angle: 20)
    mask[10, 10] = true
    mask[11, 10] = true
    mask[180, 90] = true
    let cracks = extractor.cracks(in: mask)
    #expect(cracks.count == 2)
    // Pixel centres strictly inside: the 60 px line covers 59 rows, the other 80 px.
    #expect(cracks.count == 2)
    #expect(
      abs(cracks[0].lengthPx - 80) < 1.6 && abs(cracks[1].lengthPx - 59) < 1.2, "\(cracks.map(\.lengthPx))")
  }

  @Test func confidenceAndMillimetres() throws {
    var mask = Mask(width: 100, height: 40, repeating: false)
    Draw.line(into: &mask, cx: 50, cy: 20, length: 80, width: 3, angle: 0)
    let probability = ProbabilityMap(width: 100, height: 40, values: mask.values.map { $0 ? 0.8 : 0.1 })
    let crack = try #require(extractor.cracks(in: probability).first)
    #expect(abs(crack.confidence - 0.8) < 1e-6)
    let mm = crack.inMillimetres(gsd: 0.25)
    #expect(abs(mm.length - crack.lengthPx * 0.25) < 1e-9)
    #expect(abs(mm.maxWidth - crack.maxWidthPx * 0.25) < 1e-9)
  }

  @Test func emptyAndFullMasks() {
    #expect(extractor.cracks(in: Mask(width: 50, height: 50, repeating: false)).isEmpty)
    // A solid blob thins to a speck: not a crack, and no crash.
    let blob = extractor.cracks(in: Mask(width: 30, height: 30, repeating: true))
    #expect(blob.count <= 1)
  }
}
