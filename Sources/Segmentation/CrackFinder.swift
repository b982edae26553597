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
    return Found(
      image: image, probability: probability, cracks: extractor.cracks(in: probability, grey: image.grey))
  }

  public func find(path: String, orientation: Int?) throws -> Found {
    try find(in: decoder.read(URL(fileURLWithPath: path)), path: path, orientation: orientation)
  }
}

extension RGBImage {
  /// Luminance with Rec. 601 weights, one byte per pixel: what crack widths are measured
  /// from (a quarter of a 100 MP photo's float probability map).
  var grey: GreyImage {
    var values = [UInt8](repeating: 0, count: width * height)
    pixels.withUnsafeBufferPointer { rgb in
      for i in values.indices {
        let (r, g, b) = (UInt32(rgb[3 * i]), UInt32(rgb[3 * i + 1]), UInt32(rgb[3 * i + 2]))
        values[i] = UInt8((299 * r + 587 * g + 114 * b + 500) / 1000)
      }
    }
    return GreyImage(width: width, height: height, values: values)
  }
}
