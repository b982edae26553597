import Foundation

/// What the central store requires of every pushed entry before it reads or writes anything
/// for it. A device's own outbox always passes; the rules are for hostile or broken clients.
///
/// The entry's `entity` and `key` are the client's words: they are checked against the row,
/// never trusted. Receipts are written with the row's own entity and key, so a pull can only
/// ever return rows the entry itself carried (an entry keyed by another organisation's asset
/// id but carrying one of this organisation's rows used to plant a receipt that pulled the
/// other organisation's asset down).
extension SyncEntry {
  /// Longest identifier (asset id, cycle label, track id, device id) in UTF-8 bytes.
  public static let maxIdentifierBytes = 256
  /// Longest other text field (a name, a date, a note), but for a capture's metadata and path
  /// and an observation's polylines: every device of the organisation pulls these rows, so
  /// one huge field must not be able to make every pull fail.
  public static let maxTextBytes = 1024
  /// Largest entry, about, as JSON (`approximateBytes`): a capture's full metadata or a long
  /// crack's polylines fit easily.
  public static let maxEntryBytes = 1 << 20
  /// Most entries in one push (the OpenAPI document's `maxItems`).
  public static let maxPushEntries = 500
  static let entities: Set<String> = [
    "asset", "inspection_cycle", "capture", "crack_observation", "crack_track", "track_override",
    "correction",
  ]

  /// The row's text fields by name, and whether each may be long (a capture's metadata and
  /// path, an observation's polylines); every other one is held to `maxTextBytes`, so that
  /// `approximateBytes` bounds the entry whatever a client puts in it.
  var textFields: [(name: String, value: String?, long: Bool)] {
    if let asset {
      return [
        ("asset.id", asset.id, false), ("asset.name", asset.name, false),
        ("asset.createdAt", asset.createdAt, false),
      ]
    }
    if let cycle {
      return [
        ("cycle.assetId", cycle.assetId, false), ("cycle.label", cycle.label, false),
        ("cycle.startDate", cycle.startDate, false), ("cycle.endDate", cycle.endDate, false),
        ("cycle.createdAt", cycle.createdAt, false),
      ]
    }
    if let c = capture {
      return [
        ("capture.metadataJson", c.metadataJson, true), ("capture.sourcePath", c.sourcePath, true),
        ("capture.id", c.id, false), ("capture.assetId", c.assetId, false),
        ("capture.cycleLabel", c.cycleLabel, false),
        ("capture.container", c.container, false), ("capture.make", c.make, false),
        ("capture.model", c.model, false),
        ("capture.takenAt", c.takenAt, false), ("capture.takenAtOffset", c.takenAtOffset, false),
        ("capture.gpsTimeUtc", c.gpsTimeUtc, false), ("capture.gpsStatus", c.gpsStatus, false),
        ("capture.gpsProblem", c.gpsProblem, false), ("capture.altitudeRef", c.altitudeRef, false),
        ("capture.cameraView", c.cameraView, false), ("capture.gsdMethod", c.gsdMethod, false),
        ("capture.gsdNote", c.gsdNote, false), ("capture.ingestedAt", c.ingestedAt, false),
      ]
    }
    if let o = observation {
      return [
        ("observation.polylinePx", o.polylinePx, true),
        ("observation.widthProfilePx", o.widthProfilePx, true),
        ("observation.polylineProjected", o.polylineProjected, true),
        ("observation.polylineWgs84", o.polylineWgs84, true),
        ("observation.id", o.id, false), ("observation.captureId", o.captureId, false),
        ("assetId", assetId, false),
        ("observation.georefMethod", o.georefMethod, false),
        ("observation.severityScheme", o.severityScheme, false),
        ("observation.severity", o.severity, false), ("observation.modelName", o.modelName, false),
        ("observation.modelVersion", o.modelVersion, false), ("observation.createdAt", o.createdAt, false),
      ]
    }
    if let t = track {
      return [
        ("track.id", t.id, false), ("track.assetId", t.assetId, false),
        ("track.createdAt", t.createdAt, false),
      ]
    }
    if let t = trackOverride {
      return [
        ("trackOverride.observationId", t.observationId, false), ("trackOverride.action", t.action, false),
        ("trackOverride.trackId", t.trackId, false), ("trackOverride.createdAt", t.createdAt, false),
      ]
    }
    if let c = correction {
      return [
        ("correction.assetId", c.assetId, false), ("correction.kind", c.kind, false),
        ("correction.captureId", c.captureId, false), ("correction.observationId", c.observationId, false),
        ("correction.cycleLabel", c.cycleLabel, false), ("correction.reason", c.reason, false),
        ("correction.createdAt", c.createdAt, false),
      ]
    }
    return []
  }

  /// About how many bytes the entry takes as JSON: its text, plus a kilobyte for its numbers
  /// and names. Counted, not encoded: encoding every entry of every push and pull page to
  /// measure it cost pushes about a tenth of their time.
  public var approximateBytes: Int {
    textFields.reduce(key.utf8.count + 1024) { $0 + ($1.value?.utf8.count ?? 0) }
  }

  /// The row's own entity name and key, or nil when the entry carries no row or more than one.
  public var rowIdentity: (entity: String, key: String)? {
    var found: [(String, String)] = []
    if let asset { found.append((Asset.syncEntity, asset.syncKey)) }
    if let cycle { found.append((InspectionCycle.syncEntity, cycle.syncKey)) }
    if let capture { found.append((CaptureRecord.syncEntity, capture.syncKey)) }
    if let observation { found.append((CrackObservation.syncEntity, observation.syncKey)) }
    if let track { found.append((CrackTrackRow.syncEntity, track.syncKey)) }
    if let trackOverride { found.append((TrackOverrideRow.syncEntity, trackOverride.syncKey)) }
    if let correction { found.append((CorrectionRow.syncEntity, correction.syncKey)) }
    return found.count == 1 ? found[0] : nil
  }

  /// Throws `badEntry` (HTTP 400) naming the field, for anything the stores' constraints
  /// would refuse and for anything that does not describe itself truthfully.
  public func check(from storeDevice: String) throws(CentralError) {
    func refuse(_ reason: String) -> CentralError { .badEntry(seq: seq, reason: reason) }
    guard seq >= 1 else { throw refuse("seq must be 1 or more") }
    guard Self.entities.contains(entity) else { throw refuse("unknown entity \"\(entity.prefix(64))\"") }
    guard let identity = rowIdentity else {
      throw refuse("an entry carries exactly one row, the one its entity names")
    }
    guard identity.entity == entity else {
      throw refuse("entity is \"\(entity)\" but its row is a \(identity.entity)")
    }
    guard assetId == nil || observation != nil else {
      throw refuse("assetId goes with an observation only")
    }
    guard identity.key == key else { throw refuse("key does not match its row's key") }
    guard let stamp, stamp.deviceId == storeDevice, stamp.seq == seq else {
      throw refuse("its row does not carry this device and sequence")
    }
    func identifier(_ name: String, _ value: String) throws(CentralError) {
      guard !value.isEmpty else { throw refuse("\(name) is empty") }
      guard value.utf8.count <= Self.maxIdentifierBytes else {
        throw refuse("\(name) is over \(Self.maxIdentifierBytes) bytes")
      }
    }
    func text(_ name: String, _ value: String?) throws(CentralError) {
      guard let value else { return }
      guard value.utf8.count <= Self.maxTextBytes else {
        throw refuse("\(name) is over \(Self.maxTextBytes) bytes")
      }
    }
    func sha(_ name: String, _ value: String) throws(CentralError) {
      guard value.utf8.count == 64,
        value.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
      else { throw refuse("\(name) is not a SHA-256 (64 lowercase hex digits)") }
    }
    func position(_ latitude: Double?, _ longitude: Double?) throws(CentralError) {
      guard (latitude == nil) == (longitude == nil) else {
        throw refuse("latitude and longitude come together")
      }
      if let latitude, !(latitude.isFinite && (-90...90).contains(latitude)) {
        throw refuse("latitude \(latitude) is not within -90...90")
      }
      if let longitude, !(longitude.isFinite && (-180...180).contains(longitude)) {
        throw refuse("longitude \(longitude) is not within -180...180")
      }
    }
    func epsg(_ code: Int?) throws(CentralError) {
      if let code, !(1...999_999).contains(code) { throw refuse("epsg \(code) is not an EPSG code") }
    }
    func gpsSigma(_ name: String, _ sigma: Double?) throws(CentralError) {
      if let sigma, !(sigma.isFinite && sigma > 0 && sigma <= 100_000) {
        throw refuse("\(name) must be above 0 m and at most 100 km")
      }
    }
    try identifier("deviceId", storeDevice)
    if let asset {
      try identifier("asset.id", asset.id)
      try position(asset.latitude, asset.longitude)
      try epsg(asset.epsg)
      try gpsSigma("asset.gpsSigmaM", asset.gpsSigmaM)
    } else if let cycle {
      try identifier("cycle.assetId", cycle.assetId)
      try identifier("cycle.label", cycle.label)
    } else if let capture {
      try sha("capture.id", capture.id)
      try identifier("capture.assetId", capture.assetId)
      try identifier("capture.cycleLabel", capture.cycleLabel)
      try position(capture.latitude, capture.longitude)
      try epsg(capture.epsg)
      guard ["valid", "invalid", "absent"].contains(capture.gpsStatus) else {
        throw refuse("capture.gpsStatus \"\(capture.gpsStatus.prefix(64))\" is not valid, invalid or absent")
      }
      guard capture.gpsStatus == "valid" || capture.latitude == nil else {
        throw refuse("capture has a position without a valid GPS fix")
      }
      guard ["nadir", "oblique", "unknown"].contains(capture.cameraView) else {
        throw refuse("capture.cameraView is not nadir, oblique or unknown")
      }
      if let gsd = capture.gsdMmPerPx, !(gsd.isFinite && gsd > 0) {
        throw refuse("capture.gsdMmPerPx must be above 0")
      }
      try gpsSigma("capture.gpsSigmaM", capture.gpsSigmaM)
    } else if let observation {
      try sha("observation.id", observation.id)
      try sha("observation.captureId", observation.captureId)
      if let assetId { try identifier("assetId", assetId) }
      try position(observation.latitude, observation.longitude)
      try epsg(observation.epsg)
    } else if let track {
      try identifier("track.id", track.id)
      try identifier("track.assetId", track.assetId)
    } else if let trackOverride {
      try sha("trackOverride.observationId", trackOverride.observationId)
      guard ["link", "unlink"].contains(trackOverride.action),
        (trackOverride.action == "link") == (trackOverride.trackId != nil)
      else { throw refuse("trackOverride: a link names a track, an unlink none") }
      if let track = trackOverride.trackId { try identifier("trackOverride.trackId", track) }
    } else if let correction {
      try identifier("correction.assetId", correction.assetId)
      if let problem = correction.problem { throw refuse("correction: \(problem)") }
      if let capture = correction.captureId { try sha("correction.captureId", capture) }
      if let observation = correction.observationId { try sha("correction.observationId", observation) }
      if let cycle = correction.cycleLabel { try identifier("correction.cycleLabel", cycle) }
    }
    // Every text field but the few that may be long: a name, a date, a note.
    for field in textFields where !field.long {
      try text(field.name, field.value)
    }
    guard approximateBytes <= Self.maxEntryBytes else {
      throw refuse("over \(Self.maxEntryBytes) bytes as JSON")
    }
  }
}

extension PushRequest {
  /// The batch-level rules, then each entry's: all before anything is applied.
  public func check() throws(CentralError) {
    guard !deviceId.hasPrefix(OfficeAuthor.prefix) else {
      throw .forbidden("store ids beginning with \"\(OfficeAuthor.prefix)\" are the office's")
    }
    guard entries.count <= SyncEntry.maxPushEntries else {
      throw .badEntry(
        seq: 0, reason: "\(entries.count) entries: send at most \(SyncEntry.maxPushEntries) in one push")
    }
    var seen = Set<Int64>()
    for entry in entries {
      guard seen.insert(entry.seq).inserted else {
        throw .badEntry(seq: entry.seq, reason: "the same seq twice in one push")
      }
      try entry.check(from: deviceId)
    }
  }
}
