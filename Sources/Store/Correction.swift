import Foundation
import GRDB
import Georeference

/// An inspector's correction of what was stored: an append-only, attributed fact, synced like
/// the rows it corrects. Captures and observations themselves never change; every reader
/// (tracking, crack lists, maps, both central stores) sees them through the corrections.
///
/// - `void_capture`: the photo and everything found on it are set aside (a junk photo, the
///   wrong structure, a test shot).
/// - `move_capture`: the photo belongs to another cycle of its asset (`cycleLabel`). A photo
///   that belongs to another asset is voided here (the reason names where it went) and stored
///   in that asset again (`DeviceStore.move`).
/// - `set_distance`: the camera-to-surface distance was `distanceM` (written by `reprocess`,
///   which measures the photo again at that scale).
/// - `supersede_observation`: `observationId` was replaced by a re-processing of its photo.
/// - `retire_asset`, `retire_cycle`: a mistaken asset or cycle (`cycleLabel`); its photos are
///   set aside as if voided, and nothing more can be ingested into it.
/// - `reject_observation`, `confirm_observation`: an engineer's review of `observationId`: not a
///   crack (the reason says what it is: a joint, a stain, an edge...), or a crack. The latest
///   review of an observation stands; a rejected one leaves tracking, growth, alerts, crack
///   lists and maps until a later review confirms it.
public struct CorrectionRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, SyncStamped {
  public enum Kind: String, Codable, Sendable, CaseIterable {
    case voidCapture = "void_capture"
    case moveCapture = "move_capture"
    case setDistance = "set_distance"
    case supersedeObservation = "supersede_observation"
    case retireAsset = "retire_asset"
    case retireCycle = "retire_cycle"
    case rejectObservation = "reject_observation"
    case confirmObservation = "confirm_observation"
  }

  public var assetId: String
  public var kind: String
  public var captureId: String?
  public var observationId: String?
  public var cycleLabel: String?
  public var distanceM: Double?
  /// Why, in the inspector's words (or the command's, for a re-processing).
  public var reason: String
  public var createdAt: String
  public var deviceId: String = ""
  public var seq: Int64 = 0

  public init(
    assetId: String, kind: Kind, captureId: String? = nil, observationId: String? = nil,
    cycleLabel: String? = nil, distanceM: Double? = nil, reason: String, createdAt: String = Timestamp.now()
  ) {
    self.assetId = assetId
    self.kind = kind.rawValue
    self.captureId = captureId
    self.observationId = observationId
    self.cycleLabel = cycleLabel
    self.distanceM = distanceM
    self.reason = reason
    self.createdAt = createdAt
  }

  /// The SQL that reads the reviews of the asset bound to `parameter` (`?1`, PostgreSQL's
  /// `$1`), oldest first in the order `Corrected.latestReview` ranks them.
  public static func reviewsSQL(_ parameter: String) -> String {
    """
    SELECT asset_id, kind, capture_id, observation_id, cycle_label, distance_m, reason, created_at, device_id, seq
    FROM correction WHERE asset_id = \(parameter) AND kind IN ('reject_observation', 'confirm_observation')
    ORDER BY created_at, device_id, seq
    """
  }

  /// The latest of each observation's reviews (`rows` oldest first), by observation id.
  public static func reviews(_ rows: [CorrectionRow]) -> [CorrectionRow] {
    var latest: [String: CorrectionRow] = [:]
    for row in rows { if let id = row.observationId { latest[id] = row } }
    return latest.values.sorted { ($0.observationId ?? "") < ($1.observationId ?? "") }
  }

  public static let databaseTableName = "correction"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
  static let syncEntity = "correction"
  var syncKey: String { "\(assetId)/\(kind)/\(seq)" }

  /// Which fields each kind needs, and that it has no others: nil when the row is whole.
  public var problem: String? {
    guard let kind = Kind(rawValue: kind) else { return "kind \"\(kind.prefix(64))\" is not a correction" }
    guard !reason.isEmpty else { return "a correction says why (reason)" }
    let needs: (capture: Bool, observation: Bool, cycle: Bool, distance: Bool) =
      switch kind {
      case .voidCapture: (true, false, false, false)
      case .moveCapture: (true, false, true, false)
      case .setDistance: (true, false, false, true)
      case .supersedeObservation: (true, true, false, false)
      case .retireAsset: (false, false, false, false)
      case .retireCycle: (false, false, true, false)
      case .rejectObservation, .confirmObservation: (true, true, false, false)
      }
    if needs.capture != (captureId != nil) {
      return "\(kind.rawValue) \(needs.capture ? "names" : "has no") capture"
    }
    if needs.observation != (observationId != nil) {
      return "\(kind.rawValue) \(needs.observation ? "names" : "has no") observation"
    }
    if needs.cycle != (cycleLabel != nil) {
      return "\(kind.rawValue) \(needs.cycle ? "names" : "has no") cycle"
    }
    if needs.distance != (distanceM != nil) {
      return "\(kind.rawValue) \(needs.distance ? "gives" : "has no") distance"
    }
    if let distanceM, !(distanceM.isFinite && distanceM > 0 && distanceM < 10_000) {
      return "distance \(distanceM) m is not above 0 and below 10 km"
    }
    return nil
  }
}

/// The SQL every reader uses to see captures and observations through the corrections. The
/// same text runs on the device store, the central SQLite store and PostgreSQL: `c` is a
/// capture row, `o` an observation row, and both carry their asset id in every store.
public enum Corrected {
  /// The cycle a capture belongs to: the latest move's, else the one it was ingested into.
  public static func cycle(_ c: String) -> String {
    """
    COALESCE((SELECT x.cycle_label FROM correction x WHERE x.asset_id = \(c).asset_id \
    AND x.capture_id = \(c).id AND x.kind = 'move_capture' \
    ORDER BY x.created_at DESC, x.device_id DESC, x.seq DESC LIMIT 1), \(c).cycle_label)
    """
  }

  /// The capture's scale (mm per pixel) as last measured: a `set_distance` correction scales
  /// the ingest scale by the ratio of the distances, as a pinhole camera's scale is
  /// proportional to its distance. A capture stored without a scale or a distance keeps what
  /// it has (its re-processed observations carry their millimetres themselves).
  public static func gsd(_ c: String) -> String {
    """
    COALESCE(\(c).gsd_mm_per_px * (SELECT x.distance_m FROM correction x WHERE x.asset_id = \(c).asset_id \
    AND x.capture_id = \(c).id AND x.kind = 'set_distance' \
    ORDER BY x.created_at DESC, x.device_id DESC, x.seq DESC LIMIT 1) / NULLIF(\(c).distance_m, 0), \
    \(c).gsd_mm_per_px)
    """
  }

  /// The capture is neither voided nor in a retired cycle or asset (its cycle as moved).
  public static func captureIsLive(_ c: String) -> String {
    """
    NOT EXISTS (SELECT 1 FROM correction x WHERE x.asset_id = \(c).asset_id AND (x.kind = 'retire_asset' \
    OR (x.kind = 'void_capture' AND x.capture_id = \(c).id) \
    OR (x.kind = 'retire_cycle' AND x.cycle_label = \(cycle(c)))))
    """
  }

  /// How to read an asset's captures (`c`) and observations (`o`): the capture's cycle, and the
  /// condition that leaves out voided captures, retired cycles and superseded observations. An
  /// asset never corrected is read as it is, without their joins.
  public static func readThrough(corrections: Bool, observations: Bool = true) -> (
    cycle: String, live: String
  ) {
    guard corrections else { return ("c.cycle_label", "") }
    let crack = observations ? " AND \(observationIsLive("o", capture: "c"))" : ""
    return (cycle("c"), " AND \(captureIsLive("c"))" + crack)
  }

  /// The observation has not been replaced by a re-processing of its photo, and its latest
  /// review, if any, did not reject it. `c` is its capture.
  public static func observationIsLive(_ o: String, capture c: String) -> String {
    """
    NOT EXISTS (SELECT 1 FROM correction x WHERE x.asset_id = \(c).asset_id \
    AND x.kind = 'supersede_observation' AND x.observation_id = \(o).id) \
    AND COALESCE(\(latestReview(o, capture: c)), '') <> 'reject_observation'
    """
  }

  /// The kind of the observation's latest review (`reject_observation` or
  /// `confirm_observation`); NULL when it has none.
  public static func latestReview(_ o: String, capture c: String) -> String {
    """
    (SELECT x.kind FROM correction x WHERE x.asset_id = \(c).asset_id AND x.observation_id = \(o).id \
    AND x.kind IN ('reject_observation', 'confirm_observation') \
    ORDER BY x.created_at DESC, x.device_id DESC, x.seq DESC LIMIT 1)
    """
  }
}

extension DeviceStore {
  /// How to read an asset's captures (`c`) and observations (`o`) through its corrections: the
  /// capture's cycle, and the condition that leaves out voided captures, retired cycles and
  /// superseded observations. An asset never corrected is read as it is, without their joins.
  /// `observations`: the query reads observations (`o`) as well as captures.
  static func correctedSQL(asset: String, db: Database, observations: Bool = true) throws
    -> (cycle: String, live: String)
  {
    Corrected.readThrough(
      corrections: try Row.fetchOne(
        db, sql: "SELECT 1 FROM correction WHERE asset_id = ? LIMIT 1", arguments: [asset]) != nil,
      observations: observations)
  }

  /// Captures of an asset, optionally of one (corrected) cycle, oldest first, each in its cycle
  /// as moved, with why it is set aside (voided, or its cycle or asset retired) if it is.
  /// `distanceM` is the distance it was last measured at (a re-processing's, else ingest's).
  public func capturesWithState(asset: String, cycle: String? = nil) throws(StoreError)
    -> [(capture: CaptureRecord, setAside: String?, distanceM: Double?)]
  {
    _ = try self.asset(asset)
    if let cycle { _ = try self.cycle(asset: asset, label: cycle) }
    return try read { db in
      var sql = """
        SELECT c.*, \(Corrected.cycle("c")) AS corrected_cycle,
          (SELECT x.kind || ': ' || x.reason FROM correction x WHERE x.asset_id = c.asset_id
            AND (x.kind = 'retire_asset' OR (x.kind = 'void_capture' AND x.capture_id = c.id)
              OR (x.kind = 'retire_cycle' AND x.cycle_label = \(Corrected.cycle("c"))))
            ORDER BY x.created_at LIMIT 1) AS set_aside,
          (SELECT x.distance_m FROM correction x WHERE x.asset_id = c.asset_id AND x.capture_id = c.id
            AND x.kind = 'set_distance' ORDER BY x.created_at DESC, x.device_id DESC, x.seq DESC LIMIT 1)
            AS corrected_distance
        FROM capture c WHERE c.asset_id = ?
        """
      var arguments: StatementArguments = [asset]
      if let cycle {
        sql += " AND \(Corrected.cycle("c")) = ?"
        arguments += [cycle]
      }
      sql += " ORDER BY c.taken_at, c.source_path"
      return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
        var capture = try CaptureRecord(row: row)
        capture.cycleLabel = row["corrected_cycle"]
        return (capture, row["set_aside"], row["corrected_distance"] ?? capture.distanceM)
      }
    }
  }

  /// Every correction of an asset, oldest first.
  /// The latest review of each reviewed observation of an asset, by observation id.
  public func reviews(asset: String) throws(StoreError) -> [CorrectionRow] {
    try read { db in
      CorrectionRow.reviews(
        try CorrectionRow.fetchAll(db, sql: CorrectionRow.reviewsSQL("?"), arguments: [asset]))
    }
  }

  public func corrections(asset: String) throws(StoreError) -> [CorrectionRow] {
    _ = try self.asset(asset)
    return try read { db in
      try CorrectionRow.filter(Column("asset_id") == asset).order(Column("created_at"), Column("seq"))
        .fetchAll(db)
    }
  }

  /// Why an asset or one of its cycles was retired, if it was.
  public func retirement(asset: String, cycle: String? = nil) throws(StoreError) -> String? {
    try read { db in
      try String.fetchOne(
        db,
        sql: """
          SELECT reason FROM correction WHERE asset_id = ?
            AND (kind = 'retire_asset' OR (kind = 'retire_cycle' AND cycle_label = ?))
          ORDER BY kind = 'retire_asset' DESC LIMIT 1
          """, arguments: [asset, cycle])
    }
  }

  /// A capture by its id or a unique prefix of it (lists show ids shortened), in `asset` if
  /// given. A photo moved to another asset is stored in both: the live one is meant.
  public func capture(matching prefix: String, asset: String? = nil) throws(StoreError) -> CaptureRecord {
    let found = try read { db in
      try CaptureRecord.fetchAll(
        db,
        sql: """
          SELECT c.* FROM capture c WHERE substr(c.id, 1, length(?1)) = ?1 AND (?2 IS NULL OR c.asset_id = ?2)
          ORDER BY \(Corrected.captureIsLive("c")) DESC, c.rowid DESC LIMIT 8
          """, arguments: [prefix, asset])
    }
    guard prefix.count >= 4, let first = found.first, found.allSatisfy({ $0.id == first.id }) else {
      throw .unknownCapture(prefix)
    }
    return first
  }

  /// The capture's state after every correction: its cycle, and why it is set aside (voided,
  /// or its cycle or asset retired), if it is.
  public func correctedState(of capture: CaptureRecord) throws(StoreError) -> (
    cycle: String, setAside: String?
  ) {
    let found = try capturesWithState(asset: capture.assetId).first { $0.capture.id == capture.id }
    return (found?.capture.cycleLabel ?? capture.cycleLabel, found?.setAside)
  }

  /// Records a correction of an asset, stamped for sync, after checking what it names exists
  /// here and is not already set aside.
  @discardableResult
  public func correct(_ correction: CorrectionRow) throws(StoreError) -> CorrectionRow {
    try check(correction)
    return try write { db in
      var row = correction
      try row.stamp(device: deviceID, in: db)
      try row.insert(db)
      return row
    }
  }

  /// Refuses a correction that is not whole, or names what this store does not hold, or what
  /// is set aside already.
  func check(_ correction: CorrectionRow) throws(StoreError) {
    if let problem = correction.problem { throw .invalid(field: "correction", reason: problem) }
    _ = try asset(correction.assetId)
    if let reason = try retirement(asset: correction.assetId) {
      throw .retired("asset \"\(correction.assetId)\"", reason: reason)
    }
    if let cycle = correction.cycleLabel {
      _ = try self.cycle(asset: correction.assetId, label: cycle)
      if correction.kind == CorrectionRow.Kind.retireCycle.rawValue,
        let reason = try retirement(asset: correction.assetId, cycle: cycle)
      {
        throw .retired("cycle \"\(cycle)\" of \"\(correction.assetId)\"", reason: reason)
      }
    }
    if let id = correction.captureId {
      guard let capture = try self.capture(asset: correction.assetId, id: id) else {
        throw .unknownCapture(id)
      }
      if let setAside = try correctedState(of: capture).setAside {
        throw .invalid(field: "capture \(id.prefix(12))", reason: "already set aside (\(setAside))")
      }
    }
    if let id = correction.observationId, let kind = CorrectionRow.Kind(rawValue: correction.kind),
      kind == .rejectObservation || kind == .confirmObservation
    {
      let state = try read { db in
        try Row.fetchOne(
          db,
          sql: """
            SELECT \(Corrected.latestReview("o", capture: "c")) AS review,
              EXISTS (SELECT 1 FROM correction x WHERE x.asset_id = o.asset_id AND x.observation_id = o.id
                      AND x.kind = 'supersede_observation') AS superseded
            FROM crack_observation o JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id
            WHERE o.asset_id = ? AND o.id = ? AND o.capture_id = ?
            """, arguments: [correction.assetId, id, correction.captureId])
      }
      guard let state else { throw .unknownObservation(id) }
      if state["superseded"] as Bool {
        throw .invalid(
          field: "observation \(id.prefix(12))", reason: "superseded by a re-processing of its photo")
      }
      if state["review"] as String? == kind.rawValue {
        throw .invalid(
          field: "observation \(id.prefix(12))",
          reason: "already \(kind == .rejectObservation ? "rejected" : "confirmed") by its latest review")
      }
    }
  }

  /// The observation whose id is `prefix` or begins with it, in any asset, with its asset:
  /// one, or `unknownObservation` (none, or more than one).
  public func observation(matching prefix: String) throws(StoreError) -> (
    observation: CrackObservation, assetId: String
  ) {
    let found = try read { db in
      try Row.fetchAll(
        db, sql: "SELECT * FROM crack_observation WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2",
        arguments: [prefix]
      ).map { (try CrackObservation(row: $0), $0["asset_id"] as String) }
    }
    guard found.count == 1, !prefix.isEmpty else { throw .unknownObservation(prefix) }
    return found[0]
  }

  /// Replaces a capture's live observations by `observations` (a re-processing of its photo,
  /// with ids of its own), and records the distance it used when that changed: one
  /// transaction, so a failure leaves the old observations in place.
  public func replaceObservations(
    of capture: CaptureRecord, with observations: [CrackObservation], distanceM: Double?, reason: String
  ) throws(StoreError) -> (superseded: Int, added: Int) {
    try write { db in
      let old = try String.fetchAll(
        db,
        sql: """
          SELECT o.id FROM crack_observation o JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id
          WHERE o.asset_id = ? AND o.capture_id = ? AND \(Corrected.observationIsLive("o", capture: "c"))
          """,
        arguments: [capture.assetId, capture.id])
      for id in old {
        var row = CorrectionRow(
          assetId: capture.assetId, kind: .supersedeObservation, captureId: capture.id, observationId: id,
          reason: reason)
        try row.stamp(device: deviceID, in: db)
        try row.insert(db)
      }
      if let distanceM, distanceM != capture.distanceM {
        var row = CorrectionRow(
          assetId: capture.assetId, kind: .setDistance, captureId: capture.id, distanceM: distanceM,
          reason: reason)
        try row.stamp(device: deviceID, in: db)
        try row.insert(db)
      }
      try insert(observations, of: capture, db: db)
      return (old.count, observations.count)
    }
  }

  /// The distance the inspector gave for a capture: a correction's, else ingest's
  /// `--distance-m`. Nil when its scale came from the photo itself (a drone's height, a laser
  /// range, the focus distance), which reading the photo again finds again, with its own
  /// method and uncertainty: taking that number as given would make it the inspector's.
  public func givenDistance(of capture: CaptureRecord) throws(StoreError) -> Double? {
    let corrected = try read { db in
      try Double.fetchOne(
        db,
        sql: """
          SELECT distance_m FROM correction WHERE asset_id = ? AND capture_id = ? AND kind = 'set_distance'
          ORDER BY created_at DESC, device_id DESC, seq DESC LIMIT 1
          """, arguments: [capture.assetId, capture.id])
    }
    return corrected
      ?? (capture.gsdMethod == GroundSampleDistance.Method.userDistance.rawValue ? capture.distanceM : nil)
  }
}
