import GRDB

/// How a capture aligns with a photo of an earlier cycle, by the surface's own texture:
/// kept whether or not it registered, so that a report can say why a crack was placed by
/// GPS only. Derived on the device that holds both photos; not synced.
public struct CaptureRegistration: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
  public var captureId: String
  /// The earlier capture the homography maps into.
  public var referenceId: String
  public var registered: Bool
  /// JSON rows of the 3×3 matrix from the capture's pixels to the reference's (corner
  /// convention, after EXIF orientation); nil when not registered.
  public var homography: String?
  public var matches: Int
  public var inliers: Int
  public var residualPx: Double?
  /// The residual on the surface, through the reference's GSD, when it has one.
  public var residualMm: Double?
  public var overlap: Double?
  public var reason: String?
  public var registeredAt: String

  public init(
    captureId: String, referenceId: String, registered: Bool, homography: String?, matches: Int,
    inliers: Int, residualPx: Double?, residualMm: Double?, overlap: Double?, reason: String?,
    registeredAt: String = Timestamp.now()
  ) {
    self.captureId = captureId
    self.referenceId = referenceId
    self.registered = registered
    self.homography = homography
    self.matches = matches
    self.inliers = inliers
    self.residualPx = residualPx
    self.residualMm = residualMm
    self.overlap = overlap
    self.reason = reason
    self.registeredAt = registeredAt
  }

  public static let databaseTableName = "capture_registration"
  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
}

extension DeviceStore {
  /// Stores the registrations of one capture, replacing earlier attempts at the same pairs
  /// (a photo registered again with other settings), in one transaction.
  /// `asset`: the asset of the capture and its references.
  public func save(registrations: [CaptureRegistration], asset: String) throws(StoreError) {
    try write { db in
      for registration in registrations { try registration.insert(db, asset: asset, conflict: "OR REPLACE") }
    }
  }

  /// Registrations of an asset's captures, registered or not, by capture then reference.
  public func registrations(asset: String) throws(StoreError) -> [CaptureRegistration] {
    try read { db in
      try CaptureRegistration.fetchAll(
        db,
        sql: """
          SELECT r.* FROM capture_registration r WHERE r.asset_id = ? ORDER BY r.capture_id, r.reference_id
          """, arguments: [asset])
    }
  }
}

/// What tracking needs of a capture that took part in a registration: its cycle and scale
/// (chains), and what its nadir footprint is made of (placing a chain's cracks).
public struct RegisteredCapture: Sendable {
  public var id: String
  public var cycleLabel: String
  public var cameraView: String
  public var gsdMmPerPx: Double?
  public var latitude: Double?
  public var longitude: Double?
  public var width: Int?
  public var height: Int?
  public var orientation: Int?
  public var metadataJson: String
  public var gpsSigmaM: Double?
}

/// A crack seen on a registered capture: what tracking needs to place it in another photo's frame.
public struct RegisteredCrack: Sendable {
  public var observationId: String
  public var captureId: String
  /// JSON branches of [x, y] image pixels (pixel indices: the top-left pixel's centre is (0, 0)).
  public var polylinePx: String
  /// JSON branches of [x, y, width] samples in image pixels, as `polylinePx`.
  public var widthProfilePx: String
}

extension DeviceStore {
  /// The asset's captures that registered to, or were registered to by, another capture, with
  /// only the columns tracking reads (the scale as last measured, after a re-processing at
  /// another distance): re-tracking reads them every time, and decoding whole
  /// capture records was a sixth of it on 100,000 photos.
  public func registeredCaptures(asset: String) throws(StoreError) -> [RegisteredCapture] {
    try read { db in
      let (cycleOf, live) = try Self.correctedSQL(asset: asset, db: db, observations: false)
      // An asset never corrected is read as it is, without the correction lookups.
      let gsd = live.isEmpty ? "c.gsd_mm_per_px" : Corrected.gsd("c")
      return try Row.fetchAll(
        db,
        sql: """
          SELECT c.id, \(cycleOf), c.camera_view, \(gsd), c.latitude, c.longitude, c.width, c.height,
            c.orientation, c.metadata_json, c.gps_sigma_m
          FROM capture c
          WHERE c.asset_id = ?1\(live) AND c.id IN (
            SELECT capture_id FROM capture_registration WHERE asset_id = ?1 AND registered = 1
            UNION SELECT reference_id FROM capture_registration WHERE asset_id = ?1 AND registered = 1)
          ORDER BY c.id
          """, arguments: [asset]
      ).map {
        RegisteredCapture(
          id: $0[0], cycleLabel: $0[1], cameraView: $0[2], gsdMmPerPx: $0[3], latitude: $0[4],
          longitude: $0[5],
          width: $0[6], height: $0[7], orientation: $0[8], metadataJson: $0[9], gpsSigmaM: $0[10])
      }
    }
  }

  /// The cracks of an asset's captures that registered to, or were registered to by, another
  /// capture: the only ones tracking places through a registration.
  public func registeredCracks(asset: String) throws(StoreError) -> [RegisteredCrack] {
    try read { db in
      let live = try Self.correctedSQL(asset: asset, db: db).live
      return try Row.fetchAll(
        db,
        sql: """
          SELECT o.id, o.capture_id, o.polyline_px, o.width_profile_px FROM crack_observation o
          JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id
          WHERE c.asset_id = ?1\(live) AND o.capture_id IN (
            SELECT capture_id FROM capture_registration WHERE asset_id = ?1 AND registered = 1
            UNION SELECT reference_id FROM capture_registration WHERE asset_id = ?1 AND registered = 1)
          ORDER BY o.id
          """, arguments: [asset]
      ).map {
        RegisteredCrack(observationId: $0[0], captureId: $0[1], polylinePx: $0[2], widthProfilePx: $0[3])
      }
    }
  }
}
