import GRDB

/// An asset whose rows changed since the server last tracked it: `through` is its newest push
/// receipt (server_seq) at the time of asking, what tracking it now covers.
public struct DueAsset: Sendable, Equatable {
  public var asset: String
  public var through: Int64

  public init(asset: String, through: Int64) {
    self.asset = asset
    self.through = through
  }
}

/// The central store's side of central tracking: which assets are due, what tracking reads of
/// one, and where its result is kept. The same SQL on SQLite as on PostgreSQL where it can be.
public enum CentralTrackingSQL {
  /// Assets with a push receipt past the one their tracking covers, oldest change first.
  /// (Each maximum is one step down the index of receipts by asset.)
  public static let due = """
    SELECT asset_id, latest FROM (
      SELECT a.asset_id,
        (SELECT MAX(p.server_seq) FROM push_receipt p WHERE p.asset_id = a.asset_id) AS latest,
        COALESCE((SELECT t.tracked_through FROM tracking_state t WHERE t.asset_id = a.asset_id), 0) AS through
      FROM asset_org a) x
    WHERE latest > through
    ORDER BY latest
    """

  /// The tables tracking derives, each replaced whole for an asset.
  public static let derivedTables = [
    "crack_track_member", "track_growth", "tracking_event", "growth_alert", "registered_placement",
  ]

  /// The rows of `derived`, table by table, with their columns, in `derivedTables`' order.
  public static func rows(_ derived: DerivedTracking, asset: String) -> [(
    table: String, columns: [String], rows: [[DatabaseValue]]
  )] {
    [
      (
        "crack_track_member", ["asset_id", "observation_id", "track_id", "assigned_by", "match_cost"],
        derived.members.map {
          values(asset, $0.observationId, $0.trackId, $0.assignedBy, $0.matchCost)
        }
      ),
      (
        "track_growth",
        [
          "asset_id", "track_id", "cycles_seen", "latest_observation_id", "length_mm_per_year",
          "max_width_mm_per_year", "mean_width_mm_per_year", "no_rate_reason", "matched_by",
          "registration_residual_mm", "longitude", "latitude", "polyline_wgs84",
        ],
        derived.growth.map {
          values(
            asset, $0.trackId, $0.cyclesSeen, $0.latestObservationId, $0.lengthMmPerYear,
            $0.maxWidthMmPerYear,
            $0.meanWidthMmPerYear, $0.noRateReason, $0.matchedBy, $0.registrationResidualMm, $0.longitude,
            $0.latitude, $0.polylineWgs84)
        }
      ),
      (
        "tracking_event",
        ["asset_id", "cycle_label", "kind", "track_id", "observation_id", "other_track_id"],
        derived.events.map {
          values(asset, $0.cycleLabel, $0.kind, $0.trackId, $0.observationId, $0.otherTrackId)
        }
      ),
      (
        "growth_alert", ["asset_id", "track_id", "cycle_label", "kind", "value", "limit_value", "message"],
        derived.alerts.map {
          values(asset, $0.trackId, $0.cycleLabel, $0.kind, $0.value, $0.limitValue, $0.message)
        }
      ),
      (
        "registered_placement",
        ["asset_id", "observation_id", "longitude", "latitude", "polyline_wgs84", "uncertainty_m"],
        derived.placements.map {
          values(asset, $0.observationId, $0.longitude, $0.latitude, $0.polylineWgs84, $0.uncertaintyM)
        }
      ),
    ]
  }
}

extension SQLiteCentralStore {
  public func assetsDueForTracking() throws(CentralError) -> [DueAsset] {
    try wrap {
      try pool.read { db in
        try Row.fetchAll(db, sql: CentralTrackingSQL.due).map { DueAsset(asset: $0[0], through: $0[1]) }
      }
    }
  }

  public func trackingInput(asset: String) throws(CentralError) -> TrackingInput {
    try wrap {
      try pool.read { db in
        guard let row = try Asset.fetchOne(db, key: asset) else { throw CentralError.unknownAsset(asset) }
        let cycles = try InspectionCycle.filter(Column("asset_id") == asset)
          .order(Column("start_date"), Column("label")).fetchAll(db)
        let (cycleOf, live) = try DeviceStore.correctedSQL(asset: asset, db: db)
        let observations = try Row.fetchAll(
          db,
          sql: TrackedObservation.selectSQL(
            assetParameter: "?", cycle: cycleOf, live: live, packedCentrelines: false) + " ORDER BY o.id",
          arguments: [asset]
        ).map(TrackedObservation.init(row:))
        var input = TrackingInput(
          asset: row, cycles: cycles, observations: observations,
          overrides: try CentralTrackingSQL.overrides(
            try Row.fetchAll(db, sql: CentralTrackingSQL.overridesSQL("?"), arguments: [asset])))
        input.reviews = CorrectionRow.reviews(
          try CorrectionRow.fetchAll(db, sql: CorrectionRow.reviewsSQL("?"), arguments: [asset]))
        return input
      }
    }
  }

  public func observations(asset: String) throws(CentralError) -> [ObservationInCycle] {
    try wrap {
      try pool.read { db in
        let (cycleOf, live) = try DeviceStore.correctedSQL(asset: asset, db: db)
        return try Row.fetchAll(
          db, sql: ObservationInCycle.selectSQL(assetParameter: "?", cycle: cycleOf, live: live),
          arguments: [asset]
        ).map(ObservationInCycle.init(namedRow:))
      }
    }
  }

  public func replaceTracking(asset: String, _ derived: DerivedTracking, through: Int64, seconds: Double)
    throws(CentralError)
  {
    try wrap {
      try pool.write { db in
        for (table, columns, rows) in CentralTrackingSQL.rows(derived, asset: asset) {
          try db.execute(sql: "DELETE FROM \(table) WHERE asset_id = ?", arguments: [asset])
          let insert = try db.makeStatement(
            sql: """
              INSERT INTO \(table) (\(columns.joined(separator: ", ")))
              VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))
              """)
          for row in rows { try insert.execute(arguments: StatementArguments(row)) }
        }
        try db.execute(
          sql: CentralTrackingSQL.recordState(postgres: false),
          arguments: [asset, through, Timestamp.now(), derived.growth.count, seconds])
      }
    }
  }
}

extension CentralTrackingSQL {
  /// One row's values, NULL for nil.
  static func values(_ values: (any DatabaseValueConvertible)?...) -> [DatabaseValue] {
    values.map { $0?.databaseValue ?? .null }
  }

  /// Every override of the asset bound to `parameter`, in the order the server received them
  /// (the order a device that pulled them holds them in): the latest per observation wins.
  public static func overridesSQL(_ parameter: String) -> String {
    """
    SELECT t.observation_id, t.action, t.track_id FROM track_override t
    JOIN push_receipt r ON r.device_id = t.device_id AND r.seq = t.seq
    WHERE t.asset_id = \(parameter) ORDER BY r.server_seq
    """
  }

  /// The latest word per observation: a track id (link) or nil (unlink).
  public static func overrides(_ rows: [Row]) -> [String: String?] {
    var latest: [String: String?] = [:]
    for row in rows {
      let action: String = row["action"]
      latest[row["observation_id"]] = action == "link" ? .some(row["track_id"]) : .some(nil)
    }
    return latest
  }

  /// Upserts an asset's tracking state: asset, through, at, tracks, seconds (`?` each, or
  /// PostgreSQL's `$1`...`$5`).
  public static func recordState(postgres: Bool) -> String {
    """
    INSERT INTO tracking_state (asset_id, tracked_through, tracked_at, tracks, seconds)
    VALUES (\(postgres ? "$1, $2, $3, $4, $5" : "?, ?, ?, ?, ?"))
    ON CONFLICT (asset_id) DO UPDATE SET tracked_through = excluded.tracked_through,
      tracked_at = excluded.tracked_at, tracks = excluded.tracks, seconds = excluded.seconds
    """
  }
}
