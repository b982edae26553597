import CaptureMetadata
import Georeference
import TestSupport
import Testing

struct GroundSampleDistanceTests {
  @Test func checkValueFromODM() {
    // OpenDroneMap's calculate_gsd(13.2, 100, 8.8, 5472) = 2.74 cm/px.
    let gsd = GroundSampleDistance.millimetresPerPixel(
      sensorWidth: 13.2, distance: 100, focalLength: 8.8, imageWidth: 5472)
    #expect(abs(gsd - 27.41) < 0.005)
  }

  @Test func nadirDroneShotUsesRelativeAltitudeNotGPSAltitude() throws {
    let photo = try CaptureMetadata.read(TestPaths.fixture("photos/dji-nadir.jpg"))
    #expect(photo.gps.altitude == 34.5)  // above sea level: must not be used
    let gsd = GroundSampleDistance.estimate(for: photo)
    #expect(gsd.method == .nadirRelativeAltitude)
    #expect(gsd.distanceMetres == 30)
    #expect(gsd.focalSource == .focalPlaneResolution)
    // Sensor 5472 px / (4145.45 px/cm) = 13.2 mm; the stored picture is 96 px wide.
    let want = GroundSampleDistance.millimetresPerPixel(
      sensorWidth: 13.2, distance: 30, focalLength: 10.26, imageWidth: 96)
    #expect(abs(try #require(gsd.millimetresPerPixel) - want) < 1e-9 * want)
    #expect(try #require(gsd.uncertainty) > 0)
  }

  @Test func obliqueShotNeedsAUserDistance() throws {
    let photo = try CaptureMetadata.read(TestPaths.fixture("photos/dji-oblique-xmp-in-exif.jpg"))
    #expect(CameraView(photo.drone) == .oblique)
    let unknown = GroundSampleDistance.estimate(for: photo)
    #expect(unknown.method == .unknown)
    #expect(unknown.millimetresPerPixel == nil)
    #expect(unknown.note?.contains("--distance-m") == true)

    let measured = GroundSampleDistance.estimate(for: photo, userDistance: 1.5)
    #expect(measured.method == .userDistance)
    #expect(measured.focalSource == .calibratedFocalLength)
    // DJI's calibrated focal length is already in pixels: GSD = 1500 mm / 3666.67 px.
    #expect(abs(try #require(measured.millimetresPerPixel) - 1500 / 3666.67) < 1e-9)
  }

  @Test func phoneWithOnly35mmEquivalentStatesTheAssumption() throws {
    let photo = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    #expect(GroundSampleDistance.estimate(for: photo).method == .unknown)  // GPS altitude is no distance
    let gsd = GroundSampleDistance.estimate(for: photo, userDistance: 2)
    #expect(gsd.focalSource == .equivalent35mm)
    let sensorWidth = 36 * 4.25 / 26
    let want = GroundSampleDistance.millimetresPerPixel(
      sensorWidth: sensorWidth, distance: 2, focalLength: 4.25, imageWidth: 96)
    #expect(abs(try #require(gsd.millimetresPerPixel) - want) < 1e-9 * want)
    #expect(gsd.note?.contains("3:2") == true)
  }

  @Test func noFocalInformationMeansUnknownScale() throws {
    var photo = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    photo.focalLength35mm = nil
    let gsd = GroundSampleDistance.estimate(for: photo, userDistance: 2)
    #expect(gsd.method == .unknown)
    #expect(gsd.note?.contains("sensor size unknown") == true)
  }
}
