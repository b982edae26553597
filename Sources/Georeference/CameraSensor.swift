import CaptureMetadata

/// How the camera's focal length in pixels was found.
public enum FocalSource: String, Codable, Sendable {
  /// DJI XMP CalibratedFocalLength, already in pixels from the factory calibration.
  case calibratedFocalLength = "calibrated_focal_length"
  /// Sensor width from EXIF FocalPlaneXResolution.
  case focalPlaneResolution = "focal_plane_resolution"
  /// The 35 mm equivalent focal length, on the diagonal as it is defined: focal (px) =
  /// focal(35 mm) × image diagonal (px) / 43.27 mm (the diagonal of a 36 × 24 mm frame).
  case equivalent35mm = "35mm_equivalent"
  /// Sensor width from `CameraSensor.knownWidths`.
  case cameraTable = "camera_table"

  /// Relative 1-sigma error we assume for each source.
  var relativeUncertainty: Double {
    switch self {
    case .calibratedFocalLength: 0.005
    case .focalPlaneResolution: 0.01
    case .cameraTable: 0.02
    // Makers round the 35 mm equivalent (26, 24, 13 mm) and crop differently for video
    // and stills: allow 5 %.
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
  ///
  /// Sensor widths are of the sensor's long side, so they go with the picture's long side:
  /// a portrait photo (a phone held upright, a HEIC that libheif has already turned) has its
  /// short side as its width, and dividing the long sensor side by it made the scale a third
  /// too large.
  public init?(_ metadata: CaptureMetadata) {
    guard let width = metadata.width, width > 0 else { return nil }
    let height = metadata.height.flatMap { $0 > 0 ? $0 : nil }
    let longSide = Double(max(width, height ?? 0))
    if let calibrated = metadata.drone?.calibratedFocalLength, calibrated > 0 {
      self.init(pixels: calibrated, source: .calibratedFocalLength)
      return
    }
    let focal = metadata.focalLength
    // Each candidate: the focal length in pixels, and the sensor's long side it implies (mm).
    var candidates: [(pixels: Double, sensor: Double?, source: FocalSource)] = []
    if let focal, let resolution = metadata.focalPlane?.xPixelsPerMillimetre {
      let sensor = Double(metadata.exifPixelWidth ?? Int(longSide)) / resolution
      candidates.append((focal * longSide / sensor, sensor, .focalPlaneResolution))
    }
    if let equivalent = metadata.focalLength35mm, equivalent > 0, let height {
      let diagonal = (Double(width) * Double(width) + Double(height) * Double(height)).squareRoot()
      let frameDiagonal = (36.0 * 36 + 24 * 24).squareRoot()
      candidates.append(
        (equivalent * diagonal / frameDiagonal, focal.map { 36 * $0 / equivalent }, .equivalent35mm))
    }
    if let focal, let sensor = metadata.model.flatMap({ CameraSensor.knownWidths[$0] }) {
      candidates.append((focal * longSide / sensor, sensor, .cameraTable))
    }
    // Some phones write a focal plane resolution for a different frame; a width outside
    // 1–70 mm is not a camera sensor.
    guard let found = candidates.first(where: { $0.sensor.map { (1...70).contains($0) } ?? true }) else {
      return nil
    }
    self.init(pixels: found.pixels, source: found.source)
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
