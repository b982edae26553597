import GRDB
import PostgresNIO
import Store

/// Central tracking on PostgreSQL: the SQL of `CentralTrackingSQL`, the rows of the same record
/// types as on SQLite.
extension PostgresCentralStore {
  public func assetsDueForTracking() async throws(CentralError) -> [DueAsset] {
    try await transaction(snapshot: true) { connection in
      try await self.rows(PostgresQuery(unsafeSQL: CentralTrackingSQL.due), connection).map {
        DueAsset(asset: $0["asset_id"], through: $0["latest"])
      }
    }
  }

  public func trackingInput(asset: String) async throws(CentralError) -> TrackingInput {
    try await transaction(snapshot: true) { connection in
      func rows(_ sql: String) async throws -> [Row] {
        var binds = PostgresBindings()
        binds.append(asset)
        return try await self.rows(PostgresQuery(unsafeSQL: sql, binds: binds), connection)
      }
      func columns(_ table: String) -> String { (self.columns[table] ?? []).joined(separator: ", ") }
      guard let found = try await rows("SELECT \(columns("asset")) FROM asset WHERE id = $1").first else {
        throw CentralError.unknownAsset(asset)
      }
      // SQLite's order: no start date first, labels byte by byte.
      let cycles = try await rows(
        """
        SELECT \(columns("inspection_cycle")) FROM inspection_cycle WHERE asset_id = $1
        ORDER BY start_date NULLS FIRST, label COLLATE "C"
        """
      ).map(InspectionCycle.init(row:))
      let corrected = try await !rows("SELECT 1 FROM correction WHERE asset_id = $1 LIMIT 1").isEmpty
      let (cycleOf, live) = Corrected.readThrough(corrections: corrected)
      let observations = try await rows(
        TrackedObservation.selectSQL(
          assetParameter: "$1", cycle: cycleOf, live: live, packedCentrelines: false)
          + " ORDER BY o.id COLLATE \"C\""
      ).map(TrackedObservation.init(row:))
      var input = TrackingInput(
        asset: try Asset(row: found), cycles: cycles, observations: observations,
        overrides: CentralTrackingSQL.overrides(try await rows(CentralTrackingSQL.overridesSQL("$1"))))
      input.reviews = CorrectionRow.reviews(
        try await rows(CorrectionRow.reviewsSQL("$1")).map(CorrectionRow.init(row:)))
      return input
    }
  }

  public func observations(asset: String) async throws(CentralError) -> [ObservationInCycle] {
    try await transaction(snapshot: true) { connection in
      var binds = PostgresBindings()
      binds.append(asset)
      let corrected = try await !self.rows(
        PostgresQuery(unsafeSQL: "SELECT 1 FROM correction WHERE asset_id = $1 LIMIT 1", binds: binds),
        connection
      ).isEmpty
      let (cycleOf, live) = Corrected.readThrough(corrections: corrected)
      return try await self.rows(
        PostgresQuery(
          unsafeSQL: ObservationInCycle.selectSQL(assetParameter: "$1", cycle: cycleOf, live: live),
          binds: binds),
        connection
      ).map(ObservationInCycle.init(namedRow:))
    }
  }

  public func replaceTracking(asset: String, _ derived: DerivedTracking, through: Int64, seconds: Double)
    async throws(CentralError)
  {
    try await transaction { connection in
      for (table, columns, rows) in CentralTrackingSQL.rows(derived, asset: asset) {
        var binds = PostgresBindings()
        binds.append(asset)
        try await connection.query(
          PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE asset_id = $1", binds: binds),
          logger: self.logger)
        try await PostgresRows.insert(
          rows.map { Dictionary(uniqueKeysWithValues: zip(columns, $0)) }, into: table, columns: columns,
          suffix: "", on: connection, logger: self.logger)
      }
      var binds = PostgresBindings()
      binds.append(asset)
      binds.append(through)
      binds.append(Timestamp.now())
      binds.append(Int64(derived.growth.count))
      binds.append(seconds)
      try await connection.query(
        PostgresQuery(unsafeSQL: CentralTrackingSQL.recordState(postgres: true), binds: binds),
        logger: self.logger)
    }
  }
}
