import CrackGeometry
import Foundation
import Imaging

/// Photo -> upright pixels -> crack probability map -> measured cracks: the whole
/// segmentation stage, as `crackmon segment` and `crackmon ingest` both run it.
///
/// One instance runs one photo at a time (the inference engine holds one tile's buffers).
public struct CrackFinder {
  public let segmenter: Segmenter
  public let extractor: CrackExtractor
  public let decoder: ImageDecoder

  /// `maxPixels`: photos with more pixels are refused before decoding.
  public init(segmenter: Segmenter, maxPixels: Int = 200_000_000) {
    self.segmenter = segmenter
    extractor = CrackExtractor(threshold: segmenter.model.threshold)
    decoder = ImageDecoder(maxPixels: maxPixels)
  }

  public struct Found {
    /// The photo's upright pixels.
    public var image: RGBImage
    public var probability: ProbabilityMap
    public var cracks: [Crack]
  }

  /// The cracks of a photo already read into memory (`decoder.read`), turned upright by
  /// its EXIF `orientation`.
  public func find(in data: Data, path: String, orientation: Int?) throws -> Found {
    let image = try decoder.decode(data, path: path, orientation: orientation)
    let probability = try segmenter.probabilities(image)
    return Found(image: image, probability: probability, cracks: extractor.cracks(in: probability))
  }

  public func find(path: String, orientation: Int?) throws -> Found {
    try find(in: decoder.read(URL(fileURLWithPath: path)), path: path, orientation: orientation)
  }
}
