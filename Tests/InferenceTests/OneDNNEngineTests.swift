import Foundation
import Inference
import ONNXModel
import TestSupport
import Testing

/// The oneDNN engine against ONNX Runtime's output for the same model and input
/// (tools/onnx/reference.py wrote fixtures/model/reference-output.json).
struct OneDNNEngineTests {
  struct Reference: Decodable {
    var size: Int
    var stride: Int
    var samples: [Double]
    var sum: Double
  }

  static let modelURL = TestPaths.repositoryRoot.appendingPathComponent(
    "Sources/Segmentation/Resources/crackunet.onnx")

  /// The same formula as tools/onnx/reference.py.
  static func fixedInput(size: Int) -> [Float] {
    var input = [Float](repeating: 0, count: 3 * size * size)
    for c in 0..<3 {
      for y in 0..<size {
        for x in 0..<size {
          let v =
            0.5 + 0.45 * sin(0.031 * Double(x) + 0.017 * Double(y) + 1.3 * Double(c))
            * cos(0.011 * Double(x) * Double(y) / Double(size))
          input[(c * size + y) * size + x] = Float(v)
        }
      }
    }
    return input
  }

  @Test func matchesONNXRuntime() throws {
    let reference = try JSONDecoder().decode(
      Reference.self, from: Data(contentsOf: TestPaths.fixture("model/reference-output.json")))
    let graph = try ModelGraph.load(Self.modelURL)
    let engine = try OneDNNEngine(graph: graph, tileHeight: reference.size, tileWidth: reference.size)
    let output = try engine.run(Self.fixedInput(size: reference.size))
    var worst = 0.0
    for (i, expected) in reference.samples.enumerated() {
      worst = max(worst, abs(Double(output[i * reference.stride]) - expected))
    }
    print("oneDNN vs ONNX Runtime: largest difference \(worst) over \(reference.samples.count) samples")
    #expect(worst < 1e-4)
    let sum = output.reduce(0.0) { $0 + Double($1) }
    #expect(abs(sum - reference.sum) / max(1, abs(reference.sum)) < 1e-5)
  }

  @Test func refusesTheWrongInputSize() throws {
    let engine = try OneDNNEngine(graph: try ModelGraph.load(Self.modelURL), tileHeight: 64, tileWidth: 64)
    #expect(throws: InferenceError.wrongInputSize(expected: 3 * 64 * 64, got: 5)) {
      try engine.run([0, 0, 0, 0, 0])
    }
  }

  @Test func missingAndBrokenModelsGiveClearErrors() throws {
    let missing = URL(fileURLWithPath: "/nonexistent/model.onnx")
    #expect(throws: ModelError.missingFile(path: missing.path)) { try ModelGraph.load(missing) }
    let notAModel = TestPaths.fixture("photos/phone-gps.jpg")
    #expect {
      try ModelGraph.load(notAModel)
    } throws: { error in
      if case .notONNX(let path, _) = error as? ModelError { return path == notAModel.path }
      return false
    }
  }
}
