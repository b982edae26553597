import CaptureMetadata
import Foundation
import GRDB
import Georeference

/// One photo as stored: where it was taken, how it is scaled, and the full metadata it was read from.
///
/// The id is the SHA-256 of the file, so the same photo is one capture everywhere.
public struct CaptureRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  public var id: String
  public var assetId: String
  public var cycleLabel: String
  /// The path it was ingested from, for the inspector's reference only.
  public var sourcePath: String
  public var fileSize: Int
  public var container: String
  public var make: String?
  public var model: String?
  public var takenAt: String?
  public var takenAtOffset: String?
  public var gpsTimeUtc: String?
  public var gpsStatus: String
  public var gpsProblem: String?
  public var latitude: Double?
  public var longitude: Double?
  public var altitudeM: Double?
  public var altitudeRef: String?
  public var width: Int?
  public var height: Int?
  public var orientation: Int?
  public var cameraView: String
  /// Camera position in the asset's projected CRS, when the GPS fix is valid.
  public var epsg: Int?
  public var easting: Double?
  public var northing: Double?
  public var gsdMmPerPx: Double?
  public var gsdMethod: String
  public var gsdUncertaintyMmPerPx: Double?
  public var gsdNote: String?
  public var distanceM: Double?
  /// `crackmon metadata`'s JSON for this file, so nothing read is lost.
  public var metadataJson: String
  public var ingestedAt: String
  public var deviceId: String = ""
  public var seq: Int64 = 0
  /// 1-sigma error of the GPS position per horizontal axis, metres: what ingest was told
  /// (`--gps-sigma-m`) or assumed. Nil for captures stored before it was kept; readers
  /// then assume `defaultGPSSigmaM`.
  public var gpsSigmaM: Double? = nil

  /// Consumer drone and phone GNSS beside a structure: a few metres (open-sky figures of
  /// 1.5 m degrade under decks and beside piers). RTK users give `--gps-sigma-m 0.05`.
  public static let defaultGPSSigmaM = 5.0
  /// The GPS uncertainty to use for this capture.
  public var gpsSigma: Double { gpsSigmaM ?? Self.defaultGPSSigmaM }

  public static let databaseTableName = "capture"
  /// The largest photo the central store takes (2 GiB): ingest refuses larger ones.
  public static let maxPhotoBytes: Int64 = 2 << 30
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

extension CaptureRecord {
  /// At most 256 bytes of `text`, cut between characters. EXIF strings can be any length;
  /// the central store takes short fields of at most a kilobyte (`SyncEntry.maxTextBytes`), and
  /// a column it refused would hold up every later sync. The whole value stays in `metadataJson`.
  static func clamped(_ text: String?) -> String? {
    guard let text, text.utf8.count > 256 else { return text }
    var bytes = 0
    return String(
      text.prefix {
        bytes += $0.utf8.count; return bytes <= 256
      })
  }

  /// Maps a photo's metadata and georeference onto the stored columns.
  public init(
    metadata: CaptureMetadata, assetId: String, cycleLabel: String, gsd: GroundSampleDistance,
    cameraView: CameraView, projected: (epsg: Int, easting: Double, northing: Double)?,
    gpsSigmaM: Double? = nil
  ) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = (try? encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    self.init(
      id: metadata.sha256, assetId: assetId, cycleLabel: cycleLabel, sourcePath: metadata.path,
      fileSize: metadata.fileSize, container: metadata.container.rawValue,
      make: Self.clamped(metadata.make), model: Self.clamped(metadata.model),
      takenAt: metadata.dateTimeOriginal, takenAtOffset: metadata.offsetTimeOriginal,
      gpsTimeUtc: metadata.gps.timeUTC, gpsStatus: metadata.gps.status.rawValue,
      gpsProblem: Self.clamped(metadata.gps.problem),
      latitude: metadata.gps.latitude, longitude: metadata.gps.longitude, altitudeM: metadata.gps.altitude,
      altitudeRef: metadata.gps.altitudeReference?.rawValue, width: metadata.width, height: metadata.height,
      orientation: metadata.orientation, cameraView: cameraView.rawValue, epsg: projected?.epsg,
      easting: projected?.easting, northing: projected?.northing, gsdMmPerPx: gsd.millimetresPerPixel,
      gsdMethod: gsd.method.rawValue, gsdUncertaintyMmPerPx: gsd.uncertainty, gsdNote: gsd.note,
      distanceM: gsd.distanceMetres, metadataJson: json, ingestedAt: Timestamp.now())
    self.gpsSigmaM = gpsSigmaM
  }
}
