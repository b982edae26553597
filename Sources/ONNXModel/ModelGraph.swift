import Foundation
import SwiftProtobuf

/// A float32 tensor: shape and values, row-major.
public struct Tensor: Sendable, Equatable {
  public var shape: [Int]
  public var values: [Float]

  public init(shape: [Int], values: [Float]) {
    precondition(
      shape.reduce(1, *) == values.count, "tensor of shape \(shape) needs \(shape.reduce(1, *)) values")
    self.shape = shape
    self.values = values
  }
}

/// The operators crackmon's runtime executes, with the attributes each needs.
/// Anything else in a model is refused when it is loaded, by name.
public enum Operator: Sendable, Equatable {
  case conv(Convolution)
  case convTranspose(Convolution)
  case maxPool(kernel: [Int], strides: [Int], pads: [Int])
  case relu
  case sigmoid
  case concat(axis: Int)

  /// The ONNX operator name.
  public var onnxName: String {
    switch self {
    case .conv: "Conv"
    case .convTranspose: "ConvTranspose"
    case .maxPool: "MaxPool"
    case .relu: "Relu"
    case .sigmoid: "Sigmoid"
    case .concat: "Concat"
    }
  }

  public struct Convolution: Sendable, Equatable {
    public var kernel: [Int]
    public var strides: [Int]
    /// ONNX order: begin of each spatial axis, then end of each.
    public var pads: [Int]
    public var dilations: [Int]
    public var group: Int

    public init(kernel: [Int], strides: [Int], pads: [Int], dilations: [Int], group: Int) {
      self.kernel = kernel
      self.strides = strides
      self.pads = pads
      self.dilations = dilations
      self.group = group
    }
  }
}

public struct Node: Sendable, Equatable {
  public var name: String
  public var op: Operator
  public var inputs: [String]
  public var outputs: [String]
}

/// An ONNX model reduced to what the runtime needs: nodes in topological order (as ONNX
/// requires), float weights, and the model's metadata properties.
public struct ModelGraph: Sendable {
  public var inputName: String
  /// NCHW with -1 for dynamic axes.
  public var inputShape: [Int]
  public var outputName: String
  public var nodes: [Node]
  public var initializers: [String: Tensor]
  public var metadata: [String: String]
  public var opsetVersion: Int

  /// Parameter count: the number of weight values.
  public var parameterCount: Int { initializers.values.reduce(0) { $0 + $1.values.count } }
}

/// Why a model file could not be used.
public enum ModelError: Error, Equatable, CustomStringConvertible, Sendable {
  case missingFile(path: String)
  case notONNX(path: String, detail: String)
  case unsupportedOperator(path: String, node: String, op: String)
  case unsupported(path: String, detail: String)

  public var description: String {
    switch self {
    case .missingFile(let path): "model file \(path) does not exist"
    case .notONNX(let path, let detail): "\(path) is not a readable ONNX model: \(detail)"
    case .unsupportedOperator(let path, let node, let op):
      "\(path): node \"\(node)\" uses operator \(op), which crackmon's runtime does not support (supported: Conv, ConvTranspose, MaxPool, Relu, Sigmoid, Concat)"
    case .unsupported(let path, let detail): "\(path): \(detail)"
    }
  }
}

extension ModelGraph {
  /// Reads and checks an ONNX file.
  public static func load(_ url: URL) throws(ModelError) -> ModelGraph {
    try ModelGraph(bytes: try read(url), path: url.path)
  }

  /// The bytes of a model file, for callers that also hash them.
  public static func read(_ url: URL) throws(ModelError) -> Data {
    guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(path: url.path) }
    do {
      return try Data(contentsOf: url)
    } catch {
      throw .notONNX(path: url.path, detail: "\(error)")
    }
  }

  /// Parses and checks ONNX bytes; `path` is for error messages.
  public init(bytes: Data, path: String) throws(ModelError) {
    let model: Onnx_ModelProto
    do {
      model = try Onnx_ModelProto(serializedBytes: bytes)
    } catch {
      throw .notONNX(path: path, detail: "\(error)")
    }
    try self.init(model, path: path)
  }

  init(_ model: Onnx_ModelProto, path: String) throws(ModelError) {
    let graph = model.graph
    guard model.hasGraph, !graph.node.isEmpty else { throw .notONNX(path: path, detail: "no graph") }
    var weights: [String: Tensor] = [:]
    for tensor in graph.initializer {
      weights[tensor.name] = try Self.tensor(tensor, path: path)
    }
    let realInputs = graph.input.filter { weights[$0.name] == nil }
    guard realInputs.count == 1, graph.output.count == 1 else {
      throw .unsupported(
        path: path,
        detail: "expected one input and one output, found \(realInputs.count) and \(graph.output.count)")
    }
    inputName = realInputs[0].name
    inputShape = realInputs[0].type.tensorType.shape.dim.map {
      if case .dimValue(let v) = $0.value { Int(v) } else { -1 }
    }
    guard inputShape.count == 4 else {
      throw .unsupported(path: path, detail: "input \(inputName) has rank \(inputShape.count), expected NCHW")
    }
    outputName = graph.output[0].name
    initializers = weights
    metadata = Dictionary(model.metadataProps.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    opsetVersion = Int(model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 0)
    nodes = try graph.node.map { node throws(ModelError) in
      Node(name: node.name, op: try Self.op(node, path: path), inputs: node.input, outputs: node.output)
    }
  }

  private static func op(_ node: Onnx_NodeProto, path: String) throws(ModelError) -> Operator {
    var ints: [String: [Int]] = [:]
    var int: [String: Int] = [:]
    for attribute in node.attribute {
      ints[attribute.name] = attribute.ints.map(Int.init)
      int[attribute.name] = Int(attribute.i)
    }
    func convolution() throws(ModelError) -> Operator.Convolution {
      guard let kernel = ints["kernel_shape"], kernel.count == 2 else {
        throw .unsupported(
          path: path, detail: "node \"\(node.name)\": only 2-D kernels with kernel_shape are supported")
      }
      if let autoPad = node.attribute.first(where: { $0.name == "auto_pad" }),
        String(decoding: autoPad.s, as: UTF8.self) != "NOTSET"
      {
        throw .unsupported(
          path: path, detail: "node \"\(node.name)\": auto_pad is not supported; export explicit pads")
      }
      return Operator.Convolution(
        kernel: kernel, strides: ints["strides"] ?? [1, 1], pads: ints["pads"] ?? [0, 0, 0, 0],
        dilations: ints["dilations"] ?? [1, 1], group: int["group"] ?? 1)
    }
    switch node.opType {
    case "Conv": return .conv(try convolution())
    case "ConvTranspose":
      if ints["output_padding"]?.contains(where: { $0 != 0 }) == true || ints["output_shape"] != nil {
        throw .unsupported(
          path: path,
          detail: "node \"\(node.name)\": ConvTranspose output_padding/output_shape are not supported")
      }
      return .convTranspose(try convolution())
    case "MaxPool":
      guard let kernel = ints["kernel_shape"], kernel.count == 2, (int["ceil_mode"] ?? 0) == 0 else {
        throw .unsupported(
          path: path, detail: "node \"\(node.name)\": only 2-D MaxPool without ceil_mode is supported")
      }
      return .maxPool(kernel: kernel, strides: ints["strides"] ?? kernel, pads: ints["pads"] ?? [0, 0, 0, 0])
    case "Relu": return .relu
    case "Sigmoid": return .sigmoid
    case "Concat": return .concat(axis: int["axis"] ?? 1)
    default: throw .unsupportedOperator(path: path, node: node.name, op: node.opType)
    }
  }

  private static func tensor(_ proto: Onnx_TensorProto, path: String) throws(ModelError) -> Tensor {
    guard proto.dataType == Onnx_TensorProto.DataType.float.rawValue else {
      throw .unsupported(
        path: path, detail: "weight \(proto.name) is not float32 (data type \(proto.dataType))")
    }
    let shape = proto.dims.map(Int.init)
    let count = shape.reduce(1, *)
    var values: [Float]
    if !proto.rawData.isEmpty {
      guard proto.rawData.count == count * 4 else {
        throw .notONNX(
          path: path, detail: "weight \(proto.name) holds \(proto.rawData.count) bytes for \(count) floats")
      }
      // raw_data is little-endian float32, like every machine crackmon runs on.
      values = [Float](repeating: 0, count: count)
      _ = values.withUnsafeMutableBytes { proto.rawData.copyBytes(to: $0) }
    } else {
      values = proto.floatData
    }
    guard values.count == count else {
      throw .notONNX(path: path, detail: "weight \(proto.name) has \(values.count) values for shape \(shape)")
    }
    return Tensor(shape: shape, values: values)
  }
}
