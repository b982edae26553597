import CProj
import Foundation

/// Why a coordinate could not be transformed.
public enum GeoreferenceError: Error, Equatable, CustomStringConvertible, Sendable {
  case unknownCRS(epsg: Int, reason: String)
  case notProjected(epsg: Int, kind: String)
  case transformFailed(epsg: Int, reason: String)
  /// The CRS is not meant for where the point is (its area of use, as EPSG defines it).
  case outsideAreaOfUse(epsg: Int, area: String, latitude: Double, longitude: Double)

  public var description: String {
    switch self {
    case .unknownCRS(let epsg, let reason): "EPSG:\(epsg) is not a CRS PROJ knows: \(reason)"
    case .notProjected(let epsg, let kind):
      "EPSG:\(epsg) is a \(kind), not a projected CRS in metres; pick a projected one (e.g. a UTM zone)"
    case .transformFailed(let epsg, let reason): "cannot transform to EPSG:\(epsg): \(reason)"
    case .outsideAreaOfUse(let epsg, let area, let latitude, let longitude):
      "EPSG:\(epsg) is for \(area); \(latitude), \(longitude) lies outside it, where its distances and "
        + "directions are distorted: pick a CRS for where the asset is (without --epsg, its UTM zone)"
    }
  }
}

/// WGS84 longitude/latitude to and from one projected CRS, through PROJ.
///
/// The one place crackmon talks to PROJ. Each instance owns its own PROJ context,
/// because a PROJ context must not be used from two threads at once: create one per
/// thread or task, and keep it (creation reads proj.db; transforms are cheap).
public final class CoordinateTransform {
  public let epsg: Int
  /// Where EPSG says the CRS may be used: a WGS84 box (west may exceed east across the
  /// antimeridian) and its name; nil when PROJ has none for it.
  public let areaOfUse: (west: Double, south: Double, east: Double, north: Double, name: String)?
  private let context: OpaquePointer
  private let transform: OpaquePointer

  public init(projectedEPSG epsg: Int) throws(GeoreferenceError) {
    guard let context = proj_context_create() else {
      throw .unknownCRS(epsg: epsg, reason: "PROJ could not create a context")
    }
    guard let target = proj_create(context, "EPSG:\(epsg)") else {
      let reason = Self.lastError(context)
      proj_context_destroy(context)
      throw .unknownCRS(epsg: epsg, reason: reason)
    }
    defer { proj_destroy(target) }
    var (west, south, east, north) = (0.0, 0.0, 0.0, 0.0)
    var areaName: UnsafePointer<CChar>?
    areaOfUse =
      proj_get_area_of_use(context, target, &west, &south, &east, &north, &areaName) != 0 && west > -1000
      ? (west, south, east, north, areaName.map { String(cString: $0) } ?? "its area of use") : nil
    let type = proj_get_type(target)
    guard type == PJ_TYPE_PROJECTED_CRS else {
      proj_context_destroy(context)
      throw .notProjected(
        epsg: epsg, kind: type == PJ_TYPE_GEOGRAPHIC_2D_CRS ? "geographic CRS" : "non-projected CRS")
    }
    guard let source = proj_create(context, "EPSG:4326") else {
      proj_context_destroy(context)
      throw .unknownCRS(epsg: 4326, reason: "proj.db lacks WGS84; is proj-data installed?")
    }
    defer { proj_destroy(source) }
    guard let raw = proj_create_crs_to_crs_from_pj(context, source, target, nil, nil),
      let normalized = proj_normalize_for_visualization(context, raw)
    else {
      let reason = Self.lastError(context)
      proj_context_destroy(context)
      throw .unknownCRS(epsg: epsg, reason: reason)
    }
    proj_destroy(raw)
    // Normalized: longitude first, then latitude, whatever axis order EPSG defines.
    self.epsg = epsg
    self.context = context
    self.transform = normalized
  }

  /// Whether the CRS is meant for this place: inside its area of use (true when PROJ
  /// knows none).
  public func covers(latitude: Double, longitude: Double) -> Bool {
    guard let area = areaOfUse else { return true }
    let inLongitude =
      area.west <= area.east
      ? (area.west...area.east).contains(longitude) : longitude >= area.west || longitude <= area.east
    return inLongitude && (area.south...area.north).contains(latitude)
  }

  /// Throws `outsideAreaOfUse` unless `covers` the place.
  public func checkCovers(latitude: Double, longitude: Double) throws(GeoreferenceError) {
    guard covers(latitude: latitude, longitude: longitude) else {
      let area = areaOfUse.map {
        "\($0.name) ("
          + String(format: "%.2f° to %.2f° E, %.2f° to %.2f° N", $0.west, $0.east, $0.south, $0.north)
          + ")"
      }
      throw .outsideAreaOfUse(
        epsg: epsg, area: area ?? "its area of use", latitude: latitude, longitude: longitude)
    }
  }

  deinit {
    proj_destroy(transform)
    proj_context_destroy(context)
  }

  /// Projects a WGS84 position to easting/northing in metres.
  public func project(latitude: Double, longitude: Double) throws(GeoreferenceError) -> (
    easting: Double, northing: Double
  ) {
    let out = try run(PJ_FWD, proj_coord(longitude, latitude, 0, 0))
    return (out.xy.x, out.xy.y)
  }

  /// Turns easting/northing in metres back into a WGS84 position.
  public func unproject(easting: Double, northing: Double) throws(GeoreferenceError) -> (
    latitude: Double, longitude: Double
  ) {
    let out = try run(PJ_INV, proj_coord(easting, northing, 0, 0))
    return (out.lp.phi, out.lp.lam)
  }

  private func run(_ direction: PJ_DIRECTION, _ coord: PJ_COORD) throws(GeoreferenceError) -> PJ_COORD {
    proj_errno_reset(transform)
    let out = proj_trans(transform, direction, coord)
    let code = proj_errno(transform)
    guard code == 0, out.xy.x.isFinite, out.xy.y.isFinite else {
      let reason =
        code == 0 ? "result is not finite" : String(cString: proj_context_errno_string(context, code))
      throw .transformFailed(epsg: epsg, reason: reason)
    }
    return out
  }

  private static func lastError(_ context: OpaquePointer) -> String {
    let code = proj_context_errno(context)
    return code == 0 ? "unknown error" : String(cString: proj_context_errno_string(context, code))
  }
}
