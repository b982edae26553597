import Foundation

/// One track's measurements over the cycles it was seen in, with growth rates.
public struct GrowthSeries: Sendable, Equatable, Codable {
  public struct Point: Sendable, Equatable, Codable {
    public var cycle: String
    /// The cycle's date (YYYY-MM-DD), nil when the cycle has none.
    public var date: String?
    public var observationId: String
    public var lengthMm: Double?
    public var maxWidthMm: Double?
    public var meanWidthMm: Double?
    public var severity: String?

    public init(
      cycle: String, date: String?, observationId: String, lengthMm: Double?, maxWidthMm: Double?,
      meanWidthMm: Double?, severity: String?
    ) {
      self.cycle = cycle
      self.date = date
      self.observationId = observationId
      self.lengthMm = lengthMm
      self.maxWidthMm = maxWidthMm
      self.meanWidthMm = meanWidthMm
      self.severity = severity
    }
  }

  public var points: [Point]
  /// Least-squares slopes over all dated points with a scale, mm/year; nil with `noRateReason`.
  public var lengthMmPerYear: Double?
  public var maxWidthMmPerYear: Double?
  public var meanWidthMmPerYear: Double?
  public var noRateReason: String?

  /// `points` in cycle order.
  public init(points: [Point]) {
    self.points = points
    lengthMmPerYear = Self.slope(points, \.lengthMm)
    maxWidthMmPerYear = Self.slope(points, \.maxWidthMm)
    meanWidthMmPerYear = Self.slope(points, \.meanWidthMm)
    if maxWidthMmPerYear == nil {
      let dated = Set(points.compactMap(\.date))
      noRateReason =
        points.count < 2
        ? "seen in one cycle only"
        : dated.count < 2
          ? "fewer than two cycles with a date (give cycles --start dates)"
          : "no millimetre scale (photos without GSD)"
    }
  }

  /// Years since 1970 for a YYYY-MM-DD date.
  public static func years(_ date: String) -> Double? {
    guard let day = Self.dayFormat.date(from: date) else { return nil }
    return day.timeIntervalSince1970 / (365.2425 * 86_400)
  }

  private static let dayFormat: DateFormatter = {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd"
    return f
  }()

  /// Rate between two points, mm/year, when both are dated, scaled and apart in time.
  public static func rate(_ a: Point, _ b: Point, _ value: KeyPath<Point, Double?>) -> Double? {
    guard let ta = a.date.flatMap(years), let tb = b.date.flatMap(years), tb > ta, let va = a[keyPath: value],
      let vb = b[keyPath: value]
    else { return nil }
    return (vb - va) / (tb - ta)
  }

  static func slope(_ points: [Point], _ value: KeyPath<Point, Double?>) -> Double? {
    let xy = points.compactMap { p -> (Double, Double)? in
      guard let t = p.date.flatMap(years), let v = p[keyPath: value] else { return nil }
      return (t, v)
    }
    guard Set(xy.map(\.0)).count >= 2 else { return nil }
    let mx = xy.reduce(0) { $0 + $1.0 } / Double(xy.count)
    let my = xy.reduce(0) { $0 + $1.1 } / Double(xy.count)
    let sxy = xy.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
    let sxx = xy.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
    return sxy / sxx
  }
}
