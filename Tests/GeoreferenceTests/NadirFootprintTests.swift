import Foundation
import Testing

@testable import Georeference

/// Synthetic nadir shots whose answers are known: which way is up, and where a pixel lands.
struct NadirFootprintTests {
  /// 1000 x 800 photo, 10 mm/px, camera at (500000, 5000000).
  func footprint(yaw: Double) -> NadirFootprint {
    NadirFootprint(
      centreEasting: 500_000, centreNorthing: 5_000_000, metresPerPixel: 0.01, imageWidth: 1000,
      imageHeight: 800,
      gridYawDegrees: yaw)
  }

  @Test func imageCentreIsBelowTheCamera() {
    let p = footprint(yaw: 37).ground(x: 499.5, y: 399.5)
    #expect(abs(p.easting - 500_000) < 1e-9 && abs(p.northing - 5_000_000) < 1e-9)
  }

  @Test func yawZeroPutsNorthUp() {
    // 100 px above the centre is 1 m north; 100 px right is 1 m east.
    let up = footprint(yaw: 0).ground(x: 499.5, y: 299.5)
    #expect(abs(up.northing - 5_000_001) < 1e-9 && abs(up.easting - 500_000) < 1e-9)
    let right = footprint(yaw: 0).ground(x: 599.5, y: 399.5)
    #expect(abs(right.easting - 500_001) < 1e-9)
  }

  @Test func yawNinetyPutsEastUp() {
    // Heading east: the top of the photo is east, its right-hand side is south.
    let up = footprint(yaw: 90).ground(x: 499.5, y: 299.5)
    #expect(abs(up.easting - 500_001) < 1e-9 && abs(up.northing - 5_000_000) < 1e-9)
    let right = footprint(yaw: 90).ground(x: 599.5, y: 399.5)
    #expect(abs(right.northing - 4_999_999) < 1e-9)
  }

  @Test func crackDirectionsBecomeGroundBearings() {
    // A crack along the image x axis (0°) in a north-up photo runs east-west: bearing 90.
    #expect(abs(footprint(yaw: 0).groundBearing(imageOrientationDegrees: 0) - 90) < 1e-9)
    // Along the image's up axis (90°) it runs north-south: bearing 0.
    #expect(abs(footprint(yaw: 0).groundBearing(imageOrientationDegrees: 90) - 0) < 1e-9)
    // The same crack photographed heading east (yaw 90) runs east-west: bearing 90.
    #expect(abs(footprint(yaw: 90).groundBearing(imageOrientationDegrees: 90) - 90) < 1e-9)
  }

  @Test func gridConvergenceIsMeasuredWithPROJ() throws {
    // At 3° east of the central meridian of UTM 33N (15°E), at 60°N, meridians lean
    // towards the central meridian: true north lies about 3 × sin(60°) = 2.6° west of grid
    // north, so a true yaw of 0 is a grid yaw of about -2.6°.
    let transform = try CoordinateTransform(projectedEPSG: 32633)
    let f = try NadirFootprint(
      latitude: 60, longitude: 18, yawDegrees: 0, millimetresPerPixel: 10, imageWidth: 1000, imageHeight: 800,
      transform: transform)
    #expect(abs(f.gridYawDegrees + 3 * sin(60 * Double.pi / 180)) < 0.05)
  }

  @Test func uncertaintyGrowsAwayFromTheCentre() {
    let f = footprint(yaw: 0)
    #expect(f.uncertainty(radiusPx: 0, positionMetres: 5, scaleRelative: 0.02) == 5)
    #expect(f.uncertainty(radiusPx: 500, positionMetres: 0.01, scaleRelative: 0.02) > 0.1)
  }
}
