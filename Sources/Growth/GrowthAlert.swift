/// A reason for an engineer to look at a track, raised at the cycle where it happened.
public struct GrowthAlert: Sendable, Equatable, Codable {
  public enum Kind: String, Sendable, Codable {
    /// The maximum width moved up a class of the severity scheme.
    case severityCrossed = "severity_crossed"
    /// Maximum width grew faster than the limit since the previous cycle.
    case widthRate = "width_rate"
    /// Length grew faster than the limit since the previous cycle.
    case lengthRate = "length_rate"
  }

  public var trackId: String
  public var cycle: String
  public var kind: Kind
  public var value: Double?
  public var limit: Double?
  public var message: String

  public init(trackId: String, cycle: String, kind: Kind, value: Double?, limit: Double?, message: String) {
    self.trackId = trackId
    self.cycle = cycle
    self.kind = kind
    self.value = value
    self.limit = limit
    self.message = message
  }
}

/// When growth is alarming. Rates are between consecutive cycles a track was seen in.
public struct AlertRules: Sendable, Equatable {
  public var maxWidthMmPerYear: Double
  public var maxLengthMmPerYear: Double

  public init(maxWidthMmPerYear: Double = 0.2, maxLengthMmPerYear: Double = 100) {
    self.maxWidthMmPerYear = maxWidthMmPerYear
    self.maxLengthMmPerYear = maxLengthMmPerYear
  }

  /// Alerts for one track; `rank` gives a severity name's rank under the track's scheme.
  public func alerts(trackId: String, series: GrowthSeries, rank: (String) -> Int?) -> [GrowthAlert] {
    var out: [GrowthAlert] = []
    let years = series.points.map { $0.date.flatMap(GrowthSeries.years) }  // each date parsed once
    // Lengths as the rate sees them: along a registration chain, grown by what the tips say.
    let lengths = GrowthSeries.chained(series.points)
    for k in series.points.indices.dropFirst() {
      let (a, b, ab) = (series.points[k - 1], series.points[k], (years[k - 1], years[k]))
      // A width below what its photo resolves is an estimate: a class reached on one says so, and
      // two of them cannot show a crack widening (their difference is within what neither resolves).
      let estimated = b.widthBelowResolution == true ? "; narrower than its photo resolves: an estimate" : ""
      if let from = a.severity, let to = b.severity, let ra = rank(from), let rb = rank(to), rb > ra {
        out.append(
          .init(
            trackId: trackId, cycle: b.cycle, kind: .severityCrossed, value: b.maxWidthMm, limit: nil,
            message:
              "severity \(from) -> \(to) (max width \(format(a.maxWidthMm)) -> \(format(b.maxWidthMm)) mm\(estimated))"
          ))
      }
      let bothEstimated = a.widthBelowResolution == true && b.widthBelowResolution == true
      if !bothEstimated, let r = GrowthSeries.rate(a, b, \.maxWidthMm, years: ab), r > maxWidthMmPerYear {
        out.append(
          .init(
            trackId: trackId, cycle: b.cycle, kind: .widthRate, value: r, limit: maxWidthMmPerYear,
            message:
              "max width grew \(format(r)) mm/year since \(a.cycle) (limit \(format(maxWidthMmPerYear)))"))
      }
      if let r = GrowthSeries.rate(lengths[k - 1], lengths[k], \.lengthMm, years: ab), r > maxLengthMmPerYear
      {
        out.append(
          .init(
            trackId: trackId, cycle: b.cycle, kind: .lengthRate, value: r, limit: maxLengthMmPerYear,
            message: "length grew \(format(r)) mm/year since \(a.cycle) (limit \(format(maxLengthMmPerYear)))"
          ))
      }
    }
    return out
  }

  private func format(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "?" }
}
