import CaptureMetadata
import Foundation
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

  /// Where nothing better is known, the camera's focus distance gives a rough scale, said to
  /// be rough; anything better wins over it.
  @Test func aCamerasFocusDistanceIsTheLastResortWithALargeUncertainty() throws {
    var photo = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    #expect(photo.subjectDistance == nil)
    photo.subjectDistance = 2
    let rough = GroundSampleDistance.estimate(for: photo)
    #expect(rough.method == .focusDistance)
    #expect(rough.distanceMetres == 2)
    let gsd = try #require(rough.millimetresPerPixel)
    #expect(try #require(rough.uncertainty) >= 0.25 * gsd)
    #expect(rough.note?.contains("focus distance") == true && rough.note?.contains("--distance-m") == true)
    #expect(GroundSampleDistance.estimate(for: photo, userDistance: 2).method == .userDistance)
    var drone = try CaptureMetadata.read(TestPaths.fixture("photos/dji-nadir.jpg"))
    drone.subjectDistance = 5
    #expect(GroundSampleDistance.estimate(for: drone).method == .nadirRelativeAltitude)
  }

  /// A real camera's SubjectDistance, as ExifTool reads it (3.75 m, Canon IXUS), and the
  /// standard's "unknown" (0) is no distance.
  @Test(.enabled(if: TestPaths.hasExifCorpus, "../shared/datasets/exif is missing"))
  func subjectDistanceIsReadAsExifToolReadsIt() throws {
    let images = TestPaths.exifCorpus.appendingPathComponent("images/exif-py/jpg")
    let canon = try CaptureMetadata.read(images.appendingPathComponent("exif-org/canon-ixus.jpg"))
    #expect(canon.subjectDistance == 3.75)
    #expect(GroundSampleDistance.estimate(for: canon).method == .focusDistance)
    let kodak = try CaptureMetadata.read(images.appendingPathComponent("exif-org/kodak-dc210.jpg"))
    #expect(kodak.subjectDistance == nil)
  }

  @Test func phoneWithOnly35mmEquivalentStatesTheAssumption() throws {
    let photo = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    #expect(GroundSampleDistance.estimate(for: photo).method == .unknown)  // GPS altitude is no distance
    let gsd = GroundSampleDistance.estimate(for: photo, userDistance: 2)
    #expect(gsd.focalSource == .equivalent35mm)
    // The 35 mm equivalent is defined on the diagonal: focal (px) = 26 × diagonal / 43.27.
    let (width, height) = (Double(try #require(photo.width)), Double(try #require(photo.height)))
    let focalPixels = 26 * (width * width + height * height).squareRoot() / (36.0 * 36 + 24 * 24).squareRoot()
    let want = 2000 / focalPixels
    #expect(abs(try #require(gsd.millimetresPerPixel) - want) < 1e-9 * want)
    #expect(gsd.note?.contains("35 mm equivalent") == true)
  }

  /// A phone photo's scale does not depend on how the phone was held: the same camera in
  /// portrait (3024 × 4032, as libheif hands over a turned HEIC) and in landscape gives the
  /// same millimetres per pixel, and the value a 26 mm-equivalent 12 MP phone has at 1.5 m
  /// (about 0.50 mm/px; iPhone main cameras: 1.9 µm pixels behind a 5.7 mm lens give 0.50).
  @Test(arguments: [("35mm equivalent", false), ("camera table", true)])
  func portraitAndLandscapeGiveTheSameScale(_ name: String, _ table: Bool) throws {
    var photo = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    if table {
      photo.focalLength35mm = nil
      photo.model = "FC330"  // a table camera: 6.17 mm long side
    }
    photo.exifPixelWidth = nil
    photo.focalPlane = nil
    var scales: [Double] = []
    for (width, height) in [(4032, 3024), (3024, 4032)] {
      photo.width = width
      photo.height = height
      scales.append(
        try #require(GroundSampleDistance.estimate(for: photo, userDistance: 1.5).millimetresPerPixel))
    }
    #expect(abs(scales[0] - scales[1]) < 1e-12, "\(name): \(scales)")
    if !table { #expect(abs(scales[0] - 0.495) < 0.005, "\(scales)") }
  }

  @Test func noFocalInformationMeansUnknownScale() throws {
    var photo = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    photo.focalLength35mm = nil
    let gsd = GroundSampleDistance.estimate(for: photo, userDistance: 2)
    #expect(gsd.method == .unknown)
    #expect(gsd.note?.contains("sensor size unknown") == true)
  }

  /// A DJI rangefinder's reading gives the distance to the surface itself, nadir or oblique;
  /// it counts only when its status is Normal.
  @Test func aLaserRangeGivesAnObliqueShotItsScale() throws {
    func drone(_ properties: String) throws -> DroneMetadata? {
      let xmp = """
        <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GimbalPitchDegree="-32.9" \(properties)/>
        </rdf:RDF></x:xmpmeta>
        """
      return try DroneMetadata.parse(xmp: Data(xmp.utf8))
    }
    #expect(
      try drone(#"drone-dji:LRFStatus="Normal" drone-dji:LRFTargetDistance="79.572""#)?.laserRangeMetres
        == 79.572)
    #expect(
      try drone(#"drone-dji:LRFTargetDistance="79.572" drone-dji:LRFStatus="Normal""#)?.laserRangeMetres
        == 79.572)
    #expect(
      try drone(#"drone-dji:LRFStatus="TooFar" drone-dji:LRFTargetDistance="0""#)?.laserRangeMetres == nil)
    #expect(try drone(#"drone-dji:LRFTargetDistance="79.572""#)?.laserRangeMetres == nil)
    // A rangefinder's odd value costs the reading, not the rest of the packet.
    let odd = try drone(#"drone-dji:LRFStatus="Normal" drone-dji:LRFTargetDistance="n/a""#)
    #expect(odd?.laserRangeMetres == nil && odd?.gimbalPitch == -32.9)

    // A Matrice 300 H20N thermal frame, 33 degrees below the horizon, ranged at 79.572 m.
    let url = TestPaths.exifCorpus.appendingPathComponent("images/thermal_parser/H20N/DJI_0006_R.JPG")
    guard FileManager.default.fileExists(atPath: url.path) else {
      print("SKIPPED: \(url.path) is missing (../shared not beside the checkout)")
      return
    }
    let photo = try CaptureMetadata.read(url)
    #expect(CameraView(photo.drone) == .oblique)
    let gsd = GroundSampleDistance.estimate(for: photo)
    #expect(gsd.method == .laserRange && gsd.distanceMetres == 79.572)
    #expect(gsd.note == "laser range to the surface at the frame's centre: oblique, so the scale holds there")
    // 35 mm equivalent 29 mm on the diagonal of 640 x 512: 29 / 43.267 * 819.6 = 549.4 px.
    let fullFrameDiagonal: Double = (24.0 * 24.0 + 36.0 * 36.0).squareRoot()
    let frameDiagonal: Double = (640.0 * 640.0 + 512.0 * 512.0).squareRoot()
    let focal: Double = 29.0 / fullFrameDiagonal * frameDiagonal
    #expect(abs(try #require(gsd.millimetresPerPixel) - 79_572 / focal) < 1e-6)
    // Someone's measured distance still wins.
    #expect(GroundSampleDistance.estimate(for: photo, userDistance: 12).method == .userDistance)
  }

  /// Parrot and Skydio nadir shots scale from their heights above take-off as DJI's do,
  /// each read from where its maker writes it, and the note names that property.
  @Test(arguments: [
    ("drones/parrot-nadir.jpg", DroneMaker.parrot, 25.15, 4.0 * 96 / 6.17),
    ("drones/skydio-nadir.jpg", DroneMaker.skydio, 18.4, 10.26 * 96 / 13.2),
  ])
  func otherMakersNadirShotsScaleFromTheirHeightAboveTakeOff(
    _ name: String, _ maker: DroneMaker, _ height: Double, _ focalPixels: Double
  ) throws {
    let photo = try CaptureMetadata.read(TestPaths.fixture(name))
    #expect(photo.drone?.maker == maker)
    #expect(CameraView(photo.drone) == .nadir)
    let gsd = GroundSampleDistance.estimate(for: photo)
    #expect(gsd.method == .nadirRelativeAltitude)
    #expect(gsd.distanceMetres == height)
    #expect(gsd.note?.contains(maker.heightProperty) == true, "\(gsd.note ?? "")")
    #expect(abs(try #require(gsd.millimetresPerPixel) - height * 1000 / focalPixels) < 1e-6)
    // Barometric height, and ground that may not be at take-off height: the higher, the looser.
    #expect(try #require(gsd.uncertainty) > 0.03 * gsd.millimetresPerPixel!)
  }

  /// The forms the makers' packets take, and what must not be read from them.
  @Test func eachMakersVocabularyIsReadWhereItMeansWhatWeTakeItFor() throws {
    func drone(_ namespaces: String, _ body: String) throws -> DroneMetadata? {
      let xmp = """
        <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description \(namespaces)>\(body)</rdf:Description></rdf:RDF></x:xmpmeta>
        """
      return try DroneMetadata.parse(xmp: Data(xmp.utf8))
    }
    let skydio = #"xmlns:drone-skydio="https://www.skydio.com/drone-skydio/1.0/""#
    // Skydio's older form: the attitude as attributes of its struct element.
    let attributes = try drone(
      skydio + #" drone-skydio:RelativeAltitude="12.0""#,
      #"<drone-skydio:CameraOrientationNED drone-skydio:Roll="0.1" drone-skydio:Pitch="-90.0" drone-skydio:Yaw="12.5"/>"#
    )
    #expect(attributes?.maker == .skydio && attributes?.gimbalPitch == -90 && attributes?.gimbalYaw == 12.5)
    #expect(attributes?.relativeAltitude == 12)
    // An attitude in another frame is not the camera's.
    let otherFrame = try drone(
      skydio, #"<drone-skydio:CameraOrientationFLU drone-skydio:Pitch="-90.0" drone-skydio:Yaw="12.5"/>"#)
    #expect(otherFrame == nil)

    let parrot =
      #"xmlns:drone-parrot="http://www.parrot.com/drone-parrot/1.0/" xmlns:Camera="http://pix4d.com/camera/1.0/""#
    let rational = try drone(
      parrot,
      "<drone-parrot:CameraPitchDegree>-90</drone-parrot:CameraPitchDegree>"
        + "<Camera:AboveGroundAltitude>4971569/65536</Camera:AboveGroundAltitude>")
    #expect(rational?.maker == .parrot)
    #expect(abs(try #require(rational?.relativeAltitude) - 4_971_569.0 / 65536) < 1e-12)
    // Pix4D's schema alone (a MicaSense, a senseFly) says nothing of a Parrot's take-off.
    let pix4dOnly = try drone(
      #"xmlns:Camera="http://pix4d.com/camera/1.0/""#,
      "<Camera:AboveGroundAltitude>40</Camera:AboveGroundAltitude><Camera:Pitch>0</Camera:Pitch>")
    #expect(pix4dOnly == nil)
    let oddPix4D = try drone(
      #"xmlns:Camera="http://pix4d.com/camera/1.0/""#,
      "<Camera:AboveGroundAltitude>n/a</Camera:AboveGroundAltitude>")
    #expect(oddPix4D == nil)
    #expect(throws: XMPError.self) {
      try drone(parrot, "<Camera:AboveGroundAltitude>40/0</Camera:AboveGroundAltitude>")
    }
    do {
      _ = try drone(skydio + #" drone-skydio:RelativeAltitude="high""#, "")
      Issue.record("a height that is not a number was read")
    } catch {
      #expect((error as? XMPError)?.reason == #"drone-skydio:RelativeAltitude is "high", not a number"#)
    }

    // A MicaSense Altum frame writes Pix4D's schema without a drone maker's: no drone values.
    // (crackmon does not read TIFF photos; its XMP packet is taken from the file's bytes.)
    let url = TestPaths.exifCorpus.appendingPathComponent("images/sitemark-exifr/MicaSense_Altum_TRM.tif")
    guard FileManager.default.fileExists(atPath: url.path) else {
      print("SKIPPED: \(url.path) is missing (../shared not beside the checkout)")
      return
    }
    let bytes = try Data(contentsOf: url)
    let start = try #require(bytes.range(of: Data("<x:xmpmeta".utf8)))
    let end = try #require(bytes.range(of: Data("</x:xmpmeta>".utf8), in: start.lowerBound..<bytes.endIndex))
    let packet = bytes[start.lowerBound..<end.upperBound]
    #expect(String(decoding: packet, as: UTF8.self).contains("http://pix4d.com/camera/1.0"))
    #expect(try DroneMetadata.parse(xmp: packet) == nil)
  }
}
