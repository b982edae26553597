import CrackGeometry
import Foundation
import Imaging

/// Why a folder of images and masks could not be scored.
public enum EvaluationError: Error, Equatable, CustomStringConvertible, Sendable {
  case noImages(String)
  case noMask(image: String, masks: String)
  case sizeMismatch(mask: String, maskWidth: Int, maskHeight: Int, image: String, width: Int, height: Int)

  public var description: String {
    switch self {
    case .noImages(let folder): "no images in \(folder)"
    case .noMask(let image, let masks): "no mask for \(image) in \(masks)"
    case .sizeMismatch(let mask, let mw, let mh, let image, let w, let h):
      "\(mask) is \(mw)x\(mh) but its image \(image) is \(w)x\(h)"
    }
  }
}

extension SegmentationMetrics {
  /// Scores `segmenter` on every image of a folder against the mask of the same file
  /// stem in another (0 = background, > 127 = crack); `stems` keeps only those listed.
  /// Images are taken as stored (no EXIF rotation), as dataset masks are drawn on them.
  public static func evaluate(
    images: URL, masks: URL, stems: Set<String>? = nil, segmenter: Segmenter, tolerance: Double = 2,
    progress: ((Int, Int) -> Void)? = nil
  ) throws -> Report {
    let fm = FileManager.default
    func stem(_ name: String) -> String {
      URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
    }
    let imageFiles = try fm.contentsOfDirectory(atPath: images.path).filter {
      !$0.hasPrefix(".") && (stems?.contains(stem($0)) ?? true)
    }.sorted()
    guard !imageFiles.isEmpty else { throw EvaluationError.noImages(images.path) }
    let maskFiles = Dictionary(
      try fm.contentsOfDirectory(atPath: masks.path).filter { !$0.hasPrefix(".") }.map { (stem($0), $0) },
      uniquingKeysWith: { a, _ in a })
    let decoder = ImageDecoder()
    var metrics = SegmentationMetrics(threshold: segmenter.model.threshold, tolerance: tolerance)
    for (i, name) in imageFiles.enumerated() {
      guard let maskName = maskFiles[stem(name)] else {
        throw EvaluationError.noMask(image: name, masks: masks.path)
      }
      let image = try decoder.decode(images.appendingPathComponent(name))
      let maskURL = masks.appendingPathComponent(maskName)
      let truth = try Data(contentsOf: maskURL).withUnsafeBytes {
        try PNGCodec.decodeGray($0, maxPixels: decoder.maxPixels)
      }
      guard truth.width == image.width, truth.height == image.height else {
        throw EvaluationError.sizeMismatch(
          mask: maskURL.path, maskWidth: truth.width, maskHeight: truth.height, image: name,
          width: image.width,
          height: image.height)
      }
      metrics.add(
        probability: try segmenter.probabilities(image),
        truth: Mask(width: truth.width, height: truth.height, values: truth.pixels.map { $0 > 127 }))
      progress?(i + 1, imageFiles.count)
    }
    return metrics.report
  }
}
