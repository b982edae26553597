import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Which drone maker's XMP vocabulary a packet's flight and gimbal values came from.
public enum DroneMaker: String, Sendable, Equatable, Codable, CaseIterable {
  case dji = "DJI"
  case skydio = "Skydio"
  case parrot = "Parrot"

  /// The property that holds the height above the take-off point, as the maker names it.
  public var heightProperty: String {
    switch self {
    case .dji: "drone-dji:RelativeAltitude"
    case .skydio: "drone-skydio:RelativeAltitude"
    case .parrot: "Camera:AboveGroundAltitude"
    }
  }
}

/// A drone's flight and gimbal values from a photo's XMP packet: DJI (`drone-dji`), Skydio
/// (`drone-skydio`) or Parrot (`drone-parrot` with Pix4D's `Camera`).
///
/// Detected by the XMP namespace, never by EXIF Make: a Mavic 2 Pro says "Hasselblad".
public struct DroneMetadata: Sendable, Equatable {
  public var maker: DroneMaker = .dji
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

  public init(maker: DroneMaker = .dji) { self.maker = maker }

  public static let namespace = "http://www.dji.com/drone-dji/1.0/"
  static let skydioNamespaces = [
    "https://www.skydio.com/drone-skydio/1.0/", "http://www.skydio.com/drone-skydio/1.0/",
  ]
  static let parrotNamespace = "http://www.parrot.com/drone-parrot/1.0/"
  /// Pix4D's camera schema. Parrot writes its height above take-off here; MicaSense and
  /// senseFly cameras use the same schema with other meanings, so it counts only beside
  /// `drone-parrot`.
  /// (MicaSense writes it without the final slash.)
  static let pix4dCameraNamespaces = ["http://pix4d.com/camera/1.0/", "http://pix4d.com/camera/1.0"]

  typealias Field = WritableKeyPath<DroneMetadata, Double?> & Sendable

  /// A property as the parser meets it: its namespace, the struct it sits in (Skydio nests
  /// its camera attitude in `CameraOrientationNED`, beside other frames with the same
  /// `Pitch`, `Yaw` and `Roll`), and its name.
  struct Property: Hashable {
    var namespace: String
    var within: String? = nil
    var name: String
  }

  /// What each maker's properties mean. Every maker here gives pitch as DJI does: −90 is
  /// straight down.
  static let vocabulary: [Property: (DroneMaker, Field)] = {
    var table: [Property: (DroneMaker, Field)] = [:]
    let dji: [String: Field] = [
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
    for (name, field) in dji { table[Property(namespace: namespace, name: name)] = (.dji, field) }
    for skydio in skydioNamespaces {
      table[Property(namespace: skydio, name: "RelativeAltitude")] = (.skydio, \.relativeAltitude)
      table[Property(namespace: skydio, name: "AbsoluteAltitude")] = (.skydio, \.absoluteAltitude)
      for (name, field) in [
        ("Pitch", \DroneMetadata.gimbalPitch), ("Yaw", \.gimbalYaw), ("Roll", \.gimbalRoll),
      ] {
        table[Property(namespace: skydio, within: "CameraOrientationNED", name: name)] = (.skydio, field)
      }
    }
    let parrot: [String: Field] = [
      "CameraPitchDegree": \.gimbalPitch, "CameraYawDegree": \.gimbalYaw, "CameraRollDegree": \.gimbalRoll,
      "DronePitchDegree": \.flightPitch, "DroneYawDegree": \.flightYaw, "DroneRollDegree": \.flightRoll,
    ]
    for (name, field) in parrot { table[Property(namespace: parrotNamespace, name: name)] = (.parrot, field) }
    for pix4d in pix4dCameraNamespaces {
      table[Property(namespace: pix4d, name: "AboveGroundAltitude")] = (.parrot, \.relativeAltitude)
    }
    return table
  }()

  /// DJI's rangefinder reading and status, read by name like the rest but kept only
  /// together (see `laserRangeMetres`).
  static let laserProperties: Set<String> = ["LRFTargetDistance", "LRFStatus"]

  var isEmpty: Bool {
    Self.vocabulary.values.allSatisfy { self[keyPath: $0.1] == nil } && laserRangeMetres == nil
  }

  /// Reads the drone properties from an XMP packet, whether written as attributes of
  /// `rdf:Description` or as child elements. Returns nil when the packet has none.
  /// Throws `XMPError` when the packet is not well-formed XML or a value is not a number.
  public static func parse(xmp: Data) throws(XMPError) -> DroneMetadata? {
    let packet = trimmedPacket(xmp)
    // XMP is UTF-8 (XMP Part 3, 1.1.2). Foundation's XMLParser stops the process on a name
    // that is not (a trap no caller can catch), so the bytes are checked first.
    if let bad = firstInvalidUTF8(packet) {
      throw XMPError(reason: "not valid UTF-8 (byte \(bad) of the packet)")
    }
    let collector = DronePropertyCollector()
    let parser = XMLParser(data: packet)
    parser.shouldProcessNamespaces = true
    parser.shouldReportNamespacePrefixes = true
    parser.delegate = collector
    guard parser.parse() else {
      let code = (parser.parserError as NSError?)?.code ?? 0
      throw XMPError(reason: "not well-formed XML (libxml2 error \(code) at line \(parser.lineNumber))")
    }
    if let bad = collector.unparsable {
      throw XMPError(reason: "\(bad.name) is \"\(bad.value)\", not a number")
    }
    return collector.result
  }

  /// "+16.508", "-90.0", or a rational "4971569/65536" as Parrot writes some values.
  static func number(_ raw: String) -> Double? {
    let parts = raw.split(separator: "/", omittingEmptySubsequences: false)
    // Double() accepts the leading plus.
    let value: Double? =
      switch parts.count {
      case 1: Double(parts[0])
      case 2: Double(parts[0]).flatMap { n in Double(parts[1]).flatMap { $0 == 0 ? nil : n / $0 } }
      default: nil
      }
    return value.flatMap { $0.isFinite ? $0 : nil }
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

/// SAX delegate that keeps the properties of the drone vocabularies, each maker's apart.
private final class DronePropertyCollector: NSObject, XMLParserDelegate {
  private var values: [DroneMaker: DroneMetadata] = [:]
  private var sawParrotNamespace = false
  private var firstUnparsable: (maker: DroneMaker, name: String, value: String)?
  /// The first value of the packet's maker that is not a number (a MicaSense's odd Pix4D
  /// value is none of our business).
  var unparsable: (name: String, value: String)? {
    guard let bad = firstUnparsable, bad.maker != .parrot || sawParrotNamespace else { return nil }
    return (bad.name, bad.value)
  }
  /// Prefix bindings in scope; attributes arrive with qualified names only.
  private var prefixes: [String: [String]] = [:]
  /// The local names of the open elements, to know which struct a property sits in.
  private var open: [String] = []
  private var current: (property: DroneMetadata.Property, qualified: String)?
  private var text = ""

  /// The packet's values: DJI's where there are any, else Skydio's, else Parrot's (whose
  /// Pix4D height counts only where the packet has `drone-parrot` properties too).
  var result: DroneMetadata? {
    for maker in DroneMaker.allCases {
      guard let found = values[maker], !found.isEmpty else { continue }
      if maker == .parrot, !sawParrotNamespace { continue }
      return found
    }
    return nil
  }

  func parser(_ parser: XMLParser, didStartMappingPrefix prefix: String, toURI namespaceURI: String) {
    prefixes[prefix, default: []].append(namespaceURI)
    if namespaceURI == DroneMetadata.parrotNamespace { sawParrotNamespace = true }
  }

  func parser(_ parser: XMLParser, didEndMappingPrefix prefix: String) {
    _ = prefixes[prefix]?.popLast()
  }

  func parser(
    _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
    qualifiedName: String?, attributes: [String: String] = [:]
  ) {
    // Attributes of an element are properties of the struct the element is (Skydio's
    // `<drone-skydio:CameraOrientationNED drone-skydio:Pitch="-90"/>`) or of the description
    // it sits in.
    let attributeStruct = elementName == "Description" ? Self.innermostStruct(open) : elementName
    for (name, value) in attributes {
      let parts = name.split(separator: ":", maxSplits: 1)
      guard parts.count == 2, let namespace = prefixes[String(parts[0])]?.last else { continue }
      let local = String(parts[1])
      set(namespace: namespace, within: attributeStruct, name: local, qualified: name, value)
    }
    if let namespaceURI {
      let property = DroneMetadata.Property(
        namespace: namespaceURI, within: Self.innermostStruct(open), name: elementName)
      if isKnown(property) {
        current = (property, qualifiedName ?? elementName)
        text = ""
      }
    }
    open.append(elementName)
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if current != nil { text += string }
  }

  func parser(
    _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
  ) {
    _ = open.popLast()
    if let property = current?.property, elementName == property.name {
      set(
        namespace: property.namespace, within: property.within, name: property.name,
        qualified: current?.qualified ?? property.name, text)
      current = nil
    }
  }

  /// The struct the innermost open element stands for: RDF wraps a struct's fields in an
  /// `rdf:Description` or not, as the writer chose.
  private static func innermostStruct(_ names: [String]) -> String? {
    names.last { $0 != "Description" }
  }

  private func isKnown(_ property: DroneMetadata.Property) -> Bool {
    DroneMetadata.vocabulary[withoutStruct(property)] != nil
      || (property.namespace == DroneMetadata.namespace
        && DroneMetadata.laserProperties.contains(property.name))
  }

  /// Only Skydio's attitude is looked up by its struct; elsewhere where a property sits
  /// (an `rdf:Description`, an `rdf:li`) does not change what it means.
  private func withoutStruct(_ property: DroneMetadata.Property) -> DroneMetadata.Property {
    var plain = property
    if plain.within != "CameraOrientationNED" { plain.within = nil }
    return plain
  }

  /// The rangefinder's reading and status; its distance counts only when the status is Normal.
  private var laser: (distance: Double?, status: String?) = (nil, nil)

  private func set(namespace: String, within: String?, name: String, qualified: String, _ raw: String) {
    let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    if namespace == DroneMetadata.namespace, DroneMetadata.laserProperties.contains(name) {
      // Not worth refusing the packet over: a rangefinder without a return writes odd values.
      if name == "LRFStatus" { laser.status = trimmed } else { laser.distance = Double(trimmed) }
      values[.dji, default: DroneMetadata(maker: .dji)].laserRangeMetres =
        laser.status == "Normal" ? laser.distance.flatMap { $0.isFinite && $0 > 0 ? $0 : nil } : nil
      return
    }
    let property = withoutStruct(DroneMetadata.Property(namespace: namespace, within: within, name: name))
    guard let (maker, field) = DroneMetadata.vocabulary[property] else { return }
    if let number = DroneMetadata.number(trimmed) {
      values[maker, default: DroneMetadata(maker: maker)][keyPath: field] = number
    } else if firstUnparsable == nil {
      firstUnparsable = (maker, qualified, trimmed)
    }
  }
}
