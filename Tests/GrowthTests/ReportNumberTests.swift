import Testing

@testable import Reports

/// Figures in the HTML report are rounded before they are printed: a tip that moved
/// -0.04 mm has not shrunk, and reads +0.0, not -0.0.
struct ReportNumberTests {
  @Test func aValueThatRoundsToZeroHasNoMinusSign() {
    #expect(GrowthReportPage.fixed(-0.001, 2) == "0.00")
    #expect(GrowthReportPage.fixed(-0.04, 1, signed: true) == "+0.0")
    #expect(GrowthReportPage.fixed(0, 2, signed: true) == "+0.00")
    #expect(GrowthReportPage.fixed(-0.06, 1, signed: true) == "-0.1")
    #expect(GrowthReportPage.fixed(0.75, 1, signed: true) == "+0.8")
    #expect(GrowthReportPage.fixed(12.345, 0) == "12")
  }
}
