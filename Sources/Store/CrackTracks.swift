import Foundation
import GRDB

/// An observation's place on a track, as `crackmon track` last derived it.
public struct TrackMember: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  public var observationId: String
  public var trackId: String
  /// "matching", "inspector" or "new".
  public var assignedBy: String
  public var matchCost: Double?

  public init(observationId: String, trackId: String, assignedBy: String, matchCost: Double?) {
    self.observationId = observationId
    self.trackId = trackId
    self.assignedBy = assignedBy
    self.matchCost = matchCost
  }

  public static let databaseTableName = "crack_track_member"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

/// Something tracking noticed in one cycle: a new crack, one no longer seen, a split, a merge.
public struct TrackingEvent: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  public var assetId: String
  public var cycleLabel: String
  /// "new", "not_seen", "split" or "merge".
  public var kind: String
  public var trackId: String
  public var observationId: String?
  public var otherTrackId: String?

  public init(
    assetId: String, cycleLabel: String, kind: String, trackId: String, observationId: String?,
    otherTrackId: String?
  ) {
    self.assetId = assetId
    self.cycleLabel = cycleLabel
    self.kind = kind
    self.trackId = trackId
    self.observationId = observationId
    self.otherTrackId = otherTrackId
  }

  public static let databaseTableName = "tracking_event"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

/// A stored growth alert: queryable with `crackmon alerts`.
public struct GrowthAlertRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  public var assetId: String
  public var trackId: String
  public var cycleLabel: String
  public var kind: String
  public var value: Double?
  public var limitValue: Double?
  public var message: String

  public init(
    assetId: String, trackId: String, cycleLabel: String, kind: String, value: Double?, limitValue: Double?,
    message: String
  ) {
    self.assetId = assetId
    self.trackId = trackId
    self.cycleLabel = cycleLabel
    self.kind = kind
    self.value = value
    self.limitValue = limitValue
    self.message = message
  }

  public static let databaseTableName = "growth_alert"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

/// A track's growth rates and latest observation, as `crackmon track` last derived them.
public struct TrackGrowth: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  public var trackId: String
  public var assetId: String
  public var cyclesSeen: Int
  public var latestObservationId: String
  /// Least-squares slopes, mm/year; nil with `noRateReason`.
  public var lengthMmPerYear: Double?
  public var maxWidthMmPerYear: Double?
  public var meanWidthMmPerYear: Double?
  public var noRateReason: String?
  /// How its observations were matched across cycles: "registration", "gps" or "mixed".
  public var matchedBy: String?
  /// The largest residual of the registration chains that placed its observations, mm.
  public var registrationResidualMm: Double?
  /// For a track placed through a registration frame: its latest observation's centre and
  /// centreline (JSON `[[[lon, lat], ...], ...]`) there, WGS 84.
  public var longitude: Double?
  public var latitude: Double?
  public var polylineWgs84: String?

  public init(
    trackId: String, assetId: String, cyclesSeen: Int, latestObservationId: String, lengthMmPerYear: Double?,
    maxWidthMmPerYear: Double?, meanWidthMmPerYear: Double?, noRateReason: String?
  ) {
    self.trackId = trackId
    self.assetId = assetId
    self.cyclesSeen = cyclesSeen
    self.latestObservationId = latestObservationId
    self.lengthMmPerYear = lengthMmPerYear
    self.maxWidthMmPerYear = maxWidthMmPerYear
    self.meanWidthMmPerYear = meanWidthMmPerYear
    self.noRateReason = noRateReason
  }

  public static let databaseTableName = "track_growth"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

/// Where tracking placed an observation whose photo has no position of its own (no GPS): through
/// its chain of registrations, in the root photo's footprint. Derived, replaced with the
/// asset's tracking, and drawn on the map in place of the geometry the observation lacks.
public struct RegisteredPlacement: Sendable, Equatable {
  public var assetId: String
  public var observationId: String
  public var longitude: Double
  public var latitude: Double
  /// JSON `[[[lon, lat], ...], ...]`, WGS 84.
  public var polylineWgs84: String
  /// 1-sigma error of the placement, metres: the root photo's GPS.
  public var uncertaintyM: Double

  public init(
    assetId: String, observationId: String, longitude: Double, latitude: Double, polylineWgs84: String,
    uncertaintyM: Double
  ) {
    self.assetId = assetId
    self.observationId = observationId
    self.longitude = longitude
    self.latitude = latitude
    self.polylineWgs84 = polylineWgs84
    self.uncertaintyM = uncertaintyM
  }
}

/// A track id as stored in `crack_track`, stamped for sync when first made.
public struct CrackTrackRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, SyncStamped {
  public var id: String
  public var assetId: String
  public var createdAt: String
  public var deviceId: String = ""
  public var seq: Int64 = 0

  public static let databaseTableName = "crack_track"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
  static let syncEntity = "crack_track"
  var syncKey: String { id }
}

/// An inspector's link or unlink, as stored (append-only; the latest per observation wins).
public struct TrackOverrideRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, SyncStamped
{
  public var observationId: String
  public var action: String
  public var trackId: String?
  public var createdAt: String
  public var deviceId: String = ""
  public var seq: Int64 = 0

  public static let databaseTableName = "track_override"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
  static let syncEntity = "track_override"
  var syncKey: String { "\(observationId)/\(seq)" }
}

extension DeviceStore {
  /// The inspector's latest word per observation of an asset: (link, track id) or (unlink, nil).
  public func trackOverrides(asset: String) throws(StoreError) -> [String: String?] {
    try read { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT t.observation_id, t.action, t.track_id FROM track_override t
          JOIN crack_observation o ON o.id = t.observation_id
          WHERE o.asset_id = ? ORDER BY t.rowid
          """, arguments: [asset])
      return CentralTrackingSQL.overrides(rows)
    }
  }

  /// Records an inspector's link (`trackId` set) or unlink (`trackId` nil) of an
  /// observation. The track must exist on the observation's asset; the override is kept
  /// through every later re-tracking.
  public func overrideTrack(observation: String, trackId: String?) throws(StoreError) {
    try write { db in
      // Lists show ids shortened: a unique prefix is enough.
      let matches = try Row.fetchAll(
        db,
        sql: """
          SELECT o.id, o.asset_id FROM crack_observation o
          WHERE substr(o.id, 1, length(?1)) = ?1 LIMIT 2
          """,
        arguments: [observation])
      guard matches.count == 1, !observation.isEmpty else { throw StoreError.unknownObservation(observation) }
      let observation: String = matches[0]["id"]
      let asset: String = matches[0]["asset_id"]
      if let trackId {
        let trackAsset = try String.fetchOne(
          db, sql: "SELECT asset_id FROM crack_track WHERE id = ?", arguments: [trackId])
        guard trackAsset == asset else { throw StoreError.unknownTrack(trackId, asset: asset) }
      }
      var row = TrackOverrideRow(
        observationId: observation, action: trackId == nil ? "unlink" : "link", trackId: trackId,
        createdAt: Timestamp.now())
      try row.stamp(device: deviceID, in: db)
      try row.insert(db)
    }
  }

  /// Replaces an asset's derived tracking (members, growth, events, alerts, placements) in one
  /// transaction,
  /// and keeps the centrelines tracking derived for the first time (`tracking_centreline`).
  /// Track ids not stored before are added (and queued for sync); none are deleted, so
  /// an id an inspector linked to stays valid. Only members that changed are written: a
  /// new cycle moves a tenth of a ten-cycle asset's members, not all of them. Give members
  /// in a stable order (the same result, the same order): the store tells that nothing
  /// changed by a digest of them as given.
  public func replaceTracking(
    asset: String, trackIds: [String], members: [TrackMember], growth: [TrackGrowth], events: [TrackingEvent],
    alerts: [GrowthAlertRecord], placements: [RegisteredPlacement] = [],
    centrelines: [(observationId: String, branches: [[(Double, Double)]])] = []
  ) throws(StoreError) {
    try write { db in
      let insertCentreline = try db.makeStatement(
        sql: "INSERT OR REPLACE INTO tracking_centreline (observation_id, points) VALUES (?, ?)")
      for c in centrelines {
        try insertCentreline.execute(arguments: [c.observationId, PackedCentreline.pack(c.branches)])
      }
      let known = Set(
        try String.fetchAll(db, sql: "SELECT id FROM crack_track WHERE asset_id = ?", arguments: [asset]))
      let now = Timestamp.now()
      for id in trackIds where !known.contains(id) {
        var row = CrackTrackRow(id: id, assetId: asset, createdAt: now)
        try row.stamp(device: deviceID, in: db)
        try row.insert(db)
      }
      // What is written is compared with what was written last time by digest (most
      // re-tracking changes nothing): members in the order given, then growth, events and
      // alerts. Members that differ are written one by one; the other three tables whole.
      var memberDigest = RowDigest()
      for m in members { memberDigest.add([m.observationId, m.trackId, m.assignedBy, m.matchCost]) }
      let stored = try Row.fetchOne(
        db, sql: "SELECT members, derived FROM tracking_digest WHERE asset_id = ?", arguments: [asset])
      let membersNow = memberDigest.finish()
      if stored?["members"] != membersNow { try writeChangedMembers(members, asset: asset, db) }
      let tables: [(table: String, columns: String, rows: [[(any DatabaseValueConvertible)?]])] = [
        (
          "track_growth",
          """
          track_id, asset_id, cycles_seen, latest_observation_id, length_mm_per_year, max_width_mm_per_year,
          mean_width_mm_per_year, no_rate_reason, matched_by, registration_residual_mm, longitude, latitude,
          polyline_wgs84
          """,
          growth.map {
            [
              $0.trackId, $0.assetId, $0.cyclesSeen, $0.latestObservationId, $0.lengthMmPerYear,
              $0.maxWidthMmPerYear, $0.meanWidthMmPerYear, $0.noRateReason, $0.matchedBy,
              $0.registrationResidualMm, $0.longitude, $0.latitude, $0.polylineWgs84,
            ]
          }
        ),
        (
          "tracking_event", "asset_id, cycle_label, kind, track_id, observation_id, other_track_id",
          events.map { [$0.assetId, $0.cycleLabel, $0.kind, $0.trackId, $0.observationId, $0.otherTrackId] }
        ),
        (
          "growth_alert", "asset_id, track_id, cycle_label, kind, value, limit_value, message",
          alerts.map {
            [$0.assetId, $0.trackId, $0.cycleLabel, $0.kind, $0.value, $0.limitValue, $0.message]
          }
        ),
        (
          "registered_placement",
          "asset_id, observation_id, longitude, latitude, polyline_wgs84, uncertainty_m",
          placements.map {
            [$0.assetId, $0.observationId, $0.longitude, $0.latitude, $0.polylineWgs84, $0.uncertaintyM]
          }
        ),
      ]
      var derivedDigest = RowDigest()
      for (table, _, rows) in tables {
        derivedDigest.add([table])
        for row in rows { derivedDigest.add(row) }
      }
      let derivedNow = derivedDigest.finish()
      try db.execute(
        sql: "INSERT OR REPLACE INTO tracking_digest (asset_id, members, derived) VALUES (?, ?, ?)",
        arguments: [asset, membersNow, derivedNow])
      guard stored?["derived"] != derivedNow else { return }
      for (table, columns, rows) in tables {
        try db.execute(sql: "DELETE FROM \(table) WHERE asset_id = ?", arguments: [asset])
        guard let first = rows.first else { continue }
        let placeholders = Array(repeating: "?", count: first.count).joined(separator: ", ")
        let insert = try db.makeStatement(sql: "INSERT INTO \(table) (\(columns)) VALUES (\(placeholders))")
        for row in rows { try insert.execute(arguments: StatementArguments(row)) }
      }
    }
  }

  /// Makes the asset's stored members equal `members`, touching only rows that differ.
  private func writeChangedMembers(_ members: [TrackMember], asset: String, _ db: Database) throws {
    var stored: [String: TrackMember] = [:]
    let cursor = try Row.fetchCursor(
      db,
      sql: """
        SELECT m.observation_id, m.track_id, m.assigned_by, m.match_cost FROM crack_track_member m
        JOIN crack_track t ON t.id = m.track_id WHERE t.asset_id = ?
        """, arguments: [asset])
    while let row = try cursor.next() {
      stored[row[0]] = TrackMember(
        observationId: row[0], trackId: row[1], assignedBy: row[2], matchCost: row[3])
    }
    let upsert = try db.makeStatement(
      sql: """
        INSERT OR REPLACE INTO crack_track_member (observation_id, track_id, assigned_by, match_cost)
        VALUES (?, ?, ?, ?)
        """)
    for m in members {
      if stored.removeValue(forKey: m.observationId) != m {
        try upsert.execute(arguments: [m.observationId, m.trackId, m.assignedBy, m.matchCost])
      }
    }
    let delete = try db.makeStatement(sql: "DELETE FROM crack_track_member WHERE observation_id = ?")
    for gone in stored.keys { try delete.execute(arguments: [gone]) }
  }

  /// The current track of each observation of an asset.
  public func trackMembers(asset: String) throws(StoreError) -> [TrackMember] {
    try read { db in
      try TrackMember.fetchAll(
        db,
        sql: """
          SELECT m.* FROM crack_track_member m JOIN crack_track t ON t.id = m.track_id
          WHERE t.asset_id = ? ORDER BY m.track_id, m.observation_id
          """, arguments: [asset])
    }
  }

  /// Growth rates of an asset's tracks, by track id.
  public func trackGrowth(asset: String) throws(StoreError) -> [TrackGrowth] {
    try read { try TrackGrowth.filter(Column("asset_id") == asset).order(Column("track_id")).fetchAll($0) }
  }

  public func trackingEvents(asset: String) throws(StoreError) -> [TrackingEvent] {
    try read { try TrackingEvent.filter(Column("asset_id") == asset).order(Column("rowid")).fetchAll($0) }
  }

  /// Growth alerts of an asset, optionally of one cycle, in the order tracking raised them.
  public func growthAlerts(asset: String, cycle: String? = nil) throws(StoreError) -> [GrowthAlertRecord] {
    _ = try self.asset(asset)
    if let cycle { _ = try self.cycle(asset: asset, label: cycle) }
    return try read { db in
      var request = GrowthAlertRecord.filter(Column("asset_id") == asset)
      if let cycle { request = request.filter(Column("cycle_label") == cycle) }
      return try request.order(Column("rowid")).fetchAll(db)
    }
  }
}
