import ArgumentParser
import Foundation
import Segmentation

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score the model against ground-truth crack masks.",
    discussion: """
      Pairs each image with the mask of the same file stem (0 = background, 255 = crack). Prints \
      precision, recall and F1 at the model's threshold, with the tolerance and at exact pixels; \
      the best single threshold for the whole set (ODS) and per image (OIS); and crack-class IoU. \
      Predictions are not thinned. JSON keys: images, tolerance_px, threshold, precision, recall, \
      f1, f1_exact, iou, ods_f1, ods_threshold, ois_f1.
      """)

  @Option(help: "Folder of images.")
  var images: String
  @Option(help: "Folder of masks with the same file stems.")
  var masks: String
  @Option(
    help: ArgumentHelp(
      "Only the images whose file stems this file lists, one per line (a split such as CFD's test_073-118.txt).",
      valueName: "list"))
  var only: String?
  @Option(help: "Tolerance in pixels for the tolerance-based scores.")
  var tolerance: Double = 2
  @OptionGroup var model: ModelOptions
  @OptionGroup var output: FormatOption

  func validate() throws {
    guard tolerance >= 0 else { throw ValidationError("--tolerance must be 0 or more pixels") }
  }

  func run() throws {
    let stems = try only.map {
      Set(try String(contentsOfFile: $0, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init))
    }
    let segmentationModel = try model.load()
    var bar = ProgressBar(label: "eval")
    let report = try SegmentationMetrics.evaluate(
      images: URL(fileURLWithPath: images), masks: URL(fileURLWithPath: masks), stems: stems,
      segmenter: try model.segmenter(segmentationModel), tolerance: tolerance
    ) { done, total in bar.update(done, of: total) }
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
