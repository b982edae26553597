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
  /// Run first on every photo; a photo it flags is not segmented. Nil: every photo is.
  public let sceneCheck: SceneCheck?
  /// Run on every line the crack net finds; the lines it does not believe are set aside
  /// (`Found.notCracks`). Nil: every line is a crack.
  public let verifier: CrackVerifier?

  /// `maxPixels`: photos with more pixels are refused before decoding.
  public init(
    segmenter: Segmenter, sceneCheck: SceneCheck? = nil, verifier: CrackVerifier? = nil,
    maxPixels: Int = 200_000_000
  ) {
    self.segmenter = segmenter
    self.sceneCheck = sceneCheck
    self.verifier = verifier
    extractor = CrackExtractor(threshold: segmenter.model.threshold)
    decoder = ImageDecoder(maxPixels: maxPixels)
  }

  public struct Found {
    /// The photo's upright pixels.
    public var image: RGBImage
    /// Nil when the scene check flagged the photo: it was not segmented, and a photo-sized
    /// map of zeros would only take memory (800 MB at 200 MP).
    public var probability: ProbabilityMap?
    public var cracks: [Crack]
    /// Lines the net found that the verifier judged not to be cracks (joints, edges, marks):
    /// not measured as cracks, kept to be shown.
    public var notCracks: [Crack] = []
    /// The scene check's answer; nil when it was not run.
    public var scene: SceneCheck.Verdict?
    /// How many times the photo was shrunk for the crack model (`InferenceScale`); 1: its
    /// own pixels.
    public var shrink: Double = 1

    /// The crack pixels, as the cracks were measured, and the pixels of the lines set aside;
    /// nil for a flagged photo.
    public func masks(_ extractor: CrackExtractor) -> (cracks: Mask, notCracks: Mask)? {
      guard let probability else { return nil }
      let all = extractor.shrunk(by: shrink).mask(probability)
      guard !notCracks.isEmpty else {
        return (all, Mask(width: all.width, height: all.height, repeating: false))
      }
      return (all.components(holding: cracks), all.components(holding: notCracks))
    }
  }

  /// The cracks of a photo already read into memory (`decoder.read`), turned upright by
  /// its EXIF `orientation`. `millimetresPerPixel`, the photo's scale where known, lets the
  /// scene check refuse a photo taken too far away.
  public func find(in data: Data, path: String, orientation: Int?, millimetresPerPixel: Double? = nil) throws
    -> Found
  {
    let image = try decoder.decode(data, path: path, orientation: orientation)
    let grey = image.grey
    // Where the scale is known, whether the photo resolves cracks depends on how fine its
    // detail is, not its pixels: the shrink is measured first, and then used for the net.
    let detail = millimetresPerPixel == nil ? nil : try segmenter.shrink(image, grey: grey.values)
    let scene = try sceneCheck?.assess(
      image, millimetresPerPixel: millimetresPerPixel, detailShrink: detail ?? 1)
    if let scene, !scene.isUsable {
      return Found(image: image, probability: nil, cracks: [], scene: scene, shrink: detail ?? 1)
    }
    let (probability, shrink) = try segmenter.crackProbabilities(image, grey: grey.values, shrink: detail)
    let lines = extractor.shrunk(by: shrink).cracks(in: probability, grey: grey)
    let verdict = verifier?.verify(lines, grey: grey, shrink: shrink) ?? (cracks: lines, notCracks: [])
    return Found(
      image: image, probability: probability, cracks: verdict.cracks, notCracks: verdict.notCracks,
      scene: scene,
      shrink: shrink)
  }

  public func find(path: String, orientation: Int?, millimetresPerPixel: Double? = nil) throws -> Found {
    try find(
      in: decoder.read(URL(fileURLWithPath: path)), path: path, orientation: orientation,
      millimetresPerPixel: millimetresPerPixel)
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
