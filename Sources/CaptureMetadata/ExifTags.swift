/// One EXIF rational, kept as written so that callers can tell 0/0 ("no value")
/// from a real zero, and signed from unsigned.
public struct ExifRational: Sendable, Equatable, Codable {
  public var numerator: Int64
  public var denominator: Int64

  public init(_ numerator: Int64, _ denominator: Int64) {
    self.numerator = numerator
    self.denominator = denominator
  }

  /// The quotient, or nil for a zero denominator.
  public var value: Double? {
    denominator == 0 ? nil : Double(numerator) / Double(denominator)
  }
}

/// A decoded EXIF entry value, by EXIF type family.
public enum ExifValue: Sendable, Equatable {
  case text(String)
  /// RATIONAL (type 5) or SRATIONAL (type 10).
  case rationals([ExifRational], signed: Bool)
  /// BYTE, SHORT, LONG and their signed forms.
  case integers([Int64])
  /// UNDEFINED, and ASCII that holds no text.
  case bytes([UInt8])
  case reals([Double])

  var text: String? {
    switch self {
    case .text(let s): return s
    case .bytes(let b):
      // Some writers store refs ("N", "S") as BYTE/UNDEFINED; accept them if printable.
      let trimmed = b.prefix { $0 != 0 }
      guard !trimmed.isEmpty, trimmed.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
      return String(decoding: trimmed, as: UTF8.self)
    default: return nil
    }
  }

  var firstInteger: Int64? {
    switch self {
    case .integers(let v): return v.first
    case .bytes(let b): return b.first.map(Int64.init)
    default: return nil
    }
  }

  /// A single number, whatever numeric type the writer chose.
  var firstNumber: Double? {
    switch self {
    case .rationals(let r, _): return r.first?.value
    case .integers(let v): return v.first.map(Double.init)
    case .reals(let v): return v.first
    default: return nil
    }
  }
}

/// The image file directories an EXIF block holds (same numbering as libexif).
public enum ExifIFD: Int, Sendable, CaseIterable {
  case primary = 0, thumbnail, exif, gps, interoperability
}

/// The entries of one EXIF block, by IFD and tag number.
public struct ExifTags: Sendable {
  var entries: [ExifIFD: [UInt16: ExifValue]] = [:]

  public init() {}

  public subscript(ifd: ExifIFD, tag: UInt16) -> ExifValue? {
    get { entries[ifd]?[tag] }
    set { entries[ifd, default: [:]][tag] = newValue }
  }

  /// Whether the GPS IFD exists at all (it may still be empty).
  public var hasGPSDirectory: Bool { entries[.gps] != nil }
}

/// Tag numbers crackmon reads, from the EXIF 2.32 and TIFF 6.0 specifications.
enum ExifTag {
  static let make: UInt16 = 0x010F
  static let model: UInt16 = 0x0110
  static let orientation: UInt16 = 0x0112
  static let xmpPacket: UInt16 = 0x02BC
  static let dateTimeOriginal: UInt16 = 0x9003
  static let offsetTimeOriginal: UInt16 = 0x9011
  static let subjectDistance: UInt16 = 0x9206
  static let focalLength: UInt16 = 0x920A
  static let pixelXDimension: UInt16 = 0xA002
  static let pixelYDimension: UInt16 = 0xA003
  static let focalPlaneXResolution: UInt16 = 0xA20E
  static let focalPlaneYResolution: UInt16 = 0xA20F
  static let focalPlaneResolutionUnit: UInt16 = 0xA210
  static let focalLengthIn35mmFilm: UInt16 = 0xA405

  static let gpsLatitudeRef: UInt16 = 0x0001
  static let gpsLatitude: UInt16 = 0x0002
  static let gpsLongitudeRef: UInt16 = 0x0003
  static let gpsLongitude: UInt16 = 0x0004
  static let gpsAltitudeRef: UInt16 = 0x0005
  static let gpsAltitude: UInt16 = 0x0006
  static let gpsTimeStamp: UInt16 = 0x0007
  static let gpsStatus: UInt16 = 0x0009
  static let gpsDateStamp: UInt16 = 0x001D
}
