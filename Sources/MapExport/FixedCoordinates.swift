import Foundation

/// Coordinates in units of 1e-7 degree, the precision of the export (about 1 cm).
///
/// A map export of a million cracks spends most of its time turning the stored centreline
/// text into output text. Reading each stored number straight into a rounded integer keeps
/// that exact (no binary floating point between the stored decimal and the written one),
/// makes "same position after rounding" a plain integer comparison, and is several times
/// faster than decoding the JSON into `Double`s and formatting them again.
enum FixedCoordinates {
  static let scale = 10_000_000.0
  static let maxLongitude: Int64 = 1_800_000_000
  static let maxLatitude: Int64 = 900_000_000

  /// A degree value rounded to 1e-7, nil when it is not a finite longitude/latitude-sized value.
  static func fixed(_ degrees: Double) -> Int64? {
    guard degrees.isFinite, abs(degrees) <= 360 else { return nil }
    return Int64((degrees * scale).rounded())
  }

  /// Branches of a stored WGS84 polyline, `[[[lon, lat, ...], ...], ...]`, as fixed
  /// positions. Repeated positions (after rounding) are dropped and branches left with
  /// fewer than two positions are skipped: RFC 7946 LineStrings need two, and GIS
  /// validity checks flag zero-length segments.
  struct Branches {
    /// lon, lat, lon, lat, ...
    var coordinates: [Int64] = []
    /// Where each branch ends in `coordinates`, in positions.
    var ends: [Int] = []

    mutating func removeAll() {
      coordinates.removeAll(keepingCapacity: true)
      ends.removeAll(keepingCapacity: true)
    }
  }

  enum ParseError: Error, Equatable, CustomStringConvertible {
    case malformed(offset: Int)
    case outOfRange(offset: Int)

    var description: String {
      switch self {
      case .malformed(let offset): "not a list of [lon, lat] lists at byte \(offset)"
      case .outOfRange(let offset): "position outside [-180, 180] x [-90, 90] at byte \(offset)"
      }
    }
  }

  /// Parses `text` into `branches` (cleared first). Throws on anything that is not the
  /// stored shape, or on a position outside [-180, 180] x [-90, 90].
  static func parse(_ text: UnsafeRawBufferPointer, into branches: inout Branches) throws(ParseError) {
    branches.removeAll()
    var parser = Parser(bytes: text)
    try parser.expect(UInt8(ascii: "["))
    if try parser.take(UInt8(ascii: "]")) { return try parser.end() }
    repeat {
      try parser.expect(UInt8(ascii: "["))
      let start = branches.coordinates.count
      if try !parser.take(UInt8(ascii: "]")) {
        repeat {
          let offset = parser.index
          try parser.expect(UInt8(ascii: "["))
          let lon = try parser.number()
          try parser.expect(UInt8(ascii: ","))
          let lat = try parser.number()
          while try parser.take(UInt8(ascii: ",")) { _ = try parser.number() }  // altitude, unused
          try parser.expect(UInt8(ascii: "]"))
          guard abs(lon) <= maxLongitude, abs(lat) <= maxLatitude else { throw .outOfRange(offset: offset) }
          let count = branches.coordinates.count
          if count > start, branches.coordinates[count - 2] == lon, branches.coordinates[count - 1] == lat {
            continue
          }
          branches.coordinates.append(lon)
          branches.coordinates.append(lat)
        } while try parser.take(UInt8(ascii: ","))
        try parser.expect(UInt8(ascii: "]"))
      }
      if branches.coordinates.count - start >= 4 {
        branches.ends.append(branches.coordinates.count / 2)
      } else {
        branches.coordinates.removeSubrange(start...)
      }
    } while try parser.take(UInt8(ascii: ","))
    try parser.expect(UInt8(ascii: "]"))
    try parser.end()
  }

  private struct Parser {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skipSpace() {
      while index < bytes.count {
        switch bytes[index] {
        case 0x20, 0x0A, 0x0D, 0x09: index += 1
        default: return
        }
      }
    }

    mutating func take(_ byte: UInt8) throws(ParseError) -> Bool {
      skipSpace()
      guard index < bytes.count, bytes[index] == byte else { return false }
      index += 1
      return true
    }

    mutating func expect(_ byte: UInt8) throws(ParseError) {
      guard try take(byte) else { throw .malformed(offset: index) }
    }

    mutating func end() throws(ParseError) {
      skipSpace()
      guard index == bytes.count else { throw .malformed(offset: index) }
    }

    /// A JSON number, rounded half away from zero to an integer count of 1e-7.
    mutating func number() throws(ParseError) -> Int64 {
      skipSpace()
      let start = index
      let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
      if negative { index += 1 }
      var mantissa: Int64 = 0
      var significant = 0
      var exponent = 0  // value = mantissa * 10^exponent
      var digits = 0
      var sawPoint = false
      while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: "."), !sawPoint, digits > 0 {
          sawPoint = true
        } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
          digits += 1
          // 18 significant digits fit an Int64; beyond them a digit only moves the point.
          if significant < 18 {
            mantissa = mantissa * 10 + Int64(byte - UInt8(ascii: "0"))
            if mantissa > 0 { significant += 1 }
            if sawPoint { exponent -= 1 }
          } else if !sawPoint {
            exponent += 1
          }
        } else {
          break
        }
        index += 1
      }
      guard digits > 0, bytes[index - 1] != UInt8(ascii: ".") else { throw .malformed(offset: start) }
      if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
        index += 1
        var exponentSign = 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
          if bytes[index] == UInt8(ascii: "-") { exponentSign = -1 }
          index += 1
        }
        var value = 0
        var exponentDigits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
          value = min(value * 10 + Int(bytes[index] - UInt8(ascii: "0")), 1000)
          exponentDigits += 1
          index += 1
        }
        guard exponentDigits > 0 else { throw .malformed(offset: start) }
        exponent += exponentSign * value
      }
      let shift = exponent + 7
      var units: Int64
      if shift >= 0 {
        guard shift <= 18 else { throw .outOfRange(offset: start) }
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: Self.powers[shift])
        guard !overflow else { throw .outOfRange(offset: start) }
        units = product
      } else if -shift > 18 {
        units = 0
      } else {
        let divisor = Self.powers[-shift]
        units = mantissa / divisor
        if (mantissa % divisor) * 2 >= divisor { units += 1 }
      }
      return negative ? -units : units
    }

    static let powers: [Int64] = (0...18).map { n in (0..<n).reduce(Int64(1)) { p, _ in p * 10 } }
  }
}
