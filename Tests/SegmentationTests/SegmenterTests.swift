import CrackGeometry
import Foundation
import Imaging
import Inference
import ONNXModel
import Segmentation
import TestSupport
import Testing

struct SegmenterTests {
  static func pattern(width: Int, height: Int) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      for x in 0..<width {
        let v = UInt8(120 + Int(60 * sin(Double(x) * 0.05) * cos(Double(y) * 0.03)))
        let dark: UInt8 = abs(x - y / 2 - 40) < 2 ? 60 : 0
        pixels[(y * width + x) * 3] = v - dark
        pixels[(y * width + x) * 3 + 1] = v - dark
        pixels[(y * width + x) * 3 + 2] = v - dark
      }
    }
    return RGBImage(width: width, height: height, pixels: pixels)
  }

  @Test func oneTileIsTheEngineOutputUnchanged() throws {
    let model = try SegmentationModel.load()
    let segmenter = try Segmenter(model: model)
    let image = Self.pattern(width: 512, height: 512)
    let map = try segmenter.probabilities(image)
    let engine = try OneDNNEngine(graph: model.graph, tileHeight: 512, tileWidth: 512)
    var input = [Float](repeating: 0, count: 3 * 512 * 512)
    for i in 0..<(512 * 512) {
      for c in 0..<3 { input[c * 512 * 512 + i] = Float(image.pixels[i * 3 + c]) / 255 }
    }
    let direct = try engine.run(input)
    let worst = zip(map.values, direct).map { abs($0 - $1) }.max() ?? 0
    #expect(worst < 1e-5)
  }

  @Test func photosOfAnySizeAreCoveredByBlendedTiles() throws {
    let segmenter = try Segmenter(model: try SegmentationModel.load())
    for (w, h) in [(700, 300), (100, 60), (1100, 1030)] {
      let map = try segmenter.probabilities(Self.pattern(width: w, height: h))
      #expect(map.width == w && map.height == h)
      #expect(map.values.allSatisfy { $0 >= 0 && $0 <= 1 && $0.isFinite })
    }
  }

  @Test func screeningSkipsTilesBelowItsThresholdAndOnlyThose() throws {
    let model = try SegmentationModel.load()
    let image = Self.pattern(width: 900, height: 600)
    let plain = try Segmenter(model: model).probabilities(image)
    // A screen nothing passes: every tile is skipped and the map is all zero.
    let closed = try Segmenter(model: model, screenThreshold: 1.01)
    #expect(try closed.probabilities(image).values.allSatisfy { $0 == 0 })
    #expect(closed.tilesRun == 0 && closed.tilesSkipped == 4)
    // A screen everything passes changes nothing.
    let open = try Segmenter(model: model, screenThreshold: 0)
    #expect(try open.probabilities(image).values == plain.values)
    #expect(open.tilesRun == 4 && open.tilesSkipped == 0)
  }

  @Test func modelInfo() throws {
    let model = try SegmentationModel.load()
    #expect(model.graph.parameterCount < 2_000_000)
    #expect(model.flops(tileSize: 512) < 5_000_000_000)
    #expect(model.sha256.count == 64)
  }
}
