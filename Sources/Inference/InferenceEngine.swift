import ONNXModel

/// Runs a segmentation model on fixed-size tiles. The one interface the rest of
/// crackmon sees, so the engine behind it can be replaced.
public protocol InferenceEngine {
  /// Tile size the engine was built for.
  var tileHeight: Int { get }
  var tileWidth: Int { get }
  /// Size of the one-channel output map (the tile's own for a segmentation net).
  var outputHeight: Int { get }
  var outputWidth: Int { get }
  /// `input`: 3 × tileHeight × tileWidth floats (RGB / 255, planar). Returns
  /// outputHeight × outputWidth probabilities (crack, or surface for the scene check).
  func run(_ input: [Float]) throws(InferenceError) -> [Float]
}

public enum InferenceError: Error, Equatable, CustomStringConvertible, Sendable {
  case unsupportedGraph(String)
  case engine(String)
  case wrongInputSize(expected: Int, got: Int)

  public var description: String {
    switch self {
    case .unsupportedGraph(let detail): "the model cannot run here: \(detail)"
    case .engine(let detail): "inference engine error: \(detail)"
    case .wrongInputSize(let expected, let got): "input has \(got) values, the engine expects \(expected)"
    }
  }
}
