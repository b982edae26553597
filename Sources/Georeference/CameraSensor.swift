import CaptureMetadata

/// How the camera's focal length in pixels was found.
public enum FocalSource: String, Codable, Sendable {
  /// DJI XMP CalibratedFocalLength, already in pixels from the factory calibration.
  case calibratedFocalLength = "calibrated_focal_length"
  /// Sensor width from EXIF FocalPlaneXResolution.
  case focalPlaneResolution = "focal_plane_resolution"
  /// Sensor width = 36 mm × focal / focal(35 mm), which assumes a 3:2 sensor.
  case equivalent35mm = "35mm_equivalent"
  /// Sensor width from `CameraSensor.knownWidths`.
  case cameraTable = "camera_table"

  /// Relative 1-sigma error we assume for each source.
  var relativeUncertainty: Double {
    switch self {
    case .calibratedFocalLength: 0.005
    case .focalPlaneResolution: 0.01
    case .cameraTable: 0.02
    // The 35 mm equivalent is defined on the diagonal; on a 4:3 sensor the width
    // formula is about 4 % off, so allow 5 %.
    case .equivalent35mm: 0.05
    }
  }
}

/// The camera's focal length expressed in pixels of the stored image, the one number
/// GSD needs besides distance: GSD (mm/px) = distance (mm) / focal (px).
public struct FocalLengthInPixels: Sendable, Equatable {
  public var pixels: Double
  public var source: FocalSource

  /// Picks the best source the metadata offers, or nil when none applies.
  public init?(_ metadata: CaptureMetadata) {
    guard let width = metadata.width, width > 0 else { return nil }
    if let calibrated = metadata.drone?.calibratedFocalLength, calibrated > 0 {
      self.init(pixels: calibrated, source: .calibratedFocalLength)
      return
    }
    guard let focal = metadata.focalLength else { return nil }
    let candidates: [(Double?, FocalSource)] = [
      (
        metadata.focalPlane?.xPixelsPerMillimetre.map { Double(metadata.exifPixelWidth ?? width) / $0 },
        .focalPlaneResolution
      ),
      (metadata.focalLength35mm.map { 36 * focal / $0 }, .equivalent35mm),
      (metadata.model.flatMap { CameraSensor.knownWidths[$0] }, .cameraTable),
    ]
    // Some phones write a focal plane resolution for a different frame; a width
    // outside 1–70 mm is not a camera sensor.
    guard
      let (sensorWidth, source) = candidates.lazy.compactMap({ w, s in w.map { ($0, s) } })
        .first(where: { (1...70).contains($0.0) })
    else { return nil }
    self.init(pixels: focal * Double(width) / sensorWidth, source: source)
  }

  public init(pixels: Double, source: FocalSource) {
    self.pixels = pixels
    self.source = source
  }
}

/// Sensor widths (mm) of cameras common in inspection work, by EXIF Model, for
/// photos that carry neither a focal plane resolution nor a 35 mm equivalent.
public enum CameraSensor {
  public static let knownWidths: [String: Double] = [
    // DJI Phantom 4 Pro / Advanced / RTK: 1" CMOS, 13.2 × 8.8 mm (DJI Phantom 4 Pro specs page).
    "FC6310": 13.2, "FC6310S": 13.2, "FC6310R": 13.2,
    // DJI Mavic 2 Pro, Hasselblad L1D-20c: 1" CMOS, 13.2 mm (DJI Mavic 2 specs page).
    "L1D-20c": 13.2,
    // DJI Phantom 4 and Mavic Pro, Phantom 3: 1/2.3" CMOS, 6.17 × 4.55 mm (DJI specs pages).
    "FC330": 6.17, "FC220": 6.17, "FC300X": 6.17, "FC300S": 6.17,
    // DJI Zenmuse X5S: 4/3" CMOS, 17.3 × 13.0 mm (DJI Zenmuse X5S specs page).
    "FC6520": 17.3,
    // DJI Mavic 3 Enterprise wide camera: 4/3" CMOS, 17.3 × 13.0 mm (DJI Mavic 3E specs page).
    "M3E": 17.3,
    // DJI Zenmuse P1: full frame, 35.9 × 24 mm (DJI Zenmuse P1 specs page).
    "ZenmuseP1": 35.9,
  ]
}
