import Foundation
import Growth
import Observations
import Store

/// The growth report of one asset: what `crackmon report growth` writes as JSON, CSV or
/// HTML. Its JSON form is documented in `schema/growth-report.schema.json`.
public struct GrowthReport: Codable, Sendable {
  public static let schemaVersion = 1

  public struct AssetSummary: Codable, Sendable {
    public var id: String
    public var name: String
    public var kind: String
    public var epsg: Int
    public var cycles: [CycleSummary]
    public var tracks: Int
    public var observations: Int
    public var alerts: Int
  }

  public struct CycleSummary: Codable, Sendable {
    public var label: String
    public var date: String?
    public var observations: Int
    public var newTracks: Int
    public var notSeen: Int
  }

  public struct TrackRow: Codable, Sendable {
    public var id: String
    /// Higher is more urgent: alerts first, then severity, then width growth rate.
    public var urgency: Double
    public var latestSeverity: String?
    public var severityScheme: String?
    public var georefMethod: String
    /// "registration" (every observation placed through one chain of registrations, matched
    /// by the surface), "gps" or "mixed".
    public var matchedBy: String
    public var registrationResidualMm: Double?
    /// Its latest observation's place: the asset's CRS (`asset.epsg`) and WGS 84.
    public var easting: Double?
    public var northing: Double?
    public var latitude: Double?
    public var longitude: Double?
    public var lengthMmPerYear: Double?
    public var maxWidthMmPerYear: Double?
    public var meanWidthMmPerYear: Double?
    public var noRateReason: String?
    public var points: [GrowthSeries.Point]
    public var alerts: [GrowthAlert]
  }

  public var schemaVersion = GrowthReport.schemaVersion
  public var generatedAt: String
  public var asset: AssetSummary
  /// Tracks, most urgent first.
  public var tracks: [TrackRow]
  public var events: [Event]
  /// Each reviewed observation's latest review: a rejected one is in no track.
  public var reviews: [Review]

  /// An engineer's verdict on an observation (`crackmon review`): an attributed fact.
  public struct Review: Codable, Sendable {
    public var observationId: String
    public var captureId: String?
    /// "rejected" (not a crack) or "confirmed".
    public var verdict: String
    /// What a rejected crack is instead, and any note.
    public var reason: String
    public var reviewedAt: String
    /// The device store the review was made on.
    public var deviceId: String
  }

  public struct Event: Codable, Sendable {
    public var cycle: String
    public var kind: String
    public var trackId: String
    public var observationId: String?
    public var otherTrackId: String?
  }

  public init(_ summary: AssetTracking.Summary, generatedAt: String = Timestamp.now()) {
    self.generatedAt = generatedAt
    let observationsPerCycle = Dictionary(grouping: summary.tracks.flatMap(\.series.points), by: \.cycle)
    asset = AssetSummary(
      id: summary.asset.id, name: summary.asset.name, kind: summary.asset.kind.rawValue,
      epsg: summary.asset.epsg,
      cycles: summary.cycles.map { cycle in
        CycleSummary(
          label: cycle.label, date: cycle.date, observations: observationsPerCycle[cycle.label]?.count ?? 0,
          newTracks: summary.events.filter { $0.cycleLabel == cycle.label && $0.kind == "new" }.count,
          notSeen: summary.events.filter { $0.cycleLabel == cycle.label && $0.kind == "not_seen" }.count)
      }, tracks: summary.tracks.count, observations: summary.observationCount,
      alerts: summary.tracks.reduce(0) { $0 + $1.alerts.count })
    tracks = summary.tracks.map { track in
      let latest = track.series.points.last
      let rank = latest?.severity.flatMap { name in
        track.severityScheme.flatMap(SeverityScheme.init(rawValue:))?.rank(of: name)
      }
      let urgency =
        Double(track.alerts.count) * 100 + Double(rank ?? 0) * 10
        + max(0, track.series.maxWidthMmPerYear ?? 0)
      return TrackRow(
        id: track.id, urgency: urgency, latestSeverity: latest?.severity,
        severityScheme: track.severityScheme,
        georefMethod: track.georefMethod, matchedBy: track.matchedBy.rawValue,
        registrationResidualMm: track.registrationResidualMm, easting: track.position?.easting,
        northing: track.position?.northing, latitude: track.position?.latitude,
        longitude: track.position?.longitude, lengthMmPerYear: track.series.lengthMmPerYear,
        maxWidthMmPerYear: track.series.maxWidthMmPerYear,
        meanWidthMmPerYear: track.series.meanWidthMmPerYear,
        noRateReason: track.series.noRateReason, points: track.series.points, alerts: track.alerts)
    }.sorted { ($0.urgency, $1.id) > ($1.urgency, $0.id) }
    reviews = summary.reviews.compactMap { row in
      row.observationId.map {
        Review(
          observationId: $0, captureId: row.captureId,
          verdict: row.kind == CorrectionRow.Kind.rejectObservation.rawValue ? "rejected" : "confirmed",
          reason: row.reason, reviewedAt: row.createdAt, deviceId: row.deviceId)
      }
    }
    events = summary.events.map {
      Event(
        cycle: $0.cycleLabel, kind: $0.kind, trackId: $0.trackId, observationId: $0.observationId,
        otherTrackId: $0.otherTrackId)
    }
  }

  public func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }

  /// One row per track per cycle it was seen in, most urgent track first.
  public func csv() -> String {
    var lines = [
      "track_id,cycle,date,observation_id,length_mm,max_width_mm,mean_width_mm,severity,severity_scheme,"
        + "length_mm_per_year,max_width_mm_per_year,mean_width_mm_per_year,alerts,"
        + "latitude,longitude,easting,northing,matched_by,registration_residual_mm,pieces,unseen_mm,"
        + "width_change_median_mm,width_change_largest_mm,length_growth_at_tips_mm,width_below_resolution,review"
    ]
    let confirmed = Set(reviews.filter { $0.verdict == "confirmed" }.map(\.observationId))
    func number(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }
    // Nine decimals of a degree: 0.1 mm on the ground.
    func coordinate(_ v: Double?) -> String { v.map { String(format: "%.9f", $0) } ?? "" }
    func field(_ s: String?) -> String {
      guard let s else { return "" }
      return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    for track in tracks {
      for p in track.points {
        let alerts = track.alerts.filter { $0.cycle == p.cycle }.map(\.kind.rawValue).joined(separator: ";")
        lines.append(
          [
            field(track.id), field(p.cycle), field(p.date), field(p.observationId), number(p.lengthMm),
            number(p.maxWidthMm), number(p.meanWidthMm), field(p.severity), field(track.severityScheme),
            number(track.lengthMmPerYear), number(track.maxWidthMmPerYear), number(track.meanWidthMmPerYear),
            field(alerts), coordinate(track.latitude), coordinate(track.longitude), number(track.easting),
            number(track.northing), field(track.matchedBy), number(track.registrationResidualMm),
            String((p.pieceIds?.count ?? 0) + 1), number(p.unseenMm), number(p.widthGrowth?.medianMm),
            number(p.widthGrowth?.largestMm), number(p.lengthGrowthMm),
            p.widthBelowResolution == true ? "1" : "0",
            confirmed.contains(p.observationId) ? "confirmed" : "",
          ].joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
