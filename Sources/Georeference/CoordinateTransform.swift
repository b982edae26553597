import CProj

/// Why a coordinate could not be transformed.
public enum GeoreferenceError: Error, Equatable, CustomStringConvertible, Sendable {
  case unknownCRS(epsg: Int, reason: String)
  case notProjected(epsg: Int, kind: String)
  case transformFailed(epsg: Int, reason: String)

  public var description: String {
    switch self {
    case .unknownCRS(let epsg, let reason): "EPSG:\(epsg) is not a CRS PROJ knows: \(reason)"
    case .notProjected(let epsg, let kind):
      "EPSG:\(epsg) is a \(kind), not a projected CRS in metres; pick a projected one (e.g. a UTM zone)"
    case .transformFailed(let epsg, let reason): "cannot transform to EPSG:\(epsg): \(reason)"
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
