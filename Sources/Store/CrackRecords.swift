import GRDB

extension DeviceStore {
  /// Whether a capture with this id (SHA-256 of the file) is stored.
  public func hasCapture(id: String) throws(StoreError) -> Bool {
    try read { try CaptureRecord.exists($0, key: id) }
  }

  /// The crack observations of an asset, optionally of one cycle, in a stable order:
  /// by cycle, photo, then crack index.
  public func observations(asset: String, cycle: String? = nil) throws(StoreError) -> [ObservationInCycle] {
    _ = try self.asset(asset)
    if let cycle { _ = try self.cycle(asset: asset, label: cycle) }
    return try read { db in
      // Capture columns first, then the observation's in `CrackObservation.columns` order.
      var sql = """
        SELECT c.cycle_label, c.source_path, c.taken_at, c.orientation,
          \(CrackObservation.columns.map { "o." + $0 }.joined(separator: ", "))
        FROM crack_observation o JOIN capture c ON c.id = o.capture_id
        WHERE c.asset_id = ?
        """
      var arguments: StatementArguments = [asset]
      if let cycle {
        sql += " AND c.cycle_label = ?"
        arguments += [cycle]
      }
      sql += " ORDER BY c.cycle_label, c.source_path, o.crack_index"
      return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
        ObservationInCycle(
          observation: CrackObservation(row: row, at: 4), cycleLabel: row[0], sourcePath: row[1],
          takenAt: row[2],
          orientation: row[3])
      }
    }
  }
}
