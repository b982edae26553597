import ArgumentParser
import Foundation
import Segmentation

struct ModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model", abstract: "About the crack segmentation model.", subcommands: [Info.self])

  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Name, version, threshold, size and cost of the segmentation model.",
      discussion:
        "The training data, its terms and the measured accuracy are in the model card, docs/model-card.md.")
    @OptionGroup var model: ModelOptions
    @OptionGroup var output: FormatOption

    struct Summary: Encodable {
      var name: String
      var version: String
      var threshold: Float
      var file: String
      var sha256: String
      var parameters: Int
      var gflopsPer512Tile: Double
      var operators: [String]
      var opset: Int
      var metadata: [String: String]
    }

    func run() throws {
      let m = try model.load()
      let operators = Set(m.graph.nodes.map(\.op.onnxName))
      let summary = Summary(
        name: m.name, version: m.version, threshold: m.threshold, file: m.url.path, sha256: m.sha256,
        parameters: m.graph.parameterCount, gflopsPer512Tile: Double(m.flops()) / 1e9,
        operators: operators.sorted(),
        opset: m.graph.opsetVersion, metadata: m.graph.metadata)
      switch output.format {
      case .json: try printJSON(summary)
      case .text:
        print("\(summary.name) \(summary.version)")
        print("threshold      \(summary.threshold)")
        print("parameters     \(summary.parameters)")
        print("GFLOPs / 512²  \(String(format: "%.2f", summary.gflopsPer512Tile))")
        print("operators      \(summary.operators.joined(separator: ", "))")
        print("file           \(summary.file)")
        print("sha256         \(summary.sha256)")
        print("model card     docs/model-card.md")
      }
    }
  }
}
