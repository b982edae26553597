import CrackGeometry
import Imaging
import Inference
import ONNXModel

/// Photo pixels -> crack probability map, for photos of any size.
///
/// The photo is cut into overlapping tiles of the engine's fixed size (edges padded by
/// reflection), each tile is run, and the tiles are blended back with weights that fall
/// off towards tile edges, where a convolutional net sees the least context. The
/// weights are separable, so their per-pixel sum needs no full-size buffer: peak memory
/// is the RGB photo plus one float per pixel.
///
/// Screening: with `screenThreshold` set, each tile is first run at half resolution
/// (a quarter of the work); a tile whose highest crack probability there stays below the
/// threshold is taken as crack-free and skipped. Most of a real inspection photo is
/// crack-free concrete, so this is where the time goes (docs/benchmarks.md has the
/// measured saving and recall cost).
public final class Segmenter {
  public let model: SegmentationModel
  public let tileSize: Int
  public let overlap: Int
  public let screenThreshold: Float?
  /// Whether a photo whose detail is coarser than its pixels is shrunk for the net
  /// (`InferenceScale`); false runs the net on the photo's own pixels, however soft.
  public let scaleToDetail: Bool
  private let engine: any InferenceEngine
  private let screen: (any InferenceEngine)?

  public init(
    model: SegmentationModel, tileSize: Int = 512, overlap: Int = 64, screenThreshold: Float? = nil,
    scaleToDetail: Bool = true
  ) throws(InferenceError) {
    precondition(tileSize % 32 == 0 && overlap < tileSize / 2)
    self.model = model
    self.tileSize = tileSize
    self.overlap = overlap
    self.screenThreshold = screenThreshold
    self.scaleToDetail = scaleToDetail
    engine = try OneDNNEngine(graph: model.graph, tileHeight: tileSize, tileWidth: tileSize)
    guard engine.outputHeight == tileSize, engine.outputWidth == tileSize else {
      throw .unsupportedGraph(
        "a segmentation model answers for every pixel; this one gives \(engine.outputWidth)x\(engine.outputHeight) for a \(tileSize)x\(tileSize) tile"
      )
    }
    screen =
      screenThreshold == nil
      ? nil : try OneDNNEngine(graph: model.graph, tileHeight: tileSize / 2, tileWidth: tileSize / 2)
  }

  /// Tiles run at full resolution so far, and tiles the screen skipped.
  public private(set) var tilesRun = 0
  public private(set) var tilesSkipped = 0

  /// A photo's crack probabilities at its own pixels, the net run on the photo shrunk to
  /// where its detail is as fine as in training (`InferenceScale`, unless `scaleToDetail` is
  /// off) and its answer enlarged back; `shrink` is the factor (1: the photo as it is).
  public func crackProbabilities(_ image: RGBImage, grey: [UInt8], shrink known: Double? = nil) throws -> (
    map: ProbabilityMap, shrink: Double
  ) {
    let shrink = try known ?? self.shrink(image, grey: grey)
    guard shrink > 1 else { return (try probabilities(image), 1) }
    let (w, h) = (
      Int((Double(image.width) / shrink).rounded()), Int((Double(image.height) / shrink).rounded())
    )
    let small = try probabilities(image.resized(width: w, height: h, .area))
    let values = try Resampling.linear.resize(
      small.values, width: w, height: h, to: image.width, image.height)
    return (ProbabilityMap(width: image.width, height: image.height, values: values), shrink)
  }

  /// How many times the photo is shrunk for the net (`InferenceScale`; 1 without
  /// `scaleToDetail`): its detail is that much coarser than its pixels.
  public func shrink(_ image: RGBImage, grey: [UInt8]) throws(OpenCVError) -> Double {
    scaleToDetail ? try InferenceScale.shrink(grey: grey, width: image.width, height: image.height) : 1
  }

  /// The net's crack probabilities at the photo's own pixels, however soft.
  public func probabilities(_ image: RGBImage) throws(InferenceError) -> ProbabilityMap {
    let xs = Self.tileStarts(length: image.width, tile: tileSize, overlap: overlap)
    let ys = Self.tileStarts(length: image.height, tile: tileSize, overlap: overlap)
    let ramp = tileWeights()
    let weightX = Self.weightSums(starts: xs, length: image.width, ramp: ramp)
    let weightY = Self.weightSums(starts: ys, length: image.height, ramp: ramp)
    var accumulated = [Float](repeating: 0, count: image.width * image.height)
    var input = [Float](repeating: 0, count: 3 * tileSize * tileSize)
    let plane = tileSize * tileSize
    for y0 in ys {
      for x0 in xs {
        fillTile(&input, from: image, x0: x0, y0: y0, plane: plane)
        if let screen, let screenThreshold {
          let preview = try screen.run(Self.halfResolution(input, size: tileSize))
          if (preview.max() ?? 0) < screenThreshold {
            tilesSkipped += 1
            continue  // crack-free: contributes probability 0 with its weight
          }
        }
        let output = try engine.run(input)
        tilesRun += 1
        let rows = min(tileSize, image.height - y0)
        let columns = min(tileSize, image.width - x0)
        accumulated.withUnsafeMutableBufferPointer { acc in
          output.withUnsafeBufferPointer { out in
            for ty in 0..<rows {
              let row = (y0 + ty) * image.width + x0
              let weight = ramp[ty]
              for tx in 0..<columns { acc[row + tx] += out[ty * tileSize + tx] * weight * ramp[tx] }
            }
          }
        }
      }
    }
    accumulated.withUnsafeMutableBufferPointer { acc in
      for y in 0..<image.height {
        let row = y * image.width
        let wy = weightY[y]
        for x in 0..<image.width { acc[row + x] /= weightX[x] * wy }
      }
    }
    return ProbabilityMap(width: image.width, height: image.height, values: accumulated)
  }

  /// Copies one tile of the photo into planar RGB floats / 255, reflecting past the edges.
  private func fillTile(_ input: inout [Float], from image: RGBImage, x0: Int, y0: Int, plane: Int) {
    func reflect(_ i: Int, _ n: Int) -> Int {
      guard n > 1 else { return 0 }
      let period = 2 * (n - 1)
      var j = i % period
      if j < 0 { j += period }
      return j < n ? j : period - j
    }
    let size = tileSize
    // Source column of each tile column, computed once per tile rather than per pixel.
    let columns = (0..<size).map { reflect(x0 + $0, image.width) }
    image.pixels.withUnsafeBufferPointer { pixels in
      input.withUnsafeMutableBufferPointer { out in
        for ty in 0..<size {
          let rowStart = reflect(y0 + ty, image.height) * image.width
          let o = ty * size
          for tx in 0..<size {
            let p = (rowStart + columns[tx]) * 3
            out[o + tx] = Float(pixels[p]) / 255
            out[plane + o + tx] = Float(pixels[p + 1]) / 255
            out[2 * plane + o + tx] = Float(pixels[p + 2]) / 255
          }
        }
      }
    }
  }

  /// Planar RGB at half the size, each pixel the mean of a 2 x 2 block.
  static func halfResolution(_ input: [Float], size: Int) -> [Float] {
    let half = size / 2
    var out = [Float](repeating: 0, count: 3 * half * half)
    for c in 0..<3 {
      let source = c * size * size
      let target = c * half * half
      for y in 0..<half {
        for x in 0..<half {
          let i = source + 2 * y * size + 2 * x
          out[target + y * half + x] = (input[i] + input[i + 1] + input[i + size] + input[i + size + 1]) / 4
        }
      }
    }
    return out
  }

  /// Weight of each tile row/column: rises linearly over `overlap` pixels from each edge.
  private func tileWeights() -> [Float] {
    (0..<tileSize).map { i in
      let edge = min(i, tileSize - 1 - i)
      return overlap == 0 ? 1 : min(1, Float(edge + 1) / Float(overlap + 1))
    }
  }

  static func tileStarts(length: Int, tile: Int, overlap: Int) -> [Int] {
    guard length > tile else { return [0] }
    var starts = Array(stride(from: 0, to: length - tile, by: tile - overlap))
    starts.append(length - tile)
    return starts
  }

  static func weightSums(starts: [Int], length: Int, ramp: [Float]) -> [Float] {
    var sums = [Float](repeating: 0, count: length)
    for s in starts {
      for i in 0..<min(ramp.count, length - s) { sums[s + i] += ramp[i] }
    }
    return sums
  }
}
