import CrackGeometry
import Foundation
import GRDB

/// One feature of an asset map, as the store reads it: a crack observation, a capture or a
/// track. The three share one shape (unused facts are nil) so that one writer serves all,
/// and a GIS layer gets the same fields on every feature.
public struct MapRow {
  public enum Kind: String, Sendable, CaseIterable {
    case crack, capture, track
  }

  public var kind: Kind
  /// The observation, capture or track id.
  public var id: String
  public var cycle: String
  /// The cycle's date (YYYY-MM-DD): its start date, else its end date.
  public var cycleDate: String?
  /// When the photo was taken, ISO 8601 UTC: the GPS clock, else the camera clock with its
  /// recorded offset; nil when neither says what UTC time it was.
  public var observedAt: String?
  public var captureId: String
  public var trackId: String?
  public var lengthMm: Double?
  public var maxWidthMm: Double?
  public var meanWidthMm: Double?
  public var severity: String?
  public var severityScheme: String?
  /// The track's least-squares rates of maximum width and of length, mm/year.
  public var growthWidthMmPerYear: Double?
  public var growthLengthMmPerYear: Double?
  /// Why the track has no rate, when it has none.
  public var growthNote: String?
  public var cyclesSeen: Int?
  public var georefMethod: String
  public var uncertaintyM: Double?
  public var modelVersion: String?
  public var confidence: Double?
  /// The point of the feature: a capture's GPS fix, a crack's camera position or centroid.
  public var longitude: Double?
  public var latitude: Double?
  /// The WGS84 centreline as stored, JSON `[[[lon, lat], ...], ...]`, footprint cracks
  /// only. It is SQLite's own buffer: valid only during the call that receives the row.
  public var polylineWgs84: Data?
  /// How the track was matched across cycles ("registration", "gps" or "mixed") and the
  /// largest residual of the registrations that placed it, mm; for cracks, their track's.
  public var matchedBy: String?
  public var registrationResidualMm: Double?
  /// The crack's widest stretch in its photo's pixels (a track's: its latest sighting's).
  public var maxWidthPx: Double?
  /// Narrower at its widest than its photo resolves: the widths are estimates, not
  /// measurements (`Crack.narrowestResolvedWidthPx`); nil for captures.
  public var widthIsBelowResolution: Bool? { maxWidthPx.map { Crack.widthIsBelowResolution(maxWidthPx: $0) } }

  /// A feature with only its identity; a store sets the facts it has.
  public init(kind: Kind, id: String, cycle: String, captureId: String, georefMethod: String) {
    self.kind = kind
    self.id = id
    self.cycle = cycle
    self.captureId = captureId
    self.georefMethod = georefMethod
  }

  /// When a photo was taken, in UTC: the GPS clock, else the camera clock with its recorded
  /// offset (`2026-11-20T10:15:30` and `+01:00`); nil when neither says what UTC time it was.
  public static func observedAt(gpsTimeUTC: String?, takenAt: String?, offset: String?) -> String? {
    if let gpsTimeUTC { return gpsTimeUTC }
    guard let takenAt, let offset, let date = try? Date(takenAt + offset, strategy: .iso8601) else {
      return nil
    }
    return date.formatted(.iso8601)
  }

  init(_ row: Row) {
    kind = Kind(rawValue: row[0]) ?? .crack
    id = row[1]
    cycle = row[2]
    cycleDate = row[3]
    observedAt = row[4]
    captureId = row[5]
    trackId = row[6]
    lengthMm = row[7]
    maxWidthMm = row[8]
    meanWidthMm = row[9]
    severity = row[10]
    severityScheme = row[11]
    growthWidthMmPerYear = row[12]
    growthLengthMmPerYear = row[13]
    growthNote = row[14]
    cyclesSeen = row[15]
    georefMethod = row[16]
    uncertaintyM = row[17]
    modelVersion = row[18]
    confidence = row[19]
    longitude = row[20]
    latitude = row[21]
    polylineWgs84 = row.dataNoCopy(atIndex: 22)
    matchedBy = row[23]
    registrationResidualMm = row[24]
    maxWidthPx = row[25]
  }
}

/// A WGS84 rectangle, as in a `bbox=minlon,minlat,maxlon,maxlat` query.
public struct BoundingBox: Sendable, Equatable {
  public var minLongitude: Double
  public var minLatitude: Double
  public var maxLongitude: Double
  public var maxLatitude: Double

  /// Parses `minlon,minlat,maxlon,maxlat`; nil unless it is four finite numbers in WGS84
  /// bounds, each minimum at most its maximum.
  public init?(_ text: String) {
    let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map {
      Double($0.trimmingCharacters(in: .whitespaces))
    }
    guard numbers.count == 4, let a = numbers[0], let b = numbers[1], let c = numbers[2], let d = numbers[3]
    else { return nil }
    self.init(minLongitude: a, minLatitude: b, maxLongitude: c, maxLatitude: d)
    guard [a, b, c, d].allSatisfy(\.isFinite), a <= c, b <= d, a >= -180, c <= 180, b >= -90, d <= 90 else {
      return nil
    }
  }

  public init(minLongitude: Double, minLatitude: Double, maxLongitude: Double, maxLatitude: Double) {
    self.minLongitude = minLongitude
    self.minLatitude = minLatitude
    self.maxLongitude = maxLongitude
    self.maxLatitude = maxLatitude
  }

  /// The box grown by `degrees` on every side (bounds stay within WGS84).
  public func widened(by degrees: Double) -> BoundingBox {
    BoundingBox(
      minLongitude: max(-180, minLongitude - degrees), minLatitude: max(-90, minLatitude - degrees),
      maxLongitude: min(180, maxLongitude + degrees), maxLatitude: min(90, maxLatitude + degrees))
  }

  /// Whether the rectangle from (lon0, lat0) to (lon1, lat1) touches this one: PostGIS's
  /// `&&` on envelopes, which the SQLite and PostgreSQL stores both answer by.
  public func intersects(lon0: Double, lat0: Double, lon1: Double, lat1: Double) -> Bool {
    lon0 <= maxLongitude && lon1 >= minLongitude && lat0 <= maxLatitude && lat1 >= minLatitude
  }
}

/// A store an asset map can be read from: a device store, or the central store.
public protocol MapRowSource: Sendable {
  /// Streams an asset's map features of one kind, optionally of one cycle, to `body`, inside
  /// one read transaction (a consistent snapshot, even while ingest or a push writes). Rows
  /// are read one at a time and never held: memory stays flat however many there are. Only
  /// features with a place on the ground are given: cracks tied to the asset alone, and
  /// captures without a valid GPS fix, are left out.
  ///
  /// Order is stable: cracks and captures cycle by cycle (by date, then label), then as
  /// stored; tracks by id. Storage order rides the indexes' rowid order, so SQLite never
  /// sorts (a sort would hold a cycle's rows, centrelines and all).
  ///
  /// Throws `StoreError.unknownAsset` / `.unknownCycle` for ids the store does not have.
  /// Errors thrown by `body` stop the stream and are rethrown as they are.
  ///
  /// With `within`, a store may leave out features whose envelope misses the box (PostGIS
  /// does, through its spatial index); the map writer checks every feature it is given.
  func forEachMapRow(
    asset: String, cycle: String?, kind: MapRow.Kind, within: BoundingBox?, _ body: (MapRow) throws -> Void
  ) async throws
}

extension DeviceStore: MapRowSource {
  public func forEachMapRow(
    asset: String, cycle: String? = nil, kind: MapRow.Kind, within: BoundingBox? = nil,
    _ body: (MapRow) throws -> Void
  ) throws {
    var bodyError: Error?
    try read { db in bodyError = try MapRow.stream(db, asset: asset, cycle: cycle, kind: kind, body) }
    if let bodyError { throw bodyError }
  }
}

extension MapRow {
  /// `MapRowSource.forEachMapRow` inside a read transaction; returns the error `body`
  /// threw, if it did, so that it reaches the caller unwrapped.
  ///
  /// With `envelopes`, a store that keeps the crack R*Tree (the central store) reads only
  /// the cracks whose envelope touches that box, in one pass ordered as above.
  ///
  /// Captures are keyed by asset and id in every store (a photo moved to another asset is held
  /// by both), and observations carry their capture's asset: joins between them match it.
  /// `keyedByAsset`: the central store's tracks and members are keyed by asset and id too
  /// (two organisations may hold the same photo, so the same ids); a device's are not.
  static func stream(
    _ db: Database, asset: String, cycle: String?, kind: MapRow.Kind, envelopes box: BoundingBox? = nil,
    keyedByAsset: Bool = false, _ body: (MapRow) throws -> Void
  ) throws -> Error? {
    guard try Row.fetchOne(db, sql: "SELECT 1 FROM asset WHERE id = ?", arguments: [asset]) != nil else {
      throw StoreError.unknownAsset(asset)
    }
    let labels = try String.fetchAll(
      db, sql: "SELECT label FROM inspection_cycle WHERE asset_id = ? ORDER BY start_date, label",
      arguments: [asset])
    if let cycle, !labels.contains(cycle) { throw StoreError.unknownCycle(asset: asset, label: cycle) }
    // An asset with corrections is read through them; the usual one, without, skips their joins.
    let corrected =
      try Row.fetchOne(db, sql: "SELECT 1 FROM correction WHERE asset_id = ? LIMIT 1", arguments: [asset])
      != nil
    // One query for a box's cracks (from the R*Tree); else one per cycle, in cycle order,
    // except tracks, which are not per cycle unless a cycle is asked for.
    let queries: [(sql: String, arguments: StatementArguments)]
    if let box, kind == .crack {
      queries = [
        (
          mapSQL(kind, oneCycle: cycle != nil, boxed: true, keyedByAsset: keyedByAsset, corrected: corrected),
          [asset, cycle, box.minLongitude, box.minLatitude, box.maxLongitude, box.maxLatitude]
        )
      ]
    } else {
      let passes: [String?] = kind == .track && cycle == nil ? [nil] : cycle.map { [$0] } ?? labels
      queries = passes.map { label in
        (
          mapSQL(kind, oneCycle: label != nil, keyedByAsset: keyedByAsset, corrected: corrected),
          label.map { [asset, $0] } ?? [asset]
        )
      }
    }
    for query in queries {
      let cursor = try Row.fetchCursor(db, sql: query.sql, arguments: query.arguments)
      while let row = try cursor.next() {
        do {
          try body(MapRow(row))
        } catch {
          return error
        }
      }
    }
    return nil
  }

  /// Every kind selects the same 23 columns, in `MapRow.init`'s order. `corrected`: captures
  /// are placed in their cycle as moved, and voided ones, those of retired cycles and
  /// superseded observations are left out.
  private static func mapSQL(
    _ kind: MapRow.Kind, oneCycle: Bool, boxed: Bool = false, keyedByAsset: Bool, corrected: Bool
  )
    -> String
  {
    func same(_ a: String, _ b: String) -> String { keyedByAsset ? " AND \(a).asset_id = \(b).asset_id" : "" }
    func cycleOf(_ c: String) -> String { corrected ? Corrected.cycle(c) : "\(c).cycle_label" }
    let live = corrected ? " AND \(Corrected.captureIsLive("c"))" : ""
    let liveCrack = corrected ? live + " AND \(Corrected.observationIsLive("o", capture: "c"))" : ""
    // SQLite's strftime turns "2026-11-20T10:15:30" || "+01:00" into UTC; without an
    // offset the camera clock's zone is unknown and the concatenation is NULL.
    let capture = """
      \(cycleOf("c")), COALESCE(y.start_date, y.end_date),
      COALESCE(c.gps_time_utc, strftime('%Y-%m-%dT%H:%M:%SZ', c.taken_at || c.taken_at_offset)), c.id
      """
    let cycleJoin = "LEFT JOIN inspection_cycle y ON y.asset_id = c.asset_id AND y.label = \(cycleOf("c"))"
    let cycleFilter = oneCycle ? "AND \(cycleOf("c")) = ?2" : ""
    let measures = """
      o.length_mm, o.max_width_mm, o.mean_width_mm, o.severity, o.severity_scheme,
      g.max_width_mm_per_year, g.length_mm_per_year, g.no_rate_reason
      """
    // A crack whose photo has no GPS is where its registrations placed it (p), through the
    // chain's root footprint; without one it has no place on a map.
    let placement = """
      CASE WHEN p.polyline_wgs84 IS NULL THEN o.georef_method ELSE 'footprint' END,
      COALESCE(p.uncertainty_m, o.georef_uncertainty_m), o.model_version, o.confidence,
      COALESCE(p.longitude, o.longitude), COALESCE(p.latitude, o.latitude),
      COALESCE(p.polyline_wgs84, o.polyline_wgs84), g.matched_by, g.registration_residual_mm, o.max_width_px
      """
    let placementJoin =
      "LEFT JOIN registered_placement p ON p.observation_id = o.id AND p.asset_id = c.asset_id"
    let placed = "(o.georef_method <> 'asset' OR p.observation_id IS NOT NULL)"
    // A track placed through a registration frame is drawn there, not by its latest photo's GPS
    // (a photo without GPS has none): through the frame's root footprint. With one cycle, the
    // track's observation in it as placed.
    let trackPlacement =
      oneCycle
      ? placement
      : """
      CASE WHEN g.polyline_wgs84 IS NULL THEN o.georef_method ELSE 'footprint' END, o.georef_uncertainty_m, o.model_version, o.confidence, COALESCE(g.longitude, o.longitude),
      COALESCE(g.latitude, o.latitude), COALESCE(g.polyline_wgs84, o.polyline_wgs84), g.matched_by,
      g.registration_residual_mm, o.max_width_px
      """
    switch kind {
    case .crack where boxed:
      // From the R*Tree (?3-?6: min lon, min lat, max lon, max lat) to the rows (so only cracks
      // with a position of their own, which the central store's are); CROSS JOIN
      // keeps that order (left to itself, SQLite starts from the asset's captures and reads
      // every crack). A box's cracks are few, so sorting them costs little.
      return """
        SELECT 'crack', o.id, \(capture), m.track_id, \(measures), g.cycles_seen, \(placement)
        FROM crack_observation_envelope e
        CROSS JOIN crack_observation o ON o.rowid = e.id
        JOIN capture c ON c.id = o.capture_id AND c.asset_id = o.asset_id \(cycleJoin)
        LEFT JOIN crack_track_member m ON m.observation_id = o.id\(same("m", "o"))
        LEFT JOIN track_growth g ON g.track_id = m.track_id\(same("g", "m"))
        \(placementJoin)
        WHERE e.max_lon >= ?3 AND e.min_lon <= ?5 AND e.max_lat >= ?4 AND e.min_lat <= ?6
          AND c.asset_id = ?1 \(cycleFilter) AND o.georef_method <> 'asset'\(liveCrack)
        ORDER BY y.start_date, \(cycleOf("c")), c.rowid, o.rowid
        """
    case .crack:
      return """
        SELECT 'crack', o.id, \(capture), m.track_id, \(measures), g.cycles_seen, \(placement)
        FROM capture c \(cycleJoin)
        JOIN crack_observation o ON o.capture_id = c.id AND o.asset_id = c.asset_id
        LEFT JOIN crack_track_member m ON m.observation_id = o.id\(same("m", "o"))
        LEFT JOIN track_growth g ON g.track_id = m.track_id\(same("g", "m"))
        \(placementJoin)
        WHERE c.asset_id = ?1 \(cycleFilter) AND \(placed)\(liveCrack)
        ORDER BY c.rowid, o.rowid
        """
    case .capture:
      return """
        SELECT 'capture', c.id, \(capture), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
          'camera-position', NULL, NULL, NULL, c.longitude, c.latitude, NULL, NULL, NULL, NULL
        FROM capture c \(cycleJoin)
        WHERE c.asset_id = ?1 \(cycleFilter) AND c.gps_status = 'valid' AND c.latitude IS NOT NULL
          AND c.longitude IS NOT NULL\(live)
        ORDER BY c.rowid
        """
    case .track:
      // The latest observation's geometry; with one cycle, the track's longest observation
      // in it (a merge puts two there, and a feature id must stay unique).
      let observation =
        oneCycle
        ? """
        JOIN crack_observation o ON o.id = (
          SELECT m.observation_id FROM crack_track_member m
          JOIN crack_observation o2 ON o2.id = m.observation_id\(same("o2", "m"))
          JOIN capture c2 ON c2.id = o2.capture_id AND c2.asset_id = o2.asset_id
          WHERE m.track_id = g.track_id\(same("m", "g")) AND \(cycleOf("c2")) = ?2
          ORDER BY o2.length_px DESC, o2.id LIMIT 1)\(same("o", "g"))
        """
        : "JOIN crack_observation o ON o.id = g.latest_observation_id\(same("o", "g"))"
      return """
        SELECT 'track', g.track_id, \(capture), g.track_id, \(measures), g.cycles_seen, \(trackPlacement)
        FROM track_growth g \(observation)
        JOIN capture c ON c.id = o.capture_id AND c.asset_id = o.asset_id \(cycleJoin)
        \(placementJoin)
        WHERE g.asset_id = ?1 \(cycleFilter) AND (\(placed)\(oneCycle ? "" : " OR g.polyline_wgs84 IS NOT NULL"))
        ORDER BY g.track_id
        """
    }
  }
}
