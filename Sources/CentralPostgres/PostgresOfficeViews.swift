import GRDB
import PostgresNIO
import Store

/// The office's pages on PostgreSQL: the SQL of `OfficeViewsSQL`, the rows of the same types
/// as on SQLite.
extension PostgresCentralStore {
  private static func p(_ n: Int) -> String { "$\(n)" }

  /// Rows of `sql` with `values` bound in order (nil as NULL).
  private func select(
    _ sql: String, _ values: [(any PostgresEncodable & Sendable)?], _ connection: PostgresConnection
  )
    async throws -> [Row]
  {
    var binds = PostgresBindings()
    for value in values {
      if let value { try binds.append(value) } else { binds.appendNull() }
    }
    return try await rows(PostgresQuery(unsafeSQL: sql, binds: binds), connection)
  }

  public func assets(org: String, only: String?) async throws(CentralError) -> [AssetOverview] {
    try await read { connection in
      try await self.select(OfficeViewsSQL.assets(Self.p), [org, only], connection).map(
        AssetOverview.init(row:))
    }
  }

  public func tracks(asset: String, severity: String?, offset: Int, limit: Int) async throws(CentralError)
    -> TrackPage
  {
    try await transaction(snapshot: true) { connection in
      let total = try await self.select(OfficeViewsSQL.trackCount(Self.p), [asset, severity], connection)
      let tracks = try await self.select(
        OfficeViewsSQL.tracks(Self.p), [asset, severity, Int64(limit), Int64(offset)], connection)
      return TrackPage(
        total: Int(total.first?["n"] as Int64? ?? 0), tracks: try tracks.map(TrackOverview.init(row:)))
    }
  }

  public func plan(asset: String, cycle: String?, limit: Int) async throws(CentralError) -> [PlanCrack] {
    try await read { connection in
      try await self.select(OfficeViewsSQL.plan(Self.p), [asset, cycle, Int64(limit)], connection)
        .map(PlanCrack.init(row:))
    }
  }

  public func trackObservations(asset: String, track: String) async throws(CentralError)
    -> [ObservationInCycle]
  {
    try await transaction(snapshot: true) { connection in
      let corrected = try await !self.select(
        "SELECT 1 FROM correction WHERE asset_id = $1 LIMIT 1", [asset], connection
      ).isEmpty
      let (cycleOf, live) = Corrected.readThrough(corrections: corrected)
      return try await self.select(
        ObservationInCycle.selectSQL(
          assetParameter: "$1", cycle: cycleOf, live: live + OfficeViewsSQL.memberOf(Self.p)),
        [asset, track], connection
      ).map(ObservationInCycle.init(namedRow:))
    }
  }
}
