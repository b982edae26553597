import Foundation
import Segmentation
import TestSupport
import Testing

/// The shipped model on real data must not fall below its model card
/// (docs/model-card-metrics.json, written from `crackmon eval` when the model was trained).
@Suite(
  .enabled(
    if: TestPaths.hasCrackDatasets, "../shared/datasets/cracks is missing: skipping the real-data regression")
)
struct RealDataRegressionTests {
  struct CardFigures: Decodable {
    var uav75Val: Figures
    var cfdTest: Figures
    struct Figures: Decodable {
      var f1: Double
      var f1Exact: Double
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
      segmenter: try Segmenter(model: try SegmentationModel.load()), tolerance: 2)
    print("UAV75 val: F1 (2 px) \(report.f1), exact \(report.f1Exact); card \(card.uav75Val.f1)")
    #expect(report.images == 10)
    #expect(report.f1 >= card.uav75Val.f1 - 0.02)
    #expect(report.f1Exact >= card.uav75Val.f1Exact - 0.02)
  }
}
