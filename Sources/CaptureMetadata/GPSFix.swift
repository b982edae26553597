import Foundation

/// Whether a photo's GPS block gives a usable position.
public enum GPSStatus: String, Codable, Sendable {
  /// A position that passed every check.
  case valid
  /// GPS tags are there but do not describe a real fix; `GPSFix.problem` says why.
  case invalid
  /// No GPS position tags at all.
  case absent
}

/// What the altitude is measured from, per EXIF GPSAltitudeRef.
public enum AltitudeReference: String, Codable, Sendable {
  case aboveSeaLevel = "above_sea_level"
  case belowSeaLevel = "below_sea_level"
  /// GPSAltitude without GPSAltitudeRef; the value is taken as above sea level.
  case unspecified
}

/// The camera position from the EXIF GPS IFD, after every oddity in real files has
/// been handled. An unusable fix is never turned into a position: it is `.invalid`
/// with the reason.
public struct GPSFix: Sendable, Equatable, Codable {
  public var status: GPSStatus
  public var problem: String?
  /// Degrees, WGS84, north positive.
  public var latitude: Double?
  /// Degrees, WGS84, east positive.
  public var longitude: Double?
  /// Metres, signed (below sea level is negative).
  public var altitude: Double?
  public var altitudeReference: AltitudeReference?
  /// GPSDateStamp + GPSTimeStamp, which EXIF defines as UTC, in ISO 8601.
  public var timeUTC: String?

  public var altitudeKnown: Bool { altitude != nil }

  static let absent = GPSFix(status: .absent)

  init(
    status: GPSStatus, problem: String? = nil, latitude: Double? = nil, longitude: Double? = nil,
    altitude: Double? = nil, altitudeReference: AltitudeReference? = nil, timeUTC: String? = nil
  ) {
    self.status = status
    self.problem = problem
    self.latitude = latitude
    self.longitude = longitude
    self.altitude = altitude
    self.altitudeReference = altitudeReference
    self.timeUTC = timeUTC
  }

  /// Decodes the GPS IFD of `tags`.
  public init(_ tags: ExifTags) {
    guard tags.hasGPSDirectory else {
      self = .absent
      return
    }
    let time = Self.utcTime(date: tags[.gps, ExifTag.gpsDateStamp], time: tags[.gps, ExifTag.gpsTimeStamp])
    let (altitude, altitudeRef) = Self.altitude(
      tags[.gps, ExifTag.gpsAltitude], ref: tags[.gps, ExifTag.gpsAltitudeRef])
    var fix = GPSFix(status: .valid, altitude: altitude, altitudeReference: altitudeRef, timeUTC: time)

    let latValue = tags[.gps, ExifTag.gpsLatitude]
    let lonValue = tags[.gps, ExifTag.gpsLongitude]
    if latValue == nil, lonValue == nil {
      fix.status = .absent
      fix.problem = "GPS block present but holds no position"
      self = fix
      return
    }
    do throws(Unusable) {
      let lat = try Self.coordinate(latValue, ref: tags[.gps, ExifTag.gpsLatitudeRef], axis: .latitude)
      let lon = try Self.coordinate(lonValue, ref: tags[.gps, ExifTag.gpsLongitudeRef], axis: .longitude)
      if lat == 0, lon == 0 {
        throw Unusable("position 0,0 (\"Null Island\") is what receivers write when they have no fix")
      }
      if let status = tags[.gps, ExifTag.gpsStatus]?.text?.uppercased(), status.hasPrefix("V") {
        throw Unusable("GPSStatus is V: the receiver reported no valid fix")
      }
      fix.latitude = lat
      fix.longitude = lon
    } catch {
      // The altitude of a fix we do not trust is not trusted either.
      fix = GPSFix(status: .invalid, problem: error.reason, timeUTC: time)
    }
    self = fix
  }

  private struct Unusable: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
  }

  private enum Axis {
    case latitude, longitude
    var tag: String { self == .latitude ? "GPSLatitude" : "GPSLongitude" }
    var limit: Double { self == .latitude ? 90 : 180 }
    var refs: (positive: Character, negative: Character) { self == .latitude ? ("N", "S") : ("E", "W") }
  }

  /// Degrees from 1 to 3 rationals: degrees, minutes, seconds; or degrees and decimal minutes.
  private static func coordinate(_ value: ExifValue?, ref: ExifValue?, axis: Axis) throws(Unusable) -> Double
  {
    guard let value else { throw Unusable("\(axis.tag) missing") }
    guard case .rationals(let parts, _) = value, (1...3).contains(parts.count) else {
      throw Unusable("\(axis.tag) is not 1 to 3 rationals")
    }
    var magnitude = 0.0
    var negative = false
    for (part, scale) in zip(parts, [1.0, 60.0, 3600.0]) {
      guard let v = part.value else {
        throw Unusable("\(axis.tag) has a zero denominator (\(part.numerator)/0): no fix was recorded")
      }
      // Signed rationals (type 10) sometimes carry the hemisphere in the sign.
      if v < 0 { negative = true }
      magnitude += abs(v) / scale
    }
    guard magnitude.isFinite else { throw Unusable("\(axis.tag) is not a finite number") }

    let refText = ref?.text?.trimmingCharacters(in: .whitespaces).uppercased() ?? ""
    switch refText.first {
    case axis.refs.negative: negative = true
    case axis.refs.positive: break
    case nil:
      // Without a ref only a signed value says which hemisphere; an unsigned one could be either.
      if !negative, magnitude != 0 {
        throw Unusable("\(axis.tag)Ref missing: the hemisphere is unknown")
      }
    default:
      throw Unusable("\(axis.tag)Ref is \"\(refText)\", not \(axis.refs.positive) or \(axis.refs.negative)")
    }
    guard magnitude <= axis.limit else {
      throw Unusable(
        "\(axis.tag) \(String(format: "%.6f", magnitude))° is beyond ±\(Int(axis.limit))°")
    }
    return negative ? -magnitude : magnitude
  }

  /// Altitude in metres, signed, or nil when none is recorded or it is unusable.
  private static func altitude(_ value: ExifValue?, ref: ExifValue?) -> (Double?, AltitudeReference?) {
    guard case .rationals(let parts, let signed) = value, let first = parts.first, first.denominator != 0
    else { return (nil, nil) }
    var numerator = first.numerator
    // −12 m written by a signed-unaware encoder reads back as 4294967284/1.
    if !signed, numerator >= 1 << 31 { numerator = Int64(Int32(truncatingIfNeeded: numerator)) }
    let metres = Double(numerator) / Double(first.denominator)
    // Higher than any aircraft, or deeper than any mine: not a real altitude.
    guard metres.isFinite, abs(metres) < 100_000 else { return (nil, nil) }
    switch ref?.firstInteger {
    case 1: return (-abs(metres), .belowSeaLevel)
    case 0: return (metres, .aboveSeaLevel)
    default: return (metres, .unspecified)
    }
  }

  /// EXIF GPS date "YYYY:MM:DD" and time (3 rationals) as "YYYY-MM-DDTHH:MM:SSZ".
  private static func utcTime(date: ExifValue?, time: ExifValue?) -> String? {
    guard let dateText = date?.text, case .rationals(let parts, _) = time, parts.count == 3 else {
      return nil
    }
    let fields = dateText.split(whereSeparator: { $0 == ":" || $0 == "-" }).compactMap { Int($0) }
    guard fields.count == 3, (1...12).contains(fields[1]), (1...31).contains(fields[2]), fields[0] > 1900
    else { return nil }
    let values = parts.compactMap(\.value)
    guard values.count == 3, (0..<24).contains(values[0]), (0..<60).contains(values[1]),
      (0..<61).contains(values[2])
    else { return nil }
    let seconds = values[2]
    let secondsText =
      seconds == seconds.rounded(.down)
      ? String(format: "%02d", Int(seconds)) : String(format: "%06.3f", seconds)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:", fields[0], fields[1], fields[2], Int(values[0]), Int(values[1]))
      + secondsText + "Z"
  }
}
