import CrackGeometry
import Foundation
import Imaging
import Observations
import Segmentation

/// The segmentation stage of ingest: photo pixels -> cracks, with the model that found them.
///
/// One instance runs one photo at a time (the inference engine holds one tile's buffers).
public struct CrackFinding {
  public let segmenter: Segmenter
  public let extractor: CrackExtractor
  public let decoder: ImageDecoder
  public let scheme: SeverityScheme

  public init(segmenter: Segmenter, scheme: SeverityScheme = .default, maxPixels: Int = 200_000_000) {
    self.segmenter = segmenter
    extractor = CrackExtractor(threshold: segmenter.model.threshold)
    decoder = ImageDecoder(maxPixels: maxPixels)
    self.scheme = scheme
  }

  /// The cracks of one photo, and its upright size.
  func cracks(path: String, orientation: Int?) throws -> (cracks: [Crack], width: Int, height: Int) {
    let image = try decoder.decode(URL(fileURLWithPath: path), orientation: orientation)
    let probability = try segmenter.probabilities(image)
    return (extractor.cracks(in: probability), image.width, image.height)
  }
}
