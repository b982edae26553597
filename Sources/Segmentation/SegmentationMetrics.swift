import CrackGeometry

/// Scores probability maps against ground-truth masks, with the protocol stated in
/// every report:
///
/// - Tolerance F1: a predicted crack pixel counts for precision if a true crack pixel lies
///   within `tolerance` pixels (Euclidean); a true crack pixel counts for recall if a
///   predicted one lies within `tolerance`. Predictions are not thinned.
/// - Exact F1: the same at tolerance 0.
/// - IoU: of the crack class only, never averaged with background.
/// - ODS: one threshold for the whole set (counts summed over images, then F1);
///   OIS: each image at its own best threshold, F1 averaged over images.
public struct SegmentationMetrics: Sendable {
  public static let thresholds: [Float] = stride(from: 5, through: 95, by: 5).map { Float($0) / 100 }

  public let threshold: Float
  public let tolerance: Double
  private var atThreshold = Counts()
  private var exact = Counts()
  private var intersection = 0
  private var union = 0
  private var perThreshold = [Counts](repeating: Counts(), count: thresholds.count)
  private var bestPerImage: [Double] = []

  struct Counts: Sendable {
    var precisionHits = 0
    var predicted = 0
    var recallHits = 0
    var actual = 0

    mutating func add(prediction: Mask, truth: Mask, truthNear: Mask, tolerance: Double) {
      let predictionNear = prediction.dilated(by: tolerance)
      for i in prediction.values.indices {
        if prediction.values[i] {
          predicted += 1
          if truthNear.values[i] { precisionHits += 1 }
        }
        if truth.values[i] {
          actual += 1
          if predictionNear.values[i] { recallHits += 1 }
        }
      }
    }

    var scores: (f1: Double, precision: Double, recall: Double) {
      let p = predicted > 0 ? Double(precisionHits) / Double(predicted) : (actual == 0 ? 1 : 0)
      let r = actual > 0 ? Double(recallHits) / Double(actual) : 1
      return (p + r > 0 ? 2 * p * r / (p + r) : 0, p, r)
    }
  }

  public init(threshold: Float, tolerance: Double = 2) {
    self.threshold = threshold
    self.tolerance = tolerance
  }

  public var images: Int { bestPerImage.count }

  /// Adds one image. `probability` and `truth` must have the same size.
  public mutating func add(probability: ProbabilityMap, truth: Mask) {
    precondition(probability.width == truth.width && probability.height == truth.height)
    let truthNear = truth.dilated(by: tolerance)
    let prediction = probability.thresholded(threshold)
    atThreshold.add(prediction: prediction, truth: truth, truthNear: truthNear, tolerance: tolerance)
    exact.add(prediction: prediction, truth: truth, truthNear: truth, tolerance: 0)
    for i in prediction.values.indices {
      if prediction.values[i] && truth.values[i] { intersection += 1 }
      if prediction.values[i] || truth.values[i] { union += 1 }
    }
    var best = 0.0
    for (k, t) in Self.thresholds.enumerated() {
      var image = Counts()
      image.add(
        prediction: probability.thresholded(t), truth: truth, truthNear: truthNear, tolerance: tolerance)
      perThreshold[k].precisionHits += image.precisionHits
      perThreshold[k].predicted += image.predicted
      perThreshold[k].recallHits += image.recallHits
      perThreshold[k].actual += image.actual
      best = max(best, image.scores.f1)
    }
    bestPerImage.append(best)
  }

  public var report: Report {
    let (f1, precision, recall) = atThreshold.scores
    let ods = perThreshold.map(\.scores.f1)
    let best = ods.indices.max { ods[$0] < ods[$1] } ?? 0
    return Report(
      images: images, tolerancePx: tolerance, threshold: Double(threshold), precision: precision,
      recall: recall,
      f1: f1, f1Exact: exact.scores.f1, iou: union > 0 ? Double(intersection) / Double(union) : 1,
      odsF1: ods.isEmpty ? 0 : ods[best], odsThreshold: Double(Self.thresholds[best]),
      oisF1: bestPerImage.isEmpty ? 0 : bestPerImage.reduce(0, +) / Double(bestPerImage.count))
  }

  /// The figures `crackmon eval` prints; keys are the documented JSON keys in snake_case.
  public struct Report: Sendable, Codable, Equatable {
    public var images: Int
    public var tolerancePx: Double
    public var threshold: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var f1Exact: Double
    public var iou: Double
    public var odsF1: Double
    public var odsThreshold: Double
    public var oisF1: Double
  }
}
