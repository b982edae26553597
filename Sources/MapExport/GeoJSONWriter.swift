import Foundation
import Store

/// Writes map features as RFC 7946 GeoJSON while they are read: nothing is held but the
/// feature being written.
///
/// - A FeatureCollection puts its `bbox` after `features`: JSON members are unordered, and
///   the box is only known once every position is out. An empty collection has no `bbox`
///   (there is nothing to bound).
/// - A sequence (RFC 8142) writes each Feature as one record: RS, the JSON text, LF.
///
/// Positions are `[longitude, latitude]` in WGS84, 7 decimals at most, never an altitude
/// (stored altitudes are above sea level or the take-off point, not the ellipsoid height
/// RFC 7946 means). There is no `crs` member. Every Feature has the same properties, null
/// where they do not apply, so GIS tools see one flat, typed attribute table.
struct GeoJSONWriter {
  enum Framing {
    case collection
    case sequence
  }

  private let out: OutputFile
  private let framing: Framing
  private let assetIdJSON: [UInt8]
  private var branches = FixedCoordinates.Branches()
  private(set) var written = 0
  private var minLon = Int64.max
  private var minLat = Int64.max
  private var maxLon = Int64.min
  private var maxLat = Int64.min

  init(out: OutputFile, framing: Framing, assetId: String) {
    self.out = out
    self.framing = framing
    var quoted: [UInt8] = []
    Self.appendString(assetId, to: &quoted)
    assetIdJSON = quoted
  }

  func begin() {
    if framing == .collection { out.append("{\"type\":\"FeatureCollection\",\"features\":[") }
  }

  /// Writes one feature; false when it has no place to be drawn (no centreline and no point).
  mutating func write(_ row: MapRow) throws(MapExportError) -> Bool {
    // Geometry first, into `branches`: a bad one must fail before any byte is written.
    var point: (Int64, Int64)?
    if let text = row.polylineWgs84 {
      var failure: FixedCoordinates.ParseError?
      text.withUnsafeBytes { bytes in
        do throws(FixedCoordinates.ParseError) {
          try FixedCoordinates.parse(bytes, into: &branches)
        } catch { failure = error }
      }
      if let failure { throw .badGeometry(featureId: row.id, reason: failure.description) }
    } else {
      branches.removeAll()
    }
    if branches.ends.isEmpty {
      // No centreline, or one that rounds to a single spot: the feature's point.
      guard let lon = row.longitude.flatMap(FixedCoordinates.fixed),
        let lat = row.latitude.flatMap(FixedCoordinates.fixed)
      else { return false }
      guard abs(lon) <= FixedCoordinates.maxLongitude, abs(lat) <= FixedCoordinates.maxLatitude else {
        throw .badGeometry(featureId: row.id, reason: "point outside WGS84 bounds")
      }
      point = (lon, lat)
    }

    switch framing {
    case .collection: if written > 0 { out.append(",\n") } else { out.append("\n") }
    case .sequence: out.append(0x1E)
    }
    out.append("{\"type\":\"Feature\",\"id\":")
    appendString(row.id)
    out.append(",\"geometry\":")
    if let (lon, lat) = point {
      out.append("{\"type\":\"Point\",\"coordinates\":")
      appendPosition(lon, lat)
      out.append("}")
    } else if branches.ends.count == 1 {
      out.append("{\"type\":\"LineString\",\"coordinates\":")
      appendLine(from: 0, to: branches.ends[0])
      out.append("}")
    } else {
      out.append("{\"type\":\"MultiLineString\",\"coordinates\":[")
      var start = 0
      for (i, end) in branches.ends.enumerated() {
        if i > 0 { out.append(",") }
        appendLine(from: start, to: end)
        start = end
      }
      out.append("]}")
    }
    appendProperties(row)
    out.append("}")
    if framing == .sequence { out.append(0x0A) }
    written += 1
    try out.flushIfFull()
    return true
  }

  func finish() throws(MapExportError) {
    if framing == .collection {
      out.append(written > 0 ? "\n]" : "]")
      if written > 0 {
        out.append(",\"bbox\":[")
        appendFixed(minLon, places: 7, minDecimals: 0)
        out.append(",")
        appendFixed(minLat, places: 7, minDecimals: 0)
        out.append(",")
        appendFixed(maxLon, places: 7, minDecimals: 0)
        out.append(",")
        appendFixed(maxLat, places: 7, minDecimals: 0)
        out.append("]")
      }
      out.append("}\n")
    }
  }

  // MARK: Geometry

  private mutating func appendLine(from start: Int, to end: Int) {
    out.append("[")
    for p in start..<end {
      if p > start { out.append(",") }
      appendPosition(branches.coordinates[2 * p], branches.coordinates[2 * p + 1])
    }
    out.append("]")
  }

  private mutating func appendPosition(_ lon: Int64, _ lat: Int64) {
    minLon = min(minLon, lon)
    maxLon = max(maxLon, lon)
    minLat = min(minLat, lat)
    maxLat = max(maxLat, lat)
    out.append("[")
    appendFixed(lon, places: 7, minDecimals: 0)
    out.append(",")
    appendFixed(lat, places: 7, minDecimals: 0)
    out.append("]")
  }

  // MARK: Properties

  private func appendProperties(_ row: MapRow) {
    out.append(",\"properties\":{\"kind\":\"")
    out.append(row.kind.rawValue.utf8)
    out.append("\",\"asset_id\":")
    out.append(assetIdJSON)
    out.append(",\"cycle\":")
    appendString(row.cycle)
    out.append(",\"cycle_date\":")
    appendString(row.cycleDate)
    out.append(",\"observed_at\":")
    appendString(row.observedAt)
    out.append(",\"capture_id\":")
    appendString(row.captureId)
    out.append(",\"track_id\":")
    appendString(row.trackId)
    out.append(",\"length_mm\":")
    appendNumber(row.lengthMm, places: 2)
    out.append(",\"max_width_mm\":")
    appendNumber(row.maxWidthMm, places: 3)
    out.append(",\"mean_width_mm\":")
    appendNumber(row.meanWidthMm, places: 3)
    out.append(",\"severity\":")
    appendString(row.severity)
    out.append(",\"severity_scheme\":")
    appendString(row.severityScheme)
    out.append(",\"growth_width_mm_per_year\":")
    appendNumber(row.growthWidthMmPerYear, places: 4)
    out.append(",\"growth_length_mm_per_year\":")
    appendNumber(row.growthLengthMmPerYear, places: 3)
    out.append(",\"growth_note\":")
    appendString(row.growthNote)
    out.append(",\"cycles_seen\":")
    if let cycles = row.cyclesSeen {
      appendFixed(Int64(cycles), places: 0, minDecimals: 0)
    } else {
      out.append("null")
    }
    out.append(",\"georef_method\":")
    appendString(row.georefMethod)
    out.append(",\"uncertainty_m\":")
    appendNumber(row.uncertaintyM, places: 2)
    out.append(",\"model_version\":")
    appendString(row.modelVersion)
    out.append(",\"confidence\":")
    appendNumber(row.confidence, places: 3)
    out.append("}")
  }

  // MARK: Text

  private func appendString(_ value: String?) {
    guard let value else { return out.append("null") }
    // Ids, labels and schemes rarely need escaping: copy them whole when they do not.
    if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
      out.append(UInt8(ascii: "\""))
      out.append(value.utf8)
      out.append(UInt8(ascii: "\""))
    } else {
      var bytes: [UInt8] = []
      Self.appendString(value, to: &bytes)
      out.append(bytes)
    }
  }

  /// A JSON string: quotes, backslashes and control characters escaped, UTF-8 kept as is.
  static func appendString(_ value: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"):
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(byte)
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: Array("\\u00".utf8))
        bytes.append(hex[Int(byte >> 4)])
        bytes.append(hex[Int(byte & 0xF)])
      default:
        bytes.append(byte)
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }

  /// A measurement rounded to `places` decimals, always with a decimal point so that GIS
  /// tools type the field as real even when a value happens to be whole; null when absent.
  private func appendNumber(_ value: Double?, places: Int) {
    guard let value, value.isFinite, abs(value) < 1e12 else { return out.append("null") }
    appendFixed(Int64((value * Self.power[places]).rounded()), places: places, minDecimals: 1)
  }

  private static let power: [Double] = (0...9).map { pow(10, Double($0)) }
  private static let intPower: [Int64] = (0...9).map { n in (0..<n).reduce(Int64(1)) { p, _ in p * 10 } }

  /// `units` x 10^-places in decimal, trailing zeros dropped down to `minDecimals`.
  private func appendFixed(_ units: Int64, places: Int, minDecimals: Int) {
    if units < 0 { out.append(UInt8(ascii: "-")) }
    let magnitude = units.magnitude
    let divisor = UInt64(Self.intPower[places])
    appendDigits(magnitude / divisor, width: 1)
    var fraction = magnitude % divisor
    var decimals = places
    while decimals > minDecimals, fraction % 10 == 0 {
      fraction /= 10
      decimals -= 1
    }
    if decimals > 0 {
      out.append(UInt8(ascii: "."))
      appendDigits(fraction, width: decimals)
    }
  }

  /// Decimal digits of `value`, zero-padded on the left to at least `width`.
  private func appendDigits(_ value: UInt64, width: Int) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
      var v = value
      var n = 0
      repeat {
        buffer[23 - n] = UInt8(ascii: "0") + UInt8(v % 10)
        v /= 10
        n += 1
      } while v > 0
      while n < width {
        buffer[23 - n] = UInt8(ascii: "0")
        n += 1
      }
      out.append(UnsafeBufferPointer(rebasing: buffer[(24 - n)...]))
    }
  }
}
