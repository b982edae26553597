import CrackGeometry
import Segmentation
import Testing

/// Metrics on masks small enough to score by hand.
struct SegmentationMetricsTests {
  /// 10x10, a vertical line of `value` at column `x` (10 pixels).
  static func line(x: Int, value: Float) -> ProbabilityMap {
    var map = ProbabilityMap(width: 10, height: 10, repeating: 0)
    for y in 0..<10 { map[x, y] = value }
    return map
  }

  static func mask(_ map: ProbabilityMap) -> Mask { map.thresholded(0.5) }

  @Test func aPredictionOnePixelOffIsPerfectWithToleranceAndZeroExactly() {
    var metrics = SegmentationMetrics(threshold: 0.5, tolerance: 2)
    metrics.add(probability: Self.line(x: 6, value: 0.9), truth: Self.mask(Self.line(x: 5, value: 1)))
    let r = metrics.report
    #expect(r.precision == 1 && r.recall == 1 && r.f1 == 1)
    #expect(r.f1Exact == 0)
    #expect(r.iou == 0)  // 0 shared pixels of 20
  }

  @Test func falsePositivesOnACrackFreeImage() {
    var metrics = SegmentationMetrics(threshold: 0.5, tolerance: 2)
    metrics.add(probability: Self.line(x: 6, value: 0.9), truth: Self.mask(Self.line(x: 5, value: 1)))
    // A crack-free image with 3 false pixels at probability 0.6.
    var noise = ProbabilityMap(width: 10, height: 10, repeating: 0)
    noise[1, 1] = 0.6
    noise[8, 8] = 0.6
    noise[8, 1] = 0.6
    metrics.add(probability: noise, truth: Mask(width: 10, height: 10, repeating: false))
    let r = metrics.report
    // Precision 10 / 13, recall 10 / 10: F1 = 20 / 23.
    #expect(abs(r.precision - 10.0 / 13) < 1e-12)
    #expect(r.recall == 1)
    #expect(abs(r.f1 - 20.0 / 23) < 1e-12)
    // IoU: nothing shared; the union is 10 + 10 + 3.
    #expect(r.iou == 0)
    // From 0.65 up the noise is gone and the line (0.9) stays: ODS 1 at 0.65, the first such threshold.
    #expect(r.odsF1 == 1 && abs(r.odsThreshold - 0.65) < 1e-6)
    // Each image at its own best threshold is perfect.
    #expect(r.oisF1 == 1)
    #expect(r.images == 2)
  }

  @Test func halfTheCrackFound() {
    var truth = Mask(width: 20, height: 5, repeating: false)
    var probability = ProbabilityMap(width: 20, height: 5, repeating: 0.1)
    for x in 0..<20 { truth[x, 2] = true }
    for x in 0..<10 { probability[x, 2] = 0.8 }
    var metrics = SegmentationMetrics(threshold: 0.5, tolerance: 2)
    metrics.add(probability: probability, truth: truth)
    let r = metrics.report
    // Predicted x 0...9 (10 px, all on the crack); truth within 2 px of a prediction: x 0...11.
    #expect(r.precision == 1)
    #expect(abs(r.recall - 12.0 / 20) < 1e-12)
    #expect(abs(r.f1Exact - 2 * 0.5 / 1.5) < 1e-12)
    #expect(abs(r.iou - 0.5) < 1e-12)
  }

  /// Length found: the measured skeleton near the labels over the labels' skeleton. A 20 px
  /// diagonal label (19 diagonal links), its first half found on it and a false crack far
  /// away, which does not count.
  @Test func lengthFoundCountsOnlyWhatLiesAlongTheLabels() {
    var truth = Mask(width: 30, height: 30, repeating: false)
    var measured = Mask(width: 30, height: 30, repeating: false)
    for i in 0..<20 { truth[i, i] = true }
    for i in 0..<10 { measured[i, i] = true }
    for x in 5..<25 { measured[x, 28] = true }
    var metrics = SegmentationMetrics(threshold: 0.5)
    metrics.add(cracks: [], measured: measured, truth: truth)
    let r = metrics.report
    #expect(abs((r.lengthFound ?? 0) - 9.0 / 19) < 1e-9, "\(r.lengthFound ?? -1)")
    #expect(r.lengthTolerancePx == 4)
    #expect(r.cracksPerLabelledImage == 0)
  }
}
