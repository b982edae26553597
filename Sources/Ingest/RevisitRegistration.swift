import CaptureMetadata
import Foundation
import Imaging
import Registration
import Store

/// Registers a new capture to the photos of earlier cycles that may show the same spot.
///
/// GPS only chooses the candidates: an earlier capture is one when the two camera positions
/// are within `gateSigmas` of their combined GPS uncertainty plus the reach of both footprints.
/// The surface's texture then says whether they do show the same spot (`Registrar`). The
/// latest earlier cycle is tried first; older cycles only when nothing in it registers, so
/// that 2027 -> 2026 -> 2025 forms a chain even where 2027 and 2025 no longer overlap enough.
public final class RevisitRegistration {
  public struct Outcome: Encodable, Sendable {
    /// Earlier captures within GPS reach (tried or not).
    public var candidates: Int
    /// The earlier captures it registered to.
    public var registeredTo: [Registered]
    /// Why none registered, when none did.
    public var reason: String?
  }

  public struct Registered: Encodable, Sendable {
    public var captureId: String
    public var cycle: String
    public var inliers: Int
    public var residualPx: Double
    public var residualMm: Double?
  }

  public let store: DeviceStore
  public var registrar = Registrar()
  /// Most registrations tried per capture: GPS without a fix makes every earlier photo a
  /// candidate, and each try costs about 2 s at 12 MP.
  public var maxAttempts = 12
  /// The distance between two GPS fixes of one spot, each off by sigma per axis, is Rayleigh
  /// distributed: beyond k combined sigmas with probability exp(-k^2/2). At 3 that loses 1.1 %
  /// of revisits to the gate (seen on a synthetic asset at sigma 1.5 m); at 4, 0.03 %.
  public var gateSigmas = 4.0
  /// Footprint half-diagonal assumed for a photo without a scale: a close-range photo of a
  /// surface spans a few metres.
  public var unknownReachM = 5.0
  private let decoder: ImageDecoder
  /// Texture features of reference photos, by capture id: one photo is the reference of
  /// every later photo of its spot. Kept to `cacheSize` (4 MB each at 8,000 features).
  private var cache: [(id: String, features: SurfaceFeatures)] = []
  private let cacheSize = 32

  public init(store: DeviceStore, decoder: ImageDecoder) {
    self.store = store
    self.decoder = decoder
  }

  /// Registers `capture` (whose upright pixels are `image`, when they were decoded
  /// already) and stores every attempt.
  public func register(_ capture: CaptureRecord, image: RGBImage?) throws(StoreError) -> Outcome {
    let cycles = try store.cycles(of: capture.assetId).map(\.label)
    guard let own = cycles.firstIndex(of: capture.cycleLabel), own > 0 else {
      return Outcome(candidates: 0, registeredTo: [], reason: "no earlier cycle")
    }
    let earlier = Array(cycles[..<own].reversed())
    let candidates = try store.captures(asset: capture.assetId).filter {
      earlier.contains($0.cycleLabel) && $0.id != capture.id
    }.compactMap { other in reachable(capture, other).map { (capture: other, distance: $0) } }
    guard !candidates.isEmpty else {
      return Outcome(candidates: 0, registeredTo: [], reason: "no photo of an earlier cycle within GPS reach")
    }
    let photo: SurfaceFeatures
    do {
      let upright =
        try image
        ?? decoder.decode(URL(fileURLWithPath: capture.sourcePath), orientation: capture.orientation)
      photo = try registrar.features(of: upright)
    } catch {
      return Outcome(
        candidates: candidates.count, registeredTo: [], reason: "its texture could not be described: \(error)"
      )
    }
    var attempts: [CaptureRegistration] = []
    var registered: [Registered] = []
    for cycle in earlier where registered.isEmpty && attempts.count < maxAttempts {
      let inCycle = candidates.filter { $0.capture.cycleLabel == cycle }.sorted { $0.distance < $1.distance }
      for (reference, _) in inCycle.prefix(maxAttempts - attempts.count) {
        let attempt = register(photo, of: capture, to: reference)
        attempts.append(attempt)
        if attempt.registered, let residual = attempt.residualPx {
          registered.append(
            Registered(
              captureId: reference.id, cycle: reference.cycleLabel, inliers: attempt.inliers,
              residualPx: residual, residualMm: attempt.residualMm))
        }
      }
    }
    try store.save(registrations: attempts, asset: capture.assetId)
    guard registered.isEmpty else {
      return Outcome(candidates: candidates.count, registeredTo: registered, reason: nil)
    }
    // The most telling reason: that of the attempt with the most agreeing matches.
    let best = attempts.max { $0.inliers < $1.inliers }
    return Outcome(
      candidates: candidates.count, registeredTo: [],
      reason: attempts.count == 1
        ? "the earlier photo of this spot does not register: \(best?.reason ?? "not tried")"
        : "none of \(attempts.count) earlier photos of this spot registers (closest: \(best?.reason ?? "none tried"))"
    )
  }

  /// The distance between the two camera positions, in metres (0 when either has none),
  /// when the other capture may show the same spot; nil when it cannot.
  private func reachable(_ a: CaptureRecord, _ b: CaptureRecord) -> Double? {
    guard let ae = a.easting, let an = a.northing, let be = b.easting, let bn = b.northing, a.epsg == b.epsg
    else { return 0 }
    let distance = ((ae - be) * (ae - be) + (an - bn) * (an - bn)).squareRoot()
    let sigma = (a.gpsSigma * a.gpsSigma + b.gpsSigma * b.gpsSigma).squareRoot()
    return distance <= gateSigmas * sigma + reach(a) + reach(b) ? distance : nil
  }

  private func reach(_ capture: CaptureRecord) -> Double {
    guard let gsd = capture.gsdMmPerPx, let w = capture.width, let h = capture.height else {
      return unknownReachM
    }
    return gsd * Double(w * w + h * h).squareRoot() / 2 / 1000
  }

  private func register(_ photo: SurfaceFeatures, of capture: CaptureRecord, to reference: CaptureRecord)
    -> CaptureRegistration
  {
    func refused(_ reason: String) -> CaptureRegistration {
      CaptureRegistration(
        captureId: capture.id, referenceId: reference.id, registered: false, homography: nil, matches: 0,
        inliers: 0, residualPx: nil, residualMm: nil, overlap: nil, reason: reason)
    }
    let features: SurfaceFeatures
    switch self.features(of: reference) {
    case .success(let found): features = found
    case .failure(let unavailable): return refused(unavailable.reason)
    }
    let result: Registration
    do {
      result = try registrar.register(photo, to: features)
    } catch {
      return refused("OpenCV could not match the two photos: \(error)")
    }
    let rows = result.homography.map { h in
      "[" + h.rows.map { "[" + $0.map { String($0) }.joined(separator: ",") + "]" }.joined(separator: ",")
        + "]"
    }
    return CaptureRegistration(
      captureId: capture.id, referenceId: reference.id, registered: result.registered, homography: rows,
      matches: result.matches, inliers: result.inliers, residualPx: result.residualPx,
      residualMm: result.residualPx.flatMap { px in reference.gsdMmPerPx.map { px * $0 } },
      overlap: result.overlap,
      reason: result.reason)
  }

  /// The reference photo's features: from the cache, or read again from where it was
  /// ingested, provided it is still the same photo (its SHA-256 is the capture id).
  private func features(of reference: CaptureRecord) -> Result<SurfaceFeatures, Unavailable> {
    if let cached = cache.first(where: { $0.id == reference.id }) { return .success(cached.features) }
    let url = URL(fileURLWithPath: reference.sourcePath)
    let data: Data
    do {
      data = try decoder.read(url)
    } catch {
      return .failure(
        Unavailable(
          reason: "the earlier photo is not on this device (it was ingested from \(reference.sourcePath))"))
    }
    guard ContentHash.sha256(data) == reference.id else {
      return .failure(
        Unavailable(
          reason: "\(reference.sourcePath) is no longer the photo ingested from there (its content changed)"))
    }
    do {
      let image = try decoder.decode(data, path: reference.sourcePath, orientation: reference.orientation)
      let features = try registrar.features(of: image)
      cache.append((reference.id, features))
      if cache.count > cacheSize { cache.removeFirst() }
      return .success(features)
    } catch {
      return .failure(
        Unavailable(reason: "the earlier photo \(reference.sourcePath) cannot be read: \(error)"))
    }
  }
}

/// Why an earlier photo could not be used as a reference.
struct Unavailable: Error {
  var reason: String
}
