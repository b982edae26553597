import Foundation
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
  }

  public struct Summary: Sendable {
    public var asset: Asset
    public var cycles: [InspectionCycle]
    public var tracks: [Track]
    public var events: [TrackingEvent]
    public var observations: Int
  }

  /// Runs tracking and growth for an asset and stores the result.
  @discardableResult
  public func run(asset assetId: String) throws -> Summary {
    let summary = try compute(asset: assetId)
    var members: [TrackMember] = []
    for (observation, member) in summary.members.sorted(by: { $0.key < $1.key }) {
      members.append(
        TrackMember(
          observationId: observation, trackId: member.trackId, assignedBy: member.assignedBy,
          matchCost: member.cost))
    }
    try store.replaceTracking(
      asset: assetId, trackIds: summary.result.trackIds, members: members, events: summary.summary.events,
      alerts: summary.summary.tracks.flatMap { track in
        track.alerts.map {
          GrowthAlertRecord(
            assetId: assetId, trackId: $0.trackId, cycleLabel: $0.cycle, kind: $0.kind.rawValue,
            value: $0.value,
            limitValue: $0.limit, message: $0.message)
        }
      })
    return summary.summary
  }

  /// Tracks and growth without storing anything.
  public func compute(asset assetId: String) throws -> (
    summary: Summary, result: TrackingResult, members: [String: TrackingResult.Member]
  ) {
    let asset = try store.asset(assetId)
    let cycles = try store.cycles(of: assetId)
    let cycleIndex = Dictionary(uniqueKeysWithValues: cycles.enumerated().map { ($1.label, $0) })
    let rows = try store.observations(asset: assetId)
    let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0.observation.id, $0) })
    let trackable = rows.compactMap { row -> TrackableObservation? in
      guard let cycle = cycleIndex[row.cycleLabel] else { return nil }
      let o = row.observation
      let position = o.easting.flatMap { e in o.northing.map { (easting: e, northing: $0) } }
      let branches = (o.projectedBranches ?? []).map {
        $0.compactMap { $0.count >= 2 ? ($0[0], $0[1]) : nil }
      }
      return TrackableObservation(
        id: o.id, cycle: cycle, position: position, branches: branches, bearingDeg: o.bearingDeg,
        uncertaintyM: o.georefUncertaintyM ?? 0, lengthPx: o.lengthPx)
    }
    var overrides: [String: TrackOverride] = [:]
    for (observation, trackId) in try store.trackOverrides(asset: assetId) {
      overrides[observation] = trackId.map { .link(trackId: $0) } ?? .unlink
    }
    let result = tracker.track(trackable, cycles: cycles.count, overrides: overrides)

    // Growth per track, in cycle order.
    var observationsOfTrack: [String: [ObservationInCycle]] = [:]
    for (id, member) in result.members {
      if let row = byId[id] { observationsOfTrack[member.trackId, default: []].append(row) }
    }
    var tracks: [Track] = []
    for trackId in result.trackIds {
      let rows = (observationsOfTrack[trackId] ?? []).sorted {
        (cycleIndex[$0.cycleLabel] ?? 0, $0.observation.id) < (
          cycleIndex[$1.cycleLabel] ?? 0, $1.observation.id
        )
      }
      guard let latest = rows.last else { continue }
      let points = rows.map { row in
        let o = row.observation
        return GrowthSeries.Point(
          cycle: row.cycleLabel, date: cycles[cycleIndex[row.cycleLabel] ?? 0].date, observationId: o.id,
          lengthMm: o.lengthMm, maxWidthMm: o.maxWidthMm, meanWidthMm: o.meanWidthMm, severity: o.severity)
      }
      let series = GrowthSeries(points: points)
      let scheme = latest.observation.severityScheme.flatMap(SeverityScheme.init(rawValue:))
      let alerts = rules.alerts(trackId: trackId, series: series) { scheme?.rank(of: $0) }
      tracks.append(
        Track(
          id: trackId, series: series, alerts: alerts, observationIds: rows.map(\.observation.id),
          georefMethod: latest.observation.georefMethod, severityScheme: latest.observation.severityScheme))
    }
    let events = result.events.map {
      TrackingEvent(
        assetId: assetId, cycleLabel: cycles[$0.cycle].label, kind: $0.kind.rawValue, trackId: $0.trackId,
        observationId: $0.observationId, otherTrackId: $0.otherTrackId)
    }
    let summary = Summary(
      asset: asset, cycles: cycles, tracks: tracks, events: events, observations: rows.count)
    return (summary, result, result.members)
  }
}

extension InspectionCycle {
  /// The date growth rates use: the cycle's start date, else its end date.
  public var date: String? { startDate ?? endDate }
}
