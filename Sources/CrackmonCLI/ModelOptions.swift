import ArgumentParser
import Foundation
import Segmentation

/// Which model to use: the bundled one unless `--model` names another ONNX file.
struct ModelOptions: ParsableArguments {
  @Option(
    name: .customLong("model"),
    help: ArgumentHelp("ONNX model to use instead of the bundled one.", valueName: "path"))
  var path: String?

  @Option(
    name: .customLong("screen"),
    help: ArgumentHelp(
      "Skip tiles whose half-resolution preview stays below this crack probability (faster; see docs/benchmarks.md).",
      valueName: "probability"))
  var screenThreshold: Float?

  @Flag(
    name: .customLong("native-scale"),
    help:
      "Run the crack model on the photo's own pixels, even where its detail is coarser than they are (by default such a photo is shrunk until its detail is as fine as the model learnt from)."
  )
  var nativeScale = false

  @Flag(
    name: .customLong("all-lines"),
    help:
      "Keep every line the crack net finds as a crack, also those the crack verifier judges to be joints, formwork marks, grooves or edges (set aside by default)."
  )
  var allLines = false

  func validate() throws {
    if let screenThreshold, !(0...1).contains(screenThreshold) {
      throw ValidationError("--screen \(screenThreshold) must be a probability between 0 and 1")
    }
  }

  func load() throws -> SegmentationModel {
    try SegmentationModel.load(path.map { URL(fileURLWithPath: $0) })
  }

  /// The bundled crack verifier, or nil with --all-lines.
  func verifier() throws -> CrackVerifier? {
    allLines ? nil : try CrackVerifier.bundled()
  }

  func segmenter(_ model: SegmentationModel) throws -> Segmenter {
    try Segmenter(model: model, screenThreshold: screenThreshold, scaleToDetail: !nativeScale)
  }

  /// The chosen model's whole photo -> cracks stage, behind the scene check unless
  /// `scene.anyScene`.
  func finder(maxPixels: Int, scene: SceneOptions) throws -> CrackFinder {
    CrackFinder(
      segmenter: try segmenter(load()),
      sceneCheck: scene.anyScene ? nil : try SceneCheck(model: SceneCheck.bundledModel()),
      verifier: try verifier(), maxPixels: maxPixels)
  }
}

/// Whether photos pass the scene check before their cracks are measured.
struct SceneOptions: ParsableArguments {
  @Flag(
    name: .customLong("any-scene"),
    help:
      "Measure cracks on every photo, also on those the scene check flags (not a close view of a concrete or masonry surface, or taken too far away)."
  )
  var anyScene = false
}
