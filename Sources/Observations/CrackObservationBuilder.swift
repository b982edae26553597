import CaptureMetadata
import CrackGeometry
import Foundation
import Georeference
import Store

/// Crack (image pixels) + the capture it was seen in -> a `CrackObservation` to store.
///
/// Placement, best first:
/// - nadir shot with position, scale and yaw: every point through the `NadirFootprint`;
/// - a position but no footprint (oblique shot, or nadir without scale or yaw): the
///   camera position, flagged `camera-position`, the image geometry kept as it is;
/// - no usable GPS: the asset only.
public struct CrackObservationBuilder {
  public var scheme: SeverityScheme
  public var modelName: String
  public var modelVersion: String
  /// 1-sigma horizontal error of the photo's GPS position, metres. Consumer drone and
  /// phone GNSS is good to a few metres; RTK drones to a few centimetres.
  public var positionUncertaintyM: Double
  /// A re-processing's own id (`crackmon reprocess`), or the asset a photo is stored in again
  /// (moved from another): its observations get ids of their own, never those of the
  /// observations they supersede or that the photo has in the other asset, even with the same
  /// model and photo.
  public var run: String?
  private let transform: CoordinateTransform

  public init(
    transform: CoordinateTransform, scheme: SeverityScheme = .default, modelName: String,
    modelVersion: String, positionUncertaintyM: Double = 5
  ) {
    self.transform = transform
    self.scheme = scheme
    self.modelName = modelName
    self.modelVersion = modelVersion
    self.positionUncertaintyM = positionUncertaintyM
  }

  /// The capture's footprint, when it can have one.
  public func footprint(
    capture: CaptureRecord, yawDegrees: Double?, imageWidth: Int, imageHeight: Int
  ) -> NadirFootprint? {
    guard capture.cameraView == CameraView.nadir.rawValue, let gsd = capture.gsdMmPerPx,
      let lat = capture.latitude, let lon = capture.longitude, let yawDegrees
    else { return nil }
    return try? NadirFootprint(
      latitude: lat, longitude: lon, yawDegrees: yawDegrees, millimetresPerPixel: gsd,
      imageWidth: imageWidth, imageHeight: imageHeight, transform: transform)
  }

  public func observation(
    of crack: Crack, index: Int, capture: CaptureRecord, footprint: NadirFootprint?
  ) -> CrackObservation {
    let gsd = capture.gsdMmPerPx
    let mm = gsd.map { crack.inMillimetres(gsd: $0) }
    let severity = mm.map { scheme.classify(maxWidthMm: $0.maxWidth) }
    var observation = CrackObservation(
      id: ContentHash.sha256(
        Data("\(capture.id)|\(modelName)|\(modelVersion)|\(index)\(run.map { "|" + $0 } ?? "")".utf8)),
      captureId: capture.id, crackIndex: index,
      polylinePx: Self.json(crack.polylines.map { $0.map { [$0.x, $0.y] } }, decimals: 1),
      widthProfilePx: Self.json(
        [crack.widthProfilePx.map { [$0.point.x, $0.point.y, $0.widthPx] }], decimals: 2),
      lengthPx: crack.lengthPx, maxWidthPx: crack.maxWidthPx, meanWidthPx: crack.meanWidthPx,
      orientationDeg: crack.orientationDeg, areaPx: Double(crack.areaPx),
      lengthMm: mm?.length, maxWidthMm: mm?.maxWidth, meanWidthMm: mm?.meanWidth,
      areaMm2: gsd.map { Double(crack.areaPx) * $0 * $0 },
      georefMethod: .asset, severityScheme: severity?.scheme.rawValue, severity: severity?.name,
      confidence: crack.confidence, modelName: modelName, modelVersion: modelVersion)

    if let footprint, let centre = Self.centre(of: crack) {
      let branches = crack.polylines.map { $0.map { footprint.ground(x: $0.x, y: $0.y) } }
      let geographic = branches.map {
        $0.compactMap { try? transform.unproject(easting: $0.easting, northing: $0.northing) }
      }
      let ground = footprint.ground(x: centre.x, y: centre.y)
      let centroid = try? transform.unproject(easting: ground.easting, northing: ground.northing)
      observation.polylineProjected = Self.json(
        branches.map { $0.map { [$0.easting, $0.northing] } }, decimals: 4)
      observation.polylineWgs84 = Self.json(
        geographic.map { $0.map { [$0.longitude, $0.latitude] } }, decimals: 8)
      observation.epsg = transform.epsg
      (observation.easting, observation.northing) = (ground.easting, ground.northing)
      (observation.latitude, observation.longitude) = (centroid?.latitude, centroid?.longitude)
      observation.bearingDeg = footprint.groundBearing(imageOrientationDegrees: crack.orientationDeg)
      observation.georefMethod = CrackObservation.GeorefMethod.footprint.rawValue
      // Scale and yaw errors grow away from the image centre: take the crack's farthest point.
      let (cx, cy) = (Double(footprint.imageWidth) / 2 - 0.5, Double(footprint.imageHeight) / 2 - 0.5)
      var radius = 0.0
      for point in crack.polylines.joined() { radius = max(radius, hypot(point.x - cx, point.y - cy)) }
      let scaleRelative = (capture.gsdUncertaintyMmPerPx ?? 0) / (gsd ?? 1)
      observation.georefUncertaintyM = footprint.uncertainty(
        radiusPx: radius, positionMetres: positionUncertaintyM, scaleRelative: scaleRelative)
    } else if let lat = capture.latitude, let lon = capture.longitude {
      observation.georefMethod = CrackObservation.GeorefMethod.cameraPosition.rawValue
      (observation.latitude, observation.longitude) = (lat, lon)
      (observation.epsg, observation.easting, observation.northing) = (
        capture.epsg, capture.easting, capture.northing
      )
      // The crack is somewhere in view: within about the stand-off distance of the camera.
      let reach = capture.distanceM ?? 10
      observation.georefUncertaintyM = (positionUncertaintyM * positionUncertaintyM + reach * reach)
        .squareRoot()
    }
    return observation
  }

  /// The skeleton's centre: the mean of its width samples, one per skeleton pixel.
  private static func centre(of crack: Crack) -> Point? {
    let samples = crack.widthProfilePx.map(\.point)
    guard !samples.isEmpty else { return nil }
    let x = samples.reduce(0) { $0 + $1.x } / Double(samples.count)
    let y = samples.reduce(0) { $0 + $1.y } / Double(samples.count)
    return Point(x, y)
  }

  /// Compact JSON for nested number arrays, with a fixed number of decimals.
  public static func json(_ value: [[[Double]]], decimals: Int) -> String {
    func number(_ v: Double) -> String {
      var text = String(format: "%.\(decimals)f", v)
      if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
      }
      return text == "-0" ? "0" : text
    }
    return "["
      + value.map { branch in
        "[" + branch.map { "[" + $0.map(number).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
      }
      .joined(separator: ",") + "]"
  }
}
