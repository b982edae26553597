import Foundation
import HeapModule

/// What tracking needs to know about one observation.
public struct TrackableObservation: Sendable, Equatable {
  public var id: String
  /// Index of its cycle in cycle order (0 = the first cycle).
  public var cycle: Int
  /// Centroid in the asset's projected CRS (footprint) or the camera position; nil when
  /// the observation is tied to the asset only.
  public var position: (easting: Double, northing: Double)?
  /// Centreline branches, points in projected metres (footprint only).
  public var branches: [[(Double, Double)]] {
    didSet { centreline = Centreline(branches) }
  }
  private(set) var centreline: Centreline
  /// The farthest centreline vertex from `position` (0 without either).
  var reach: Double {
    guard let p = position else { return 0 }
    return centreline.reach(from: p)
  }
  /// Ground bearing in [0, 180), footprint only.
  public var bearingDeg: Double?
  /// 1-sigma placement uncertainty, metres.
  public var uncertaintyM: Double
  public var lengthPx: Double
  /// The registration frame it was placed in (`RegisteredFrames`): the root capture's id,
  /// nil when placed by its own photo's GPS.
  public var frame: String?
  /// 1-sigma error of its placement relative to other cracks of the same frame, metres.
  public var frameUncertaintyM = 0.0

  public init(
    id: String, cycle: Int, position: (easting: Double, northing: Double)?, branches: [[(Double, Double)]],
    bearingDeg: Double?, uncertaintyM: Double, lengthPx: Double
  ) {
    self.id = id
    self.cycle = cycle
    self.position = position
    self.branches = branches.filter { !$0.isEmpty }
    centreline = Centreline(self.branches)
    self.bearingDeg = bearingDeg
    self.uncertaintyM = uncertaintyM
    self.lengthPx = lengthPx
  }

  public static func == (a: Self, b: Self) -> Bool { a.id == b.id }
}

/// An inspector's word on one observation; it beats automatic matching.
public enum TrackOverride: Sendable, Equatable {
  case link(trackId: String)
  case unlink
}

/// Tracking's result: which track each observation is on, and what changed per cycle.
public struct TrackingResult: Sendable, Equatable {
  public struct Member: Sendable, Equatable {
    public var trackId: String
    public var assignedBy: String  // "matching", "inspector" or "new"
    public var cost: Double?
    /// The track's index in `trackIds`.
    public var track: Int
  }

  public struct Event: Sendable, Equatable {
    public enum Kind: String, Sendable { case new, notSeen = "not_seen", split, merge }
    public var cycle: Int
    public var kind: Kind
    public var trackId: String
    public var observationId: String?
    public var otherTrackId: String?
  }

  /// Each observation's track, in the order the observations were given: nil for one
  /// outside the cycles tracked.
  public var assignments: [Member?] = []
  public var events: [Event] = []
  /// Every track, in order of creation.
  public var trackIds: [String] = []
  /// The ids of the observations given, in order.
  var observationIds: [String] = []

  /// Each observation's track, by observation id. Built on each call from `assignments`:
  /// take it once, not inside a loop over observations.
  public var members: [String: Member] {
    Dictionary(
      uniqueKeysWithValues: zip(observationIds, assignments).compactMap { id, m in m.map { (id, $0) } })
  }

  /// The same tracks, members and events, whatever order the observations were given in.
  public static func == (a: Self, b: Self) -> Bool {
    a.trackIds == b.trackIds && a.events == b.events && a.members == b.members
  }
}

/// Follows the same physical crack across the cycles of one asset.
///
/// Cycle by cycle, each observation is compared with every track's latest observation:
/// - position: the symmetric Hausdorff distance between centrelines in projected metres
///   (centroid distance when either lacks a centreline), which must lie within
///   `gateSigmas` × the combined placement uncertainty;
/// - shape: ground bearings must agree within `maxBearingDifference` degrees (for
///   cracks long enough to have a direction).
/// Cracks placed through one registration frame (`RegisteredFrames`) are compared with the
/// frame's own, much smaller, uncertainty.
/// The cost of a pair is its distance in units of the combined uncertainty plus its
/// bearing difference over `maxBearingDifference`. Pairs are taken cheapest first, ties
/// broken by ids, each track and observation at most once per cycle: one-to-one and
/// deterministic. Inspector links and unlinks are applied before matching.
///
/// A crack the photo showed in pieces stays one track: an observation left unmatched that lies
/// along a track's previous centreline (every vertex within the gate), placed precisely
/// relative to it (one registration frame, or both within `maxPieceSigmaM`) and beside the
/// pieces already on it (overlapping along the crack by at most `maxPieceOverlap`), joins
/// that track. The track's shape for the next cycle is then its pieces joined across the gaps
/// (`CrackPieces`), so that the next cycle's whole crack matches it. The other way round, a
/// track not found in a cycle whose latest shape lies along an observation, placed as
/// precisely, was a piece of that crack: an observation left over takes its track, and where
/// another piece's track (seen in the same cycle, beside it) lies along it too, that track's
/// observations join and it is gone, with its events (a crack first seen in pieces is one
/// track from the cycle it is seen whole).
///
/// Other unmatched observations start new tracks (id `trk_` + the first 16 hex digits of the
/// observation id, stable across re-tracking). An unmatched observation within the gate
/// of a track that matched another observation is reported as a split; a track that found
/// no match while an observation within its gate went to another track, as a merge; both only
/// between cracks placed relative to each other within `maxEventSigmaM`.
public struct CrackTracker: Sendable {
  public var gateSigmas = 3.0
  public var maxBearingDifference = 30.0
  /// Cracks shorter than this (pixels) have too noisy a direction for the bearing test.
  public var minLengthForBearingPx = 30.0
  /// A piece is taken only where the two placements are this precise relative to each other
  /// (1 sigma, metres): with metres of GPS error, any crack near a track would lie along it.
  public var maxPieceSigmaM = 0.05
  /// A split or a merge is reported only between cracks placed relative to each other within
  /// this, metres (1 sigma): in one registration frame, or by RTK. By GPS alone a crack that
  /// vanished beside one 12 m away was called merged into it (synthetic seed 2053, σ 5 m).
  public var maxEventSigmaM = 0.25
  /// How much of the shorter of two pieces may overlap the other along the crack: two cracks
  /// side by side overlap all along, the pieces of a broken one hardly at all...
  public var maxPieceOverlap = 0.2
  /// ...or, however short the piece, this much (metres): a wide crack's skeleton may hook
  /// past where the next piece begins (seed 2043: a 4 mm piece of a 0.4 mm wide crack
  /// overlapped its other piece by 0.9 mm, and stayed a track of its own).
  public var maxPieceOverlapM = 0.001
  /// An observation smaller than this share of a track's latest (by their reach from their
  /// centres), placed no more precisely than `maxPieceSigmaM`, is not matched to it (seed
  /// 2043: a 2.4 mm speck took the track of a 63 mm crack 12 m away, by GPS).
  public var minFragmentShare = 1.0 / 3

  public init() {}

  public static func trackId(startingWith observationId: String) -> String {
    "trk_" + observationId.prefix(16)
  }

  public func track(
    _ observations: [TrackableObservation], cycles: Int, overrides: [String: TrackOverride] = [:]
  ) -> TrackingResult {
    var result = TrackingResult()
    result.observationIds = observations.map(\.id)
    result.assignments = Array(repeating: nil, count: observations.count)
    // Observations by index and tracks by number (creation order) inside; ids only at the
    // edges. An asset can hold 100,000 observations: nothing below copies one.
    var frames: [String: Int] = [:]
    for o in observations { if let f = o.frame, frames[f] == nil { frames[f] = frames.count } }
    // Shapes: every observation's, then (appended) each track's pieces joined, indexed alike.
    var placements = observations.map {
      Placement($0, minLengthForBearing: minLengthForBearingPx, frame: $0.frame.flatMap { frames[$0] } ?? -1)
    }
    var centrelines = observations.map(\.centreline)
    var latest: [Int] = []  // track number -> index of its latest observation
    var seenIn: [Int] = []  // track number -> the cycle of its latest observation
    var absorbed = Set<Int>()  // tracks found to be pieces of another; they hold nothing now
    var number: [String: Int] = [:]  // track id -> track number
    /// Puts observation `o` on track `t`.
    func put(_ o: Int, on t: Int, by: String, cost: Double? = nil) {
      latest[t] = o
      seenIn[t] = observations[o].cycle
      result.assignments[o] = .init(trackId: result.trackIds[t], assignedBy: by, cost: cost, track: t)
    }
    /// Puts observation `o` on the track with this id, made if there is none yet; its number.
    func open(_ trackId: String, with o: Int, by: String) -> Int {
      let t = number[trackId] ?? latest.count
      if t == latest.count {
        number[trackId] = t
        result.trackIds.append(trackId)
        latest.append(o)
        seenIn.append(observations[o].cycle)
      }
      put(o, on: t, by: by)
      return t
    }
    var byCycle = [[Int]](repeating: [], count: cycles)
    for i in observations.indices where (0..<cycles).contains(observations[i].cycle) {
      byCycle[observations[i].cycle].append(i)
    }
    for cycle in 0..<cycles {
      let here = byCycle[cycle].sorted { result.observationIds[$0] < result.observationIds[$1] }
      let previous = latest.count  // tracks 0..<previous existed before this cycle
      let seenBefore = seenIn
      var taken = [Bool](repeating: false, count: previous)
      var free: [Int] = []
      var forcedNew: [Int] = []
      for o in here {
        switch overrides.isEmpty ? nil : overrides[result.observationIds[o]] {
        case .link(let trackId):
          let t = open(trackId, with: o, by: "inspector")
          if t < previous { taken[t] = true }
        case .unlink: forcedNew.append(o)
        case nil: free.append(o)
        }
      }
      // Each observation's candidate tracks, each with a lower bound on its cost that needs
      // no centreline distance, cheapest first. The grid hands each observation only the
      // tracks near enough to possibly pass the gate.
      let grid = TrackGrid(
        tracks: (0..<previous).compactMap { t in
          let p = placements[latest[t]]
          guard !taken[t], !absorbed.contains(t), p.hasPosition else { return nil }
          return (t, (p.easting, p.northing), p.uncertainty, p.reach)
        }, gateSigmas: gateSigmas)
      let latestNow = latest
      let shapes = placements
      let candidates = concurrentMap(free.count) { i -> [Pair] in
        let p = shapes[free[i]]
        guard p.hasPosition else { return [] }
        return grid.candidates(near: (p.easting, p.northing), uncertainty: p.uncertainty, reach: p.reach)
          .compactMap { t in
            lowerBound(latestNow[t], free[i], shapes).map { Pair(cost: $0, track: t, obs: i) }
          }
          .sorted()
      }
      // Cheapest pairs first (ties: older track, then observation id), each track and
      // observation at most once. The queue holds each observation's cheapest bound not yet
      // looked at, and the exact costs worked out so far: a pair's exact cost is worked out
      // only when its bound comes up, and an exact cost no greater than every bound left is
      // the cheapest pair left. The same pairs in the same order as sorting every exact cost,
      // with a fraction of the centreline distances and a queue one entry per observation.
      var next = [Int](repeating: 1, count: free.count)  // observation -> its next bound
      var queue = Heap(candidates.compactMap { $0.first.map { Queued(pair: $0, exact: false) } })
      var matchedTrack = [Int?](repeating: nil, count: free.count)  // observation -> track
      var matches = 0
      let openTracks = grid.count
      while matches < min(free.count, openTracks), let head = queue.popMin() {
        let pair = head.pair
        guard matchedTrack[pair.obs] == nil else { continue }
        if !head.exact {
          if next[pair.obs] < candidates[pair.obs].count {
            queue.insert(Queued(pair: candidates[pair.obs][next[pair.obs]], exact: false))
            next[pair.obs] += 1
          }
          if !taken[pair.track],
            let exact = cost(latestNow[pair.track], free[pair.obs], centrelines, placements)
          {
            queue.insert(Queued(pair: Pair(cost: exact, track: pair.track, obs: pair.obs), exact: true))
          }
          continue
        }
        guard !taken[pair.track] else { continue }
        taken[pair.track] = true
        matchedTrack[pair.obs] = pair.track
        matches += 1
        put(free[pair.obs], on: pair.track, by: "matching", cost: pair.cost)
      }
      // Pieces: an observation left over that lies along a track's previous shape, beside
      // what is already on it this cycle (or as its first piece). Cheapest pairs first, as
      // above, so that of two overlapping candidates the one nearer the crack is its piece.
      var pieceCandidates: [Pair] = []
      for (i, o) in free.enumerated() where matchedTrack[i] == nil {
        for pair in candidates[i] {
          if let cost = pieceCost(o, of: latestNow[pair.track], centrelines, placements) {
            pieceCandidates.append(Pair(cost: cost, track: pair.track, obs: i))
          }
        }
      }
      var pieces: [Int: [Int]] = [:]  // track -> its observations this cycle
      for pair in pieceCandidates.sorted() where matchedTrack[pair.obs] == nil {
        let (t, o) = (pair.track, free[pair.obs])
        let now = taken[t] ? pieces[t] ?? [latest[t]] : []
        guard isBeside(o, now, along: latestNow[t], centrelines) else { continue }
        taken[t] = true
        pieces[t] = now + [o]
        matchedTrack[pair.obs] = t
        result.assignments[o] = .init(
          trackId: result.trackIds[t], assignedBy: "matching", cost: pair.cost, track: t)
      }
      // A track's shape for the next cycle: its pieces joined across the gaps.
      for (t, found) in pieces.sorted(by: { $0.key < $1.key }) {
        seenIn[t] = cycle
        guard found.count > 1 else {
          latest[t] = found[0]
          continue
        }
        let first = observations[found[0]]
        let longest = found.max { observations[$0].lengthPx < observations[$1].lengthPx }!
        var joined = TrackableObservation(
          id: first.id, cycle: cycle, position: nil,
          branches: CrackPieces.joined(found.map { observations[$0].branches }).branches,
          bearingDeg: observations[longest].bearingDeg,
          uncertaintyM: found.map { observations[$0].uncertaintyM }.max()!,
          lengthPx: found.reduce(0) { $0 + observations[$1].lengthPx })
        let points = joined.centreline.points
        joined.position = (
          points.reduce(0) { $0 + $1.0 } / Double(points.count),
          points.reduce(0) { $0 + $1.1 } / Double(points.count)
        )
        joined.frameUncertaintyM = found.map { observations[$0].frameUncertaintyM }.max()!
        placements.append(
          Placement(joined, minLengthForBearing: minLengthForBearingPx, frame: placements[found[0]].frame))
        centrelines.append(joined.centreline)
        latest[t] = placements.count - 1
      }
      // Pieces the other way round: a crack seen whole that was seen in pieces before. A
      // track not found this cycle whose latest shape lies along an observation (every vertex
      // within the gate, placed precisely relative to it) was a piece of that crack: an
      // observation left over takes the track of its nearest such piece, and the other
      // pieces' tracks (seen in the same cycle as the one it is on, beside it) join it.
      var pieceTracks: [Pair] = []
      for (i, o) in free.enumerated() {
        // Left over, matched, or alone on its track as a piece (a whole crack that lies along a
        // piece seen before is taken as that piece's "piece" above): not one of several.
        guard matchedTrack[i].map({ pieces[$0].map { $0 == [o] } ?? true }) ?? true else { continue }
        for pair in candidates[i] where !taken[pair.track] {
          if let cost = pieceCost(latestNow[pair.track], of: o, centrelines, placements) {
            pieceTracks.append(Pair(cost: cost, track: pair.track, obs: i))
          }
        }
      }
      var joinedOn: [Int: [Int]] = [:]  // track -> the latest shapes of its pieces before
      for pair in pieceTracks.sorted() where !taken[pair.track] {
        let (whole, piece) = (free[pair.obs], latestNow[pair.track])
        guard let t = matchedTrack[pair.obs] else {
          taken[pair.track] = true
          matchedTrack[pair.obs] = pair.track
          joinedOn[pair.track] = [piece]
          put(whole, on: pair.track, by: "matching", cost: pair.cost)
          continue
        }
        let before = joinedOn[t] ?? [latestNow[t]]
        guard seenBefore[pair.track] == seenBefore[t], isBeside(piece, before, along: whole, centrelines)
        else { continue }
        // Its observations, in one pass over all; an inspector's link to that track stands.
        let members = result.assignments.indices.filter { result.assignments[$0]?.track == pair.track }
        guard !members.contains(where: { result.assignments[$0]?.assignedBy == "inspector" }) else {
          continue
        }
        joinedOn[t] = before + [piece]
        taken[pair.track] = true
        absorbed.insert(pair.track)
        let (gone, into) = (result.trackIds[pair.track], result.trackIds[t])
        for k in members {
          result.assignments[k]?.track = t
          result.assignments[k]?.trackId = into
        }
        result.events.removeAll { $0.trackId == gone }
        for k in result.events.indices where result.events[k].otherTrackId == gone {
          result.events[k].otherTrackId = into
        }
      }
      // From the pairs that pass the gate: for an unmatched observation, the oldest track
      // that matched something else (a split); for an unmatched track, the first
      // observation that went elsewhere (a merge). Only these pairs need an exact cost.
      var splitFrom = [Int?](repeating: nil, count: free.count)
      var mergedInto = [Int?](repeating: nil, count: previous)
      for pair in candidates.joined() {
        // Only cracks placed relative to each other well enough to tell that they touch: by
        // GPS alone (metres), a crack gone and another seen within the gate are as likely
        // 10 m apart as joined, and a split or merge claimed there is noise.
        guard sigma(placements[latestNow[pair.track]], placements[free[pair.obs]]) <= maxEventSigmaM else {
          continue
        }
        if matchedTrack[pair.obs] == nil, taken[pair.track], !absorbed.contains(pair.track) {
          guard pair.track < splitFrom[pair.obs] ?? .max else { continue }
          if cost(latestNow[pair.track], free[pair.obs], centrelines, placements) != nil {
            splitFrom[pair.obs] = pair.track
          }
        } else if !taken[pair.track], matchedTrack[pair.obs] != nil {
          guard pair.obs < mergedInto[pair.track] ?? .max else { continue }
          if cost(latestNow[pair.track], free[pair.obs], centrelines, placements) != nil {
            mergedInto[pair.track] = pair.obs
          }
        }
      }
      for (i, o) in free.enumerated() where matchedTrack[i] == nil {
        let trackId = Self.trackId(startingWith: observations[o].id)
        _ = open(trackId, with: o, by: "new")
        result.events.append(
          .init(cycle: cycle, kind: .new, trackId: trackId, observationId: observations[o].id))
        // A new crack within the gate of a track that matched something else: a split.
        if let parent = splitFrom[i] {
          result.events.append(
            .init(
              cycle: cycle, kind: .split, trackId: trackId, observationId: observations[o].id,
              otherTrackId: result.trackIds[parent]))
        }
      }
      for o in forcedNew {
        // Not trackId(startingWith:): the observation may be the first of the track it
        // was taken off, whose id is derived from it.
        let trackId = "trk_u" + observations[o].id.prefix(15)
        _ = open(trackId, with: o, by: "new")
        result.events.append(
          .init(cycle: cycle, kind: .new, trackId: trackId, observationId: observations[o].id))
      }
      for t in 0..<previous where !taken[t] && !absorbed.contains(t) {
        let trackId = result.trackIds[t]
        result.events.append(.init(cycle: cycle, kind: .notSeen, trackId: trackId))
        // Its candidates went to another track: the two cracks have grown together.
        if let i = mergedInto[t], let other = matchedTrack[i] {
          result.events.append(
            .init(
              cycle: cycle, kind: .merge, trackId: trackId, observationId: observations[free[i]].id,
              otherTrackId: result.trackIds[other]))
        }
      }
    }
    return result
  }

  /// A candidate pair: a track (by number), an observation (by index among the cycle's
  /// free ones) and a cost. Ordered by cost, then track, then observation.
  struct Pair: Comparable {
    var cost: Double
    var track: Int
    var obs: Int

    static func < (a: Self, b: Self) -> Bool { (a.cost, a.track, a.obs) < (b.cost, b.track, b.obs) }
  }

  /// A pair waiting in the matching queue, with either its exact cost or a lower bound.
  struct Queued: Comparable {
    var pair: Pair
    var exact: Bool

    static func < (a: Self, b: Self) -> Bool { a.pair < b.pair }
  }

  /// What the gate and the cost read of an observation, all but its centreline: a plain
  /// value, with no references to count, as tracking reads them millions of times.
  struct Placement {
    var hasPosition: Bool
    var easting: Double
    var northing: Double
    var uncertainty: Double
    /// The farthest centreline vertex from the position (0 without either).
    var reach: Double
    var hasCentreline: Bool
    /// Ground bearing when the crack is long enough to have one; NaN otherwise.
    var bearing: Double
    /// Its registration frame, numbered (-1: none), and its uncertainty within the frame.
    var frame: Int
    var frameUncertainty: Double

    init(_ o: TrackableObservation, minLengthForBearing: Double, frame: Int = -1) {
      self.frame = frame
      frameUncertainty = o.frameUncertaintyM
      hasPosition = o.position != nil
      (easting, northing) = o.position ?? (0, 0)
      uncertainty = o.uncertaintyM
      reach = o.reach
      hasCentreline = !o.centreline.isEmpty
      bearing = o.lengthPx >= minLengthForBearing ? o.bearingDeg ?? .nan : .nan
    }
  }

  /// The cost of putting observation `o` on the track whose latest observation is `last`
  /// (indices into `observations`), or nil when they cannot be the same crack.
  /// The grid has already dropped pairs whose positions are too far apart for any centreline.
  func cost(_ last: Int, _ o: Int, _ centrelines: [Centreline], _ placements: [Placement]) -> Double? {
    let (a, b) = (placements[last], placements[o])
    // A fragment a few times smaller than the crack, placed no better than by GPS, is not
    // that crack seen again (a crack does not heal): it could be any speck within metres.
    // Placed precisely, it may be a piece of it (`pieceCost`).
    if b.reach < minFragmentShare * a.reach, sigma(a, b) > maxPieceSigmaM { return nil }
    return cost(a, b) { gate in centrelines[last].hausdorff(centrelines[o], limit: gate) }
  }

  /// The cost of taking observation `o` as a piece of the track whose previous shape is
  /// `previous`; nil when it cannot be one. Its distance is the farthest of its vertices from
  /// the previous shape: a piece lies along the crack, however much of it is missing.
  func pieceCost(_ o: Int, of previous: Int, _ centrelines: [Centreline], _ placements: [Placement])
    -> Double?
  {
    let (a, b) = (placements[previous], placements[o])
    guard a.hasCentreline, b.hasCentreline, a.hasPosition, b.hasPosition, sigma(a, b) <= maxPieceSigmaM else {
      return nil
    }
    // No bearing test: a piece of a meandering crack may point 30° off the whole, and lying
    // along it within a few centimetres is the stronger test.
    return cost(a, b, bearing: false) { gate in
      centrelines[o].directed(to: centrelines[previous], limit: gate)
    }
  }

  /// Whether observation `o` lies beside the observations `now` (overlapping none of them by
  /// more than `maxPieceOverlap` of the shorter, or `maxPieceOverlapM`, along the previous
  /// shape's main direction).
  func isBeside(_ o: Int, _ now: [Int], along previous: Int, _ centrelines: [Centreline]) -> Bool {
    guard !now.isEmpty else { return true }
    let axis = CrackPieces.Axis(centrelines[previous].points)
    let stretch = axis.extent(centrelines[o].points)
    return now.allSatisfy {
      let other = axis.extent(centrelines[$0].points)
      return CrackPieces.Axis.overlapShare(stretch, other) <= maxPieceOverlap
        || CrackPieces.Axis.overlap(stretch, other) <= maxPieceOverlapM
    }
  }

  /// A lower bound on `cost`, nil only where that is nil, with no centreline distance:
  /// every vertex lies within its reach of its observation's position, so the Hausdorff
  /// distance is at least the distance between positions less both reaches.
  func lowerBound(_ last: Int, _ o: Int, _ placements: [Placement]) -> Double? {
    let (a, b) = (placements[last], placements[o])
    // Without the bearing test: also a bound on a piece's cost.
    return cost(a, b, bearing: false) { _ in
      // A nanometre of slack, so that rounding never lifts the bound above the exact cost.
      let (de, dn) = (a.easting - b.easting, a.northing - b.northing)
      return max(0, (de * de + dn * dn).squareRoot() - a.reach - b.reach - 1e-9)
    }
  }

  /// The cost, given how to measure the distance between the two centrelines (called with the gate).
  private func cost(
    _ a: Placement, _ b: Placement, bearing: Bool = true, centrelineDistance: (Double) -> Double
  ) -> Double? {
    guard a.hasPosition, b.hasPosition else { return nil }
    let sigma = sigma(a, b)
    let gate = gateSigmas * sigma
    let distance =
      a.hasCentreline && b.hasCentreline
      ? centrelineDistance(gate) : hypot(a.easting - b.easting, a.northing - b.northing)
    guard distance <= gate else { return nil }
    var angle = 0.0
    if bearing, !a.bearing.isNaN, !b.bearing.isNaN {
      let d = abs(a.bearing - b.bearing).truncatingRemainder(dividingBy: 180)
      angle = min(d, 180 - d)
      guard angle <= maxBearingDifference else { return nil }
    }
    return distance / sigma + angle / maxBearingDifference
  }

  /// The combined 1-sigma uncertainty of two placements relative to each other, metres.
  /// Two cracks placed through one registration frame share its GPS error: between them only
  /// the registration's is left. Never more than the GPS figure, so that the grid's and the
  /// lower bound's wider gate stays a superset.
  private func sigma(_ a: Placement, _ b: Placement) -> Double {
    let gps = a.uncertainty * a.uncertainty + b.uncertainty * b.uncertainty
    let sameFrame = a.frame >= 0 && a.frame == b.frame
    let combined =
      sameFrame
      ? min(a.frameUncertainty * a.frameUncertainty + b.frameUncertainty * b.frameUncertainty, gps) : gps
    return max(combined.squareRoot(), 1e-3)
  }

  /// Symmetric Hausdorff distance between two centrelines (each a list of branches; a
  /// one-point branch is a point), measured from each one's vertices to the other's segments.
  static func hausdorff(_ a: [[(Double, Double)]], _ b: [[(Double, Double)]]) -> Double {
    Centreline(a).hausdorff(Centreline(b))
  }
}
