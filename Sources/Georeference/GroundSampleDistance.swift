import CaptureMetadata

/// Millimetres on the surface per image pixel, with how it was obtained.
public struct GroundSampleDistance: Sendable, Equatable, Codable {
  public enum Method: String, Codable, Sendable {
    /// Nadir drone shot, distance = the drone's height above its take-off point (DJI
    /// `RelativeAltitude`, Skydio `RelativeAltitude`, Parrot `Camera:AboveGroundAltitude`).
    case nadirRelativeAltitude = "nadir_relative_altitude"
    /// Stand-off distance the inspector gave (`--distance-m`).
    case userDistance = "user_distance"
    /// DJI laser rangefinder (`LRFTargetDistance`): distance to the surface at the frame's
    /// centre, nadir or oblique.
    case laserRange = "laser_range"
    /// Where the camera says it focused (EXIF SubjectDistance): the last resort, with a large
    /// uncertainty.
    case focusDistance = "focus_distance"
    /// No trustworthy distance or focal length; `note` says which is missing.
    case unknown
  }

  public var millimetresPerPixel: Double? = nil
  /// One-sigma uncertainty of `millimetresPerPixel`.
  public var uncertainty: Double? = nil
  public var method: Method
  public var distanceMetres: Double? = nil
  public var focalSource: FocalSource? = nil
  /// Why the scale is unknown, or the assumption behind it.
  public var note: String?

  /// GSD (mm/px) = sensor width (mm) × distance (m) × 1000 / (focal length (mm) × image width (px)).
  ///
  /// Check value: `millimetresPerPixel(sensorWidth: 13.2, distance: 100, focalLength: 8.8, imageWidth: 5472)`
  /// is 27.41 mm/px (2.74 cm/px).
  public static func millimetresPerPixel(
    sensorWidth: Double, distance: Double, focalLength: Double, imageWidth: Double
  ) -> Double {
    sensorWidth * distance * 1000 / (focalLength * imageWidth)
  }

  /// Barometric height is good to about half a metre; the ground under the drone may
  /// also differ from the take-off point, which we allow 5 % of the height for.
  static func relativeAltitudeUncertainty(_ height: Double) -> Double {
    (0.25 + 0.0025 * height * height).squareRoot()
  }

  /// A tape or laser stand-off measured to about 2 %.
  static let userDistanceRelativeUncertainty = 0.02

  /// A camera's focus distance is a lens position read back, in coarse steps that widen with
  /// distance, and depth of field lets it be off by a fair share without blur: taken as
  /// 25 % (one sigma). Enough to tell a crack of 0.3 mm from one of 3 mm, not to grade one.
  static let focusDistanceRelativeUncertainty = 0.25

  /// Scale for one capture.
  ///
  /// An explicit `userDistance` wins, then a DJI laser range, then a nadir drone shot's height
  /// above take-off, then the camera's focus distance. Height above take-off is the distance
  /// to the surface only over ground at take-off height, and its uncertainty grows with it.
  /// GPS altitude is above sea level, not above the surface, and gives absurd scales: it is
  /// never used.
  public static func estimate(for metadata: CaptureMetadata, userDistance: Double? = nil)
    -> GroundSampleDistance
  {
    let method: Method
    let distance: Double
    let distanceSigma: Double
    if let userDistance {
      method = .userDistance
      distance = userDistance
      distanceSigma = userDistance * Self.userDistanceRelativeUncertainty
    } else if let range = metadata.drone?.laserRangeMetres {
      // Measured to the surface itself, where RelativeAltitude is height above take-off: it
      // comes first, and gives oblique shots a scale at the centre of the frame.
      method = .laserRange
      distance = range
      distanceSigma = Self.laserRangeUncertainty(range)
    } else if CameraView(metadata.drone) == .nadir, let drone = metadata.drone,
      let height = drone.relativeAltitude
    {
      guard height > 0.5 else {
        return unknown(
          "\(drone.maker.heightProperty) is \(height) m: the drone was on or below its take-off point")
      }
      method = .nadirRelativeAltitude
      distance = height
      distanceSigma = relativeAltitudeUncertainty(height)
    } else if let focus = metadata.subjectDistance {
      method = .focusDistance
      distance = focus
      distanceSigma = focus * Self.focusDistanceRelativeUncertainty
    } else {
      return unknown(missingDistanceNote(CameraView(metadata.drone), metadata.drone))
    }
    guard let focal = FocalLengthInPixels(metadata) else {
      return unknown(
        "sensor size unknown: no calibrated focal length, focal plane resolution, 35 mm equivalent or known camera model"
      )
    }
    let gsd = distance * 1000 / focal.pixels
    let relative =
      ((distanceSigma / distance) * (distanceSigma / distance)
      + focal.source.relativeUncertainty * focal.source.relativeUncertainty).squareRoot()
    let note: String? =
      switch (method, focal.source) {
      case (.nadirRelativeAltitude, _):
        "height above the take-off point (\(metadata.drone?.maker.heightProperty ?? "?")) taken as height above the surface"
      case (.focusDistance, _):
        "the camera's focus distance (EXIF SubjectDistance): a rough scale, about 25 %; give --distance-m to measure"
      case (.laserRange, _) where CameraView(metadata.drone) == .nadir: "laser range to the surface"
      case (.laserRange, _):
        "laser range to the surface at the frame's centre: oblique, so the scale holds there"
      case (_, .equivalent35mm): "focal length from the 35 mm equivalent (on the diagonal)"
      default: nil
      }
    return GroundSampleDistance(
      millimetresPerPixel: gsd, uncertainty: gsd * relative, method: method, distanceMetres: distance,
      focalSource: focal.source, note: note)
  }

  /// One sigma of a DJI rangefinder reading: ±(0.2 m + 0.15 % of the distance) as DJI
  /// specifies the H20 series, taken as a two-sigma bound.
  static func laserRangeUncertainty(_ metres: Double) -> Double { (0.2 + 0.0015 * metres) / 2 }

  private static func unknown(_ note: String) -> GroundSampleDistance {
    GroundSampleDistance(method: .unknown, note: note)
  }

  private static func missingDistanceNote(_ view: CameraView, _ drone: DroneMetadata?) -> String {
    switch view {
    case .oblique:
      let pitch = drone?.gimbalPitch.map { "\($0)" } ?? "?"
      return "oblique shot (gimbal pitch \(pitch)°): altitude gives no scale; give --distance-m"
    case .nadir:
      return "nadir shot without a height above take-off; give --distance-m"
    case .unknown:
      return "no distance to the surface: not a nadir drone shot; give --distance-m"
    }
  }
}
