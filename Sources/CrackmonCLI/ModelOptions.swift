import ArgumentParser
import Foundation
import Segmentation

/// Which model to use: the bundled one unless `--model` names another ONNX file.
struct ModelOptions: ParsableArguments {
  @Option(
    name: .customLong("model"),
    help: ArgumentHelp("ONNX model to use instead of the bundled one.", valueName: "path"))
  var path: String?

  func load() throws -> SegmentationModel {
    try SegmentationModel.load(path.map { URL(fileURLWithPath: $0) })
  }
}
