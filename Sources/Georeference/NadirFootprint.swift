import Foundation

/// Where the pixels of a nadir photo lie on the ground, in a projected CRS.
///
/// Conventions (tested with synthetic shots in GeoreferenceTests):
/// - The image centre lies straight below the camera position.
/// - Pixel (x, y) is a pixel index of the upright image (after EXIF orientation): x to
///   the right, y down; its centre is at (x + 0.5, y + 0.5).
/// - `yawDegrees` is the heading of the image's top edge, clockwise from true north:
///   0 = north is up in the photo, 90 = east is up. DJI records it as GimbalYawDegree
///   (FlightYawDegree when the gimbal's is missing; gimbal and airframe point the same
///   way in a nadir shot unless the gimbal is yawed on its own).
/// - Projected CRSs have their own north (grid north), which differs from true north by
///   the meridian convergence (up to about 3° at a UTM zone's edge). The footprint
///   measures it at the camera position with PROJ and turns the photo by it.
public struct NadirFootprint: Sendable, Equatable {
  public var centreEasting: Double
  public var centreNorthing: Double
  public var metresPerPixel: Double
  public var imageWidth: Int
  public var imageHeight: Int
  /// Heading of the image's top edge, clockwise from grid north, in degrees.
  public var gridYawDegrees: Double

  public init(
    centreEasting: Double, centreNorthing: Double, metresPerPixel: Double, imageWidth: Int,
    imageHeight: Int, gridYawDegrees: Double
  ) {
    self.centreEasting = centreEasting
    self.centreNorthing = centreNorthing
    self.metresPerPixel = metresPerPixel
    self.imageWidth = imageWidth
    self.imageHeight = imageHeight
    self.gridYawDegrees = gridYawDegrees
  }

  /// The footprint of a nadir photo taken at (latitude, longitude) with a true-north yaw.
  public init(
    latitude: Double, longitude: Double, yawDegrees: Double, millimetresPerPixel: Double,
    imageWidth: Int, imageHeight: Int, transform: CoordinateTransform
  ) throws(GeoreferenceError) {
    let centre = try transform.project(latitude: latitude, longitude: longitude)
    // True north in grid terms: the direction of a short step north, ~11 m.
    let north = try transform.project(latitude: min(latitude + 1e-4, 90), longitude: longitude)
    let convergence = atan2(north.easting - centre.easting, north.northing - centre.northing) * 180 / .pi
    self.init(
      centreEasting: centre.easting, centreNorthing: centre.northing,
      metresPerPixel: millimetresPerPixel / 1000, imageWidth: imageWidth, imageHeight: imageHeight,
      gridYawDegrees: yawDegrees + convergence)
  }

  /// The ground position of a pixel, in the projected CRS's metres.
  public func ground(x: Double, y: Double) -> (easting: Double, northing: Double) {
    let right = (x + 0.5 - Double(imageWidth) / 2) * metresPerPixel
    let up = (Double(imageHeight) / 2 - y - 0.5) * metresPerPixel
    let yaw = gridYawDegrees * .pi / 180
    // The image's up axis points along the yaw; its right axis 90° clockwise from that.
    return (
      centreEasting + up * sin(yaw) + right * cos(yaw),
      centreNorthing + up * cos(yaw) - right * sin(yaw)
    )
  }

  /// A crack direction measured in the image (degrees counter-clockwise from the x axis,
  /// as `Crack.orientationDeg`) as a ground bearing in [0, 180), clockwise from grid north.
  public func groundBearing(imageOrientationDegrees: Double) -> Double {
    // Image x axis has bearing yaw + 90; counter-clockwise in the image is anticlockwise on the ground.
    let bearing = gridYawDegrees + 90 - imageOrientationDegrees
    let folded = bearing.truncatingRemainder(dividingBy: 180)
    return folded < 0 ? folded + 180 : folded
  }

  /// Horizontal uncertainty (1 sigma, metres) of a pixel `radiusPx` from the centre:
  /// the camera position's, plus the scale's and the yaw's, which grow with the radius.
  public func uncertainty(
    radiusPx: Double, positionMetres: Double, scaleRelative: Double, yawDegrees: Double = 3
  ) -> Double {
    let r = radiusPx * metresPerPixel
    let fromScale = r * scaleRelative
    let fromYaw = r * sin(yawDegrees * .pi / 180)
    return (positionMetres * positionMetres + fromScale * fromScale + fromYaw * fromYaw).squareRoot()
  }
}
