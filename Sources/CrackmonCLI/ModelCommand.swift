import ArgumentParser
import Foundation
import Inference
import Segmentation

struct ModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model", abstract: "About the crack segmentation model.",
    subcommands: [Info.self, Bench.self])

  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Time the inference engine on this machine, per 512 x 512 tile.",
      discussion: "Set OMP_NUM_THREADS to choose the number of threads oneDNN uses.")
    @OptionGroup var model: ModelOptions
    @Option(help: "Tiles to time, after 3 warm-up tiles.")
    var tiles: Int = 20

    func validate() throws {
      guard tiles > 0 else { throw ValidationError("--tiles must be at least 1") }
    }

    func run() throws {
      let engine = try OneDNNEngine(graph: try model.load().graph, tileHeight: 512, tileWidth: 512)
      var generator = SystemRandomNumberGenerator()
      let input = (0..<(3 * 512 * 512)).map { _ in Float.random(in: 0...1, using: &generator) }
      for _ in 0..<3 { _ = try engine.run(input) }
      var times: [Double] = []
      for _ in 0..<tiles {
        let start = ContinuousClock.now
        _ = try engine.run(input)
        let elapsed = ContinuousClock.now - start
        times.append(
          Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
      }
      times.sort()
      print(
        String(
          format: "oneDNN: median %.1f ms per 512x512 tile (min %.1f, max %.1f, %d tiles)",
          times[times.count / 2], times[0], times[times.count - 1], tiles))
    }
  }

  struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Name, version, threshold, size and cost of the segmentation model, and its crack verifier.",
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
      /// The crack verifier that weighs each line the model finds ("name version"); nil with --all-lines.
      var verifier: String?
      var verifierCutoff: Double?
    }

    func run() throws {
      let m = try model.load()
      let operators = Set(m.graph.nodes.map(\.op.onnxName))
      var summary = Summary(
        name: m.name, version: m.version, threshold: m.threshold, file: m.url.path, sha256: m.sha256,
        parameters: m.graph.parameterCount, gflopsPer512Tile: Double(m.flops()) / 1e9,
        operators: operators.sorted(),
        opset: m.graph.opsetVersion, metadata: m.graph.metadata)
      let verifier = try model.verifier()
      summary.verifier = verifier.map { "\($0.name) \($0.version)" }
      summary.verifierCutoff = verifier?.cutoff
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
        if let name = summary.verifier, let cutoff = summary.verifierCutoff {
          print("verifier       \(name), a line is a crack at \(cutoff) or above")
        }
        print("model card     docs/model-card.md")
      }
    }
  }
}
