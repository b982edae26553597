import CrackGeometry
import Foundation
import GRDB

/// One crack seen in one capture: an immutable fact, stored and synced once.
///
/// Geometry is always in image pixels; in millimetres when the capture's scale is known;
/// in the asset's projected CRS and WGS84 when the capture could be placed on the ground
/// (`georefMethod`). Polylines are JSON: a list of branches, each a list of points.
public struct CrackObservation: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  /// How an observation was placed, from best to worst.
  public enum GeorefMethod: String, Codable, Sendable {
    /// Nadir shot: every pixel placed through the photo's ground footprint.
    case footprint
    /// Oblique shot: placed at the camera position, image geometry kept.
    case cameraPosition = "camera-position"
    /// No usable GPS: tied to the asset only.
    case asset
  }

  /// SHA-256 of (capture id, model name and version, crack index): the same photo run
  /// through the same model gives the same ids on every device.
  public var id: String
  public var captureId: String
  public var crackIndex: Int
  /// `[[[x, y], ...], ...]`: one simplified skeleton polyline per branch.
  public var polylinePx: String
  /// `[[x, y, width], ...]` along the skeleton.
  public var widthProfilePx: String
  public var lengthPx: Double
  public var maxWidthPx: Double
  public var meanWidthPx: Double
  /// Degrees counter-clockwise from the image x axis, in [0, 180).
  public var orientationDeg: Double
  public var areaPx: Double
  public var lengthMm: Double?
  public var maxWidthMm: Double?
  public var meanWidthMm: Double?
  public var areaMm2: Double?
  /// `[[[easting, northing], ...], ...]` in `epsg`, footprint only.
  public var polylineProjected: String?
  /// `[[[longitude, latitude], ...], ...]`, footprint only.
  public var polylineWgs84: String?
  public var epsg: Int?
  /// Centroid of the skeleton (footprint) or the camera position (camera-position).
  public var easting: Double?
  public var northing: Double?
  public var latitude: Double?
  public var longitude: Double?
  /// Direction on the ground, clockwise from grid north, in [0, 180); footprint only.
  public var bearingDeg: Double?
  public var georefMethod: String
  /// Horizontal uncertainty of the placement, metres (1 sigma).
  public var georefUncertaintyM: Double?
  public var severityScheme: String?
  public var severity: String?
  public var confidence: Double
  public var modelName: String
  public var modelVersion: String
  public var createdAt: String
  public var deviceId: String = ""
  public var seq: Int64 = 0

  public static let databaseTableName = "crack_observation"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

  public init(
    id: String, captureId: String, crackIndex: Int, polylinePx: String, widthProfilePx: String,
    lengthPx: Double, maxWidthPx: Double, meanWidthPx: Double, orientationDeg: Double, areaPx: Double,
    lengthMm: Double? = nil, maxWidthMm: Double? = nil, meanWidthMm: Double? = nil, areaMm2: Double? = nil,
    polylineProjected: String? = nil, polylineWgs84: String? = nil, epsg: Int? = nil,
    easting: Double? = nil, northing: Double? = nil, latitude: Double? = nil, longitude: Double? = nil,
    bearingDeg: Double? = nil, georefMethod: GeorefMethod, georefUncertaintyM: Double? = nil,
    severityScheme: String? = nil, severity: String? = nil, confidence: Double, modelName: String,
    modelVersion: String
  ) {
    self.id = id
    self.captureId = captureId
    self.crackIndex = crackIndex
    self.polylinePx = polylinePx
    self.widthProfilePx = widthProfilePx
    self.lengthPx = lengthPx
    self.maxWidthPx = maxWidthPx
    self.meanWidthPx = meanWidthPx
    self.orientationDeg = orientationDeg
    self.areaPx = areaPx
    self.lengthMm = lengthMm
    self.maxWidthMm = maxWidthMm
    self.meanWidthMm = meanWidthMm
    self.areaMm2 = areaMm2
    self.polylineProjected = polylineProjected
    self.polylineWgs84 = polylineWgs84
    self.epsg = epsg
    self.easting = easting
    self.northing = northing
    self.latitude = latitude
    self.longitude = longitude
    self.bearingDeg = bearingDeg
    self.georefMethod = georefMethod.rawValue
    self.georefUncertaintyM = georefUncertaintyM
    self.severityScheme = severityScheme
    self.severity = severity
    self.confidence = confidence
    self.modelName = modelName
    self.modelVersion = modelVersion
    createdAt = Timestamp.now()
  }

  /// The table's columns in the order `init(row:at:)` reads them.
  static let columns = [
    "id", "capture_id", "crack_index", "polyline_px", "width_profile_px", "length_px", "max_width_px",
    "mean_width_px", "orientation_deg", "area_px", "length_mm", "max_width_mm", "mean_width_mm", "area_mm2",
    "polyline_projected", "polyline_wgs84", "epsg", "easting", "northing", "latitude", "longitude",
    "bearing_deg",
    "georef_method", "georef_uncertainty_m", "severity_scheme", "severity", "confidence", "model_name",
    "model_version", "created_at", "device_id", "seq",
  ]

  /// Reads `columns` by position from index `i` on: tracking reads every observation of
  /// an asset, and positional reads skip the by-name lookup (which lowercases every
  /// name) and the synthesized `Decodable` path, several times faster over 100,000 rows.
  init(row: Row, at i: Int) {
    id = row[i]
    captureId = row[i + 1]
    crackIndex = row[i + 2]
    polylinePx = row[i + 3]
    widthProfilePx = row[i + 4]
    lengthPx = row[i + 5]
    maxWidthPx = row[i + 6]
    meanWidthPx = row[i + 7]
    orientationDeg = row[i + 8]
    areaPx = row[i + 9]
    lengthMm = row[i + 10]
    maxWidthMm = row[i + 11]
    meanWidthMm = row[i + 12]
    areaMm2 = row[i + 13]
    polylineProjected = row[i + 14]
    polylineWgs84 = row[i + 15]
    epsg = row[i + 16]
    easting = row[i + 17]
    northing = row[i + 18]
    latitude = row[i + 19]
    longitude = row[i + 20]
    bearingDeg = row[i + 21]
    georefMethod = row[i + 22]
    georefUncertaintyM = row[i + 23]
    severityScheme = row[i + 24]
    severity = row[i + 25]
    confidence = row[i + 26]
    modelName = row[i + 27]
    modelVersion = row[i + 28]
    createdAt = row[i + 29]
    deviceId = row[i + 30]
    seq = row[i + 31]
  }

  /// Writes `columns` by name without the synthesized `Encodable` path, whose snake-case
  /// key conversion was most of the central store's time when a device pushes thousands.
  public func encode(to container: inout PersistenceContainer) {
    let values: [(any DatabaseValueConvertible)?] = [
      id, captureId, crackIndex, polylinePx, widthProfilePx, lengthPx, maxWidthPx, meanWidthPx,
      orientationDeg,
      areaPx, lengthMm, maxWidthMm, meanWidthMm, areaMm2, polylineProjected, polylineWgs84, epsg, easting,
      northing, latitude, longitude, bearingDeg, georefMethod, georefUncertaintyM, severityScheme, severity,
      confidence, modelName, modelVersion, createdAt, deviceId, seq,
    ]
    for (column, value) in zip(Self.columns, values) { container[column] = value }
  }

  /// Its widest stretch is narrower than its photo resolves (`Crack.narrowestResolvedWidthPx`),
  /// so its widths are estimates, not measurements.
  public var widthIsBelowResolution: Bool { Crack.widthIsBelowResolution(maxWidthPx: maxWidthPx) }

  /// A stored polyline or profile column (JSON text) as branches of number lists.
  public static func branches(_ json: String?) -> [[[Double]]]? {
    json.flatMap { try? JSONDecoder().decode([[[Double]]].self, from: Data($0.utf8)) }
  }
}

/// An observation with the capture facts that tracking and reports need beside it.
public struct ObservationInCycle: Sendable, Equatable {
  public var observation: CrackObservation
  public var cycleLabel: String
  public var sourcePath: String
  public var takenAt: String?
  /// The photo's EXIF orientation: the polyline is in its upright pixels.
  public var orientation: Int?
}

extension ObservationInCycle {
  /// The SQL that reads an asset's live observations with their photos' facts in every store
  /// (the asset bound to `assetParameter`: `?1`, or PostgreSQL's `$1`), by column name
  /// (`init(namedRow:)`), in a stable order: by cycle, photo, then crack index. `cycle` and
  /// `live` read it through its corrections (`Corrected.readThrough`).
  public static func selectSQL(assetParameter: String, cycle: String, live: String) -> String {
    """
    SELECT \(CrackObservation.columns.map { "o." + $0 }.joined(separator: ", ")), \(cycle) AS in_cycle,
      c.source_path AS source_path, c.taken_at AS taken_at, c.orientation AS orientation
    FROM crack_observation o JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id
    WHERE c.asset_id = \(assetParameter)\(live)
    ORDER BY in_cycle, source_path, o.crack_index
    """
  }

  /// One row of `selectSQL`.
  public init(namedRow row: Row) throws {
    self.init(
      observation: try CrackObservation(row: row), cycleLabel: row["in_cycle"],
      sourcePath: row["source_path"],
      takenAt: row["taken_at"], orientation: row["orientation"])
  }
}
