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
  public var branches: [[(Double, Double)]]
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
    var latest: [String: TrackableObservation] = [:]  // track id -> its latest observation
    func open(_ trackId: String, with o: TrackableObservation, by: String, cost: Double? = nil) {
      if latest[trackId] == nil && !result.trackIds.contains(trackId) { result.trackIds.append(trackId) }
      latest[trackId] = o
      result.members[o.id] = .init(trackId: trackId, assignedBy: by, cost: cost)
    }
    let byCycle = Dictionary(grouping: observations, by: \.cycle)
    for cycle in 0..<cycles {
      let here = (byCycle[cycle] ?? []).sorted { $0.id < $1.id }
      let previous = latest.keys.sorted()
      var takenTracks = Set<String>()
      var free: [TrackableObservation] = []
      var forcedNew: [TrackableObservation] = []
      for o in here {
        switch overrides[o.id] {
        case .link(let trackId):
          takenTracks.insert(trackId)
          open(trackId, with: o, by: "inspector")
        case .unlink: forcedNew.append(o)
        case nil: free.append(o)
        }
      }
      // Candidate pairs within the gate, cheapest first.
      var pairs: [(cost: Double, track: String, obs: Int)] = []
      var withinGate: [String: [Int]] = [:]
      for trackId in previous where !takenTracks.contains(trackId) {
        guard let last = latest[trackId] else { continue }
        for (i, o) in free.enumerated() {
          if let cost = cost(last, o) {
            pairs.append((cost, trackId, i))
            withinGate[trackId, default: []].append(i)
          }
        }
      }
      pairs.sort { ($0.cost, $0.track, free[$0.obs].id) < ($1.cost, $1.track, free[$1.obs].id) }
      var matchedObs: [Int: String] = [:]
      for pair in pairs where !takenTracks.contains(pair.track) && matchedObs[pair.obs] == nil {
        takenTracks.insert(pair.track)
        matchedObs[pair.obs] = pair.track
        open(pair.track, with: free[pair.obs], by: "matching", cost: pair.cost)
      }
      for (i, o) in free.enumerated() where matchedObs[i] == nil {
        let trackId = Self.trackId(startingWith: o.id)
        open(trackId, with: o, by: "new")
        result.events.append(.init(cycle: cycle, kind: .new, trackId: trackId, observationId: o.id))
        // A new crack within the gate of a track that matched something else: a split.
        if let parent = withinGate.filter({ $0.value.contains(i) }).keys.sorted().first(where: {
          takenTracks.contains($0)
        }) {
          result.events.append(
            .init(cycle: cycle, kind: .split, trackId: trackId, observationId: o.id, otherTrackId: parent))
        }
      }
      for o in forcedNew {
        // Not trackId(startingWith:): the observation may be the first of the track it
        // was taken off, whose id is derived from it.
        let trackId = "trk_u" + o.id.prefix(15)
        open(trackId, with: o, by: "new")
        result.events.append(.init(cycle: cycle, kind: .new, trackId: trackId, observationId: o.id))
      }
      for trackId in previous where !takenTracks.contains(trackId) {
        result.events.append(.init(cycle: cycle, kind: .notSeen, trackId: trackId))
        // Its candidates went to another track: the two cracks have grown together.
        if let i = withinGate[trackId]?.first(where: { matchedObs[$0] != nil }), let other = matchedObs[i] {
          result.events.append(
            .init(
              cycle: cycle, kind: .merge, trackId: trackId, observationId: free[i].id, otherTrackId: other))
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
    let distance =
      !last.branches.isEmpty && !o.branches.isEmpty
      ? Self.hausdorff(last.branches, o.branches) : hypot(a.easting - b.easting, a.northing - b.northing)
    guard distance <= gateSigmas * sigma else { return nil }
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
    max(directed(a, b), directed(b, a))
  }

  private static func directed(_ from: [[(Double, Double)]], _ to: [[(Double, Double)]]) -> Double {
    var worst = 0.0
    for p in from.joined() {
      var best = Double.infinity
      for branch in to {
        if branch.count == 1 { best = min(best, hypot(p.0 - branch[0].0, p.1 - branch[0].1)) }
        for k in 0..<max(0, branch.count - 1) {
          best = min(best, segmentDistance(p, branch[k], branch[k + 1]))
        }
      }
      worst = max(worst, best)
    }
    return worst
  }

  private static func segmentDistance(_ p: (Double, Double), _ a: (Double, Double), _ b: (Double, Double))
    -> Double
  {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1)
    let lengthSquared = dx * dx + dy * dy
    let t = lengthSquared == 0 ? 0 : max(0, min(1, ((p.0 - a.0) * dx + (p.1 - a.1) * dy) / lengthSquared))
    return hypot(p.0 - a.0 - t * dx, p.1 - a.1 - t * dy)
  }
}
