import Foundation
import Testing

@testable import Growth

/// Tracking on hand-placed observations whose right answer is plain.
@Suite struct CrackTrackerTests {
  /// A straight crack of `length` metres from (e, n) along `bearing` degrees.
  func crack(
    _ id: String, cycle: Int, e: Double, n: Double, bearing: Double = 45, length: Double = 0.05,
    uncertainty: Double = 0.05
  ) -> TrackableObservation {
    let r = bearing * .pi / 180
    let end = (e + length * sin(r), n + length * cos(r))
    return TrackableObservation(
      id: id, cycle: cycle, position: ((e + end.0) / 2, (n + end.1) / 2), branches: [[(e, n), end]],
      bearingDeg: bearing, uncertaintyM: uncertainty, lengthPx: 500)
  }

  @Test func followsEachCrackAcrossCyclesOneToOne() {
    let observations = [
      crack("a1", cycle: 0, e: 0, n: 0), crack("b1", cycle: 0, e: 0.3, n: 0, bearing: 120),
      crack("a2", cycle: 1, e: 0.01, n: 0.005), crack("b2", cycle: 1, e: 0.31, n: -0.01, bearing: 118),
      crack("a3", cycle: 2, e: -0.01, n: 0.0), crack("b3", cycle: 2, e: 0.29, n: 0.01, bearing: 125),
    ]
    let result = CrackTracker().track(observations, cycles: 3)
    #expect(result.trackIds.count == 2)
    let a = result.members["a1"]!.trackId
    let b = result.members["b1"]!.trackId
    #expect(a != b)
    #expect(["a2", "a3"].map { result.members[$0]!.trackId } == [a, a])
    #expect(["b2", "b3"].map { result.members[$0]!.trackId } == [b, b])
    #expect(a == CrackTracker.trackId(startingWith: "a1"))
    // Same input in another order: same result.
    #expect(CrackTracker().track(observations.reversed(), cycles: 3) == result)
  }

  @Test func directionKeepsCrossingCracksApart() {
    // Two cracks through the same point at right angles: only the bearing tells them apart.
    let observations = [
      crack("h1", cycle: 0, e: -0.025, n: 0, bearing: 90), crack("v1", cycle: 0, e: 0, n: -0.025, bearing: 0),
      crack("v2", cycle: 1, e: 0, n: -0.025, bearing: 2), crack("h2", cycle: 1, e: -0.025, n: 0, bearing: 88),
    ]
    let result = CrackTracker().track(observations, cycles: 2)
    #expect(result.members["h2"]!.trackId == result.members["h1"]!.trackId)
    #expect(result.members["v2"]!.trackId == result.members["v1"]!.trackId)
  }

  @Test func reportsNewNotSeenSplitAndMerge() {
    let observations = [
      crack("a1", cycle: 0, e: 0, n: 0), crack("far1", cycle: 0, e: 50, n: 50),
      // Cycle 1: a1 continues and a second crack appears right beside it (a split); far is gone.
      crack("a2", cycle: 1, e: 0, n: 0), crack("a2b", cycle: 1, e: 0.02, n: 0.0),
      crack("new2", cycle: 1, e: -40, n: 10),
    ]
    let result = CrackTracker().track(observations, cycles: 2)
    let events = result.events.filter { $0.cycle == 1 }
    #expect(events.contains { $0.kind == .notSeen && $0.trackId == result.members["far1"]!.trackId })
    #expect(events.contains { $0.kind == .new && $0.observationId == "new2" })
    #expect(
      events.contains {
        $0.kind == .split && $0.observationId == "a2b" && $0.otherTrackId == result.members["a1"]!.trackId
      })

    // Two tracks, then one crack where both were: one continues, the other merged into it.
    let merging = [
      crack("p1", cycle: 0, e: 0, n: 0), crack("q1", cycle: 0, e: 0.03, n: 0.0),
      crack("pq2", cycle: 1, e: 0.015, n: 0),
    ]
    let merged = CrackTracker().track(merging, cycles: 2)
    #expect(merged.events.contains { $0.kind == .merge && $0.observationId == "pq2" })
  }

  /// By GPS alone (σ 5 m), two cracks metres apart cannot be told to touch: one that vanishes
  /// beside another is not seen, not merged into it, and one that appears is new, not split
  /// from it (synthetic seed 2053: a crack rejected in one cycle was called merged into one
  /// 12 m away).
  @Test func noSplitOrMergeIsClaimedBetweenCracksPlacedByGPSAlone() {
    let observations = [
      // Within 3 σ (21 m) of p: q 18 m away, r 6 m away (and 24 m from q, past its gate).
      crack("p1", cycle: 0, e: 0, n: 0, uncertainty: 5), crack("q1", cycle: 0, e: 18, n: 0, uncertainty: 5),
      crack("p2", cycle: 1, e: 0.3, n: 0, uncertainty: 5), crack("r2", cycle: 1, e: -6, n: 0, uncertainty: 5),
    ]
    let result = CrackTracker().track(observations, cycles: 2)
    #expect(result.members["p2"]!.trackId == result.members["p1"]!.trackId)
    let events = result.events.filter { $0.cycle == 1 }
    #expect(events.contains { $0.kind == .notSeen && $0.trackId == result.members["q1"]!.trackId })
    #expect(events.contains { $0.kind == .new && $0.observationId == "r2" })
    #expect(!events.contains { $0.kind == .merge || $0.kind == .split }, "\(events)")
    // The same cracks placed to 5 cm: the one beside the continuing crack is a split.
    let precise = [
      crack("p1", cycle: 0, e: 0, n: 0), crack("p2", cycle: 1, e: 0, n: 0),
      crack("s2", cycle: 1, e: 0.02, n: 0),
    ]
    #expect(CrackTracker().track(precise, cycles: 2).events.contains { $0.kind == .split })
  }

  /// A stretch of a straight crack along bearing 60 degrees, from `from` to `to` metres along it.
  func stretch(_ id: String, cycle: Int, from: Double, to: Double, offset: Double = 0, uncertainty: Double)
    -> TrackableObservation
  {
    let r = 60 * Double.pi / 180
    let (ue, un, ve, vn) = (sin(r), cos(r), cos(r), -sin(r))
    let points = stride(from: from, through: to, by: (to - from) / 8).map {
      ($0 * ue + offset * ve, $0 * un + offset * vn)
    }
    let mid = (from + to) / 2
    return TrackableObservation(
      id: id, cycle: cycle, position: (mid * ue + offset * ve, mid * un + offset * vn), branches: [points],
      bearingDeg: 60, uncertaintyM: uncertainty, lengthPx: (to - from) * 10_000)
  }

  /// The same observations placed by a phone's GPS (1.5 m) instead of a registration.
  func placedByGPS(_ observations: [TrackableObservation]) -> [TrackableObservation] {
    observations.map {
      var o = $0
      o.uncertaintyM = 1.5
      return o
    }
  }

  @Test func aCrackSeenInPiecesStaysOneTrack() {
    // 40 cm, whole; then its middle lost (two pieces, too short a piece to match the whole);
    // then whole again, a little longer. Placed to 5 mm, as through one registration.
    let precise = 0.005
    let observations = [
      stretch("w1", cycle: 0, from: 0, to: 0.40, uncertainty: precise),
      stretch("p2a", cycle: 1, from: 0, to: 0.16, uncertainty: precise),
      stretch("p2b", cycle: 1, from: 0.24, to: 0.40, uncertainty: precise),
      stretch("w3", cycle: 2, from: 0, to: 0.42, uncertainty: precise),
    ]
    let result = CrackTracker().track(observations, cycles: 3)
    #expect(result.trackIds == [CrackTracker.trackId(startingWith: "w1")])
    #expect(result.events.filter { $0.kind != .new }.isEmpty, "\(result.events)")
    #expect(CrackTracker().track(observations.reversed(), cycles: 3) == result)

    // With a parallel crack 1 cm beside it and a branch leaving it at 50 degrees: neither is a
    // piece of it.
    var crowded = observations
    crowded.append(stretch("side2", cycle: 1, from: 0.02, to: 0.14, offset: 0.01, uncertainty: precise))
    let r = 10 * Double.pi / 180
    crowded.append(
      TrackableObservation(
        id: "branch2", cycle: 1, position: (0.1, 0.2),
        branches: [
          [
            (0.2 * sin(60 * .pi / 180), 0.2 * cos(60 * .pi / 180)),
            (0.2 * sin(60 * .pi / 180) + 0.1 * sin(r), 0.2 * cos(60 * .pi / 180) + 0.1 * cos(r)),
          ]
        ],
        bearingDeg: 10, uncertaintyM: precise, lengthPx: 1000))
    let crowdedResult = CrackTracker().track(crowded, cycles: 3)
    let members = crowdedResult.members
    #expect(Set(["w1", "p2a", "p2b", "w3"].map { members[$0]!.trackId }).count == 1)
    #expect(members["side2"]!.trackId != members["w1"]!.trackId)
    #expect(members["branch2"]!.trackId != members["w1"]!.trackId)

    // Placed by GPS alone (1.5 m), pieces cannot be told from neighbours: not joined.
    let looseResult = CrackTracker().track(placedByGPS(observations), cycles: 3).members
    #expect(looseResult["p2a"]!.trackId != looseResult["p2b"]!.trackId)
  }

  /// The other way round: a crack first seen in two pieces that could not be linked (two
  /// tracks in that cycle), then whole: from then on one track, holding both pieces, with no
  /// event but its start. A crack alongside, seen whole in two cycles, keeps its own track.
  @Test func aCrackFirstSeenInPiecesIsOneTrackOnceSeenWhole() {
    let precise = 0.005
    let observations = [
      stretch("p1a", cycle: 0, from: 0, to: 0.16, uncertainty: precise),
      stretch("p1b", cycle: 0, from: 0.24, to: 0.40, uncertainty: precise),
      stretch("side1", cycle: 0, from: 0.02, to: 0.30, offset: 0.02, uncertainty: precise),
      stretch("w2", cycle: 1, from: 0, to: 0.41, uncertainty: precise),
      stretch("side2", cycle: 1, from: 0.02, to: 0.30, offset: 0.02, uncertainty: precise),
      stretch("w3", cycle: 2, from: 0, to: 0.42, uncertainty: precise),
    ]
    let result = CrackTracker().track(observations, cycles: 3)
    let members = result.members
    let crack = members["w3"]!.trackId
    #expect(["p1a", "p1b", "w2"].allSatisfy { members[$0]!.trackId == crack })
    #expect(members["side1"]!.trackId == members["side2"]!.trackId && members["side1"]!.trackId != crack)
    #expect(
      result.events.map { "\($0.kind.rawValue) \($0.trackId)" }.sorted()
        == ["new \(crack)", "new \(members["side1"]!.trackId)", "not_seen \(members["side1"]!.trackId)"]
        .sorted(),
      "\(result.events)")
    #expect(CrackTracker().track(observations.reversed(), cycles: 3) == result)

    // Placed by GPS alone (1.5 m), the pieces stay apart: a whole crack near a leftover track
    // could be anything within metres.
    let looseResult = CrackTracker().track(placedByGPS(observations), cycles: 3).members
    #expect(looseResult["p1a"]!.trackId != looseResult["p1b"]!.trackId)
  }

  /// A piece whose own direction is 40 degrees off the whole crack's (the crack curls at that
  /// end, or meanders over the piece's length) is still a piece of it once the crack is seen
  /// whole: lying along it is the test, not pointing the same way.
  @Test func aPieceThatPointsAwayFromTheWholeIsStillAPiece() {
    let precise = 0.005
    var curled = stretch("p1b", cycle: 0, from: 0.28, to: 0.40, uncertainty: precise)
    curled.bearingDeg = 100
    let observations = [
      stretch("p1a", cycle: 0, from: 0, to: 0.20, uncertainty: precise), curled,
      stretch("w2", cycle: 1, from: 0, to: 0.41, uncertainty: precise),
    ]
    let members = CrackTracker().track(observations, cycles: 2).members
    #expect(Set(["p1a", "p1b", "w2"].map { members[$0]!.trackId }).count == 1, "\(members)")
  }

  /// A 4 mm piece at a crack's end that overlaps the rest by a millimetre (a wide crack's
  /// skeleton hooks past where the next piece begins) is still a piece of it; and a speck
  /// two metres away, placed only by GPS, does not take the crack's track: a crack does not
  /// heal to a speck, and by GPS a speck could be anything within metres.
  @Test func aShortPieceOverlappingByAMillimetreJoinsAndAFarSpeckDoesNot() {
    let precise = 0.005
    let observations = [
      stretch("p1a", cycle: 0, from: 0, to: 0.050, uncertainty: precise),
      stretch("p1b", cycle: 0, from: 0.04905, to: 0.05305, uncertainty: precise),
      stretch("w2", cycle: 1, from: 0, to: 0.056, uncertainty: precise),
      stretch("s3", cycle: 2, from: 2.0, to: 2.002, uncertainty: 3),
    ]
    let members = CrackTracker().track(observations, cycles: 3).members
    #expect(Set(["p1a", "p1b", "w2"].map { members[$0]!.trackId }).count == 1, "\(members)")
    #expect(members["s3"]!.trackId != members["w2"]!.trackId)
  }

  /// A crack's main direction where the asset's CRS puts it: 55 mm long at 80 degrees, at a
  /// UTM easting and northing. Sums of squares about zero lost the digits it needs there.
  @Test func aCracksAxisHoldsFarFromTheCRSOrigin() {
    let r = 80 * Double.pi / 180
    let points = stride(from: 0.0, through: 0.055, by: 0.005).map {
      (381_869.065 + $0 * sin(r), 5_200_556.648 + $0 * cos(r) + 0.0005 * sin($0 * 300))
    }
    let axis = CrackPieces.Axis(points)
    let extent = axis.extent(points)
    #expect(abs(extent.upperBound - extent.lowerBound - 0.055) < 0.0002, "\(extent)")
  }

  @Test func inspectorOverridesBeatMatching() throws {
    let observations = [
      crack("a1", cycle: 0, e: 0, n: 0), crack("b1", cycle: 0, e: 0.3, n: 0),
      crack("a2", cycle: 1, e: 0, n: 0), crack("b2", cycle: 1, e: 0.3, n: 0),
    ]
    let a = CrackTracker.trackId(startingWith: "a1")
    let b = CrackTracker.trackId(startingWith: "b1")
    // The inspector says a2 is really crack b, and b2 is a crack of its own.
    let result = CrackTracker().track(
      observations, cycles: 2, overrides: ["a2": .link(trackId: b), "b2": .unlink])
    let linked = try #require(result.members["a2"])
    #expect(linked.trackId == b && linked.assignedBy == "inspector" && linked.cost == nil)
    #expect(result.members["b2"]!.trackId == "trk_ub2")
    #expect(result.events.contains { $0.kind == .notSeen && $0.trackId == a })
  }

  @Test func observationsWithoutPositionStartTracksOfTheirOwn() {
    let placed = crack("a1", cycle: 0, e: 0, n: 0)
    var unplaced = crack("x2", cycle: 1, e: 0, n: 0)
    unplaced.position = nil
    unplaced.branches = []
    let result = CrackTracker().track([placed, unplaced], cycles: 2)
    #expect(result.members["x2"]!.trackId != result.members["a1"]!.trackId)
  }

  @Test func hausdorffDistanceOfKnownShapes() {
    // A segment and the same segment lifted 3 m, 1 m longer at one end.
    let d = CrackTracker.hausdorff([[(0, 0), (10, 0)]], [[(0, 3), (11, 3)]])
    #expect(abs(d - (1 + 9.0).squareRoot()) < 1e-9)
  }

  /// In a crowd, where each crack lies within the gate of several others, the matching
  /// (which works exact costs out only as their bounds come up) takes exactly the pairs that
  /// sorting every exact cost and taking the cheapest free pair first would take.
  @Test func crowdedMatchingTakesTheCheapestPairsFirst() {
    var seed: UInt64 = 20_261_123
    func random() -> Double {  // SplitMix64: the same crowd every run
      seed &+= 0x9E37_79B9_7F4A_7C15
      var z = seed
      z = (z ^ (z >> 30)) &* 0xBF58_476C_E5E4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
    var observations: [TrackableObservation] = []
    for cycle in 0..<2 {
      for k in 0..<300 {
        // A bent crack, placed by a point off its middle (as a footprint's centroid of
        // crack pixels can be), so that the position tells only roughly where it lies.
        let (e, n, length) = (random() * 3, random() * 3, 0.05 + random() * 0.3)
        let (r, bend) = (random() * .pi, (random() - 0.5) * 1.5)
        let knee = (e + length / 2 * sin(r), n + length / 2 * cos(r))
        var o = TrackableObservation(
          id: String(format: "c%d-%03d", cycle, k), cycle: cycle,
          position: (e + (knee.0 - e) * random(), n + (knee.1 - n) * random()),
          branches: [
            [(e, n), knee, (knee.0 + length / 2 * sin(r + bend), knee.1 + length / 2 * cos(r + bend))]
          ],
          bearingDeg: r * 180 / .pi, uncertaintyM: 0.05 + random() * 0.1, lengthPx: 500)
        if k % 10 == 0 { o.branches = [] }  // placed by position only
        observations.append(o)
      }
    }
    let tracker = CrackTracker()
    let result = tracker.track(observations, cycles: 2)

    // Every pair of a first-cycle crack (track number = its index) and a second-cycle one,
    // sorted by exact cost, taken greedily.
    let placements = observations.map {
      CrackTracker.Placement($0, minLengthForBearing: tracker.minLengthForBearingPx)
    }
    let centrelines = observations.map(\.centreline)
    var pairs: [CrackTracker.Pair] = []
    for t in 0..<300 {
      for o in 300..<600 {
        if let cost = tracker.cost(t, o, centrelines, placements) {
          pairs.append(.init(cost: cost, track: t, obs: o))
        }
      }
    }
    var taken = Set<Int>()
    var matched: [Int: Int] = [:]
    for pair in pairs.sorted() where !taken.contains(pair.track) && matched[pair.obs] == nil {
      taken.insert(pair.track)
      matched[pair.obs] = pair.track
    }
    #expect(
      matched.count > 100 && pairs.count > 5 * matched.count,
      "a crowd: \(pairs.count) pairs, \(matched.count) matches")
    for o in 300..<600 {
      let member = result.members[observations[o].id]!
      if let t = matched[o] {
        #expect(member.trackId == result.members[observations[t].id]!.trackId, "\(observations[o].id)")
        #expect(member.assignedBy == "matching")
      } else {
        #expect(member.assignedBy == "new", "\(observations[o].id)")
      }
    }
  }
}
