/// How serious a crack is, from its maximum width, under a named scheme.
///
/// Classes are ranked (0 = least severe) so that growth tracking can tell when a crack
/// crosses a class boundary, whatever the scheme.
public enum SeverityScheme: String, CaseIterable, Codable, Sendable {
  /// AASHTO Manual for Bridge Element Inspection, element 1130 (cracking of reinforced
  /// concrete): CS1 below 0.3 mm, CS2 0.3–1.3 mm, CS3 above 1.3 mm. The default.
  case aashtoMBEI1130 = "aashto-mbei-1130"
  /// ACI 224R tolerable crack widths by exposure: a crack is `within` or `exceeds` the
  /// tolerable width for its exposure.
  case aci224RDryAir = "aci-224r-dry-air"
  case aci224RHumidity = "aci-224r-humidity"
  case aci224RDeicing = "aci-224r-deicing"
  case aci224RSeawater = "aci-224r-seawater"
  case aci224RWaterRetaining = "aci-224r-water-retaining"

  public static let `default` = SeverityScheme.aashtoMBEI1130

  /// Class boundaries in millimetres, ascending, with the class names between them
  /// (one more name than boundaries). A width on a boundary belongs to the upper class.
  public var classes: (boundariesMm: [Double], names: [String]) {
    switch self {
    case .aashtoMBEI1130: ([0.3, 1.3], ["CS1", "CS2", "CS3"])
    case .aci224RDryAir: ([0.41], ["within", "exceeds"])
    case .aci224RHumidity: ([0.30], ["within", "exceeds"])
    case .aci224RDeicing: ([0.18], ["within", "exceeds"])
    case .aci224RSeawater: ([0.15], ["within", "exceeds"])
    case .aci224RWaterRetaining: ([0.10], ["within", "exceeds"])
    }
  }

  /// The class of a crack whose maximum width is `maxWidthMm`, with its rank.
  public func classify(maxWidthMm: Double) -> Severity {
    let (boundaries, names) = classes
    let rank = boundaries.filter { maxWidthMm >= $0 }.count
    return Severity(scheme: self, name: names[rank], rank: rank)
  }

  /// The rank of a class name under this scheme, if it is one of its names.
  public func rank(of name: String) -> Int? { classes.names.firstIndex(of: name) }
}

/// One crack's class under one scheme.
public struct Severity: Equatable, Sendable {
  public var scheme: SeverityScheme
  public var name: String
  public var rank: Int
}
