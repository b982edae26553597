import ArgumentParser
import CrackGeometry
import Foundation
import Imaging
import Segmentation

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score the model against ground-truth crack masks.",
    discussion: """
      Pairs each image with the mask of the same file stem (0 = background, 255 = crack). Prints \\
      precision, recall and F1 at the model's threshold, with the tolerance and at exact pixels; \\
      the best single threshold for the whole set (ODS) and per image (OIS); and crack-class IoU. \\
      Predictions are not thinned. JSON keys: images, tolerance_px, threshold, precision, recall, \\
      f1, f1_exact, iou, ods_f1, ods_threshold, ois_f1.
      """)

  @Option(help: "Folder of images.")
  var images: String
  @Option(help: "Folder of masks with the same file stems.")
  var masks: String
  @Option(help: "Tolerance in pixels for the tolerance-based scores.")
  var tolerance: Double = 2
  @OptionGroup var model: ModelOptions
  @OptionGroup var output: FormatOption

  func validate() throws {
    guard tolerance >= 0 else { throw ValidationError("--tolerance must be 0 or more pixels") }
  }

  func run() throws {
    let fm = FileManager.default
    let imageFiles = try fm.contentsOfDirectory(atPath: images).filter { !$0.hasPrefix(".") }.sorted()
    let maskFiles = Dictionary(
      try fm.contentsOfDirectory(atPath: masks).filter { !$0.hasPrefix(".") }.map {
        (URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent, $0)
      }, uniquingKeysWith: { a, _ in a })
    guard !imageFiles.isEmpty else { throw ValidationError("no images in \(images)") }

    let segmentationModel = try model.load()
    let segmenter = try model.segmenter(segmentationModel)
    let decoder = ImageDecoder()
    var metrics = SegmentationMetrics(threshold: segmentationModel.threshold, tolerance: tolerance)
    var bar = ProgressBar(label: "eval")
    for (i, name) in imageFiles.enumerated() {
      let stem = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
      guard let maskName = maskFiles[stem] else { throw ValidationError("no mask for \(name) in \(masks)") }
      let image = try decoder.decode(URL(fileURLWithPath: images).appendingPathComponent(name))
      let maskPath = URL(fileURLWithPath: masks).appendingPathComponent(maskName)
      let maskData = try Data(contentsOf: maskPath)
      let truth = try maskData.withUnsafeBytes { try PNGCodec.decodeGray($0, maxPixels: 200_000_000) }
      guard truth.width == image.width, truth.height == image.height else {
        throw ValidationError(
          "\(maskPath.path) is \(truth.width)x\(truth.height) but its image \(name) is \(image.width)x\(image.height)"
        )
      }
      let probability = try segmenter.probabilities(image)
      metrics.add(
        probability: probability,
        truth: Mask(width: truth.width, height: truth.height, values: truth.pixels.map { $0 > 127 }))
      bar.update(i + 1, of: imageFiles.count)
    }
    let report = metrics.report
    switch output.format {
    case .json: try printJSON(report)
    case .text:
      print(
        "images         \(report.images)   (model \(segmentationModel.name) \(segmentationModel.version))")
      print(String(format: "threshold      %.2f (the model's own)", report.threshold))
      print(String(format: "tolerance      %.1f px", report.tolerancePx))
      print(String(format: "precision      %.4f", report.precision))
      print(String(format: "recall         %.4f", report.recall))
      print(String(format: "F1             %.4f   (%.1f px tolerance)", report.f1, report.tolerancePx))
      print(String(format: "F1 exact       %.4f   (exact pixels)", report.f1Exact))
      print(String(format: "IoU (crack)    %.4f", report.iou))
      print(
        String(
          format: "ODS F1         %.4f   at threshold %.2f (one threshold for the set)", report.odsF1,
          report.odsThreshold))
      print(String(format: "OIS F1         %.4f   (best threshold per image)", report.oisF1))
    }
  }
}
