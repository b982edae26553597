import Foundation
import GRDB

extension DeviceStore {
  /// Where a photo (its SHA-256) is held that keeps it out of `asset`: in `asset` itself (set
  /// aside or not), else live in another asset. Nil when it may be stored in `asset`.
  public func holder(of id: String, in asset: String) throws(StoreError) -> (asset: String, cycle: String)? {
    try read { try Self.holder(of: id, in: asset, db: $0) }
  }

  /// Whether the photo is stored in any asset, set aside or not.
  public func isStored(photo id: String) throws(StoreError) -> Bool {
    try read {
      try Row.fetchOne($0, sql: "SELECT 1 FROM capture WHERE id = ? LIMIT 1", arguments: [id]) != nil
    }
  }

  /// The crack observations of an asset, optionally of one cycle, in a stable order:
  /// by cycle, photo, then crack index.
  public func observations(asset: String, cycle: String? = nil) throws(StoreError) -> [ObservationInCycle] {
    _ = try self.asset(asset)
    if let cycle { _ = try self.cycle(asset: asset, label: cycle) }
    return try read { db in
      let (cycleOf, live) = try Self.correctedSQL(asset: asset, db: db)
      // Capture columns first, then the observation's in `CrackObservation.columns` order.
      var sql = """
        SELECT \(cycleOf) AS cycle, c.source_path, c.taken_at, c.orientation,
          \(CrackObservation.columns.map { "o." + $0 }.joined(separator: ", "))
        FROM crack_observation o JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id
        WHERE c.asset_id = ?\(live)
        """
      var arguments: StatementArguments = [asset]
      if let cycle {
        sql += " AND \(cycleOf) = ?"
        arguments += [cycle]
      }
      sql += " ORDER BY cycle, c.source_path, o.crack_index"
      return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
        ObservationInCycle(
          observation: CrackObservation(row: row, at: 4), cycleLabel: row[0], sourcePath: row[1],
          takenAt: row[2],
          orientation: row[3])
      }
    }
  }
}

/// What tracking and growth read of one observation: its place, shape and sizes, without
/// the pixel geometry that reports and maps need.
public struct TrackedObservation: Sendable {
  public var id: String
  public var cycleLabel: String
  public var easting: Double?
  public var northing: Double?
  public var bearingDeg: Double?
  public var georefMethod: String
  public var georefUncertaintyM: Double?
  public var lengthPx: Double
  public var lengthMm: Double?
  public var maxWidthMm: Double?
  public var meanWidthMm: Double?
  public var severityScheme: String?
  public var severity: String?
  /// The widest stretch in its photo's pixels: narrower than the photo resolves, its widths
  /// are estimates (`Crack.narrowestResolvedWidthPx`).
  public var maxWidthPx: Double
  /// The projected centreline's branches, once tracking has derived them (`tracking_centreline`).
  public var centreline: [[(Double, Double)]]?
  /// Otherwise `polyline_projected` as stored (JSON), footprint only; decoded by the
  /// caller, which can spread that work over cores and store the result.
  public var polylineProjected: String?
}

extension DeviceStore {
  /// Every observation of an asset, or of some of its cycles, in no particular order
  /// (tracking orders by id) but the same order every time for the same rows, with only
  /// the columns tracking uses: read through one cursor, no row copied twice. Re-tracking
  /// a large asset reads 100,000 of these (in parts, one per core: readers run in parallel).
  public func trackedObservations(asset: String, cycles: [String]? = nil) throws(StoreError)
    -> [TrackedObservation]
  {
    _ = try self.asset(asset)
    return try read { db in
      let (cycleOf, live) = try Self.correctedSQL(asset: asset, db: db)
      var arguments: StatementArguments = [asset]
      var cycleFilter = live
      if let cycles {
        cycleFilter +=
          " AND \(cycleOf) IN (\(Array(repeating: "?", count: cycles.count).joined(separator: ", ")))"
        arguments += StatementArguments(cycles)
      }
      let cursor = try Row.fetchCursor(
        db,
        sql: TrackedObservation.selectSQL(
          assetParameter: "?", cycle: cycleOf, live: "", packedCentrelines: true, extraFilter: cycleFilter),
        arguments: arguments)
      var out: [TrackedObservation] = []
      while let row = try cursor.next() { out.append(try TrackedObservation(row: row)) }
      return out
    }
  }
}
