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
/// - Centreline IoU (OmniCrack30k's clIoU, 4 px): skeletons of the labels and of the cracks
///   crackmon measures. A label skeleton pixel is a hit if a crack skeleton pixel lies within
///   the tolerance, else a miss; a crack skeleton pixel with no label skeleton pixel within it is
///   false. IoU = hits / (hits + misses + false), summed over the labelled images.
/// - Crack-free images (an empty mask, or a photo with none): the share with any crack
///   measured, cracks per image, and their length per megapixel. These are what an inspector
///   sees on a clean wall; pixel scores barely move when a few false cracks appear.
/// - Length found: the length of the measured cracks' skeletons within `lengthTolerance` of
///   a label, over the labels' skeleton length (8-neighbour steps, diagonals √2), summed over
///   the labelled images. False cracks elsewhere do not make up for lost ones. With the same
///   images enlarged, it says whether cracks keep their length at every resolution, and
///   cracks per labelled image whether they stay whole.
public struct SegmentationMetrics: Sendable {
  public static let centrelineTolerancePx = 4.0

  public static let thresholds: [Float] = stride(from: 5, through: 95, by: 5).map { Float($0) / 100 }

  public let threshold: Float
  public let tolerance: Double
  public let lengthTolerance: Double
  private var atThreshold = Counts()
  private var exact = Counts()
  private var intersection = 0
  private var union = 0
  private var perThreshold = [Counts](repeating: Counts(), count: thresholds.count)
  private var bestPerImage: [Double] = []
  private var centreline = (hits: 0, misses: 0, falseHits: 0)
  private var length = (labelled: 0.0, found: 0.0, images: 0, cracks: 0)
  private var crackFree = (images: 0, withCracks: 0, cracks: 0, lengthPx: 0.0, pixels: 0)
  private var scene: (labelled: Int, crackFree: Int)?

  /// Counts an image the scene check saw, flagged or not.
  public mutating func noteScene(flagged: Bool, labelled: Bool) {
    var counts = scene ?? (0, 0)
    if flagged && labelled { counts.labelled += 1 }
    if flagged && !labelled { counts.crackFree += 1 }
    scene = counts
  }

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

  public init(threshold: Float, tolerance: Double = 2, lengthTolerance: Double = centrelineTolerancePx) {
    self.threshold = threshold
    self.tolerance = tolerance
    self.lengthTolerance = lengthTolerance
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
    // Every threshold at once: a pixel counts as predicted at each threshold up to its
    // probability, and a true pixel as recalled at each threshold up to the highest
    // probability within the tolerance of it (what dilating each threshold's prediction
    // would say, without a dilation per threshold).
    let highestNear = Self.highest(probability, within: tolerance)
    let levels = Self.thresholds.count
    var predicted = [Int](repeating: 0, count: levels + 1)
    var precisionHits = [Int](repeating: 0, count: levels + 1)
    var recallHits = [Int](repeating: 0, count: levels + 1)
    var actual = 0
    for i in probability.values.indices {
      let level = Self.thresholdsReached(probability.values[i])
      predicted[level] += 1
      if truthNear.values[i] { precisionHits[level] += 1 }
      if truth.values[i] {
        actual += 1
        recallHits[Self.thresholdsReached(highestNear[i])] += 1
      }
    }
    var best = 0.0
    var reached = (predicted: 0, precisionHits: 0, recallHits: 0)
    for k in stride(from: levels - 1, through: 0, by: -1) {
      // Pixels reaching threshold k are those whose level is above k.
      reached.predicted += predicted[k + 1]
      reached.precisionHits += precisionHits[k + 1]
      reached.recallHits += recallHits[k + 1]
      let image = Counts(
        precisionHits: reached.precisionHits, predicted: reached.predicted, recallHits: reached.recallHits,
        actual: actual)
      perThreshold[k].precisionHits += image.precisionHits
      perThreshold[k].predicted += image.predicted
      perThreshold[k].recallHits += image.recallHits
      perThreshold[k].actual += image.actual
      best = max(best, image.scores.f1)
    }
    bestPerImage.append(best)
  }

  /// How many of `thresholds` a probability reaches (`>=`, as `thresholded` compares).
  static func thresholdsReached(_ p: Float) -> Int {
    var (low, high) = (0, thresholds.count)
    while low < high {
      let middle = (low + high) / 2
      if p >= thresholds[middle] { low = middle + 1 } else { high = middle }
    }
    return low
  }

  /// Each pixel's highest probability within `radius` (Euclidean, centre to centre).
  static func highest(_ probability: ProbabilityMap, within radius: Double) -> [Float] {
    let reach = Int(radius)
    var offsets: [(Int, Int)] = []
    for dy in -reach...reach {
      for dx in -reach...reach where Double(dx * dx + dy * dy) <= radius * radius { offsets.append((dx, dy)) }
    }
    let (w, h) = (probability.width, probability.height)
    var out = [Float](repeating: 0, count: w * h)
    probability.values.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer { o in
        for y in 0..<h {
          for x in 0..<w {
            var m: Float = 0
            for (dx, dy) in offsets {
              let (nx, ny) = (x + dx, y + dy)
              if nx >= 0 && nx < w && ny >= 0 && ny < h { m = max(m, p[ny * w + nx]) }
            }
            o[y * w + x] = m
          }
        }
      }
    }
    return out
  }

  /// Adds the cracks measured on an image: to the centreline score if its label has a crack
  /// (`measured`: their pixels), else, or with no label at all, to the crack-free figures.
  public mutating func add(cracks: [Crack], measured: Mask, truth: Mask?) {
    guard let truth, truth.values.contains(true) else {
      crackFree.images += 1
      crackFree.withCracks += cracks.isEmpty ? 0 : 1
      crackFree.cracks += cracks.count
      crackFree.lengthPx += cracks.reduce(0) { $0 + $1.lengthPx }
      crackFree.pixels += measured.values.count
      return
    }
    precondition(measured.width == truth.width && measured.height == truth.height)
    let labelled = truth.skeleton
    let found = measured.skeleton
    let foundNear = found.dilated(by: Self.centrelineTolerancePx)
    let labelledNear = labelled.dilated(by: Self.centrelineTolerancePx)
    for i in labelled.values.indices {
      if labelled.values[i] {
        if foundNear.values[i] { centreline.hits += 1 } else { centreline.misses += 1 }
      }
      if found.values[i] && !labelledNear.values[i] { centreline.falseHits += 1 }
    }
    let near =
      lengthTolerance == Self.centrelineTolerancePx ? labelledNear : labelled.dilated(by: lengthTolerance)
    var foundAtLabels = found
    for i in foundAtLabels.values.indices where !near.values[i] { foundAtLabels.values[i] = false }
    length.images += 1
    length.cracks += cracks.count
    length.labelled += Self.skeletonLength(labelled)
    length.found += Self.skeletonLength(foundAtLabels)
  }

  /// A skeleton's length: its 8-neighbour links, diagonal ones √2 long.
  static func skeletonLength(_ mask: Mask) -> Double {
    var straight = 0
    var diagonal = 0
    let (w, h) = (mask.width, mask.height)
    mask.values.withUnsafeBufferPointer { m in
      for y in 0..<h {
        for x in 0..<w where m[y * w + x] {
          if x + 1 < w && m[y * w + x + 1] { straight += 1 }
          if y + 1 < h {
            if m[(y + 1) * w + x] { straight += 1 }
            if x + 1 < w && m[(y + 1) * w + x + 1] { diagonal += 1 }
            if x > 0 && m[(y + 1) * w + x - 1] { diagonal += 1 }
          }
        }
      }
    }
    return Double(straight) + 2.0.squareRoot() * Double(diagonal)
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
      oisF1: bestPerImage.isEmpty ? 0 : bestPerImage.reduce(0, +) / Double(bestPerImage.count),
      centrelineIou: centrelineIoU, centrelineTolerancePx: Self.centrelineTolerancePx,
      lengthFound: length.labelled > 0 ? length.found / length.labelled : nil,
      lengthTolerancePx: lengthTolerance,
      cracksPerLabelledImage: length.images > 0 ? Double(length.cracks) / Double(length.images) : nil,
      crackFreeImages: crackFree.images,
      crackFreeShareWithCracks: crackFree.images > 0
        ? Double(crackFree.withCracks) / Double(crackFree.images) : nil,
      falseCracksPerCrackFreeImage: crackFree.images > 0
        ? Double(crackFree.cracks) / Double(crackFree.images) : nil,
      falseLengthPxPerMegapixel: crackFree.pixels > 0
        ? crackFree.lengthPx / (Double(crackFree.pixels) / 1e6) : nil,
      sceneFlaggedLabelled: scene?.labelled, sceneFlaggedCrackFree: scene?.crackFree)
  }

  private var centrelineIoU: Double? {
    let total = centreline.hits + centreline.misses + centreline.falseHits
    return total > 0 ? Double(centreline.hits) / Double(total) : nil
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
    /// nil when no image had a labelled crack.
    public var centrelineIou: Double?
    public var centrelineTolerancePx: Double
    /// Crack length found near the labels over the labelled length; nil with no labelled crack.
    public var lengthFound: Double?
    public var lengthTolerancePx: Double
    /// Cracks measured per image with a labelled crack: a crack found in pieces counts each.
    public var cracksPerLabelledImage: Double?
    /// Images with an empty mask, plus photos given as crack-free; the figures below are nil
    /// when there were none.
    public var crackFreeImages: Int
    public var crackFreeShareWithCracks: Double?
    public var falseCracksPerCrackFreeImage: Double?
    public var falseLengthPxPerMegapixel: Double?
    /// With the scene check: labelled images it flagged (their cracks are lost) and
    /// crack-free ones it flagged (their false cracks are spared); nil without it.
    public var sceneFlaggedLabelled: Int?
    public var sceneFlaggedCrackFree: Int?
  }
}
