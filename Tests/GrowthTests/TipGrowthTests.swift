import Testing

@testable import Growth

/// Growth at each tip (issue 20, part 5) on centrelines whose answer is known by hand.
struct TipGrowthTests {
  /// A crack 0.10 m long along x, a year later 0.13 m: 30 mm at its right tip, none at its left.
  @Test func aCrackThatGrewAtOneEndSaysWhichEnd() throws {
    let before = [[(0.0, 0.0), (0.05, 0.001), (0.10, 0.0)]]
    let after = [[(0.0, 0.0), (0.05, 0.001), (0.10, 0.0), (0.13, 0.0)]]
    let tips = try #require(TipGrowth.tips(of: after, since: before))
    #expect(tips.count == 2)
    #expect(abs(tips[0].extensionMm - 30) < 1e-6 && abs(tips[0].easting - 0.13) < 1e-9)
    #expect(tips[1].extensionMm < 1e-6 && abs(tips[1].easting) < 1e-9)
  }

  /// A branched crack: its tips are the free ends farthest apart, not the short branch's end
  /// nor the junction.
  @Test func aBranchedCracksTipsAreItsFarthestFreeEnds() throws {
    let before = [[(0.0, 0.0), (0.10, 0.0)]]
    let after = [[(-0.02, 0.0), (0.05, 0.0)], [(0.05, 0.0), (0.10, 0.0)], [(0.05, 0.0), (0.06, 0.01)]]
    let tips = try #require(TipGrowth.tips(of: after, since: before))
    #expect(tips.map(\.easting).sorted() == [-0.02, 0.10])
    #expect(abs(tips[0].extensionMm - 20) < 1e-6)
    #expect(tips[1].extensionMm < 1e-6)
  }

  /// A tip seen 2 mm short of where it was a cycle before is a disagreement of two placements,
  /// not growth: it counts as -2 mm, and the length growth the tips give is the true one.
  @Test func aTipSeenShortOfWhereItWasCountsAgainstTheGrowth() throws {
    let before = [[(0.0, 0.0), (0.10, 0.0)]]
    let after = [[(0.13, 0.0), (0.06, 0.0005), (0.002, 0.0)]]
    let tips = try #require(TipGrowth.tips(of: after, since: before))
    #expect(abs(tips[0].extensionMm - 30) < 1e-6 && abs(tips[0].easting - 0.13) < 1e-9)
    #expect(abs(tips[1].extensionMm + 2) < 1e-6 && abs(tips[1].easting - 0.002) < 1e-9)
    #expect(abs(TipGrowth.lengthGrowthMm(tips) - 28) < 1e-6)
  }

  @Test func withoutAnEarlierCentrelineThereIsNoTipGrowth() {
    #expect(TipGrowth.tips(of: [[(0.0, 0.0), (0.1, 0.0)]], since: []) == nil)
    #expect(TipGrowth.tips(of: [], since: [[(0.0, 0.0), (0.1, 0.0)]]) == nil)
  }
}
