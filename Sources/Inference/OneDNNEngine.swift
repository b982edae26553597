import CDNNL
import ONNXModel

/// Runs a `ModelGraph` through oneDNN's C API: the one place crackmon talks to oneDNN.
///
/// Built once per tile size: every primitive, its memory and its weights (reordered into
/// oneDNN's blocked layouts) are made up front, so running a tile only executes them.
/// A ReLU or sigmoid that follows a convolution is fused into it as a post-op.
/// Not thread-safe: use one engine per thread (oneDNN itself uses all cores per call).
public final class OneDNNEngine: InferenceEngine {
  public let tileHeight: Int
  public let tileWidth: Int
  /// The single-channel output's size: the tile's for a segmentation net, a coarser grid
  /// for a net that pools (the scene check's).
  public private(set) var outputHeight = 0
  public private(set) var outputWidth = 0

  private var engine: OpaquePointer?
  private var stream: OpaquePointer?
  private var steps: [(primitive: OpaquePointer, args: [dnnl_exec_arg_t])] = []
  private var primitives: [OpaquePointer] = []
  private var memories: [OpaquePointer] = []
  private var buffers: [UnsafeMutableRawPointer] = []
  private var inputMemory: OpaquePointer?
  private var outputBuffer: UnsafeMutableRawPointer?

  /// Every activation is kept channels-last: the convolutions run fastest on it here,
  /// and a skip concat then joins tensors of one layout instead of converting.
  static let activationLayout = dnnl_nhwc

  private struct Value {
    var memory: OpaquePointer
    var md: dnnl_memory_desc_t
    var dims: [Int]
  }

  public init(graph: ModelGraph, tileHeight: Int, tileWidth: Int) throws(InferenceError) {
    self.tileHeight = tileHeight
    self.tileWidth = tileWidth
    do {
      try build(graph)
    } catch {
      release()
      throw error
    }
  }

  deinit { release() }

  public func run(_ input: [Float]) throws(InferenceError) -> [Float] {
    let expected = 3 * tileHeight * tileWidth
    guard input.count == expected else { throw .wrongInputSize(expected: expected, got: input.count) }
    var input = input
    let status = input.withUnsafeMutableBytes { bytes -> (dnnl_status_t, String) in
      let set = dnnl_memory_set_data_handle(inputMemory, bytes.baseAddress)
      guard set == dnnl_success else { return (set, "set input") }
      for step in steps {
        let run = dnnl_primitive_execute(step.primitive, stream, Int32(step.args.count), step.args)
        guard run == dnnl_success else { return (run, "execute") }
      }
      return (dnnl_stream_wait(stream), "wait")
    }
    try check(status.0, status.1)
    let count = outputHeight * outputWidth
    return Array(UnsafeBufferPointer(start: outputBuffer!.assumingMemoryBound(to: Float.self), count: count))
  }

  // MARK: Building

  private func build(_ graph: ModelGraph) throws(InferenceError) {
    guard graph.inputShape.count == 4, graph.inputShape[1] == 3 || graph.inputShape[1] == -1 else {
      throw .unsupportedGraph("input \(graph.inputName) must be N x 3 x H x W")
    }
    try check(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine")
    try check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream")

    let inputDims = [1, 3, tileHeight, tileWidth]
    let inputMD = try descriptor(inputDims, dnnl_nchw)
    inputMemory = try memory(inputMD, handle: nil)
    var values: [String: Value] = [graph.inputName: Value(memory: inputMemory!, md: inputMD, dims: inputDims)]

    var uses: [String: Int] = [:]
    for node in graph.nodes { for input in node.inputs { uses[input, default: 0] += 1 } }
    var fused = Set<Int>()
    var pendingConcats: [String: [String]] = [:]

    for (index, node) in graph.nodes.enumerated() where !fused.contains(index) {
      func value(_ name: String) throws(InferenceError) -> Value {
        guard let v = values[name] else {
          throw .unsupportedGraph("node \(node.name) reads \(name) before it is made")
        }
        return v
      }
      func weight(_ name: String) throws(InferenceError) -> Tensor {
        guard let t = graph.initializers[name] else {
          throw .unsupportedGraph("node \(node.name): \(name) is not a constant weight")
        }
        return t
      }
      switch node.op {
      case .conv(let c), .convTranspose(let c):
        let transposed = if case .convTranspose = node.op { true } else { false }
        var output = node.outputs[0]
        var activation: dnnl_alg_kind_t?
        if uses[output] == 1, index + 1 < graph.nodes.count, graph.nodes[index + 1].inputs.first == output {
          switch graph.nodes[index + 1].op {
          case .relu: activation = dnnl_eltwise_relu
          case .sigmoid: activation = dnnl_eltwise_logistic
          default: break
          }
          if activation != nil {
            fused.insert(index + 1)
            output = graph.nodes[index + 1].outputs[0]
          }
        }
        var sources: [Value] = []
        for name in pendingConcats[node.inputs[0]] ?? [node.inputs[0]] { sources.append(try value(name)) }
        if transposed, c.kernel == [2, 2], c.strides == [2, 2], c.pads.allSatisfy({ $0 == 0 }),
          c.dilations == [1, 1], c.group == 1, sources.count == 1
        {
          values[output] = try upsample2x(
            sources[0], weights: try weight(node.inputs[1]),
            bias: node.inputs.count > 2 ? try weight(node.inputs[2]) : nil, activation: activation)
          continue
        }
        values[output] = try convolution(
          node.name, c, transposed: transposed, sources: sources, weights: try weight(node.inputs[1]),
          bias: node.inputs.count > 2 ? try weight(node.inputs[2]) : nil, activation: activation)
      case .maxPool(let kernel, let strides, let pads):
        values[node.outputs[0]] = try maxPool(
          try value(node.inputs[0]), kernel: kernel, strides: strides, pads: pads)
      case .relu, .sigmoid:
        let alg = node.op == .relu ? dnnl_eltwise_relu : dnnl_eltwise_logistic
        values[node.outputs[0]] = try eltwise(try value(node.inputs[0]), alg)
      case .concat(let axis):
        // A channel concat read only by the next convolution is folded into it.
        if axis == 1, uses[node.outputs[0]] == 1, index + 1 < graph.nodes.count,
          case .conv = graph.nodes[index + 1].op, graph.nodes[index + 1].inputs.first == node.outputs[0]
        {
          pendingConcats[node.outputs[0]] = node.inputs
          continue
        }
        values[node.outputs[0]] = try concat(
          try node.inputs.map { name throws(InferenceError) in try value(name) }, axis: axis)
      }
    }
    guard let result = values[graph.outputName] else {
      throw .unsupportedGraph("output \(graph.outputName) is never made")
    }
    guard result.dims.count == 4, result.dims[0] == 1, result.dims[1] == 1 else {
      throw .unsupportedGraph("output has shape \(result.dims), expected one map [1, 1, height, width]")
    }
    (outputHeight, outputWidth) = (result.dims[2], result.dims[3])
    let outputMD = try descriptor(result.dims, dnnl_nchw)
    outputBuffer = try allocate(outputMD)
    let userOutput = try memory(outputMD, handle: outputBuffer)
    try addReorder(from: result, to: userOutput)
  }

  /// A convolution (or transposed convolution) node. With several `sources`, the node
  /// consumed a channel concat: instead of copying the inputs together, one convolution
  /// per input (with its slice of the weights) accumulates into the same output through
  /// oneDNN's sum post-op, which gives the same result with no concat copy.
  private func convolution(
    _ name: String, _ c: Operator.Convolution, transposed: Bool, sources: [Value], weights: Tensor,
    bias: Tensor?,
    activation: dnnl_alg_kind_t?
  ) throws(InferenceError) -> Value {
    guard c.group == 1 else {
      throw .unsupportedGraph("node \(name): grouped convolutions are not supported")
    }
    guard weights.shape.count == 4 else { throw .unsupportedGraph("node \(name): weights must be 4-D") }
    let first = sources[0]
    let (h, w) = (first.dims[2], first.dims[3])
    let outChannels = transposed ? weights.shape[1] : weights.shape[0]
    let k = c.kernel
    let outH: Int
    let outW: Int
    if transposed {
      outH = (h - 1) * c.strides[0] - c.pads[0] - c.pads[2] + c.dilations[0] * (k[0] - 1) + 1
      outW = (w - 1) * c.strides[1] - c.pads[1] - c.pads[3] + c.dilations[1] * (k[1] - 1) + 1
    } else {
      outH = (h + c.pads[0] + c.pads[2] - c.dilations[0] * (k[0] - 1) - 1) / c.strides[0] + 1
      outW = (w + c.pads[1] + c.pads[3] - c.dilations[1] * (k[1] - 1) - 1) / c.strides[1] + 1
    }
    let dstDims = [1, outChannels, outH, outW]
    var dstMD = try descriptor(dstDims, Self.activationLayout)
    let dst = try memory(dstMD, handle: try allocate(dstMD))
    let biasValues = bias?.values ?? [Float](repeating: 0, count: outChannels)

    var channelOffset = 0
    for (index, source) in sources.enumerated() {
      let inChannels = source.dims[1]
      // ONNX Conv weights are (out, in, kh, kw): take this source's input channels.
      var slice = weights.values
      if sources.count > 1 {
        let block = k[0] * k[1]
        slice = []
        slice.reserveCapacity(outChannels * inChannels * block)
        for o in 0..<outChannels {
          let from = (o * weights.shape[1] + channelOffset) * block
          slice += weights.values[from..<(from + inChannels * block)]
        }
      }
      channelOffset += inChannels
      // oneDNN's logical weight order is (out, in, kh, kw) for both; ONNX stores
      // ConvTranspose weights as (in, out, kh, kw), which is oneDNN's "iohw" layout.
      let weightDims =
        transposed
        ? [weights.shape[1], weights.shape[0], k[0], k[1]] : [outChannels, inChannels, k[0], k[1]]
      var srcMD = try descriptor(source.dims, Self.activationLayout)
      var weightsAny = try descriptor(weightDims, dnnl_format_tag_any)
      var biasMD = try descriptor([outChannels], dnnl_x)
      let strides = dims(c.strides)
      let dilates = dims(c.dilations.map { $0 - 1 })
      let padL = dims([c.pads[0], c.pads[1]])
      let padR = dims([c.pads[2], c.pads[3]])
      let last = index == sources.count - 1
      let attr = try attributes(sum: index > 0, activation: last ? activation : nil)
      defer { dnnl_primitive_attr_destroy(attr) }
      var pd: OpaquePointer?
      if transposed {
        var desc = dnnl_deconvolution_desc_t()
        try check(
          dnnl_dilated_deconvolution_forward_desc_init(
            &desc, dnnl_forward_inference, dnnl_deconvolution_direct, &srcMD, &weightsAny, &biasMD, &dstMD,
            strides,
            dilates, padL, padR), "deconvolution \(name)")
        try check(dnnl_primitive_desc_create(&pd, &desc, attr, engine, nil), "deconvolution \(name)")
      } else {
        var desc = dnnl_convolution_desc_t()
        try check(
          dnnl_dilated_convolution_forward_desc_init(
            &desc, dnnl_forward_inference, dnnl_convolution_direct, &srcMD, &weightsAny, &biasMD, &dstMD,
            strides,
            dilates, padL, padR), "convolution \(name)")
        try check(dnnl_primitive_desc_create(&pd, &desc, attr, engine, nil), "convolution \(name)")
      }
      defer { dnnl_primitive_desc_destroy(pd) }
      let src = try conform(source, to: dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0).pointee)
      let userWeightsMD = try descriptor(weightDims, transposed ? dnnl_iohw : dnnl_oihw)
      let packedWeights = try constant(
        slice, userWeightsMD, as: dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0).pointee)
      // The bias is added once, by the first convolution.
      let biasMemory = try constant(
        index == 0 ? biasValues : [Float](repeating: 0, count: outChannels), biasMD, as: biasMD)
      try addPrimitive(
        pd,
        args: [
          (crackmon_dnnl_arg_src, src), (crackmon_dnnl_arg_weights, packedWeights),
          (crackmon_dnnl_arg_bias, biasMemory), (crackmon_dnnl_arg_dst, dst),
        ])
    }
    return Value(memory: dst, md: dstMD, dims: dstDims)
  }

  /// A 2 x 2, stride-2 transposed convolution, run as a 1 x 1 convolution to 4 x the
  /// channels followed by a reorder that moves each pixel's four outputs into their
  /// 2 x 2 block. Same result; oneDNN's direct deconvolution is several times slower on
  /// the few-channel, full-resolution layers of a U-Net decoder.
  private func upsample2x(_ source: Value, weights: Tensor, bias: Tensor?, activation: dnnl_alg_kind_t?)
    throws(InferenceError) -> Value
  {
    let (inC, outC) = (weights.shape[0], weights.shape[1])
    let (h, w) = (source.dims[2], source.dims[3])
    // ONNX (in, out, dy, dx) -> 1 x 1 conv weights (4 * out, in), output channel (dy * 2 + dx) * out + o.
    var pointwise = [Float](repeating: 0, count: 4 * outC * inC)
    for i in 0..<inC {
      for o in 0..<outC {
        for d in 0..<4 { pointwise[(d * outC + o) * inC + i] = weights.values[(i * outC + o) * 4 + d] }
      }
    }
    let biasValues = bias?.values ?? [Float](repeating: 0, count: outC)
    let expanded = try convolution(
      "upsample (1 x 1 part)",
      Operator.Convolution(
        kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1),
      transposed: false, sources: [source], weights: Tensor(shape: [4 * outC, inC, 1, 1], values: pointwise),
      bias: Tensor(shape: [4 * outC], values: Array((0..<4).map { _ in biasValues }.joined())),
      activation: activation)
    // Channels-last, the 1 x 1 output is [y][x][dy][dx][o]; the upsampled tensor is
    // [y][dy][x][dx][o]. Describe both as (y, dy, x, dx, o) with their own strides.
    let shape = dims([h, 2, w, 2, outC])
    var from = dnnl_memory_desc_t()
    var to = dnnl_memory_desc_t()
    try check(
      dnnl_memory_desc_init_by_strides(
        &from, 5, shape, dnnl_f32, dims([w * 4 * outC, 2 * outC, 4 * outC, outC, 1])),
      "upsample view")
    try check(
      dnnl_memory_desc_init_by_strides(
        &to, 5, shape, dnnl_f32, dims([4 * w * outC, 2 * w * outC, 2 * outC, outC, 1])),
      "upsample view")
    let dstDims = [1, outC, 2 * h, 2 * w]
    let dstMD = try descriptor(dstDims, Self.activationLayout)
    let buffer = try allocate(dstMD)
    let dst = try memory(dstMD, handle: buffer)
    var expandedBuffer: UnsafeMutableRawPointer?
    try check(dnnl_memory_get_data_handle(expanded.memory, &expandedBuffer), "upsample view")
    let fromView = try memory(from, handle: expandedBuffer)
    let toView = try memory(to, handle: buffer)
    try addReorder(from: Value(memory: fromView, md: from, dims: [h, 2, w, 2, outC]), to: toView)
    return Value(memory: dst, md: dstMD, dims: dstDims)
  }

  private func maxPool(_ source: Value, kernel: [Int], strides: [Int], pads: [Int]) throws(InferenceError)
    -> Value
  {
    let outH = (source.dims[2] + pads[0] + pads[2] - kernel[0]) / strides[0] + 1
    let outW = (source.dims[3] + pads[1] + pads[3] - kernel[1]) / strides[1] + 1
    let dstDims = [source.dims[0], source.dims[1], outH, outW]
    var src = source.md
    var dstAny = try descriptor(dstDims, Self.activationLayout)
    var desc = dnnl_pooling_desc_t()
    try check(
      dnnl_pooling_forward_desc_init(
        &desc, dnnl_forward_inference, dnnl_pooling_max, &src, &dstAny, dims(strides), dims(kernel),
        dims([pads[0], pads[1]]), dims([pads[2], pads[3]])), "max pool")
    var pd: OpaquePointer?
    try check(dnnl_primitive_desc_create(&pd, &desc, nil, engine, nil), "max pool")
    defer { dnnl_primitive_desc_destroy(pd) }
    let dstMD = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0).pointee
    let dst = try memory(dstMD, handle: try allocate(dstMD))
    try addPrimitive(pd, args: [(crackmon_dnnl_arg_src, source.memory), (crackmon_dnnl_arg_dst, dst)])
    return Value(memory: dst, md: dstMD, dims: dstDims)
  }

  private func eltwise(_ source: Value, _ alg: dnnl_alg_kind_t) throws(InferenceError) -> Value {
    var src = source.md
    var desc = dnnl_eltwise_desc_t()
    try check(dnnl_eltwise_forward_desc_init(&desc, dnnl_forward_inference, alg, &src, 0, 0), "eltwise")
    var pd: OpaquePointer?
    try check(dnnl_primitive_desc_create(&pd, &desc, nil, engine, nil), "eltwise")
    defer { dnnl_primitive_desc_destroy(pd) }
    let dst = try memory(source.md, handle: try allocate(source.md))
    try addPrimitive(pd, args: [(crackmon_dnnl_arg_src, source.memory), (crackmon_dnnl_arg_dst, dst)])
    return Value(memory: dst, md: source.md, dims: source.dims)
  }

  private func concat(_ sources: [Value], axis: Int) throws(InferenceError) -> Value {
    guard axis == 1, let first = sources.first else {
      throw .unsupportedGraph("only channel concatenation is supported")
    }
    var dstDims = first.dims
    dstDims[1] = sources.reduce(0) { $0 + $1.dims[1] }
    let mds = sources.map(\.md)
    var dstMDWanted = try descriptor(dstDims, Self.activationLayout)
    var pd: OpaquePointer?
    try check(
      dnnl_concat_primitive_desc_create(&pd, &dstMDWanted, Int32(mds.count), 1, mds, nil, engine), "concat")
    defer { dnnl_primitive_desc_destroy(pd) }
    let dstMD = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0).pointee
    let dst = try memory(dstMD, handle: try allocate(dstMD))
    var args = sources.enumerated().map {
      (crackmon_dnnl_arg_multiple_src + Int32($0.offset), $0.element.memory)
    }
    args.append((crackmon_dnnl_arg_dst, dst))
    try addPrimitive(pd, args: args)
    return Value(memory: dst, md: dstMD, dims: dstDims)
  }

  // MARK: Helpers

  /// The value's memory if its layout is `md`, else a reorder into a new memory with that layout.
  private func conform(_ value: Value, to md: dnnl_memory_desc_t) throws(InferenceError) -> OpaquePointer {
    var have = value.md
    var want = md
    if dnnl_memory_desc_equal(&have, &want) != 0 { return value.memory }
    let target = try memory(md, handle: try allocate(md))
    try addReorder(from: value, to: target)
    return target
  }

  /// A constant (weights, bias) copied in and, if `layout` differs, reordered once now.
  private func constant(_ values: [Float], _ userMD: dnnl_memory_desc_t, as layout: dnnl_memory_desc_t)
    throws(InferenceError)
    -> OpaquePointer
  {
    let buffer = try allocate(userMD)
    values.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    let user = try memory(userMD, handle: buffer)
    var a = userMD
    var b = layout
    if dnnl_memory_desc_equal(&a, &b) != 0 { return user }
    let packed = try memory(layout, handle: try allocate(layout))
    var pd: OpaquePointer?
    try check(dnnl_reorder_primitive_desc_create(&pd, &a, engine, &b, engine, nil), "weights reorder")
    defer { dnnl_primitive_desc_destroy(pd) }
    var primitive: OpaquePointer?
    try check(dnnl_primitive_create(&primitive, pd), "weights reorder")
    defer { dnnl_primitive_destroy(primitive) }
    let args = [
      dnnl_exec_arg_t(arg: crackmon_dnnl_arg_from, memory: user),
      dnnl_exec_arg_t(arg: crackmon_dnnl_arg_to, memory: packed),
    ]
    try check(dnnl_primitive_execute(primitive, stream, 2, args), "weights reorder")
    try check(dnnl_stream_wait(stream), "weights reorder")
    return packed
  }

  private func addReorder(from value: Value, to target: OpaquePointer) throws(InferenceError) {
    var src = value.md
    var dstPointer: UnsafePointer<dnnl_memory_desc_t>?
    try check(dnnl_memory_get_memory_desc(target, &dstPointer), "reorder")
    var dst = dstPointer!.pointee
    var pd: OpaquePointer?
    try check(dnnl_reorder_primitive_desc_create(&pd, &src, engine, &dst, engine, nil), "reorder")
    defer { dnnl_primitive_desc_destroy(pd) }
    try addPrimitive(pd, args: [(crackmon_dnnl_arg_from, value.memory), (crackmon_dnnl_arg_to, target)])
  }

  private func addPrimitive(_ pd: OpaquePointer?, args: [(Int32, OpaquePointer)]) throws(InferenceError) {
    var primitive: OpaquePointer?
    try check(dnnl_primitive_create(&primitive, pd), "primitive")
    primitives.append(primitive!)
    steps.append((primitive!, args.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }))
  }

  private func attributes(sum: Bool = false, activation: dnnl_alg_kind_t?) throws(InferenceError)
    -> OpaquePointer?
  {
    var attr: OpaquePointer?
    try check(dnnl_primitive_attr_create(&attr), "attributes")
    guard sum || activation != nil else { return attr }
    var postOps: OpaquePointer?
    try check(dnnl_post_ops_create(&postOps), "post-ops")
    defer { dnnl_post_ops_destroy(postOps) }
    if sum { try check(dnnl_post_ops_append_sum(postOps, 1), "post-ops") }
    if let activation { try check(dnnl_post_ops_append_eltwise(postOps, 1, activation, 0, 0), "post-ops") }
    try check(dnnl_primitive_attr_set_post_ops(attr, postOps), "post-ops")
    return attr
  }

  private func descriptor(_ shape: [Int], _ tag: dnnl_format_tag_t) throws(InferenceError)
    -> dnnl_memory_desc_t
  {
    var md = dnnl_memory_desc_t()
    try check(
      dnnl_memory_desc_init_by_tag(&md, Int32(shape.count), dims(shape), dnnl_f32, tag),
      "memory descriptor \(shape)")
    return md
  }

  private func dims(_ values: [Int]) -> [Int64] {
    values.map(Int64.init) + [Int64](repeating: 0, count: 12 - values.count)
  }

  private func allocate(_ md: dnnl_memory_desc_t) throws(InferenceError) -> UnsafeMutableRawPointer {
    var md = md
    let size = dnnl_memory_desc_get_size(&md)
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(size, 64), alignment: 64)
    buffers.append(buffer)
    return buffer
  }

  private func memory(_ md: dnnl_memory_desc_t, handle: UnsafeMutableRawPointer?) throws(InferenceError)
    -> OpaquePointer
  {
    var md = md
    var memory: OpaquePointer?
    try check(dnnl_memory_create(&memory, &md, engine, handle), "memory")
    memories.append(memory!)
    return memory!
  }

  private func check(_ status: dnnl_status_t, _ what: String) throws(InferenceError) {
    guard status == dnnl_success else {
      throw .engine("oneDNN \(what) failed with status \(status.rawValue)")
    }
  }

  private func release() {
    for p in primitives { dnnl_primitive_destroy(p) }
    for m in memories { dnnl_memory_destroy(m) }
    for b in buffers { b.deallocate() }
    if let stream { dnnl_stream_destroy(stream) }
    if let engine { dnnl_engine_destroy(engine) }
    primitives = []
    memories = []
    buffers = []
    stream = nil
    engine = nil
  }
}
