import Crypto
import Foundation
import ONNXModel

/// A crack segmentation model: the ONNX graph and what its card says about it. The scene
/// check's net is read the same way (`SceneCheck.bundledModel`).
public struct SegmentationModel: Sendable {
  public var url: URL
  public var graph: ModelGraph
  public var sha256: String

  public var name: String { graph.metadata["name"] ?? url.deletingPathExtension().lastPathComponent }
  public var version: String { graph.metadata["version"] ?? "unversioned" }
  /// Probability at or above which a pixel is crack; chosen on held-out data (see the model card).
  public var threshold: Float { graph.metadata["threshold"].flatMap(Float.init) ?? 0.5 }

  /// The model shipped with crackmon (Sources/Segmentation/Resources/crackunet.onnx):
  /// `$CRACKMON_MODEL` if set, else the resource folder SwiftPM puts beside the binary.
  ///
  /// Looked up by hand rather than through `Bundle.module`, whose accessor stops the
  /// process when the folder is missing (a binary copied elsewhere); here that case is
  /// a clear "model file does not exist" error instead.
  public static var bundledURL: URL? { bundledURL(file: "crackunet.onnx", environment: "CRACKMON_MODEL") }

  static func bundledURL(file: String, environment: String) -> URL? {
    let fm = FileManager.default
    if let path = ProcessInfo.processInfo.environment[environment], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    let executables = [Bundle.main.executableURL, URL(fileURLWithPath: CommandLine.arguments[0])].compactMap {
      $0
    }
    for executable in executables {
      let candidate = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("crackmon_Segmentation.resources/\(file)")
      if fm.fileExists(atPath: candidate.path) { return candidate }
    }
    return nil
  }

  public static func load(_ url: URL? = nil) throws(ModelError) -> SegmentationModel {
    guard let url = url ?? bundledURL else {
      throw .missingFile(
        path:
          "crackunet.onnx (no crackmon_Segmentation.resources folder beside the binary; set CRACKMON_MODEL or --model)"
      )
    }
    return try read(url)
  }

  static func read(_ url: URL) throws(ModelError) -> SegmentationModel {
    // One read serves both the parse and the hash.
    let bytes = try ModelGraph.read(url)
    let graph = try ModelGraph(bytes: bytes, path: url.path)
    let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    return SegmentationModel(url: url, graph: graph, sha256: digest)
  }

  /// Multiply-adds × 2 of every convolution for one RGB tile of the given size.
  public func flops(tileSize: Int = 512) -> Int {
    var shapes: [String: (channels: Int, height: Int, width: Int)] = [
      graph.inputName: (3, tileSize, tileSize)
    ]
    var total = 0
    for node in graph.nodes {
      guard let input = shapes[node.inputs[0]] else { continue }
      switch node.op {
      case .conv(let c):
        let w = graph.initializers[node.inputs[1]]!.shape
        let h =
          (input.height + c.pads[0] + c.pads[2] - c.dilations[0] * (c.kernel[0] - 1) - 1) / c.strides[0] + 1
        let wd =
          (input.width + c.pads[1] + c.pads[3] - c.dilations[1] * (c.kernel[1] - 1) - 1) / c.strides[1] + 1
        total += 2 * w[0] * h * wd * w[1] * w[2] * w[3]
        shapes[node.outputs[0]] = (w[0], h, wd)
      case .convTranspose(let c):
        let w = graph.initializers[node.inputs[1]]!.shape
        total += 2 * input.channels * input.height * input.width * w[1] * w[2] * w[3]
        shapes[node.outputs[0]] = (w[1], input.height * c.strides[0], input.width * c.strides[1])
      case .maxPool(_, let strides, _):
        shapes[node.outputs[0]] = (input.channels, input.height / strides[0], input.width / strides[1])
      case .relu, .sigmoid:
        shapes[node.outputs[0]] = input
      case .concat:
        let channels = node.inputs.compactMap { shapes[$0]?.channels }.reduce(0, +)
        shapes[node.outputs[0]] = (channels, input.height, input.width)
      }
    }
    return total
  }
}
