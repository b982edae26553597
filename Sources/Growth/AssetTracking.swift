import CrackGeometry
import Foundation
import Georeference
import Observations
import Store

/// Derives an asset's crack tracks, growth series and alerts from its observations and the
/// inspector's overrides. Deterministic: the same observations give the same tracks, members
/// and alerts every time, in whichever store they were read: a device tracks what it holds
/// (`run(asset:in:)`), the central server what every device pushed (`compute(_:)`).
public struct AssetTracking: Sendable {
  public var tracker = CrackTracker()
  public var rules = AlertRules()

  public init(rules: AlertRules = AlertRules()) {
    self.rules = rules
  }

  /// One track as reports show it.
  public struct Track: Sendable, Equatable, Codable {
    public var id: String
    public var series: GrowthSeries
    public var alerts: [GrowthAlert]
    /// Observations of the track, oldest cycle first.
    public var observationIds: [String]
    /// The latest observation's georeferencing method and severity scheme.
    public var georefMethod: String
    public var severityScheme: String?
    /// How its observations were matched across cycles.
    public var matchedBy: MatchedBy = .gps
    /// The largest residual of the registrations that placed its observations, mm.
    public var registrationResidualMm: Double?
    /// Where its latest observation lies (its registration frame's placement where it has one).
    public var position: TrackPosition?
    /// Its latest observation's centreline through its registration frame, WGS 84 JSON
    /// (`[[[lon, lat], ...], ...]`); nil for a track placed by GPS.
    public var centrelineWgs84: String?
  }

  public enum MatchedBy: String, Sendable, Equatable, Codable {
    /// Every observation placed through one chain of registrations: matched by the surface.
    case registration
    /// Each by its own photo's GPS.
    case gps
    /// Some through registrations, some by GPS (a photo that registered to nothing).
    case mixed
  }

  public struct TrackPosition: Sendable, Equatable, Codable {
    /// In the asset's projected CRS, metres.
    public var easting: Double
    public var northing: Double
    /// WGS 84, degrees.
    public var latitude: Double
    public var longitude: Double
  }

  public struct Summary: Sendable {
    public var asset: Asset
    public var cycles: [InspectionCycle]
    public var tracks: [Track]
    public var events: [TrackingEvent]
    /// How many observations the asset has.
    public var observationCount: Int
    /// Each observation's track, by observation id.
    public var members: [TrackMember]
    /// Every track id, in order of creation.
    public var trackIds: [String]
    /// Each registered capture's chain of registrations (capture id -> root and homography).
    public var chains: [String: RegisteredFrames.Chain] = [:]
    /// Where registrations placed the observations whose photos have no GPS.
    public var placements: [RegisteredPlacement] = []
    /// The latest review of each reviewed observation (a rejected one is in no track).
    public var reviews: [CorrectionRow] = []
    /// Centrelines decoded from JSON for the first time, for the store to keep.
    public var decodedCentrelines: [(observationId: String, branches: [[(Double, Double)]])] = []
    /// Seconds spent reading the store, tracking + growth + alerts, and writing the store.
    public var seconds = (read: 0.0, compute: 0.0, write: 0.0)
  }

  /// Runs tracking and growth for an asset of a device store and stores the result.
  @discardableResult
  public func run(asset assetId: String, in store: DeviceStore) throws -> Summary {
    var summary = try compute(asset: assetId, in: store)
    let start = ContinuousClock.now
    let derived = summary.derived
    try store.replaceTracking(
      asset: assetId, trackIds: derived.trackIds, members: derived.members, growth: derived.growth,
      events: derived.events, alerts: derived.alerts, placements: derived.placements,
      centrelines: summary.decodedCentrelines)
    summary.seconds.write = (ContinuousClock.now - start).seconds
    return summary
  }

  /// Tracks and growth of an asset of a device store, without storing anything.
  public func compute(asset assetId: String, in store: DeviceStore) throws -> Summary {
    let start = ContinuousClock.now
    let asset = try store.asset(assetId)
    let cycles = try store.cycles(of: assetId)
    // Read in parts, a stripe of cycles per core, concatenated in stripe order.
    let stripes = ProcessInfo.processInfo.activeProcessorCount
    let parts = concurrentMap(stripes) { stripe in
      Result { () throws(StoreError) in
        try store.trackedObservations(
          asset: assetId, cycles: stride(from: stripe, to: cycles.count, by: stripes).map { cycles[$0].label }
        )
      }
    }
    var input = TrackingInput(
      asset: asset, cycles: cycles, observations: try parts.flatMap { try $0.get() },
      overrides: try store.trackOverrides(asset: assetId))
    input.reviews = try store.reviews(asset: assetId)
    input.registrations = try store.registrations(asset: assetId)
    if input.registrations.contains(where: \.registered) {
      input.registeredCaptures = try store.registeredCaptures(asset: assetId)
      input.registeredCracks = try store.registeredCracks(asset: assetId)
    }
    let read = ContinuousClock.now
    var summary = try compute(input)
    summary.seconds = ((read - start).seconds, (ContinuousClock.now - read).seconds, 0)
    return summary
  }

  /// Projected branches as WGS 84 JSON (`[[[lon, lat], ...], ...]`); nil if a point does not
  /// transform. On the caller's thread: a PROJ context serves one thread at a time.
  static func wgs84(_ branches: [[(Double, Double)]], _ transform: CoordinateTransform) -> String? {
    let geographic = branches.map { branch in
      branch.compactMap { point in
        (try? transform.unproject(easting: point.0, northing: point.1)).map { [$0.longitude, $0.latitude] }
      }
    }
    guard geographic.map(\.count) == branches.map(\.count) else { return nil }
    return CrackObservationBuilder.json(geographic, decimals: 8)
  }

  /// Tracks and growth from what a store read of an asset, without storing anything.
  public func compute(_ input: TrackingInput) throws -> Summary {
    let (asset, cycles, rows) = (input.asset, input.cycles, input.observations)
    let assetId = asset.id
    let cycleIndex = Dictionary(uniqueKeysWithValues: cycles.enumerated().map { ($1.label, $0) })
    let cycleOfRow = rows.map { cycleIndex[$0.cycleLabel] }
    var (trackable, rowOfTrackable, decoded) = Self.trackable(rows, cycleOfRow: cycleOfRow)
    // Cracks on registered photos: placed in their registration frame, not by their own GPS.
    let registrations = input.registrations
    let transform = try CoordinateTransform(projectedEPSG: asset.epsg)
    var chains: [String: RegisteredFrames.Chain] = [:]
    var placed: [String: RegisteredFrames.Placed] = [:]
    var gpsSigmaOfRoot: [String: Double] = [:]
    if registrations.contains(where: \.registered) {
      let captures = input.registeredCaptures
      for c in captures { gpsSigmaOfRoot[c.id] = c.gpsSigmaM ?? CaptureRecord.defaultGPSSigmaM }
      chains = RegisteredFrames.chains(
        registrations: registrations, captures: captures, cycleOrder: cycleIndex)
      placed = RegisteredFrames.place(
        input.registeredCracks, chains: chains, captures: captures, transform: transform)
      for k in trackable.indices {
        guard let p = placed[trackable[k].id] else { continue }
        trackable[k].position = p.position
        trackable[k].branches = p.branches
        trackable[k].frame = p.frame
        trackable[k].frameUncertaintyM = p.frameUncertaintyM
      }
    }
    let positionOfRow = Dictionary(
      zip(rowOfTrackable, trackable).compactMap { row, o in o.position.map { (row, $0) } }
    ) { a, _ in a }
    var overrides: [String: TrackOverride] = [:]
    for (observation, trackId) in input.overrides {
      overrides[observation] = trackId.map { .link(trackId: $0) } ?? .unlink
    }
    let result = tracker.track(trackable, cycles: cycles.count, overrides: overrides)

    // Growth per track, in cycle order.
    var rowsOfTrack = [[Int]](repeating: [], count: result.trackIds.count)
    var branchesOfRow: [Int: [[(Double, Double)]]] = [:]
    for (k, member) in result.assignments.enumerated() {
      if let member {
        rowsOfTrack[member.track].append(rowOfTrackable[k])
        branchesOfRow[rowOfTrackable[k]] = trackable[k].branches
      }
    }
    let made = concurrentMap(result.trackIds.count) { t -> (Track, placed: [[(Double, Double)]]?)? in
      let trackId = result.trackIds[t]
      let members = rowsOfTrack[t].sorted {
        (cycleOfRow[$0] ?? 0, rows[$0].id) < (cycleOfRow[$1] ?? 0, rows[$1].id)
      }
      guard let latest = members.last.map({ rows[$0] }) else { return nil }
      // One point per cycle: a crack seen in pieces is one point, its pieces joined.
      let cyclesSeen = Dictionary(grouping: members) { cycleOfRow[$0] ?? 0 }.sorted { $0.key < $1.key }
      let seen = cyclesSeen.map { cycle, pieces in
        Self.point(
          pieces.map { rows[$0] }, date: cycles[cycle].date, branches: pieces.map { branchesOfRow[$0] ?? [] },
          frames: pieces.map { placed[rows[$0].id]?.frame })
      }
      var points = seen.map(\.point)
      // Growth at each tip and width growth along the crack, between consecutive points
      // placed in one registration frame.
      for k in points.indices.dropFirst() {
        guard let frame = seen[k].frame, seen[k - 1].frame == frame else { continue }
        points[k].tips = TipGrowth.tips(
          of: seen[k].branches, since: seen[k - 1].branches, widthM: (points[k].meanWidthMm ?? 0) / 1000)
        points[k].lengthGrowthMm = points[k].tips.map(TipGrowth.lengthGrowthMm)
        let (now, before) = (cyclesSeen[k].value, cyclesSeen[k - 1].value)
        let residual = (now + before).compactMap { placed[rows[$0].id]?.residualM }.max() ?? 0
        points[k].widthGrowth = WidthGrowth.between(
          before.flatMap { placed[rows[$0].id]?.widths ?? [] },
          now.flatMap { placed[rows[$0].id]?.widths ?? [] },
          radius: max(WidthGrowth.minimumRadiusM, 3 * residual))
      }
      let series = GrowthSeries(points: points)
      let scheme = latest.severityScheme.flatMap(SeverityScheme.init(rawValue:))
      let alerts = rules.alerts(trackId: trackId, series: series) { scheme?.rank(of: $0) }
      // How its observations were matched: all in one registration frame, none, or some.
      let frames = members.map { placed[rows[$0].id]?.frame }
      let matchedBy: MatchedBy =
        members.count < 2 || frames.allSatisfy({ $0 == nil })
        ? .gps : Set(frames).count == 1 ? .registration : .mixed
      let residuals = members.compactMap { placed[rows[$0].id]?.residualM }
      let latestPlaced = seen.last.flatMap { $0.frame == nil ? nil : $0.branches }
      // Latitude and longitude are filled in below, on this thread's PROJ context.
      let position = members.last.flatMap { positionOfRow[$0] }.map {
        TrackPosition(easting: $0.easting, northing: $0.northing, latitude: .nan, longitude: .nan)
      }
      let track = Track(
        id: trackId, series: series, alerts: alerts, observationIds: members.map { rows[$0].id },
        georefMethod: latest.georefMethod, severityScheme: latest.severityScheme, matchedBy: matchedBy,
        registrationResidualMm: matchedBy == .gps ? nil : residuals.max().map { $0 * 1000 },
        position: position)
      return (track, latestPlaced)
    }.compactMap { $0 }
    var tracks = made.map(\.0)
    // A PROJ context serves one thread at a time.
    for t in tracks.indices {
      guard let p = tracks[t].position else { continue }
      if let geographic = try? transform.unproject(easting: p.easting, northing: p.northing) {
        tracks[t].position?.latitude = geographic.latitude
        tracks[t].position?.longitude = geographic.longitude
      } else {
        tracks[t].position = nil
      }
      // Drawn where its registration frame places it.
      if let branches = made[t].placed, tracks[t].position != nil {
        tracks[t].centrelineWgs84 = Self.wgs84(branches, transform)
      }
    }
    // An observation whose photo has no GPS is where its registrations place it, or nowhere.
    let placements = rows.compactMap { row -> RegisteredPlacement? in
      guard row.georefMethod == "asset", let p = placed[row.id],
        let centre = try? transform.unproject(easting: p.position.easting, northing: p.position.northing),
        let line = Self.wgs84(p.branches, transform)
      else { return nil }
      let sigma = gpsSigmaOfRoot[p.frame] ?? CaptureRecord.defaultGPSSigmaM
      return RegisteredPlacement(
        assetId: assetId, observationId: row.id, longitude: centre.longitude, latitude: centre.latitude,
        polylineWgs84: line, uncertaintyM: (sigma * sigma + p.residualM * p.residualM).squareRoot())
    }
    let events = result.events.map {
      TrackingEvent(
        assetId: assetId, cycleLabel: cycles[$0.cycle].label, kind: $0.kind.rawValue, trackId: $0.trackId,
        observationId: $0.observationId, otherTrackId: $0.otherTrackId)
    }
    // In the order the store read the observations: the same every run, so the store can
    // tell by digest that nothing changed.
    let members = zip(result.observationIds, result.assignments).compactMap { id, member in
      member.map {
        TrackMember(observationId: id, trackId: $0.trackId, assignedBy: $0.assignedBy, matchCost: $0.cost)
      }
    }
    var summary = Summary(
      asset: asset, cycles: cycles, tracks: tracks, events: events, observationCount: rows.count,
      members: members,
      trackIds: result.trackIds)
    summary.decodedCentrelines = decoded
    summary.placements = placements
    summary.chains = chains
    summary.reviews = input.reviews
    return summary
  }
}

extension AssetTracking.Summary {
  /// What a store keeps of this tracking: members, growth, events, alerts and placements.
  public var derived: DerivedTracking {
    let assetId = asset.id
    let growth = tracks.compactMap { track -> TrackGrowth? in
      guard let latest = track.observationIds.last else { return nil }
      var growth = TrackGrowth(
        trackId: track.id, assetId: assetId, cyclesSeen: Set(track.series.points.map(\.cycle)).count,
        latestObservationId: latest, lengthMmPerYear: track.series.lengthMmPerYear,
        maxWidthMmPerYear: track.series.maxWidthMmPerYear,
        meanWidthMmPerYear: track.series.meanWidthMmPerYear,
        noRateReason: track.series.noRateReason)
      growth.matchedBy = track.matchedBy.rawValue
      growth.registrationResidualMm = track.registrationResidualMm
      if let centreline = track.centrelineWgs84, let position = track.position {
        (growth.longitude, growth.latitude) = (position.longitude, position.latitude)
        growth.polylineWgs84 = centreline
      }
      return growth
    }
    let alerts = tracks.flatMap { track in
      track.alerts.map {
        GrowthAlertRecord(
          assetId: assetId, trackId: $0.trackId, cycleLabel: $0.cycle, kind: $0.kind.rawValue,
          value: $0.value,
          limitValue: $0.limit, message: $0.message)
      }
    }
    return DerivedTracking(
      trackIds: trackIds, members: members, growth: growth, events: events, alerts: alerts,
      placements: placements)
  }
}

extension AssetTracking {
  /// A track's point in one cycle, from its observations there: one, or the pieces of a crack
  /// the photo showed broken (`CrackPieces`). Pieces make one crack: the longest names the
  /// point, lengths add up with the gaps between them (an unseen stretch, not a healed one),
  /// widths are the widest and the length-weighted mean, the severity is the widest piece's.
  /// Also its centreline (pieces joined) and its registration frame (nil unless all share one).
  static func point(
    _ pieces: [TrackedObservation], date: String?, branches: [[[(Double, Double)]]], frames: [String?]
  ) -> (point: GrowthSeries.Point, branches: [[(Double, Double)]], frame: String?) {
    let frame = Set(frames).count == 1 ? frames[0] : nil
    guard pieces.count > 1 else {
      let o = pieces[0]
      var point = GrowthSeries.Point(
        cycle: o.cycleLabel, date: date, observationId: o.id, lengthMm: o.lengthMm, maxWidthMm: o.maxWidthMm,
        meanWidthMm: o.meanWidthMm, severity: o.severity)
      point.widthBelowResolution = Crack.widthIsBelowResolution(maxWidthPx: o.maxWidthPx) ? true : nil
      return (point, branches[0], frame)
    }
    let (joined, gap) = CrackPieces.joined(branches)
    let main = pieces.max { ($0.lengthPx, $1.id) < ($1.lengthPx, $0.id) }!
    let widest = pieces.max { ($0.maxWidthMm ?? 0, $1.id) < ($1.maxWidthMm ?? 0, $0.id) }!
    let lengths = pieces.map(\.lengthMm)
    // Footprint centrelines are in metres.
    let unseenMm = gap * 1000
    let length = lengths.contains(nil) ? nil : lengths.reduce(0) { $0 + $1! } + unseenMm
    let weighted = pieces.compactMap { p in p.meanWidthMm.flatMap { w in p.lengthMm.map { (w * $0, $0) } } }
    let seenLength = weighted.reduce(0) { $0 + $1.1 }
    var point = GrowthSeries.Point(
      cycle: main.cycleLabel, date: date, observationId: main.id, lengthMm: length,
      maxWidthMm: pieces.compactMap(\.maxWidthMm).max(),
      meanWidthMm: weighted.count == pieces.count && seenLength > 0
        ? weighted.reduce(0) { $0 + $1.0 } / seenLength : nil, severity: widest.severity)
    point.widthBelowResolution = Crack.widthIsBelowResolution(maxWidthPx: widest.maxWidthPx) ? true : nil
    point.pieceIds = pieces.map(\.id).filter { $0 != main.id }.sorted()
    point.unseenMm = unseenMm
    return (point, joined, frame)
  }

  /// Tracking's view of each stored observation (none for one outside the asset's cycles),
  /// the row each came from, and the centrelines decoded from JSON here, for the store to
  /// keep. Decoding JSON is most of this work, so it is spread over every core.
  static func trackable(
    _ rows: [TrackedObservation], cycleOfRow: [Int?]
  ) -> (
    observations: [TrackableObservation], rows: [Int],
    decoded: [(observationId: String, branches: [[(Double, Double)]])]
  ) {
    let made = concurrentMap(rows.count) { i -> (TrackableObservation, decoded: Bool)? in
      guard let cycle = cycleOfRow[i] else { return nil }
      let o = rows[i]
      let position = o.easting.flatMap { e in o.northing.map { (easting: e, northing: $0) } }
      var branches = o.centreline ?? []
      var decoded = false
      // A centreline that does not decode is tracked by position alone, as before, and
      // not kept: the stored JSON stays the record.
      if o.centreline == nil, let json = o.polylineProjected,
        let points = try? JSONDecoder().decode([[[Double]]].self, from: Data(json.utf8))
      {
        branches = points.map { $0.compactMap { $0.count >= 2 ? ($0[0], $0[1]) : nil } }
        decoded = true
      }
      return (
        TrackableObservation(
          id: o.id, cycle: cycle, position: position, branches: branches, bearingDeg: o.bearingDeg,
          uncertaintyM: o.georefUncertaintyM ?? 0, lengthPx: o.lengthPx), decoded
      )
    }
    let fresh = made.compactMap { m in m.flatMap { $0.decoded ? ($0.0.id, $0.0.branches) : nil } }
    return (made.compactMap { $0?.0 }, made.indices.filter { made[$0] != nil }, fresh)
  }
}

extension Duration {
  /// In seconds, as a Double: for timings.
  public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension InspectionCycle {
  /// The date growth rates use: the cycle's start date, else its end date.
  public var date: String? { startDate ?? endDate }
}
