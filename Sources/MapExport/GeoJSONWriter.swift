import Foundation
import Outputs
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
  /// Output goes through this buffer, in large writes. It lives here, not in `OutputFile`:
  /// a class's stored array pays a runtime exclusivity check on every append.
  private var bytes: [UInt8] = []
  private static let flushAt = 1 << 18
  private let framing: Framing
  private let assetIdJSON: [UInt8]
  private var branches = FixedCoordinates.Branches()
  private(set) var written = 0
  private var minLon = Int64.max
  private var minLat = Int64.max
  private var maxLon = Int64.min
  private var maxLat = Int64.min
  /// Only features whose envelope touches this box are written.
  var within: BoundingBox?

  init(out: OutputFile, framing: Framing, assetId: String) {
    self.out = out
    self.framing = framing
    var quoted: [UInt8] = []
    Self.appendString(assetId, to: &quoted)
    assetIdJSON = quoted
    bytes.reserveCapacity(Self.flushAt + 1 << 16)
  }

  mutating func begin() {
    if framing == .collection { append("{\"type\":\"FeatureCollection\",\"features\":[") }
  }

  enum Outcome {
    case written
    /// No place to be drawn: no centreline and no point.
    case unplaced
    /// Its envelope misses `within`.
    case outside
  }

  /// Writes one feature, unless it has no place or lies outside `within`.
  mutating func write(_ row: MapRow) throws(MapExportError) -> Outcome {
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
      else { return .unplaced }
      guard abs(lon) <= FixedCoordinates.maxLongitude, abs(lat) <= FixedCoordinates.maxLatitude else {
        throw .badGeometry(featureId: row.id, reason: "point outside WGS84 bounds")
      }
      point = (lon, lat)
    }
    if let within, !touches(within, point: point) { return .outside }

    switch framing {
    case .collection: if written > 0 { append(",\n") } else { append("\n") }
    case .sequence: append(0x1E)
    }
    append("{\"type\":\"Feature\",\"id\":")
    appendString(row.id)
    append(",\"geometry\":")
    if let (lon, lat) = point {
      append("{\"type\":\"Point\",\"coordinates\":")
      appendPosition(lon, lat)
      append("}")
    } else if branches.ends.count == 1 {
      append("{\"type\":\"LineString\",\"coordinates\":")
      appendLine(from: 0, to: branches.ends[0])
      append("}")
    } else {
      append("{\"type\":\"MultiLineString\",\"coordinates\":[")
      var start = 0
      for (i, end) in branches.ends.enumerated() {
        if i > 0 { append(",") }
        appendLine(from: start, to: end)
        start = end
      }
      append("]}")
    }
    appendProperties(row)
    append("}")
    if framing == .sequence { append(0x0A) }
    written += 1
    if bytes.count >= Self.flushAt {
      try flush()
      bytes.removeAll(keepingCapacity: true)
    }
    return .written
  }

  /// Whether the feature's envelope (its point, else its centreline's) touches `box`.
  private func touches(_ box: BoundingBox, point: (Int64, Int64)?) -> Bool {
    var (lon0, lat0, lon1, lat1) = (Int64.max, Int64.max, Int64.min, Int64.min)
    if let (lon, lat) = point {
      (lon0, lat0, lon1, lat1) = (lon, lat, lon, lat)
    } else {
      for i in stride(from: 0, to: branches.coordinates.count - 1, by: 2) {
        let (lon, lat) = (branches.coordinates[i], branches.coordinates[i + 1])
        (lon0, lon1) = (min(lon0, lon), max(lon1, lon))
        (lat0, lat1) = (min(lat0, lat), max(lat1, lat))
      }
    }
    let scale = FixedCoordinates.scale
    return box.intersects(
      lon0: Double(lon0) / scale, lat0: Double(lat0) / scale, lon1: Double(lon1) / scale,
      lat1: Double(lat1) / scale)
  }

  /// Ends the collection and writes out what is buffered.
  mutating func finish() throws(MapExportError) {
    if framing == .collection {
      append(written > 0 ? "\n]" : "]")
      if written > 0 {
        append(",\"bbox\":[")
        appendFixed(minLon, places: 7, minDecimals: 0)
        append(",")
        appendFixed(minLat, places: 7, minDecimals: 0)
        append(",")
        appendFixed(maxLon, places: 7, minDecimals: 0)
        append(",")
        appendFixed(maxLat, places: 7, minDecimals: 0)
        append("]")
      }
      append("}\n")
    }
    try flush()
    bytes.removeAll()
  }

  private func flush() throws(MapExportError) {
    do { try out.write(bytes) } catch { throw .cannotWrite(path: error.path, reason: error.reason) }
  }

  // MARK: Geometry

  private mutating func appendLine(from start: Int, to end: Int) {
    append("[")
    for p in start..<end {
      if p > start { append(",") }
      appendPosition(branches.coordinates[2 * p], branches.coordinates[2 * p + 1])
    }
    append("]")
  }

  private mutating func appendPosition(_ lon: Int64, _ lat: Int64) {
    minLon = min(minLon, lon)
    maxLon = max(maxLon, lon)
    minLat = min(minLat, lat)
    maxLat = max(maxLat, lat)
    append("[")
    appendFixed(lon, places: 7, minDecimals: 0)
    append(",")
    appendFixed(lat, places: 7, minDecimals: 0)
    append("]")
  }

  // MARK: Properties

  private mutating func appendProperties(_ row: MapRow) {
    append(",\"properties\":{\"kind\":\"")
    append(row.kind.rawValue.utf8)
    append("\",\"asset_id\":")
    append(assetIdJSON)
    append(",\"cycle\":")
    appendString(row.cycle)
    append(",\"cycle_date\":")
    appendString(row.cycleDate)
    append(",\"observed_at\":")
    appendString(row.observedAt)
    append(",\"capture_id\":")
    appendString(row.captureId)
    append(",\"track_id\":")
    appendString(row.trackId)
    append(",\"length_mm\":")
    appendNumber(row.lengthMm, places: 2)
    append(",\"max_width_mm\":")
    appendNumber(row.maxWidthMm, places: 3)
    append(",\"mean_width_mm\":")
    appendNumber(row.meanWidthMm, places: 3)
    append(",\"width_below_resolution\":")
    switch row.widthIsBelowResolution {
    case true?: append("true")
    case false?: append("false")
    case nil: append("null")
    }
    append(",\"severity\":")
    appendString(row.severity)
    append(",\"severity_scheme\":")
    appendString(row.severityScheme)
    append(",\"growth_width_mm_per_year\":")
    appendNumber(row.growthWidthMmPerYear, places: 4)
    append(",\"growth_length_mm_per_year\":")
    appendNumber(row.growthLengthMmPerYear, places: 3)
    append(",\"growth_note\":")
    appendString(row.growthNote)
    append(",\"cycles_seen\":")
    if let cycles = row.cyclesSeen {
      appendFixed(Int64(cycles), places: 0, minDecimals: 0)
    } else {
      append("null")
    }
    append(",\"georef_method\":")
    appendString(row.georefMethod)
    append(",\"uncertainty_m\":")
    appendNumber(row.uncertaintyM, places: 2)
    append(",\"model_version\":")
    appendString(row.modelVersion)
    append(",\"confidence\":")
    appendNumber(row.confidence, places: 3)
    append(",\"matched_by\":")
    appendString(row.matchedBy)
    append(",\"registration_residual_mm\":")
    appendNumber(row.registrationResidualMm, places: 3)
    append("}")
  }

  // MARK: Text

  @inline(__always) private mutating func append(_ byte: UInt8) { bytes.append(byte) }

  @inline(__always) private mutating func append(_ more: some Sequence<UInt8>) {
    bytes.append(contentsOf: more)
  }

  @inline(__always) private mutating func append(_ text: StaticString) {
    text.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  private mutating func appendString(_ value: String?) {
    guard let value else { return append("null") }
    // Ids, labels and schemes rarely need escaping: copy them whole when they do not.
    if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
      append(UInt8(ascii: "\""))
      append(value.utf8)
      append(UInt8(ascii: "\""))
    } else {
      Self.appendString(value, to: &bytes)
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
  private mutating func appendNumber(_ value: Double?, places: Int) {
    guard let value, value.isFinite, abs(value) < 1e12 else { return append("null") }
    appendFixed(Int64((value * Self.power[places]).rounded()), places: places, minDecimals: 1)
  }

  private static let power: [Double] = (0...9).map { pow(10, Double($0)) }
  private static let intPower: [Int64] = (0...9).map { n in (0..<n).reduce(Int64(1)) { p, _ in p * 10 } }

  /// `units` x 10^-places in decimal, trailing zeros dropped down to `minDecimals`.
  private mutating func appendFixed(_ units: Int64, places: Int, minDecimals: Int) {
    if units < 0 { append(UInt8(ascii: "-")) }
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
      append(UInt8(ascii: "."))
      appendDigits(fraction, width: decimals)
    }
  }

  /// Decimal digits of `value`, zero-padded on the left to at least `width`.
  private mutating func appendDigits(_ value: UInt64, width: Int) {
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
      append(UnsafeBufferPointer(rebasing: buffer[(24 - n)...]))
    }
  }
}
