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
    /// Every observation of the asset, as read for tracking.
    public var observations: [ObservationInCycle]
    /// Each observation's track, by observation id.
    public var members: [TrackMember]
    /// Every track id, in order of creation.
    public var trackIds: [String]
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
      })
    summary.seconds.write = (ContinuousClock.now - start).seconds
    return summary
  }

  /// Tracks and growth without storing anything.
  public func compute(asset assetId: String) throws -> Summary {
    let asset = try store.asset(assetId)
    let cycles = try store.cycles(of: assetId)
    let cycleIndex = Dictionary(uniqueKeysWithValues: cycles.enumerated().map { ($1.label, $0) })
    let start = ContinuousClock.now
    let rows = try store.observations(asset: assetId)
    let read = ContinuousClock.now
    // Rows are large; below they are referred to by index, never copied.
    let cycleOfRow = rows.map { cycleIndex[$0.cycleLabel] }
    let rowOfId = Dictionary(uniqueKeysWithValues: rows.indices.map { (rows[$0].observation.id, $0) })
    let trackable = rows.indices.compactMap { i -> TrackableObservation? in
      guard let cycle = cycleOfRow[i] else { return nil }
      let o = rows[i].observation
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
    let trackNumber = Dictionary(uniqueKeysWithValues: result.trackIds.enumerated().map { ($1, $0) })
    var rowsOfTrack = [[Int]](repeating: [], count: result.trackIds.count)
    for (id, member) in result.members {
      if let row = rowOfId[id], let t = trackNumber[member.trackId] { rowsOfTrack[t].append(row) }
    }
    var tracks: [Track] = []
    for (t, trackId) in result.trackIds.enumerated() {
      let members = rowsOfTrack[t].sorted {
        (cycleOfRow[$0] ?? 0, rows[$0].observation.id) < (cycleOfRow[$1] ?? 0, rows[$1].observation.id)
      }
      guard let latest = members.last.map({ rows[$0].observation }) else { continue }
      let points = members.map { i in
        let o = rows[i].observation
        return GrowthSeries.Point(
          cycle: rows[i].cycleLabel, date: cycles[cycleOfRow[i] ?? 0].date, observationId: o.id,
          lengthMm: o.lengthMm, maxWidthMm: o.maxWidthMm, meanWidthMm: o.meanWidthMm, severity: o.severity)
      }
      let series = GrowthSeries(points: points)
      let scheme = latest.severityScheme.flatMap(SeverityScheme.init(rawValue:))
      let alerts = rules.alerts(trackId: trackId, series: series) { scheme?.rank(of: $0) }
      tracks.append(
        Track(
          id: trackId, series: series, alerts: alerts, observationIds: points.map(\.observationId),
          georefMethod: latest.georefMethod, severityScheme: latest.severityScheme))
    }
    let events = result.events.map {
      TrackingEvent(
        assetId: assetId, cycleLabel: cycles[$0.cycle].label, kind: $0.kind.rawValue, trackId: $0.trackId,
        observationId: $0.observationId, otherTrackId: $0.otherTrackId)
    }
    let members = result.members.sorted { $0.key < $1.key }.map {
      TrackMember(
        observationId: $0.key, trackId: $0.value.trackId, assignedBy: $0.value.assignedBy,
        matchCost: $0.value.cost)
    }
    var summary = Summary(
      asset: asset, cycles: cycles, tracks: tracks, events: events, observations: rows, members: members,
      trackIds: result.trackIds)
    summary.seconds = ((read - start).seconds, (ContinuousClock.now - read).seconds, 0)
    return summary
  }
}

extension Duration {
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension InspectionCycle {
  /// The date growth rates use: the cycle's start date, else its end date.
  public var date: String? { startDate ?? endDate }
}
