import GRDB

/// One of an organisation's assets as the office's list shows it: what it is, and how much
/// the central store knows of it (live tracked cracks, tracks and alerts from central
/// tracking).
public struct AssetOverview: Codable, Sendable, Equatable, FetchableRecord {
  public var id: String
  public var name: String
  public var kind: String
  public var latitude: Double
  public var longitude: Double
  public var epsg: Int
  public var cycles: Int
  public var photos: Int
  /// Crack observations on a track: live ones (not rejected, voided or replaced).
  public var cracks: Int
  public var tracks: Int
  public var alerts: Int
  /// When the server last tracked it; nil before its first tracking.
  public var trackedAt: String?

  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
}

/// One track of an asset as the office's table shows it: its latest crack and its growth.
public struct TrackOverview: Codable, Sendable, Equatable, FetchableRecord {
  public var trackId: String
  public var cyclesSeen: Int
  public var latestObservationId: String
  public var lengthMm: Double?
  public var maxWidthMm: Double?
  public var severity: String?
  public var lengthMmPerYear: Double?
  public var maxWidthMmPerYear: Double?
  public var noRateReason: String?
  public var matchedBy: String?
  public var alerts: Int

  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
}

/// A crack to draw on an asset's plan: its centreline in the asset's projected CRS (JSON
/// branches of [easting, northing]), or only its point when it has no footprint.
public struct PlanCrack: Sendable, Equatable, FetchableRecord {
  public var observationId: String
  public var trackId: String?
  public var severity: String?
  public var polylineProjected: String?
  public var easting: Double?
  public var northing: Double?

  public init(row: Row) throws {
    observationId = row["observation_id"]
    trackId = row["track_id"]
    severity = row["severity"]
    polylineProjected = row["polyline_projected"]
    easting = row["easting"]
    northing = row["northing"]
  }
}

/// A page of an asset's tracks: `total` of them pass the filter.
public struct TrackPage: Sendable, Equatable {
  public var total: Int
  public var tracks: [TrackOverview]

  public init(total: Int, tracks: [TrackOverview]) {
    self.total = total
    self.tracks = tracks
  }
}

/// What the office's pages read of the central store, paged and filtered in SQL so that an
/// asset of 10,000 tracks reads as fast as one of ten.
public protocol OfficeViews {
  /// The organisation's assets, by id; with `only`, that one asset if it is the organisation's.
  func assets(org: String, only: String?) async throws(CentralError) -> [AssetOverview]
  /// The asset's tracks, those with alerts first, then the fastest widening; `severity`
  /// keeps those whose latest crack has it.
  func tracks(asset: String, severity: String?, offset: Int, limit: Int) async throws(CentralError)
    -> TrackPage
  /// The cracks to draw: each track's latest, or with `cycle` that cycle's tracked cracks;
  /// at most `limit`.
  func plan(asset: String, cycle: String?, limit: Int) async throws(CentralError) -> [PlanCrack]
  /// One track's live cracks, cycle by cycle, with their photos' facts.
  func trackObservations(asset: String, track: String) async throws(CentralError) -> [ObservationInCycle]
}

/// The office views' SQL, the same on SQLite as on PostgreSQL: `p(n)` is the n-th parameter.
/// A parameter that may be NULL is cast where it is tested alone: PostgreSQL cannot tell the
/// type of a bare `$2 IS NULL`.
public enum OfficeViewsSQL {
  public static func assets(_ p: (Int) -> String) -> String {
    """
    SELECT a.id, a.name, a.kind, a.latitude, a.longitude, a.epsg,
      (SELECT COUNT(*) FROM inspection_cycle c WHERE c.asset_id = a.id) AS cycles,
      (SELECT COUNT(*) FROM capture p WHERE p.asset_id = a.id) AS photos,
      (SELECT COUNT(*) FROM crack_track_member m WHERE m.asset_id = a.id) AS cracks,
      COALESCE(t.tracks, 0) AS tracks,
      (SELECT COUNT(*) FROM growth_alert g WHERE g.asset_id = a.id) AS alerts,
      t.tracked_at
    FROM asset a JOIN asset_org o ON o.asset_id = a.id LEFT JOIN tracking_state t ON t.asset_id = a.id
    WHERE o.org_id = \(p(1)) AND (CAST(\(p(2)) AS TEXT) IS NULL OR a.id = \(p(2))) ORDER BY a.id
    """
  }

  /// Parameters: asset, severity (NULL for any), limit, offset.
  public static func tracks(_ p: (Int) -> String) -> String {
    """
    SELECT g.track_id, g.cycles_seen, g.latest_observation_id, o.length_mm, o.max_width_mm, o.severity,
      g.length_mm_per_year, g.max_width_mm_per_year, g.no_rate_reason, g.matched_by,
      (SELECT COUNT(*) FROM growth_alert a WHERE a.asset_id = g.asset_id AND a.track_id = g.track_id) AS alerts
    FROM track_growth g JOIN crack_observation o ON o.asset_id = g.asset_id AND o.id = g.latest_observation_id
    WHERE g.asset_id = \(p(1)) AND (CAST(\(p(2)) AS TEXT) IS NULL OR o.severity = \(p(2)))
    ORDER BY alerts DESC, COALESCE(g.max_width_mm_per_year, -1) DESC, g.track_id
    LIMIT \(p(3)) OFFSET \(p(4))
    """
  }

  /// Parameters: asset, severity (NULL for any).
  public static func trackCount(_ p: (Int) -> String) -> String {
    """
    SELECT COUNT(*) AS n
    FROM track_growth g JOIN crack_observation o ON o.asset_id = g.asset_id AND o.id = g.latest_observation_id
    WHERE g.asset_id = \(p(1)) AND (CAST(\(p(2)) AS TEXT) IS NULL OR o.severity = \(p(2)))
    """
  }

  /// Parameters: asset, cycle (NULL for each track's latest crack), limit. A crack's cycle is
  /// its capture's (a capture moved to another cycle is not followed here: the plan is a
  /// picture, the report is the record).
  public static func plan(_ p: (Int) -> String) -> String {
    """
    SELECT o.id AS observation_id, m.track_id, o.severity, o.polyline_projected, o.easting, o.northing
    FROM crack_track_member m
    JOIN crack_observation o ON o.asset_id = m.asset_id AND o.id = m.observation_id
    JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id
    WHERE m.asset_id = \(p(1)) AND (
      (CAST(\(p(2)) AS TEXT) IS NULL AND o.id IN (SELECT latest_observation_id FROM track_growth g WHERE g.asset_id = m.asset_id))
      OR c.cycle_label = \(p(2)))
    ORDER BY o.id LIMIT \(p(3))
    """
  }

  /// The members of track `p(2)`, for `ObservationInCycle.selectSQL`'s `live`.
  public static func memberOf(_ p: (Int) -> String) -> String {
    " AND o.id IN (SELECT observation_id FROM crack_track_member WHERE asset_id = c.asset_id AND track_id = \(p(2)))"
  }
}

extension SQLiteCentralStore {
  private static func p(_ n: Int) -> String { "?\(n)" }

  public func assets(org: String, only: String?) throws(CentralError) -> [AssetOverview] {
    try wrap {
      try pool.read { db in
        try AssetOverview.fetchAll(db, sql: OfficeViewsSQL.assets(Self.p), arguments: [org, only])
      }
    }
  }

  public func tracks(asset: String, severity: String?, offset: Int, limit: Int) throws(CentralError)
    -> TrackPage
  {
    try wrap {
      try pool.read { db in
        TrackPage(
          total: try Int.fetchOne(db, sql: OfficeViewsSQL.trackCount(Self.p), arguments: [asset, severity])
            ?? 0,
          tracks: try TrackOverview.fetchAll(
            db, sql: OfficeViewsSQL.tracks(Self.p), arguments: [asset, severity, limit, offset]))
      }
    }
  }

  public func plan(asset: String, cycle: String?, limit: Int) throws(CentralError) -> [PlanCrack] {
    try wrap {
      try pool.read { db in
        try PlanCrack.fetchAll(db, sql: OfficeViewsSQL.plan(Self.p), arguments: [asset, cycle, limit])
      }
    }
  }

  public func trackObservations(asset: String, track: String) throws(CentralError) -> [ObservationInCycle] {
    try wrap {
      try pool.read { db in
        let (cycleOf, live) = try DeviceStore.correctedSQL(asset: asset, db: db)
        return try Row.fetchAll(
          db,
          sql: ObservationInCycle.selectSQL(
            assetParameter: "?1", cycle: cycleOf, live: live + OfficeViewsSQL.memberOf(Self.p)),
          arguments: [asset, track]
        ).map(ObservationInCycle.init(namedRow:))
      }
    }
  }
}
