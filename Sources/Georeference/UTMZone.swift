/// The UTM zone of a WGS84 position, as the EPSG code of its WGS 84 / UTM CRS:
/// 326zz in the northern hemisphere, 327zz in the southern.
///
/// Check value: 52°N 15°E is zone 33N, EPSG:32633. Includes the Norway (32V) and
/// Svalbard (31X–37X) exceptions of the UTM grid.
public func utmEPSG(latitude: Double, longitude: Double) -> Int {
  var zone = Int(((longitude + 180) / 6).rounded(.down)) % 60 + 1
  if (56..<64).contains(latitude), (3..<12).contains(longitude) { zone = 32 }
  if (72..<84).contains(latitude) {
    switch longitude {
    case 0..<9: zone = 31
    case 9..<21: zone = 33
    case 21..<33: zone = 35
    case 33..<42: zone = 37
    default: break
    }
  }
  return (latitude >= 0 ? 32600 : 32700) + zone
}
