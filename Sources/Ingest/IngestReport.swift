/// What one `crackmon ingest` run did with each file.
public struct IngestReport: Encodable, Sendable {
  public struct Ingested: Encodable, Sendable {
    public var path: String
    public var captureId: String
    public var gpsStatus: String
    public var gsdMmPerPx: Double?
    public var gsdMethod: String
    /// Crack observations stored; nil when segmentation was off.
    public var cracks: Int?
    /// Of those, placed through the photo's ground footprint.
    public var placedOnGround: Int = 0
    /// Lines the crack net found that the crack verifier judged not to be cracks (joints,
    /// formwork marks, grooves, edges): not stored; nil when segmentation was off.
    public var linesSetAside: Int? = nil
    /// How it aligned with earlier cycles' photos of its spot; nil when not tried.
    public var registration: RevisitRegistration.Outcome? = nil
  }

  public struct Duplicate: Encodable, Sendable {
    public var path: String
    public var captureId: String
    public var assetId: String
    public var cycleLabel: String
  }

  public struct Failure: Encodable, Sendable, Error {
    public var path: String
    /// Stable name of the error kind, for scripts.
    public var error: String
    public var message: String
  }

  /// A photo the scene check flagged: not a close view of a built surface, or too far away.
  public struct Flagged: Encodable, Sendable {
    public var path: String
    public var reason: String
  }

  public var ingested: [Ingested] = []
  public var duplicates: [Duplicate] = []
  public var failed: [Failure] = []
  /// Entries of the folders walked that are not files to read (FIFOs, broken links, names
  /// that are not UTF-8): reported, not failures.
  public var skipped: [PhotoFiles.Skipped] = []
  /// Photos stored, but taken far from the asset or outside the cycle's dates: likely the
  /// wrong asset or cycle (`--strict` refuses them instead, as failures).
  public var warnings: [Failure] = []
  /// Photos the scene check flagged: not stored (`--any-scene` stores and measures them).
  public var flagged: [Flagged] = []

  /// Ingested captures whose GPS is absent or invalid: stored, but tied to the asset only.
  public var withoutGPS: Int { ingested.filter { $0.gpsStatus != "valid" }.count }
  /// Ingested captures registered to a photo of an earlier cycle.
  public var registered: Int { ingested.filter { !($0.registration?.registeredTo.isEmpty ?? true) }.count }
  /// Crack observations stored in this run.
  public var cracks: Int { ingested.reduce(0) { $0 + ($1.cracks ?? 0) } }
  /// Every file was ingested or recognised as already ingested.
  public var allHandled: Bool { failed.isEmpty }

  enum CodingKeys: String, CodingKey {
    case ingested, duplicates, failed, skipped, warnings, flagged
    case withoutGPS = "without_gps"
    case cracks, registered
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(ingested, forKey: .ingested)
    try c.encode(duplicates, forKey: .duplicates)
    try c.encode(withoutGPS, forKey: .withoutGPS)
    try c.encode(cracks, forKey: .cracks)
    try c.encode(registered, forKey: .registered)
    try c.encode(failed, forKey: .failed)
    try c.encode(skipped, forKey: .skipped)
    try c.encode(warnings, forKey: .warnings)
    try c.encode(flagged, forKey: .flagged)
  }
}
