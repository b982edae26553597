import Foundation
import Imaging
import Segmentation
import TestSupport
import Testing

/// The scene check on photos its net never trained on (tools/train/scene.py keeps them out):
/// held-out EXIF corpus sources for scenes, the crack model's report splits and two crack
/// sources no model here trained on for surfaces. The figures must hold the model card's
/// (docs/model-card-metrics.json, "scene"), less a margin of a few photos.
@Suite(
  .enabled(
    if: TestPaths.hasCrackDatasets && TestPaths.hasExifCorpus,
    "../shared/datasets is missing: skipping the scene check on real photos"))
struct SceneCheckTests {
  struct Card: Decodable {
    var scene: Figures
    struct Figures: Decodable {
      var surfacesPassed: Double
      /// Of the held-out scenes at least 100 px a side (the corpus also holds thumbnails).
      var scenesFlagged: Double
      enum CodingKeys: String, CodingKey {
        case surfacesPassed = "surfaces_passed"
        case scenesFlagged = "scenes_100px_flagged"
      }
    }
  }

  static let heldOutExifSources = ["exifr", "exiftool", "pillow", "sitemark-exifr", "thermal_parser"]

  static func card() throws -> Card.Figures {
    let decoder = JSONDecoder()
    return try decoder.decode(
      Card.self,
      from: Data(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("docs/model-card-metrics.json"))
    ).scene
  }

  /// Every photo crackmon decodes under `folder`, as `crackmon eval --crack-free` takes them,
  /// with both sides at least `minSide` pixels.
  static func photos(under folder: URL, minSide: Int = 1) -> [RGBImage] {
    let decoder = ImageDecoder()
    let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
    var found: [RGBImage] = []
    var paths: [URL] = []
    while let url = walk?.nextObject() as? URL { paths.append(url) }
    for url in paths.sorted(by: { $0.path < $1.path }) {
      guard ImageDecoder.photoExtensions.contains(url.pathExtension.lowercased()),
        let image = try? decoder.decode(url), min(image.width, image.height) >= minSide
      else { continue }
      found.append(image)
    }
    return found
  }

  @Test func heldOutScenesAreFlaggedAndHeldOutSurfacesPass() throws {
    let card = try Self.card()
    let check = try SceneCheck(model: SceneCheck.bundledModel())
    let exif = TestPaths.exifCorpus.appendingPathComponent("images")
    let scenes = Self.heldOutExifSources.flatMap {
      Self.photos(under: exif.appendingPathComponent($0), minSide: 100)
    }
    let cracks = TestPaths.sharedDatasets.appendingPathComponent("cracks")
    let surfaces = ["uav75/val/images", "lmm-aiglern-trimm/images"].flatMap {
      Self.photos(under: cracks.appendingPathComponent($0))
    }
    let flagged = try scenes.filter { try !check.assess($0).isUsable }.count
    let passed = try surfaces.filter { try check.assess($0).isUsable }.count
    let flaggedShare = Double(flagged) / Double(scenes.count)
    let passedShare = Double(passed) / Double(surfaces.count)
    print(
      "scene check: \(flagged) of \(scenes.count) held-out scenes flagged, \(passed) of \(surfaces.count) surfaces pass"
    )
    #expect(scenes.count >= 45 && surfaces.count >= 140)
    #expect(flaggedShare >= card.scenesFlagged - 0.05)
    #expect(passedShare >= card.surfacesPassed - 0.03)
  }

  @Test func aSurfaceTooFarAwayForCracksIsFlaggedForItsScale() throws {
    let check = try SceneCheck(model: SceneCheck.bundledModel())
    let pier = try ImageDecoder().decode(
      TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/val/images/DSC00560b.jpg"))
    let near = try check.assess(pier, millimetresPerPixel: 0.4)
    #expect(near.isUsable, "\(near)")
    let far = try check.assess(pier, millimetresPerPixel: 30)
    #expect(far.reason?.contains("too far for cracks: 30.0 mm per pixel") == true, "\(far)")
    #expect(far.surfaceScore == near.surfaceScore)
  }

  /// Whether a photo resolves cracks depends on its detail, not its pixels. The pier photo
  /// enlarged 3x (bicubic: its detail is 3x coarser than its pixels) at 2 mm per pixel resolves
  /// no more than the photo itself at 6 mm: too far. At 0.7 mm per pixel, the photo's own
  /// 2 mm, it is fine, as the photo itself is at 2 mm.
  @Test func aSoftPhotoIsJudgedByItsDetailNotItsPixels() throws {
    let finder = CrackFinder(
      segmenter: try Segmenter(model: try SegmentationModel.load()),
      sceneCheck: try SceneCheck(model: SceneCheck.bundledModel()), verifier: try CrackVerifier.bundled())
    let pier = try ImageDecoder().decode(
      TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/val/images/DSC00560b.jpg"))
    let sharp = Data(try PNGCodec.encode(pier))
    let soft = Data(
      try PNGCodec.encode(try pier.resized(width: 3 * pier.width, height: 3 * pier.height, .cubic)))
    let own = try finder.find(in: sharp, path: "sharp.png", orientation: nil, millimetresPerPixel: 2)
    #expect(own.scene?.isUsable == true && own.shrink == 1 && !own.cracks.isEmpty)
    let softAtTwo = try finder.find(in: soft, path: "soft.png", orientation: nil, millimetresPerPixel: 2)
    let reason = try #require(softAtTwo.scene?.reason)
    #expect(softAtTwo.scene?.tooFar == true && softAtTwo.cracks.isEmpty)
    #expect(reason.hasPrefix("too far for cracks: its detail is "), "\(reason)")
    #expect(softAtTwo.shrink >= 2.5 && softAtTwo.shrink <= 4)
    let softAtOwnScale = try finder.find(
      in: soft, path: "soft.png", orientation: nil, millimetresPerPixel: 2.0 / 3)
    #expect(softAtOwnScale.scene?.isUsable == true && !softAtOwnScale.cracks.isEmpty)
    #expect(softAtOwnScale.shrink == softAtTwo.shrink)
  }
}
