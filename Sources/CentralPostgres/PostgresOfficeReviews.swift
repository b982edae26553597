import GRDB
import PostgresNIO
import Store

/// Corrections made at the office on PostgreSQL: as on SQLite (`CentralStore.record`), applied
/// by the push's own code.
extension PostgresCentralStore {
  public func record(_ correction: CorrectionRow, by author: String, org: String) async throws(CentralError)
    -> CorrectionRow
  {
    try await transaction { connection in
      var row = correction
      if let observation = row.observationId, row.captureId == nil {
        let found = try await self.rows(
          "SELECT capture_id FROM crack_observation WHERE asset_id = \(row.assetId) AND id = \(observation)",
          connection)
        guard let capture = found.first?["capture_id"] as String? else {
          throw CentralError.notFound("no crack \(observation) in asset \"\(row.assetId)\"")
        }
        row.captureId = capture
      }
      // One of the author's corrections at a time takes the next number.
      try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(author)))", logger: self.logger)
      let last = try await self.rows(
        "SELECT MAX(seq) AS last FROM push_receipt WHERE device_id = \(author)", connection)
      row.deviceId = author
      row.seq = (last.first?["last"] as Int64? ?? 0) + 1
      _ = try await self.applyBatch([SyncEntry(correction: row)], from: author, org: org, connection)
      return row
    }
  }
}
