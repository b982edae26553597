import Foundation
import Imaging
import Inference
import ONNXModel

/// Is a photo a close view of a built surface (concrete, masonry, asphalt) that cracks can be
/// measured on? The crack net was trained on such views only: shown a landscape, a face or a
/// roof from the air, it finds "cracks" in tile joints, branches and the edges of things, and
/// each would become a stored, synced, tracked observation.
///
/// Two reasons flag a photo, so that it is not mined for cracks:
/// - its content: a small net (`scenenet.onnx`, trained by `tools/train/scene.py`) sees the
///   whole photo squeezed to its input size and gives each cell of a coarse grid the
///   probability that it is surface; below the net's threshold on average, the photo is a
///   scene, not a surface;
/// - its scale, where the ground sample distance is known: coarser than
///   `coarsestMillimetresPerPixel`, even a wide crack is under a pixel (a roof from 100 m).
public final class SceneCheck {
  /// 5 mm per pixel: a 5 mm crack, wide enough to need a repair decision, fills one pixel.
  public static let coarsestMillimetresPerPixel = 5.0

  public let model: SegmentationModel
  private let engine: OneDNNEngine

  public init(model: SegmentationModel) throws(InferenceError) {
    let size = model.graph.metadata["input_size"].flatMap(Int.init) ?? 128
    self.model = model
    engine = try OneDNNEngine(graph: model.graph, tileHeight: size, tileWidth: size)
  }

  /// The bundled net: `$CRACKMON_SCENE_MODEL` if set, else `scenenet.onnx` beside the crack model.
  public static func bundledModel() throws(ModelError) -> SegmentationModel {
    guard let url = SegmentationModel.bundledURL(file: "scenenet.onnx", environment: "CRACKMON_SCENE_MODEL")
    else {
      throw .missingFile(
        path:
          "scenenet.onnx (no crackmon_Segmentation.resources folder beside the binary; set CRACKMON_SCENE_MODEL, or give --any-scene to measure every photo without the scene check)"
      )
    }
    return try SegmentationModel.read(url)
  }

  public struct Verdict: Sendable, Equatable, Codable {
    /// Mean probability over the grid that the photo is a surface.
    public var surfaceScore: Double
    public var threshold: Double
    public var millimetresPerPixel: Double?
    /// Why cracks should not be measured on it; nil for a usable surface.
    public var reason: String?
    /// The photo is a surface, but too far away: still a view of the asset (a drone's
    /// overview), where `notASurface` is likely no inspection photo at all.
    public var tooFar: Bool { reason != nil && surfaceScore >= threshold }
    public var isUsable: Bool { reason == nil }
  }

  /// `millimetresPerPixel`: the photo's scale where known. `detailShrink`: how much coarser its
  /// detail is than its pixels (`Segmenter.shrink`): a soft or enlarged photo at 3 mm per pixel
  /// whose detail is twice as coarse resolves no more than one at 6 mm.
  public func assess(_ image: RGBImage, millimetresPerPixel: Double? = nil, detailShrink: Double = 1)
    throws(InferenceError) -> Verdict
  {
    let cells = try engine.run(Self.squeezed(image, to: engine.tileWidth))
    let score = Double(cells.reduce(0, +)) / Double(max(1, cells.count))
    let threshold = Double(model.threshold)
    var reason: String?
    if score < threshold {
      reason = String(
        format: "not a close view of a concrete or masonry surface (surface score %.2f, under %.2f)", score,
        threshold)
    } else if let mm = millimetresPerPixel, mm * detailShrink > Self.coarsestMillimetresPerPixel {
      reason =
        detailShrink > 1
        ? String(
          format:
            "too far for cracks: its detail is %.1f mm per pixel (%.1f mm per pixel, detail %.1fx coarser), coarser than %.0f mm",
          mm * detailShrink, mm, detailShrink, Self.coarsestMillimetresPerPixel)
        : String(
          format: "too far for cracks: %.1f mm per pixel, coarser than %.0f mm", mm,
          Self.coarsestMillimetresPerPixel)
    }
    return Verdict(
      surfaceScore: score, threshold: threshold, millimetresPerPixel: millimetresPerPixel, reason: reason)
  }

  /// The whole photo at size x size, planar RGB / 255, each pixel the mean of the photo's
  /// pixels under it (area averaging: a thumbnail, not a crop).
  static func squeezed(_ image: RGBImage, to size: Int) -> [Float] {
    // Each cell averages the pixels of its share of the photo (at least one pixel, so a
    // photo smaller than the grid is enlarged by repeating pixels).
    func span(_ cell: Int, _ length: Int) -> Range<Int> {
      let start = min(length - 1, cell * length / size)
      return start..<max(start + 1, (cell + 1) * length / size)
    }
    let plane = size * size
    var out = [Float](repeating: 0, count: 3 * plane)
    image.pixels.withUnsafeBufferPointer { rgb in
      for cy in 0..<size {
        let rows = span(cy, image.height)
        for cx in 0..<size {
          let columns = span(cx, image.width)
          var (r, g, b) = (0, 0, 0)
          for y in rows {
            for x in columns {
              let p = (y * image.width + x) * 3
              r += Int(rgb[p])
              g += Int(rgb[p + 1])
              b += Int(rgb[p + 2])
            }
          }
          let n = Float(rows.count * columns.count) * 255
          let cell = cy * size + cx
          out[cell] = Float(r) / n
          out[plane + cell] = Float(g) / n
          out[2 * plane + cell] = Float(b) / n
        }
      }
    }
    return out
  }
}
