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
    // Along the new branch, which leans 0.4° off the old line: 30 mm to a micrometre.
    #expect(abs(tips[0].extensionMm - 30) < 0.001 && abs(tips[0].easting - 0.13) < 1e-9)
    #expect(abs(tips[1].extensionMm + 2) < 1e-6 && abs(tips[1].easting - 0.002) < 1e-9)
    #expect(abs(TipGrowth.lengthGrowthMm(tips) - 28) < 0.001)
  }

  /// A tip that did not move, placed a little to the side of where it was (two photos place a
  /// crack's end a pixel or so apart across the crack too): no growth, either way.
  @Test func aTipPlacedBesideWhereItWasHasNotGrown() throws {
    let before = [[(0.0, 0.0), (0.05, 0.0), (0.10, 0.0)]]
    for side in [-0.0002, 0.0002] {
      let after = [[(0.0, side), (0.05, side), (0.10, side)]]
      let tips = try #require(TipGrowth.tips(of: after, since: before))
      #expect(tips.allSatisfy { abs($0.extensionMm) < 1e-6 }, "\(tips)")
    }
    // Beside and 0.1 mm short, beside and 0.1 mm beyond: exactly that, not the slant distance.
    let shifted = [[(-0.0001, 0.0002), (0.05, 0.0002), (0.0999, 0.0002)]]
    let tips = try #require(TipGrowth.tips(of: shifted, since: before))
    #expect(abs(tips.first { $0.easting > 0.05 }!.extensionMm + 0.1) < 1e-6, "\(tips)")
    #expect(abs(tips.first { $0.easting < 0.05 }!.extensionMm - 0.1) < 1e-6, "\(tips)")
  }

  @Test func withoutAnEarlierCentrelineThereIsNoTipGrowth() {
    #expect(TipGrowth.tips(of: [[(0.0, 0.0), (0.1, 0.0)]], since: []) == nil)
    #expect(TipGrowth.tips(of: [], since: [[(0.0, 0.0), (0.1, 0.0)]]) == nil)
  }
}
