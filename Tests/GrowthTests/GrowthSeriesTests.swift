import Foundation
import Observations
import Testing

@testable import Growth

@Suite struct GrowthSeriesTests {
  func point(_ cycle: String, _ date: String?, length: Double?, width: Double?, severity: String? = nil)
    -> GrowthSeries.Point
  {
    .init(
      cycle: cycle, date: date, observationId: cycle, lengthMm: length, maxWidthMm: width, meanWidthMm: width,
      severity: severity)
  }

  @Test func ratesAreLeastSquaresSlopesPerYear() throws {
    // Exactly 0.1 mm/year of width and 5 mm/year of length over three cycles.
    let dates = ["2023-06-01", "2024-06-01", "2025-06-01"]
    let t0 = try #require(GrowthSeries.years(dates[0]))
    let points = try dates.map { date in
      let t = try #require(GrowthSeries.years(date)) - t0
      return point(date, date, length: 100 + 5 * t, width: 0.2 + 0.1 * t)
    }
    let series = GrowthSeries(points: points)
    #expect(abs(try #require(series.maxWidthMmPerYear) - 0.1) < 1e-9)
    #expect(abs(try #require(series.lengthMmPerYear) - 5) < 1e-9)
    #expect(series.noRateReason == nil)
    #expect(abs(try #require(GrowthSeries.years("2024-06-01")) - t0 - 1) < 0.01)
  }

  /// Along a registration chain the length rate follows the growth at the tips: lengths
  /// measured 50, 57 and 62 mm (later photos traced its blunt ends longer) whose tips moved
  /// 5 mm each year grow 5 mm/year, not the 6 mm/year of the lengths.
  @Test func theLengthRateFollowsTheTipsWhereTheyWereMeasured() throws {
    let dates = ["2023-06-01", "2024-06-01", "2025-06-01"]
    var points = zip(dates, [50.0, 57, 62]).map { point($0, $0, length: $1, width: 0.2) }
    let measured = try #require(GrowthSeries(points: points).lengthMmPerYear)
    points[1].lengthGrowthMm = 5
    points[2].lengthGrowthMm = 5
    let chained = try #require(GrowthSeries(points: points).lengthMmPerYear)
    #expect(abs(chained - 5) < 0.01, "\(chained)")
    #expect(abs(measured - 6) < 0.01, "\(measured)")
    // A point without tips (no registration to the one before) keeps its measured length.
    points[2].lengthGrowthMm = nil
    #expect(GrowthSeries.chained(points).map(\.lengthMm) == [50, 55, 62])
  }

  @Test func oneCycleGivesNoRateAndSaysWhy() {
    let series = GrowthSeries(points: [point("a", "2023-06-01", length: 100, width: 0.2)])
    #expect(series.maxWidthMmPerYear == nil)
    #expect(series.noRateReason == "seen in one cycle only")
    let undated = GrowthSeries(points: [
      point("a", nil, length: 1, width: 1), point("b", nil, length: 2, width: 2),
    ])
    #expect(undated.noRateReason?.contains("date") == true)
  }

  @Test func alertsFireAtTheCycleWhereTheyHappen() {
    let scheme = SeverityScheme.aashtoMBEI1130
    let series = GrowthSeries(points: [
      point("2023", "2023-06-01", length: 50, width: 0.25, severity: "CS1"),
      point("2024", "2024-06-01", length: 52, width: 0.35, severity: "CS2"),
      point("2025", "2025-06-01", length: 300, width: 0.70, severity: "CS2"),
    ])
    let alerts = AlertRules(maxWidthMmPerYear: 0.2, maxLengthMmPerYear: 100).alerts(
      trackId: "t", series: series
    ) {
      scheme.rank(of: $0)
    }
    #expect(
      alerts.map { "\($0.cycle) \($0.kind.rawValue)" } == [
        "2024 severity_crossed", "2025 width_rate", "2025 length_rate",
      ])
  }

  /// Widths narrower than their photos resolve are estimates: two of them raise no width-rate
  /// alert (a photo at 1 mm/px cannot show 0.3 mm growing to 0.6), a class reached on one says so, and
  /// a crack that becomes wide enough to measure is still an alert.
  @Test func widthsUnderAPixelAreNotGrowth() {
    let scheme = SeverityScheme.aashtoMBEI1130
    var points = [
      point("2023", "2023-06-01", length: 50, width: 0.3, severity: "CS2"),
      point("2024", "2024-06-01", length: 50, width: 0.6, severity: "CS2"),
      point("2025", "2025-06-01", length: 50, width: 0.9, severity: "CS3"),
      point("2026", "2026-06-01", length: 50, width: 2.5, severity: "CS3"),
    ]
    for k in 0..<3 { points[k].widthBelowResolution = true }
    let alerts = AlertRules(maxWidthMmPerYear: 0.2).alerts(trackId: "t", series: GrowthSeries(points: points))
    {
      scheme.rank(of: $0)
    }
    #expect(
      alerts.map { "\($0.cycle) \($0.kind.rawValue)" } == ["2025 severity_crossed", "2026 width_rate"])
    #expect(alerts.first?.message.contains("narrower than its photo resolves: an estimate") == true)
    #expect(alerts.last?.message.contains("estimate") == false)
  }

  @Test func severitySchemesClassifyByMaximumWidth() {
    #expect(SeverityScheme.aashtoMBEI1130.classify(maxWidthMm: 0.29).name == "CS1")
    #expect(SeverityScheme.aashtoMBEI1130.classify(maxWidthMm: 0.3).name == "CS2")
    #expect(SeverityScheme.aashtoMBEI1130.classify(maxWidthMm: 1.31).name == "CS3")
    #expect(SeverityScheme.aci224RDeicing.classify(maxWidthMm: 0.2).name == "exceeds")
    #expect(SeverityScheme.aci224RDryAir.classify(maxWidthMm: 0.2).name == "within")
  }
}

@Suite struct CalendarArithmeticTests {
  @Test func daysFromCivilDatesMatchFoundation() throws {
    #expect(GrowthSeries.daysSince1970(year: 1970, month: 1, day: 1) == 0)
    #expect(GrowthSeries.daysSince1970(year: 2000, month: 3, day: 1) == 11_017)
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
    for (y, m, d) in [(1969, 12, 31), (2024, 2, 29), (2026, 11, 23), (2100, 3, 1), (1900, 2, 28)] {
      let date = try #require(calendar.date(from: DateComponents(year: y, month: m, day: d)))
      #expect(
        GrowthSeries.daysSince1970(year: y, month: m, day: d) == Int(date.timeIntervalSince1970 / 86_400))
    }
    #expect(GrowthSeries.years("2026-13-01") == nil)
    #expect(GrowthSeries.years("not a date") == nil)
  }
}
