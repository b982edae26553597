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
  /// `crackFree` photos (files, or folders walked for JPEG, PNG and HEIF photos) have no mask
  /// and no crack: every crack measured on them is false. One that cannot be decoded is
  /// skipped and named in `skipped`, so a folder of assorted photos can be scored.
  /// With `sceneCheck`, every image goes through it first, as in `segment` and `ingest`: a
  /// flagged image counts as one with no crack found (a labelled one loses its recall).
  /// `upscale` enlarges each labelled image (bicubic) and its mask (nearest) that many times
  /// first, as a photo of the same cracks with more pixels; crack length is then found
  /// within 2 px per enlargement of the labels, plus 2.
  /// With `verifier`, the lines it judges not to be cracks are set aside, as in `segment`:
  /// the crack scores and the crack-free figures count only the cracks it keeps (pixel scores
  /// over thresholds are of the probability map, and do not change).
  /// `examine`, when given, sees every image's lines, before the verifier, with their `CrackFeatures` and, for a
  /// labelled image, the share of each crack's centreline within 4 px (per enlargement) of a
  /// label (0 for every crack of a crack-free photo): what the crack verifier learns from.
  public static func evaluate(
    images: URL?, masks: URL?, stems: Set<String>? = nil, crackFree: [URL] = [], segmenter: Segmenter,
    sceneCheck: SceneCheck? = nil, verifier: CrackVerifier? = nil, tolerance: Double = 2, upscale: Int = 1,
    skipped: ((String, any Error) -> Void)? = nil,
    examine: (
      (_ image: String, _ cracks: [Crack], _ features: [CrackFeatures], _ onLabels: [Double]) -> Void
    )? =
      nil,
    progress: ((Int, Int) -> Void)? = nil
  ) throws -> Report {
    let fm = FileManager.default
    func stem(_ name: String) -> String {
      URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
    }
    var imageFiles: [String] = []
    var maskFiles: [String: String] = [:]
    if let images, let masks {
      imageFiles = try fm.contentsOfDirectory(atPath: images.path).filter {
        !$0.hasPrefix(".") && (stems?.contains(stem($0)) ?? true)
      }.sorted()
      guard !imageFiles.isEmpty else { throw EvaluationError.noImages(images.path) }
      maskFiles = Dictionary(
        try fm.contentsOfDirectory(atPath: masks.path).filter { !$0.hasPrefix(".") }.map { (stem($0), $0) },
        uniquingKeysWith: { a, _ in a })
    }
    let decoder = ImageDecoder()
    let extractor = CrackExtractor(threshold: segmenter.model.threshold)
    precondition(upscale >= 1)
    var metrics = SegmentationMetrics(
      threshold: segmenter.model.threshold, tolerance: tolerance,
      lengthTolerance: upscale == 1 ? SegmentationMetrics.centrelineTolerancePx : Double(2 * upscale + 2))
    let cleanPhotos = crackFree.flatMap(photos(under:))
    if imageFiles.isEmpty && cleanPhotos.isEmpty {
      throw EvaluationError.noImages((images ?? crackFree.first)?.path ?? "(no folder given)")
    }
    let total = imageFiles.count + cleanPhotos.count
    for (i, name) in imageFiles.enumerated() {
      guard let images, let masks else { break }  // imageFiles is empty without them
      guard let maskName = maskFiles[stem(name)] else {
        throw EvaluationError.noMask(image: name, masks: masks.path)
      }
      var image = try decoder.decode(images.appendingPathComponent(name))
      let maskURL = masks.appendingPathComponent(maskName)
      var truth = try Data(contentsOf: maskURL).withUnsafeBytes {
        try PNGCodec.decodeGray($0, maxPixels: decoder.maxPixels)
      }
      guard truth.width == image.width, truth.height == image.height else {
        throw EvaluationError.sizeMismatch(
          mask: maskURL.path, maskWidth: truth.width, maskHeight: truth.height, image: name,
          width: image.width,
          height: image.height)
      }
      if upscale > 1 {
        let (w, h) = (image.width * upscale, image.height * upscale)
        image = try image.resized(width: w, height: h, .cubic)
        truth = GrayImage(
          width: w, height: h,
          pixels: try Resampling.nearest.resize(
            truth.pixels, width: truth.width, height: truth.height, to: w, h))
      }
      let grey = image.grey
      let (probability, shrink) = try metrics.probabilities(
        image, grey: grey, segmenter: segmenter, sceneCheck: sceneCheck, labelled: true)
      let labels = Mask(width: truth.width, height: truth.height, values: truth.pixels.map { $0 > 127 })
      metrics.add(probability: probability, truth: labels)
      let shrunk = extractor.shrunk(by: shrink)
      let lines = shrunk.cracks(in: probability, grey: grey)
      let (cracks, measured) = verified(
        lines, verifier, grey: grey, shrink: shrink, mask: shrunk.mask(probability))
      metrics.add(cracks: cracks, measured: measured, truth: labels)
      if let examine {
        let near = labels.dilated(by: SegmentationMetrics.centrelineTolerancePx * Double(upscale))
        examine(
          name, lines, features(lines, grey: grey, shrink: shrink),
          lines.map { Self.share(of: $0, on: near) })
      }
      progress?(i + 1, total)
    }
    for (i, url) in cleanPhotos.enumerated() {
      do {
        let image = try decoder.decode(url)
        let grey = image.grey
        let (probability, shrink) = try metrics.probabilities(
          image, grey: grey, segmenter: segmenter, sceneCheck: sceneCheck, labelled: false)
        let shrunk = extractor.shrunk(by: shrink)
        let lines = shrunk.cracks(in: probability, grey: grey)
        let (cracks, measured) = verified(
          lines, verifier, grey: grey, shrink: shrink, mask: shrunk.mask(probability))
        metrics.add(cracks: cracks, measured: measured, truth: nil)
        examine?(url.path, lines, features(lines, grey: grey, shrink: shrink), lines.map { _ in 0 })
      } catch {
        skipped?(url.path, error)
      }
      progress?(imageFiles.count + i + 1, total)
    }
    return metrics.report
  }

  /// The crack probabilities of an image as `segment` finds them (with the shrink the net
  /// ran at), all zero where the scene check flags it.
  private mutating func probabilities(
    _ image: RGBImage, grey: GreyImage, segmenter: Segmenter, sceneCheck: SceneCheck?, labelled: Bool
  ) throws -> (ProbabilityMap, Double) {
    if let sceneCheck {
      let usable = try sceneCheck.assess(image).isUsable
      noteScene(flagged: !usable, labelled: labelled)
      if !usable { return (ProbabilityMap(width: image.width, height: image.height, repeating: 0), 1) }
    }
    return try segmenter.crackProbabilities(image, grey: grey.values)
  }

  /// The lines the verifier keeps and their pixels; all of them without one.
  private static func verified(
    _ lines: [Crack], _ verifier: CrackVerifier?, grey: GreyImage, shrink: Double, mask: Mask
  ) -> ([Crack], Mask) {
    guard let verifier else { return (lines, mask) }
    let kept = verifier.verify(lines, grey: grey, shrink: shrink).cracks
    return (kept, kept.count == lines.count ? mask : mask.components(holding: kept))
  }

  /// The share of a crack's centreline, sampled every pixel, that lies in `near`.
  static func share(of crack: Crack, on near: Mask) -> Double {
    var (inside, all) = (0, 0)
    for line in crack.polylines {
      for (a, b) in zip(line, line.dropFirst()) {
        let steps = max(1, Int((hypot(b.x - a.x, b.y - a.y)).rounded(.up)))
        for k in 0..<steps {
          let t = Double(k) / Double(steps)
          let (x, y) = (Int((a.x + t * (b.x - a.x)).rounded()), Int((a.y + t * (b.y - a.y)).rounded()))
          all += 1
          if near.contains(x, y), near[x, y] { inside += 1 }
        }
      }
    }
    return all > 0 ? Double(inside) / Double(all) : 0
  }

  static func features(_ cracks: [Crack], grey: GreyImage, shrink: Double) -> [CrackFeatures] {
    cracks.map {
      CrackFeatures(
        of: $0, among: cracks, grey: grey, shrink: shrink, imageWidth: grey.width, imageHeight: grey.height)
    }
  }

  /// A file as given, or the photos under a folder (hidden entries skipped), sorted.
  static func photos(under url: URL) -> [URL] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
      return [url]
    }
    let walk = FileManager.default.enumerator(
      at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
    var found: [URL] = []
    while let file = walk?.nextObject() as? URL {
      if ImageDecoder.photoExtensions.contains(file.pathExtension.lowercased()),
        (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
      {
        found.append(file)
      }
    }
    return found.sorted { $0.path < $1.path }
  }
}
