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
    /// True where the crack was narrower at its widest than its photo resolves
    /// (`Crack.narrowestResolvedWidthPx`): its widths, and so its severity, are estimates from
    /// the grey levels, not measurements; nil otherwise.
    public var widthBelowResolution: Bool?
    /// Where it grew since the track's previous point: its two tips, the one that moved most
    /// first (`TipGrowth`); nil unless both photos lie on one chain of registrations.
    public var tips: [TipGrowth]?
    /// With `tips`: the length growth since the previous point at its tips, mm
    /// (`TipGrowth.lengthGrowthMm`), which the length rate uses instead of the difference of
    /// the two lengths.
    public var lengthGrowthMm: Double?
    /// Where the photo showed the crack in pieces: the other pieces' observation ids
    /// (`observationId` names the longest) and the length of the gaps between them, mm, which
    /// `lengthMm` counts (`CrackPieces`); nil for a crack seen in one piece.
    public var pieceIds: [String]?
    public var unseenMm: Double?
    /// How it widened since the track's previous point, point by point along it
    /// (`WidthGrowth`); nil unless both photos lie on one chain of registrations.
    public var widthGrowth: WidthGrowth?

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
    let years = points.map { $0.date.flatMap(Self.years) }  // each date parsed once
    lengthMmPerYear = Self.slope(Self.chained(points), years: years, \.lengthMm)
    maxWidthMmPerYear = Self.slope(points, years: years, \.maxWidthMm)
    meanWidthMmPerYear = Self.slope(points, years: years, \.meanWidthMm)
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

  /// `points` with each length that has a tip-measured growth replaced by the previous length
  /// plus that growth: along a registration chain the rate then follows the tips, and the
  /// first point's length anchors the chain (a slope does not depend on where it starts).
  static func chained(_ points: [Point]) -> [Point] {
    var chained = points
    for k in chained.indices.dropFirst() {
      guard let growth = chained[k].lengthGrowthMm, let before = chained[k - 1].lengthMm else { continue }
      chained[k].lengthMm = before + growth
    }
    return chained
  }

  /// Years since 1970 for a YYYY-MM-DD date (Gregorian, at 00:00 UTC), nil if it is not one.
  ///
  /// Plain arithmetic (days from civil date, as in H. Hinnant's algorithms) rather than a
  /// DateFormatter: growth calls this for every point of every track, and a formatter
  /// parse costs microseconds each. Check value: 1970-01-01 -> 0, 2000-03-01 -> 11017 days.
  public static func years(_ date: String) -> Double? {
    // Digits straight from the UTF-8 bytes: no substrings, no allocation.
    var fields = (year: 0, month: 0, day: 0)
    var count = 0
    for byte in date.utf8 {
      if count == 4 || count == 7 {
        guard byte == UInt8(ascii: "-") else { return nil }
      } else {
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), count < 10 else { return nil }
        let digit = Int(byte - UInt8(ascii: "0"))
        switch count {
        case 0..<4: fields.year = fields.year * 10 + digit
        case 5..<7: fields.month = fields.month * 10 + digit
        default: fields.day = fields.day * 10 + digit
        }
      }
      count += 1
    }
    guard count == 10 else { return nil }
    let (year, month, day) = fields
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
    rate(a, b, value, years: (a.date.flatMap(years), b.date.flatMap(years)))
  }

  /// The same, with the points' dates already in years.
  static func rate(_ a: Point, _ b: Point, _ value: KeyPath<Point, Double?>, years: (Double?, Double?))
    -> Double?
  {
    guard let ta = years.0, let tb = years.1, tb > ta, let va = a[keyPath: value], let vb = b[keyPath: value]
    else { return nil }
    return (vb - va) / (tb - ta)
  }

  /// Least-squares slope of `value` against `years` (each point's date in years).
  static func slope(_ points: [Point], years: [Double?], _ value: KeyPath<Point, Double?>) -> Double? {
    let xy = zip(points, years).compactMap { p, t -> (Double, Double)? in
      guard let t, let v = p[keyPath: value] else { return nil }
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
