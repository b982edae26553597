import Foundation
import Georeference
import Observations
import Store

/// Rebuilds an asset's crack tracks, growth series and alerts from its observations and
/// the inspector's overrides, and stores them. Deterministic: the same store gives the
/// same tracks, members and alerts every time.
public struct AssetTracking {
  public let store: DeviceStore
  public var tracker = CrackTracker()
  public var rules = AlertRules()

  public init(store: DeviceStore, rules: AlertRules = AlertRules()) {
    self.store = store
    self.rules = rules
  }

  /// One track as reports show it.
  public struct Track: Sendable, Equatable, Codable {
    public var id: String
    public var series: GrowthSeries
    public var alerts: [GrowthAlert]
    /// Observations of the track, oldest cycle first.
    public var observationIds: [String]
    /// The latest observation's georeferencing method and severity scheme.
    public var georefMethod: String
    public var severityScheme: String?
    /// How its observations were matched across cycles.
    public var matchedBy: MatchedBy = .gps
    /// The largest residual of the registrations that placed its observations, mm.
    public var registrationResidualMm: Double?
    /// Where its latest observation lies (its registration frame's placement where it has one).
    public var position: TrackPosition?
  }

  public enum MatchedBy: String, Sendable, Equatable, Codable {
    /// Every observation placed through one chain of registrations: matched by the surface.
    case registration
    /// Each by its own photo's GPS.
    case gps
    /// Some through registrations, some by GPS (a photo that registered to nothing).
    case mixed
  }

  public struct TrackPosition: Sendable, Equatable, Codable {
    /// In the asset's projected CRS, metres.
    public var easting: Double
    public var northing: Double
    /// WGS 84, degrees.
    public var latitude: Double
    public var longitude: Double
  }

  public struct Summary: Sendable {
    public var asset: Asset
    public var cycles: [InspectionCycle]
    public var tracks: [Track]
    public var events: [TrackingEvent]
    /// How many observations the asset has.
    public var observationCount: Int
    /// Each observation's track, by observation id.
    public var members: [TrackMember]
    /// Every track id, in order of creation.
    public var trackIds: [String]
    /// Each registered capture's chain of registrations (capture id -> root and homography).
    public var chains: [String: RegisteredFrames.Chain] = [:]
    /// Centrelines decoded from JSON for the first time, for the store to keep.
    public var decodedCentrelines: [(observationId: String, branches: [[(Double, Double)]])] = []
    /// Seconds spent reading the store, tracking + growth + alerts, and writing the store.
    public var seconds = (read: 0.0, compute: 0.0, write: 0.0)
  }

  /// Runs tracking and growth for an asset and stores the result.
  @discardableResult
  public func run(asset assetId: String) throws -> Summary {
    var summary = try compute(asset: assetId)
    let start = ContinuousClock.now
    try store.replaceTracking(
      asset: assetId, trackIds: summary.trackIds, members: summary.members,
      growth: summary.tracks.compactMap { track in
        track.observationIds.last.map {
          TrackGrowth(
            trackId: track.id, assetId: assetId, cyclesSeen: Set(track.series.points.map(\.cycle)).count,
            latestObservationId: $0,
            lengthMmPerYear: track.series.lengthMmPerYear, maxWidthMmPerYear: track.series.maxWidthMmPerYear,
            meanWidthMmPerYear: track.series.meanWidthMmPerYear, noRateReason: track.series.noRateReason)
        }
      },
      events: summary.events,
      alerts: summary.tracks.flatMap { track in
        track.alerts.map {
          GrowthAlertRecord(
            assetId: assetId, trackId: $0.trackId, cycleLabel: $0.cycle, kind: $0.kind.rawValue,
            value: $0.value, limitValue: $0.limit, message: $0.message)
        }
      }, centrelines: summary.decodedCentrelines)
    summary.seconds.write = (ContinuousClock.now - start).seconds
    return summary
  }

  /// Tracks and growth without storing anything.
  public func compute(asset assetId: String) throws -> Summary {
    let asset = try store.asset(assetId)
    let cycles = try store.cycles(of: assetId)
    let cycleIndex = Dictionary(uniqueKeysWithValues: cycles.enumerated().map { ($1.label, $0) })
    let start = ContinuousClock.now
    // Read in parts, a stripe of cycles per core, concatenated in stripe order.
    let stripes = ProcessInfo.processInfo.activeProcessorCount
    let parts = concurrentMap(stripes) { stripe in
      Result { () throws(StoreError) in
        try store.trackedObservations(
          asset: assetId, cycles: stride(from: stripe, to: cycles.count, by: stripes).map { cycles[$0].label }
        )
      }
    }
    let rows = try parts.flatMap { try $0.get() }
    let read = ContinuousClock.now
    let cycleOfRow = rows.map { cycleIndex[$0.cycleLabel] }
    var (trackable, rowOfTrackable, decoded) = Self.trackable(rows, cycleOfRow: cycleOfRow)
    // Cracks on registered photos: placed in their registration frame, not by their own GPS.
    let registrations = try store.registrations(asset: assetId)
    let transform = try CoordinateTransform(projectedEPSG: asset.epsg)
    var chains: [String: RegisteredFrames.Chain] = [:]
    var placed: [String: RegisteredFrames.Placed] = [:]
    if registrations.contains(where: \.registered) {
      let captures = try store.captures(asset: assetId)
      chains = RegisteredFrames.chains(
        registrations: registrations, captures: captures, cycleOrder: cycleIndex)
      placed = RegisteredFrames.place(
        try store.registeredCracks(asset: assetId), chains: chains, captures: captures, transform: transform)
      for k in trackable.indices {
        guard let p = placed[trackable[k].id] else { continue }
        trackable[k].position = p.position
        trackable[k].branches = p.branches
        trackable[k].frame = p.frame
        trackable[k].frameUncertaintyM = p.frameUncertaintyM
      }
    }
    let positionOfRow = Dictionary(
      zip(rowOfTrackable, trackable).compactMap { row, o in o.position.map { (row, $0) } }
    ) { a, _ in a }
    var overrides: [String: TrackOverride] = [:]
    for (observation, trackId) in try store.trackOverrides(asset: assetId) {
      overrides[observation] = trackId.map { .link(trackId: $0) } ?? .unlink
    }
    let result = tracker.track(trackable, cycles: cycles.count, overrides: overrides)

    // Growth per track, in cycle order.
    var rowsOfTrack = [[Int]](repeating: [], count: result.trackIds.count)
    for (k, member) in result.assignments.enumerated() {
      if let member { rowsOfTrack[member.track].append(rowOfTrackable[k]) }
    }
    var tracks = concurrentMap(result.trackIds.count) { t -> Track? in
      let trackId = result.trackIds[t]
      let members = rowsOfTrack[t].sorted {
        (cycleOfRow[$0] ?? 0, rows[$0].id) < (cycleOfRow[$1] ?? 0, rows[$1].id)
      }
      guard let latest = members.last.map({ rows[$0] }) else { return nil }
      var points = members.map { i in
        let o = rows[i]
        return GrowthSeries.Point(
          cycle: o.cycleLabel, date: cycles[cycleOfRow[i] ?? 0].date, observationId: o.id,
          lengthMm: o.lengthMm, maxWidthMm: o.maxWidthMm, meanWidthMm: o.meanWidthMm, severity: o.severity)
      }
      // Growth at each tip, between consecutive points placed in one registration frame.
      for k in points.indices.dropFirst() {
        guard let now = placed[points[k].observationId], let before = placed[points[k - 1].observationId],
          now.frame == before.frame
        else { continue }
        points[k].tips = TipGrowth.tips(of: now.branches, since: before.branches)
      }
      let series = GrowthSeries(points: points)
      let scheme = latest.severityScheme.flatMap(SeverityScheme.init(rawValue:))
      let alerts = rules.alerts(trackId: trackId, series: series) { scheme?.rank(of: $0) }
      // How its observations were matched: all in one registration frame, none, or some.
      let frames = members.map { placed[rows[$0].id]?.frame }
      let matchedBy: MatchedBy =
        members.count < 2 || frames.allSatisfy({ $0 == nil })
        ? .gps : Set(frames).count == 1 ? .registration : .mixed
      let residuals = members.compactMap { placed[rows[$0].id]?.residualM }
      // Latitude and longitude are filled in below, on this thread's PROJ context.
      let position = members.last.flatMap { positionOfRow[$0] }.map {
        TrackPosition(easting: $0.easting, northing: $0.northing, latitude: .nan, longitude: .nan)
      }
      return Track(
        id: trackId, series: series, alerts: alerts, observationIds: points.map(\.observationId),
        georefMethod: latest.georefMethod, severityScheme: latest.severityScheme, matchedBy: matchedBy,
        registrationResidualMm: matchedBy == .gps ? nil : residuals.max().map { $0 * 1000 },
        position: position)
    }.compactMap { $0 }
    // A PROJ context serves one thread at a time.
    for t in tracks.indices {
      guard let p = tracks[t].position else { continue }
      if let geographic = try? transform.unproject(easting: p.easting, northing: p.northing) {
        tracks[t].position?.latitude = geographic.latitude
        tracks[t].position?.longitude = geographic.longitude
      } else {
        tracks[t].position = nil
      }
    }
    let events = result.events.map {
      TrackingEvent(
        assetId: assetId, cycleLabel: cycles[$0.cycle].label, kind: $0.kind.rawValue, trackId: $0.trackId,
        observationId: $0.observationId, otherTrackId: $0.otherTrackId)
    }
    // In the order the store read the observations: the same every run, so the store can
    // tell by digest that nothing changed.
    let members = zip(result.observationIds, result.assignments).compactMap { id, member in
      member.map {
        TrackMember(observationId: id, trackId: $0.trackId, assignedBy: $0.assignedBy, matchCost: $0.cost)
      }
    }
    var summary = Summary(
      asset: asset, cycles: cycles, tracks: tracks, events: events, observationCount: rows.count,
      members: members,
      trackIds: result.trackIds)
    summary.decodedCentrelines = decoded
    summary.chains = chains
    summary.seconds = ((read - start).seconds, (ContinuousClock.now - read).seconds, 0)
    return summary
  }
}

extension AssetTracking {
  /// Tracking's view of each stored observation (none for one outside the asset's cycles),
  /// the row each came from, and the centrelines decoded from JSON here, for the store to
  /// keep. Decoding JSON is most of this work, so it is spread over every core.
  static func trackable(
    _ rows: [TrackedObservation], cycleOfRow: [Int?]
  ) -> (
    observations: [TrackableObservation], rows: [Int],
    decoded: [(observationId: String, branches: [[(Double, Double)]])]
  ) {
    let made = concurrentMap(rows.count) { i -> (TrackableObservation, decoded: Bool)? in
      guard let cycle = cycleOfRow[i] else { return nil }
      let o = rows[i]
      let position = o.easting.flatMap { e in o.northing.map { (easting: e, northing: $0) } }
      var branches = o.centreline ?? []
      var decoded = false
      // A centreline that does not decode is tracked by position alone, as before, and
      // not kept: the stored JSON stays the record.
      if o.centreline == nil, let json = o.polylineProjected,
        let points = try? JSONDecoder().decode([[[Double]]].self, from: Data(json.utf8))
      {
        branches = points.map { $0.compactMap { $0.count >= 2 ? ($0[0], $0[1]) : nil } }
        decoded = true
      }
      return (
        TrackableObservation(
          id: o.id, cycle: cycle, position: position, branches: branches, bearingDeg: o.bearingDeg,
          uncertaintyM: o.georefUncertaintyM ?? 0, lengthPx: o.lengthPx), decoded
      )
    }
    let fresh = made.compactMap { m in m.flatMap { $0.decoded ? ($0.0.id, $0.0.branches) : nil } }
    return (made.compactMap { $0?.0 }, made.indices.filter { made[$0] != nil }, fresh)
  }
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension InspectionCycle {
  /// The date growth rates use: the cycle's start date, else its end date.
  public var date: String? { startDate ?? endDate }
}
