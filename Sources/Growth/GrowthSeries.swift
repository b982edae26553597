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

  /// Years since 1970 for a YYYY-MM-DD date (Gregorian, at 00:00 UTC), nil if it is not one.
  ///
  /// Plain arithmetic (days from civil date, as in H. Hinnant's algorithms) rather than a
  /// DateFormatter: growth calls this for every point of every track, and a formatter
  /// parse costs microseconds each. Check value: 1970-01-01 -> 0, 2000-03-01 -> 11017 days.
  public static func years(_ date: String) -> Double? {
    // Digits straight from the UTF-8 bytes: no substrings, no allocation.
    var digits: [Int] = []
    digits.reserveCapacity(8)
    for (i, byte) in date.utf8.enumerated() {
      if i == 4 || i == 7 {
        guard byte == UInt8(ascii: "-") else { return nil }
      } else {
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), i < 10 else { return nil }
        digits.append(Int(byte - UInt8(ascii: "0")))
      }
    }
    guard digits.count == 8 else { return nil }
    let year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
    let month = digits[4] * 10 + digits[5]
    let day = digits[6] * 10 + digits[7]
    guard (1...12).contains(month), (1...31).contains(day) else { return nil }
    return Double(daysSince1970(year: year, month: month, day: day)) / 365.2425
  }

  static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

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
