import CrackGeometry
import Foundation
import Testing

/// The figures the crack verifier weighs, on photos whose lines we drew: a crack is a dark
/// valley, an edge is a step; joints come in families.
struct CrackFeaturesTests {
  let extractor = CrackExtractor(threshold: 0.5, minimumLengthPx: 10)

  func value(_ name: String, _ features: CrackFeatures) throws -> Double {
    features.values[try #require(CrackFeatures.names.firstIndex(of: name))]
  }

  func features(_ grey: GreyImage, _ mask: Mask, shrink: Double = 1) -> [CrackFeatures] {
    let cracks = extractor.cracks(in: mask, grey: grey)
    return cracks.map {
      CrackFeatures(
        of: $0, among: cracks, grey: grey, shrink: shrink, imageWidth: grey.width, imageHeight: grey.height)
    }
  }

  @Test(arguments: [0.0, 37.0, 90.0])
  func aDarkLineIsAValleyWithNoStep(_ angle: Double) throws {
    let (grey, mask) = crackPhoto(width: 3, angle: angle)
    let line = try #require(features(grey, mask).first)
    #expect(try value("depth", line) > 0.25, "grey 150 around 45: a deep valley")
    #expect(try value("step_share", line) < 0.2)
    #expect(try value("straightness", line) > 0.98)
    #expect(abs(try value("log_length", line) - log(160)) < 0.1)
  }

  /// The border of a dark member against a light one: a line the net may find, but a step
  /// in brightness, not a valley.
  @Test func anEdgeIsAStep() throws {
    let size = 200
    var grey = GreyImage(width: size, height: size, repeating: 0)
    var mask = Mask(width: size, height: size, repeating: false)
    for y in 0..<size {
      for x in 0..<size {
        grey[x, y] = x < 100 ? 60 : 170
        mask[x, y] = (98...101).contains(x) && (20..<180).contains(y)
      }
    }
    let edge = try #require(features(grey, mask).first)
    // The line lies a pixel or two to one side of the step, so it is darker than one side: a
    // share of the contrast is depth. A valley has none of it as step (above).
    #expect(try value("step_share", edge) > 0.6, "\(edge.values)")
  }

  /// Mortar joints: three long parallel lines and one square to them; each parallel one has two
  /// partners at its own angle and one square to it.
  @Test func jointsComeInFamilies() throws {
    let size = 240
    var grey = GreyImage(width: size, height: size, repeating: 150)
    var mask = Mask(width: size, height: size, repeating: false)
    for y in 0..<size {
      for x in 0..<size {
        let joint = [60, 120, 180].contains { abs(y - $0) <= 1 } && (20..<220).contains(x)
        let square = abs(x - 30) <= 1 && (125..<175).contains(y)
        if joint || square {
          grey[x, y] = 50
          mask[x, y] = true
        }
      }
    }
    let lines = features(grey, mask).sorted { $0.values[0] > $1.values[0] }
    try #require(lines.count == 4)
    for joint in lines.prefix(3) {
      #expect(abs(try value("log_parallel_partners", joint) - log(3)) < 1e-9)
    }
    #expect(try value("log_parallel_partners", lines[3]) == 0)
    #expect(abs(try value("log_square_partners", lines[3]) - log(4)) < 1e-9)
  }

  /// Lengths are in the pixels the net saw: the same line from a photo shrunk twice for the
  /// net is half as long to the verifier.
  @Test func lengthsAreInTheNetsPixels() throws {
    let (grey, mask) = crackPhoto(width: 3, angle: 20)
    let own = try #require(features(grey, mask).first)
    let shrunk = try #require(features(grey, mask, shrink: 2).first)
    #expect(abs(try value("log_length", own) - (try value("log_length", shrunk)) - log(2)) < 1e-9)
  }
}
