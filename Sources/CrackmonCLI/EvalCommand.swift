import ArgumentParser
import CrackGeometry
import Foundation
import Outputs
import Segmentation

struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score the model against ground-truth crack masks.",
    discussion: """
      Pairs each image with the mask of the same file stem (0 = background, 255 = crack). Prints \
      precision, recall and F1 at the model's threshold, with the tolerance and at exact pixels; \
      the best single threshold for the whole set (ODS) and per image (OIS); and crack-class IoU. \
      Predictions are not thinned. The crack figures that follow are of the cracks as segment \
      measures them, behind the crack verifier (--all-lines: every line the net finds). Also the centreline IoU with 4 px tolerance (OmniCrack30k's \
      clIoU) of the cracks crackmon measures; the crack length found near the labels over the \
      labelled length (with --upscale K, each labelled image and its mask enlarged K times first: \
      the same cracks with more pixels); and, for images with an empty mask and photos given \
      with --crack-free, the share with any crack measured, cracks per image and false crack \
      length per megapixel. JSON keys: images, tolerance_px, threshold, precision, recall, f1, \
      f1_exact, iou, ods_f1, ods_threshold, ois_f1, centreline_iou, centreline_tolerance_px, \
      length_found, length_tolerance_px, cracks_per_labelled_image (absent, like centreline_iou, \
      without a labelled crack), crack_free_images, crack_free_share_with_cracks, false_cracks_per_crack_free_image, \
      false_length_px_per_megapixel (the last three absent without crack-free images), and with \
      --scene-check scene_flagged_labelled and scene_flagged_crack_free: the images the scene \
      check flags, which then count as having no crack found, as segment and ingest treat them.
      """)

  @Option(help: "Folder of images.")
  var images: String?
  @Option(help: "Folder of masks with the same file stems.")
  var masks: String?
  @Option(
    name: .customLong("crack-free"),
    help: ArgumentHelp(
      "Photos with no crack, or folders of them (walked for JPEG, PNG, HEIF); repeatable. A photo that cannot be decoded is skipped with a notice.",
      valueName: "path"))
  var crackFree: [String] = []
  @Flag(
    name: .customLong("scene-check"),
    help:
      "Put every image through the scene check first, as segment and ingest do; a flagged one has no cracks.")
  var sceneCheck = false
  @Option(
    help: ArgumentHelp(
      "Only the images whose file stems this file lists, one per line (a split such as CFD's test_073-118.txt).",
      valueName: "list"))
  var only: String?
  @Option(help: "Tolerance in pixels for the tolerance-based scores.")
  var tolerance: Double = 2
  @Option(
    help: ArgumentHelp(
      "Enlarge each labelled image (bicubic) and its mask this many times before scoring: do cracks keep their length with more pixels?",
      valueName: "K"))
  var upscale: Int = 1
  @Option(
    name: .customLong("crack-features"),
    help: ArgumentHelp(
      "Also write every crack measured to this CSV: image, the share of its centreline on the labels (4 px), its length and its verifier features (what tools/train/verifier.py learns from).",
      valueName: "out.csv"))
  var crackFeatures: String?
  @OptionGroup var model: ModelOptions
  @OptionGroup var output: FormatOption

  func validate() throws {
    guard tolerance >= 0 else { throw ValidationError("--tolerance must be 0 or more pixels") }
    guard (1...8).contains(upscale) else { throw ValidationError("--upscale \(upscale) must be 1 to 8") }
    guard (images == nil) == (masks == nil) else {
      throw ValidationError("--images and --masks go together: each image is scored against its mask")
    }
    guard images != nil || !crackFree.isEmpty else {
      throw ValidationError("give --images and --masks, or --crack-free photos, or both")
    }
  }

  func run() throws {
    let stems = try only.map {
      Set(try String(contentsOfFile: $0, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init))
    }
    let segmentationModel = try model.load()
    var bar = ProgressBar(label: "eval")
    var skipped = 0
    var rows = ["image,on_labels,length_px," + CrackFeatures.names.joined(separator: ",")]
    let report = try SegmentationMetrics.evaluate(
      images: images.map(URL.init(fileURLWithPath:)), masks: masks.map(URL.init(fileURLWithPath:)),
      stems: stems, crackFree: crackFree.map(URL.init(fileURLWithPath:)),
      segmenter: try model.segmenter(segmentationModel),
      sceneCheck: sceneCheck ? try SceneCheck(model: SceneCheck.bundledModel()) : nil,
      verifier: try model.verifier(), tolerance: tolerance,
      upscale: upscale,
      skipped: { path, error in
        skipped += 1
        printError("skipped \(path): \(error)")
      },
      examine: crackFeatures == nil
        ? nil
        : { image, cracks, features, onLabels in
          for (crack, (f, on)) in zip(cracks, zip(features, onLabels)) {
            rows.append(
              ([
                image.replacingOccurrences(of: ",", with: "_"), String(format: "%.3f", on),
                String(format: "%.1f", crack.lengthPx),
              ]
                + f.values.map { String(format: "%.5g", $0) }).joined(separator: ","))
          }
        }
    ) { done, total in bar.update(done, of: total) }
    if let crackFeatures {
      try OutputFile.write(Data((rows.joined(separator: "\n") + "\n").utf8), to: crackFeatures)
    }
    switch output.format {
    case .json: try printJSON(report)
    case .text:
      // Without labelled images (only --crack-free photos) there are no pixel scores to print.
      if report.images > 0 {
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
      if let iou = report.centrelineIou {
        print(
          String(
            format: "clIoU          %.4f   (centrelines, %.0f px tolerance)", iou,
            report.centrelineTolerancePx))
      }
      if let found = report.lengthFound {
        print(
          String(
            format: "length found   %.4f   (of the labelled length, %.0f px tolerance%@)", found,
            report.lengthTolerancePx, upscale > 1 ? ", images enlarged \(upscale)x" : ""))
      }
      if let cracks = report.cracksPerLabelledImage {
        print(String(format: "cracks         %.2f per labelled image", cracks))
      }
      if let share = report.crackFreeShareWithCracks, let perImage = report.falseCracksPerCrackFreeImage,
        let length = report.falseLengthPxPerMegapixel
      {
        print(
          String(
            format: "crack-free     %d images: %.1f %% with a false crack, %.2f per image, %.0f px per MP",
            report.crackFreeImages, 100 * share, perImage, length)
            + (skipped > 0 ? " (\(skipped) skipped)" : ""))
      }
      if let labelled = report.sceneFlaggedLabelled, let clean = report.sceneFlaggedCrackFree {
        print("scene check    flagged \(labelled) labelled and \(clean) crack-free images")
      }
    }
  }
}
