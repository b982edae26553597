import Foundation
import Segmentation
import TestSupport
import Testing

/// The shipped model on real data must not fall below its model card
/// (docs/model-card-metrics.json, written from `crackmon eval` when the model was trained),
/// behind the crack verifier, as `segment` and `ingest` run it.
@Suite(
  .enabled(
    if: TestPaths.hasCrackDatasets, "../shared/datasets/cracks is missing: skipping the real-data regression")
)
struct RealDataRegressionTests {
  struct CardFigures: Decodable {
    var uav75Val: Figures
    var uav75ValX3: Figures
    var cfdTest: Figures
    var unseenAiglern: Figures
    var crackFreeExifHeldOutSceneChecked: CrackFree
    var crackFreeWallsHeldOut: CrackFree
    var crackFreeWallsHeldOutAllLines: CrackFree
    struct Figures: Decodable {
      var f1: Double
      var f1Exact: Double
      var centrelineIou: Double?
      var lengthFound: Double?
      var cracksPerLabelledImage: Double?
    }
    struct CrackFree: Decodable {
      var crackFreeImages: Int
      var crackFreeShareWithCracks: Double
      var falseCracksPerCrackFreeImage: Double
    }
  }

  static func card() throws -> CardFigures {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(
      CardFigures.self,
      from: Data(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("docs/model-card-metrics.json")))
  }

  @Test func uav75ValidationF1HoldsTheCardsFigure() throws {
    let card = try Self.card()
    let root = TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/val")
    let report = try SegmentationMetrics.evaluate(
      images: root.appendingPathComponent("images"), masks: root.appendingPathComponent("masks"),
      segmenter: try Segmenter(model: try SegmentationModel.load()), verifier: try CrackVerifier.bundled(),
      tolerance: 2)
    print("UAV75 val: F1 (2 px) \(report.f1), exact \(report.f1Exact); card \(card.uav75Val.f1)")
    #expect(report.images == 10)
    #expect(report.f1 >= card.uav75Val.f1 - 0.02)
    #expect(report.f1Exact >= card.uav75Val.f1Exact - 0.02)
  }

  /// The same labelled cracks with three times the pixels (UAV75 val enlarged 3x, bicubic):
  /// they keep their length within 15 % of the card's 1x figure and do not break up, because
  /// the net sees the photo shrunk to where its detail is fine (`InferenceScale`). On the
  /// photo's own pixels they kept 0.565 of the labelled length against 0.844 at 1x.
  @Test func crackLengthHoldsWithThreeTimesThePixels() throws {
    let card = try Self.card()
    let root = TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/val")
    let report = try SegmentationMetrics.evaluate(
      images: root.appendingPathComponent("images"), masks: root.appendingPathComponent("masks"),
      segmenter: try Segmenter(model: try SegmentationModel.load()), verifier: try CrackVerifier.bundled(),
      upscale: 3)
    let length = try #require(report.lengthFound)
    let atOnce = try #require(card.uav75Val.lengthFound)
    let cracks = try #require(report.cracksPerLabelledImage)
    print("UAV75 val at 3x: length found \(length) (card: \(atOnce) at 1x), \(cracks) cracks per image")
    #expect(abs(length / atOnce - 1) <= 0.15)
    #expect(length >= (card.uav75ValX3.lengthFound ?? 1) - 0.02)
    #expect(cracks <= 1.5 * (card.uav75Val.cracksPerLabelledImage ?? 0))
  }

  /// A source no model here trained on (French road asphalt): the card's F1 and clIoU hold.
  @Test func anUnseenSourceHoldsTheCardsFigures() throws {
    let card = try Self.card().unseenAiglern
    let root = TestPaths.sharedDatasets.appendingPathComponent("cracks/lmm-aiglern-trimm")
    let report = try SegmentationMetrics.evaluate(
      images: root.appendingPathComponent("images"), masks: root.appendingPathComponent("masks"),
      segmenter: try Segmenter(model: try SegmentationModel.load()), verifier: try CrackVerifier.bundled(),
      tolerance: 2)
    print("AigleRN: F1 (2 px) \(report.f1), clIoU \(report.centrelineIou ?? -1); card \(card.f1)")
    #expect(report.images == 136)
    #expect(report.f1 >= card.f1 - 0.02)
    #expect((report.centrelineIou ?? 0) >= (card.centrelineIou ?? 1) - 0.02)
  }

  /// Photos that are not of concrete, from EXIF corpus sources no net here trained on, as
  /// segment and ingest see them (behind the scene check): no more of them get a crack than
  /// the card says, give or take two photos.
  @Test(.enabled(if: TestPaths.hasExifCorpus, "../shared/datasets/exif is missing"))
  func heldOutCrackFreePhotosGetNoMoreFalseCracksThanTheCard() throws {
    let card = try Self.card().crackFreeExifHeldOutSceneChecked
    let exif = TestPaths.exifCorpus.appendingPathComponent("images")
    let report = try SegmentationMetrics.evaluate(
      images: nil, masks: nil,
      crackFree: ["exifr", "exiftool", "pillow", "sitemark-exifr", "thermal_parser"].map {
        exif.appendingPathComponent($0)
      },
      segmenter: try Segmenter(model: try SegmentationModel.load()),
      sceneCheck: try SceneCheck(model: SceneCheck.bundledModel()), verifier: try CrackVerifier.bundled())
    let share = try #require(report.crackFreeShareWithCracks)
    print("held-out crack-free photos: \(share) with a crack; card \(card.crackFreeShareWithCracks)")
    #expect(report.crackFreeImages == card.crackFreeImages)
    #expect(share <= card.crackFreeShareWithCracks + 2 / Double(card.crackFreeImages))
  }

  /// Crack-free concrete (block and panel walls, formwork and board marks: khanh-mixed's walls
  /// numbered 3 modulo 4, which the verifier neither trained nor chose on): the verifier sets
  /// aside most of the joints and marks the crack net finds there, as the card says.
  @Test func crackFreeConcreteKeepsFewerLinesWithTheVerifier() throws {
    let card = try Self.card()
    let images = TestPaths.sharedDatasets.appendingPathComponent("cracks/khanh-mixed/images")
    let walls = try FileManager.default.contentsOfDirectory(atPath: images.path).filter { name in
      guard name.hasPrefix("noncrack"), let range = name.range(of: "concrete_wall_") else { return false }
      return Int(name[range.upperBound...].prefix { $0.isNumber }).map { $0 % 4 == 3 } ?? false
    }.map { images.appendingPathComponent($0) }
    let segmenter = try Segmenter(model: try SegmentationModel.load())
    let verified = try SegmentationMetrics.evaluate(
      images: nil, masks: nil, crackFree: walls, segmenter: segmenter, verifier: try CrackVerifier.bundled())
    let all = try SegmentationMetrics.evaluate(
      images: nil, masks: nil, crackFree: walls, segmenter: segmenter)
    let (share, perImage) = (
      try #require(verified.crackFreeShareWithCracks), try #require(verified.falseCracksPerCrackFreeImage)
    )
    let allPerImage = try #require(all.falseCracksPerCrackFreeImage)
    print(
      "held-out crack-free walls: \(share) with a crack, \(perImage) per wall; every line: \(allPerImage) per wall"
    )
    #expect(verified.crackFreeImages == card.crackFreeWallsHeldOut.crackFreeImages)
    #expect(share <= card.crackFreeWallsHeldOut.crackFreeShareWithCracks + 2 / Double(walls.count))
    #expect(perImage <= card.crackFreeWallsHeldOut.falseCracksPerCrackFreeImage + 0.1)
    #expect(perImage <= allPerImage / 2)
  }
}
