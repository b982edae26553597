import Foundation

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
  }

  public struct Event: Sendable, Equatable {
    public enum Kind: String, Sendable { case new, notSeen = "not_seen", split, merge }
    public var cycle: Int
    public var kind: Kind
    public var trackId: String
    public var observationId: String?
    public var otherTrackId: String?
  }

  public var members: [String: Member] = [:]
  public var events: [Event] = []
  /// Every track, in order of creation.
  public var trackIds: [String] = []
}

/// Follows the same physical crack across the cycles of one asset.
///
/// Cycle by cycle, each observation is compared with every track's latest observation:
/// - position: the symmetric Hausdorff distance between centrelines in projected metres
///   (centroid distance when either lacks a centreline), which must lie within
///   `gateSigmas` × the combined placement uncertainty;
/// - shape: ground bearings must agree within `maxBearingDifference` degrees (for
///   cracks long enough to have a direction).
/// The cost of a pair is its distance in units of the combined uncertainty plus its
/// bearing difference over `maxBearingDifference`. Pairs are taken cheapest first, ties
/// broken by ids, each track and observation at most once per cycle: one-to-one and
/// deterministic. Inspector links and unlinks are applied before matching.
///
/// Unmatched observations start new tracks (id `trk_` + the first 16 hex digits of the
/// observation id, stable across re-tracking). An unmatched observation within the gate
/// of a track that matched another observation is reported as a split; a track that found
/// no match while an observation within its gate went to another track, as a merge.
public struct CrackTracker: Sendable {
  public var gateSigmas = 3.0
  public var maxBearingDifference = 30.0
  /// Cracks shorter than this (pixels) have too noisy a direction for the bearing test.
  public var minLengthForBearingPx = 30.0

  public init() {}

  public static func trackId(startingWith observationId: String) -> String {
    "trk_" + observationId.prefix(16)
  }

  public func track(
    _ observations: [TrackableObservation], cycles: Int, overrides: [String: TrackOverride] = [:]
  ) -> TrackingResult {
    var result = TrackingResult()
    // Tracks by number (creation order) inside; ids only at the edges.
    var latest: [TrackableObservation] = []  // track number -> its latest observation
    var number: [String: Int] = [:]  // track id -> track number
    var reach: [Double] = []  // track number -> its latest observation's reach
    func open(_ trackId: String, with o: TrackableObservation, by: String, cost: Double? = nil) -> Int {
      let t: Int
      if let known = number[trackId] {
        t = known
        latest[t] = o
        reach[t] = o.reach
      } else {
        t = latest.count
        number[trackId] = t
        result.trackIds.append(trackId)
        latest.append(o)
        reach.append(o.reach)
      }
      result.members[o.id] = .init(trackId: trackId, assignedBy: by, cost: cost)
      return t
    }
    let byCycle = Dictionary(grouping: observations, by: \.cycle)
    for cycle in 0..<cycles {
      let here = (byCycle[cycle] ?? []).sorted { $0.id < $1.id }
      let previous = latest.count  // tracks 0..<previous existed before this cycle
      var taken = Set<Int>()
      var free: [TrackableObservation] = []
      var forcedNew: [TrackableObservation] = []
      for o in here {
        switch overrides[o.id] {
        case .link(let trackId): taken.insert(open(trackId, with: o, by: "inspector"))
        case .unlink: forcedNew.append(o)
        case nil: free.append(o)
        }
      }
      // Candidate pairs within the gate, cheapest first (ties: older track, then
      // observation id). The grid hands each observation only the tracks near enough to
      // possibly pass the gate.
      let grid = TrackGrid(
        tracks: (0..<previous).compactMap { t in
          guard !taken.contains(t), let position = latest[t].position else { return nil }
          return (t, position, latest[t].uncertaintyM, reach[t])
        }, gateSigmas: gateSigmas)
      var pairs: [(cost: Double, track: Int, obs: Int)] = []
      var gatesOf: [[Int]] = Array(repeating: [], count: free.count)  // observation -> tracks it passed
      for (i, o) in free.enumerated() {
        for t in grid.candidates(near: o) {
          if let cost = cost(latest[t], o) {
            pairs.append((cost, t, i))
            gatesOf[i].append(t)
          }
        }
      }
      pairs.sort { ($0.cost, $0.track, $0.obs) < ($1.cost, $1.track, $1.obs) }
      var matchedTrack: [Int: Int] = [:]  // observation -> track
      for pair in pairs where !taken.contains(pair.track) && matchedTrack[pair.obs] == nil {
        taken.insert(pair.track)
        matchedTrack[pair.obs] = pair.track
        _ = open(result.trackIds[pair.track], with: free[pair.obs], by: "matching", cost: pair.cost)
      }
      var gatedBy: [Int: [Int]] = [:]  // track -> observations that passed its gate
      for (i, tracks) in gatesOf.enumerated() {
        for t in tracks { gatedBy[t, default: []].append(i) }
      }
      for (i, o) in free.enumerated() where matchedTrack[i] == nil {
        let trackId = Self.trackId(startingWith: o.id)
        _ = open(trackId, with: o, by: "new")
        result.events.append(.init(cycle: cycle, kind: .new, trackId: trackId, observationId: o.id))
        // A new crack within the gate of a track that matched something else: a split.
        if let parent = gatesOf[i].filter({ taken.contains($0) }).min() {
          result.events.append(
            .init(
              cycle: cycle, kind: .split, trackId: trackId, observationId: o.id,
              otherTrackId: result.trackIds[parent]))
        }
      }
      for o in forcedNew {
        // Not trackId(startingWith:): the observation may be the first of the track it
        // was taken off, whose id is derived from it.
        let trackId = "trk_u" + o.id.prefix(15)
        _ = open(trackId, with: o, by: "new")
        result.events.append(.init(cycle: cycle, kind: .new, trackId: trackId, observationId: o.id))
      }
      for t in 0..<previous where !taken.contains(t) {
        let trackId = result.trackIds[t]
        result.events.append(.init(cycle: cycle, kind: .notSeen, trackId: trackId))
        // Its candidates went to another track: the two cracks have grown together.
        if let i = gatedBy[t]?.first(where: { matchedTrack[$0] != nil }), let other = matchedTrack[i] {
          result.events.append(
            .init(
              cycle: cycle, kind: .merge, trackId: trackId, observationId: free[i].id,
              otherTrackId: result.trackIds[other]))
        }
      }
    }
    return result
  }

  /// The cost of putting `o` on the track whose latest observation is `last`, or nil
  /// when they cannot be the same crack.
  func cost(_ last: TrackableObservation, _ o: TrackableObservation) -> Double? {
    guard let a = last.position, let b = o.position else { return nil }
    let sigma = max(
      (last.uncertaintyM * last.uncertaintyM + o.uncertaintyM * o.uncertaintyM).squareRoot(), 1e-3)
    let gate = gateSigmas * sigma
    let distance =
      !last.centreline.isEmpty && !o.centreline.isEmpty
      ? last.centreline.hausdorff(o.centreline, limit: gate)
      : hypot(a.easting - b.easting, a.northing - b.northing)
    guard distance <= gate else { return nil }
    var angle = 0.0
    if let p = last.bearingDeg, let q = o.bearingDeg, last.lengthPx >= minLengthForBearingPx,
      o.lengthPx >= minLengthForBearingPx
    {
      let d = abs(p - q).truncatingRemainder(dividingBy: 180)
      angle = min(d, 180 - d)
      guard angle <= maxBearingDifference else { return nil }
    }
    return distance / sigma + angle / maxBearingDifference
  }

  /// Symmetric Hausdorff distance between two centrelines (each a list of branches; a
  /// one-point branch is a point), measured from each one's vertices to the other's segments.
  static func hausdorff(_ a: [[(Double, Double)]], _ b: [[(Double, Double)]]) -> Double {
    Centreline(a).hausdorff(Centreline(b))
  }
}
