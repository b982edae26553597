import GRDB

extension EncodableRecord where Self: TableRecord {
  /// Inserts the row with the asset of its capture. Observation, override and registration
  /// rows do not carry their asset (an observation's id is unique on the device that made
  /// it), but every store's tables do: a photo held by two assets (moved from one to the
  /// other, or taken of both) is then never read as the other asset's.
  /// `conflict`: what to do with a row already there (`OR IGNORE`, `OR REPLACE`), else fail.
  func insert(_ db: Database, asset: String, conflict: String = "") throws {
    var values = try databaseDictionary
    values["asset_id"] = asset.databaseValue
    let columns = Array(values.keys)
    try db.execute(
      sql: """
        INSERT \(conflict) INTO \(Self.databaseTableName) (\(columns.joined(separator: ", ")))
        VALUES (\(databaseQuestionMarks(count: columns.count)))
        """, arguments: StatementArguments(columns.map { values[$0]! }))
  }
}
