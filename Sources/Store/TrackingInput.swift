import GRDB

/// Everything tracking reads of one asset, from whichever store holds it: a device store, or
/// the central store (SQLite or PostgreSQL), where it tracks the observations of every device.
/// Read in one snapshot, so that tracking sees the asset as it was at one moment.
public struct TrackingInput: Sendable {
  public var asset: Asset
  /// In tracking's order: by start date, then label.
  public var cycles: [InspectionCycle]
  public var observations: [TrackedObservation]
  /// The surface registrations of its captures, and the captures and cracks they place. Made
  /// on the device that holds both photos and not synced: empty centrally.
  public var registrations: [CaptureRegistration] = []
  public var registeredCaptures: [RegisteredCapture] = []
  public var registeredCracks: [RegisteredCrack] = []
  /// The inspector's latest word per observation: a track id (link) or nil (unlink).
  public var overrides: [String: String?]
  /// The latest review of each reviewed observation, by observation id (`CorrectionRow.reviews`).
  public var reviews: [CorrectionRow] = []

  public init(
    asset: Asset, cycles: [InspectionCycle], observations: [TrackedObservation], overrides: [String: String?]
  ) {
    self.asset = asset
    self.cycles = cycles
    self.observations = observations
    self.overrides = overrides
  }
}

/// What tracking derives for an asset and a store keeps until the next tracking: each
/// observation's track, each track's growth, the events and alerts, and where registrations
/// placed observations whose photos have no GPS.
public struct DerivedTracking: Sendable {
  /// Every track id, in order of creation.
  public var trackIds: [String]
  /// In the order tracking read the observations (the same every run for the same rows).
  public var members: [TrackMember]
  public var growth: [TrackGrowth]
  public var events: [TrackingEvent]
  public var alerts: [GrowthAlertRecord]
  public var placements: [RegisteredPlacement]

  public init(
    trackIds: [String], members: [TrackMember], growth: [TrackGrowth], events: [TrackingEvent],
    alerts: [GrowthAlertRecord], placements: [RegisteredPlacement]
  ) {
    self.trackIds = trackIds
    self.members = members
    self.growth = growth
    self.events = events
    self.alerts = alerts
    self.placements = placements
  }
}

extension TrackedObservation {
  /// The SQL that reads tracked observations of the asset bound to `assetParameter` (`?1`,
  /// PostgreSQL's `$1`) in every store: the columns `init(row:)` reads, through the corrections (`cycle`, `live`: `DeviceStore.correctedSQL`),
  /// `extraFilter` appended to the WHERE clause. `packedCentrelines`: join the device's
  /// `tracking_centreline` (NULL elsewhere) and leave out the JSON it replaces.
  public static func selectSQL(
    assetParameter: String, cycle: String, live: String, packedCentrelines: Bool, extraFilter: String = ""
  ) -> String {
    """
    SELECT o.id, \(cycle) AS cycle_label, o.easting, o.northing, o.bearing_deg, o.georef_method,
      o.georef_uncertainty_m, o.length_px, o.length_mm, o.max_width_mm, o.mean_width_mm,
      o.severity_scheme, o.severity, o.max_width_px, \(packedCentrelines ? "t.points" : "NULL") AS points,
      \(packedCentrelines ? "CASE WHEN t.points IS NULL THEN o.polyline_projected END" : "o.polyline_projected")
        AS polyline_projected
    FROM crack_observation o JOIN capture c ON c.asset_id = o.asset_id AND c.id = o.capture_id
    \(packedCentrelines ? "LEFT JOIN tracking_centreline t ON t.observation_id = o.id" : "")
    WHERE c.asset_id = \(assetParameter)\(live)\(extraFilter)
    """
  }

  /// One row of `selectSQL`, GRDB's or PostgreSQL's (read by column name: a PostgreSQL row
  /// comes back as a GRDB row whose columns are in no particular order).
  public init(row: Row) throws {
    self.init(
      id: row["id"], cycleLabel: row["cycle_label"], easting: row["easting"], northing: row["northing"],
      bearingDeg: row["bearing_deg"], georefMethod: row["georef_method"],
      georefUncertaintyM: row["georef_uncertainty_m"], lengthPx: row["length_px"], lengthMm: row["length_mm"],
      maxWidthMm: row["max_width_mm"], meanWidthMm: row["mean_width_mm"],
      severityScheme: row["severity_scheme"], severity: row["severity"], maxWidthPx: row["max_width_px"],
      centreline: try row.withUnsafeData(named: "points") { $0.map(PackedCentreline.unpack) },
      polylineProjected: row["polyline_projected"])
  }
}
