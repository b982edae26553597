import CrackGeometry
import Foundation
import ONNXModel

/// Is a line the crack net found a crack, or a joint, a formwork or board mark, a groove, an
/// edge or a stain? The net sees 256-pixel patches and fires on any thin dark line; whether a
/// line is straight and even, one of a family of parallel and square lines, or a step in
/// brightness rather than a valley is a question about the whole line and the photo around
/// it. The verifier weighs `CrackFeatures` (a logistic regression trained by
/// `tools/train/verifier.py` on the crack net's training images and crack-free concrete, its
/// cut-off chosen on the select split; `crackverifier.json`, described in the model card) and
/// sets aside the lines it does not believe.
public struct CrackVerifier: Sendable, Decodable {
  public let name: String
  public let version: String
  let features: [String]
  let mean: [Double]
  let scale: [Double]
  let weights: [Double]
  let bias: Double
  /// A line is a crack at or above this probability.
  public let cutoff: Double

  /// The bundled verifier: `$CRACKMON_VERIFIER` if set, else `crackverifier.json` beside the
  /// crack model.
  public static func bundled() throws(ModelError) -> CrackVerifier {
    guard let url = SegmentationModel.bundledURL(file: "crackverifier.json", environment: "CRACKMON_VERIFIER")
    else {
      throw .missingFile(
        path:
          "crackverifier.json (no crackmon_Segmentation.resources folder beside the binary; set CRACKMON_VERIFIER, or give --all-lines to keep every line the crack net finds)"
      )
    }
    return try load(url)
  }

  public static func load(_ url: URL) throws(ModelError) -> CrackVerifier {
    guard let bytes = FileManager.default.contents(atPath: url.path) else {
      throw .missingFile(path: url.path)
    }
    let verifier: CrackVerifier
    do {
      verifier = try JSONDecoder().decode(CrackVerifier.self, from: bytes)
    } catch {
      throw .unsupported(path: url.path, detail: "not a crack verifier: \(Self.reason(error))")
    }
    // Weights for other features, or in another order, would weigh the wrong figures.
    guard verifier.features == CrackFeatures.names,
      [verifier.mean.count, verifier.scale.count, verifier.weights.count].allSatisfy({
        $0 == verifier.features.count
      }),
      verifier.scale.allSatisfy({ $0 > 0 })
    else {
      throw .unsupported(
        path: url.path,
        detail: "its features are \(verifier.features), crackmon computes \(CrackFeatures.names)")
    }
    return verifier
  }

  /// What is wrong with a file, in a few words rather than the decoder's own.
  private static func reason(_ error: any Error) -> String {
    func field(_ path: [any CodingKey]) -> String { path.map(\.stringValue).joined(separator: ".") }
    switch error as? DecodingError {
    case .keyNotFound(let key, let context)?: return "\"\(field(context.codingPath + [key]))\" is missing"
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
      return "\"\(field(context.codingPath))\" is not what it should be"
    case .dataCorrupted?: return "not valid JSON"
    default: return "unreadable"
    }
  }

  /// The probability that a line with these features is a crack.
  public func probability(_ features: CrackFeatures) -> Double {
    var z = bias
    for i in weights.indices { z += weights[i] * (features.values[i] - mean[i]) / scale[i] }
    return 1 / (1 + exp(-z))
  }

  /// The cracks of one photo, and the lines set aside as not cracks. `shrink`: how many times
  /// the photo was shrunk for the crack net.
  public func verify(_ cracks: [Crack], grey: GreyImage, shrink: Double) -> (
    cracks: [Crack], notCracks: [Crack]
  ) {
    var kept: [Crack] = []
    var set: [Crack] = []
    for crack in cracks {
      let features = CrackFeatures(
        of: crack, among: cracks, grey: grey, shrink: shrink, imageWidth: grey.width, imageHeight: grey.height
      )
      if probability(features) >= cutoff { kept.append(crack) } else { set.append(crack) }
    }
    return (kept, set)
  }
}
