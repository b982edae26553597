import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The DJI flight and gimbal values from a photo's XMP packet.
///
/// Detected by the XMP namespace, never by EXIF Make: a Mavic 2 Pro says "Hasselblad".
public struct DroneMetadata: Sendable, Equatable, Codable {
  /// Metres above the take-off point (barometric), not above sea level.
  public var relativeAltitude: Double?
  /// Metres above sea level (or the ellipsoid, depending on model).
  public var absoluteAltitude: Double?
  /// Degrees; −90 looks straight down (nadir), 0 looks at the horizon.
  public var gimbalPitch: Double?
  /// Degrees clockwise from true north.
  public var gimbalYaw: Double?
  public var gimbalRoll: Double?
  public var flightYaw: Double?
  public var flightPitch: Double?
  public var flightRoll: Double?
  /// Focal length in pixels from DJI's factory calibration.
  public var calibratedFocalLength: Double?
  /// Metres from the laser rangefinder (H20, H30, M30 series) to the surface at the centre of
  /// the frame; nil unless its `LRFStatus` is "Normal" (out of range or no return otherwise).
  public var laserRangeMetres: Double?

  public static let namespace = "http://www.dji.com/drone-dji/1.0/"

  static let fields: [String: WritableKeyPath<DroneMetadata, Double?> & Sendable] = [
    "RelativeAltitude": \.relativeAltitude,
    "AbsoluteAltitude": \.absoluteAltitude,
    "GimbalPitchDegree": \.gimbalPitch,
    "GimbalYawDegree": \.gimbalYaw,
    "GimbalRollDegree": \.gimbalRoll,
    "FlightYawDegree": \.flightYaw,
    "FlightPitchDegree": \.flightPitch,
    "FlightRollDegree": \.flightRoll,
    "CalibratedFocalLength": \.calibratedFocalLength,
  ]

  /// Read by name like `fields`, but kept only together (see `laserRangeMetres`).
  static let laserFields: [String: WritableKeyPath<DroneMetadata, Double?> & Sendable] = [
    "LRFTargetDistance": \.laserRangeMetres, "LRFStatus": \.laserRangeMetres,
  ]

  var isEmpty: Bool { Self.fields.values.allSatisfy { self[keyPath: $0] == nil } && laserRangeMetres == nil }

  /// Reads the DJI properties from an XMP packet, whether written as attributes of
  /// `rdf:Description` or as child elements. Returns nil when the packet has none.
  /// Throws `XMPError` when the packet is not well-formed XML.
  public static func parse(xmp: Data) throws(XMPError) -> DroneMetadata? {
    let packet = trimmedPacket(xmp)
    // XMP is UTF-8 (XMP Part 3, 1.1.2). Foundation's XMLParser stops the process on a name
    // that is not (a trap no caller can catch), so the bytes are checked first.
    if let bad = firstInvalidUTF8(packet) {
      throw XMPError(reason: "not valid UTF-8 (byte \(bad) of the packet)")
    }
    let collector = DJIPropertyCollector()
    let parser = XMLParser(data: packet)
    parser.shouldProcessNamespaces = true
    parser.shouldReportNamespacePrefixes = true
    parser.delegate = collector
    guard parser.parse() else {
      let code = (parser.parserError as NSError?)?.code ?? 0
      throw XMPError(reason: "not well-formed XML (libxml2 error \(code) at line \(parser.lineNumber))")
    }
    if let bad = collector.unparsable {
      throw XMPError(reason: "drone-dji:\(bad.name) is \"\(bad.value)\", not a number")
    }
    return collector.values.isEmpty ? nil : collector.values
  }

  /// The offset of the first byte that is not part of a well-formed UTF-8 scalar, or nil.
  static func firstInvalidUTF8(_ data: Data) -> Int? {
    var parser = Unicode.UTF8.ForwardParser()
    var bytes = data.makeIterator()
    var offset = 0
    while true {
      switch parser.parseScalar(from: &bytes) {
      case .valid(let scalar): offset += scalar.count
      case .emptyInput: return nil
      case .error: return offset
      }
    }
  }

  /// XMP packets are padded with whitespace and, in some files, NUL bytes that an XML parser rejects.
  private static func trimmedPacket(_ data: Data) -> Data {
    var end = data.endIndex
    while end > data.startIndex, [0, 0x20, 0x0A, 0x0D, 0x09].contains(data[end - 1]) { end -= 1 }
    return data[data.startIndex..<end]
  }
}

/// The XMP packet is not well-formed XML.
public struct XMPError: Error, Equatable, Sendable {
  public var reason: String
}

/// SAX delegate that keeps only properties in the DJI namespace.
private final class DJIPropertyCollector: NSObject, XMLParserDelegate {
  var values = DroneMetadata()
  var unparsable: (name: String, value: String)?
  /// Prefix bindings in scope; attributes arrive with qualified names only.
  private var prefixes: [String: [String]] = [:]
  private var currentField: (WritableKeyPath<DroneMetadata, Double?> & Sendable)?
  private var currentName = ""
  private var text = ""

  func parser(_ parser: XMLParser, didStartMappingPrefix prefix: String, toURI namespaceURI: String) {
    prefixes[prefix, default: []].append(namespaceURI)
  }

  func parser(_ parser: XMLParser, didEndMappingPrefix prefix: String) {
    _ = prefixes[prefix]?.popLast()
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    for (name, value) in attributes {
      let parts = name.split(separator: ":", maxSplits: 1)
      guard parts.count == 2, prefixes[String(parts[0])]?.last == DroneMetadata.namespace else { continue }
      set(String(parts[1]), value)
    }
    if namespaceURI == DroneMetadata.namespace,
      let field = DroneMetadata.fields[elementName] ?? DroneMetadata.laserFields[elementName]
    {
      currentField = field
      currentName = elementName
      text = ""
    }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if currentField != nil { text += string }
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
  ) {
    if currentField != nil, elementName == currentName {
      set(currentName, text)
      currentField = nil
    }
  }

  /// The rangefinder's reading and status; its distance counts only when the status is Normal.
  private var laser: (distance: Double?, status: String?) = (nil, nil)

  private func set(_ name: String, _ raw: String) {
    if name == "LRFTargetDistance" || name == "LRFStatus" {
      // Not worth refusing the packet over: a rangefinder without a return writes odd values.
      let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
      if name == "LRFStatus" { laser.status = trimmed } else { laser.distance = Double(trimmed) }
      values.laserRangeMetres =
        laser.status == "Normal" ? laser.distance.flatMap { $0.isFinite && $0 > 0 ? $0 : nil } : nil
      return
    }
    guard let field = DroneMetadata.fields[name] else { return }
    let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    // Values look like "+16.508"; Double() accepts the leading plus.
    if let number = Double(trimmed), number.isFinite {
      values[keyPath: field] = number
    } else if unparsable == nil {
      unparsable = (name, trimmed)
    }
  }
}
