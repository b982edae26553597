import CaptureMetadata
import Georeference
import TestSupport
import Testing

struct GeodesyTests {
  @Test func projectsTheCheckValueLikeCs2cs() throws {
    // echo "52 15" | cs2cs EPSG:4326 EPSG:32633 -f "%.4f"  ->  500000.0000 5761038.2126
    let utm33 = try CoordinateTransform(projectedEPSG: 32633)
    let (e, n) = try utm33.project(latitude: 52, longitude: 15)
    #expect(abs(e - 500_000.0000) < 1e-4)
    #expect(abs(n - 5_761_038.2126) < 1e-4)
    let (lat, lon) = try utm33.unproject(easting: e, northing: n)
    #expect(abs(lat - 52) < 1e-9 && abs(lon - 15) < 1e-9)
  }

  @Test func projectsIntoANationalCRS() throws {
    // echo "52.520094444444446 13.40013888888889" | cs2cs EPSG:4326 EPSG:25833 -f "%.4f"
    let etrs89 = try CoordinateTransform(projectedEPSG: 25833)
    let (e, n) = try etrs89.project(latitude: 52.520094444444446, longitude: 13.40013888888889)
    #expect(abs(e - 391_449.6879) < 1e-3)
    #expect(abs(n - 5_820_089.9621) < 1e-3)
  }

  /// A CRS is for a place: EPSG:25833 (ETRS89 / UTM 33N) covers Berlin, not Bern, 6° west of
  /// its zone, where its lengths and bearings are distorted; zones across the antimeridian
  /// (EPSG:3832, PDC Mercator, 98°E to 70°W) cover both sides of it.
  @Test func aCRSCoversItsAreaOfUseOnly() throws {
    let utm33 = try CoordinateTransform(projectedEPSG: 25833)
    #expect(utm33.covers(latitude: 52.52, longitude: 13.40))
    #expect(!utm33.covers(latitude: 46.948, longitude: 7.4474))
    #expect(throws: GeoreferenceError.self) { try utm33.checkCovers(latitude: 46.948, longitude: 7.4474) }
    #expect(try CoordinateTransform(projectedEPSG: 32632).covers(latitude: 46.948, longitude: 7.4474))
    let pacific = try CoordinateTransform(projectedEPSG: 3832)
    #expect(
      pacific.covers(latitude: -17.7, longitude: 178.0) && pacific.covers(latitude: 21.3, longitude: -157.8))
    #expect(!pacific.covers(latitude: 48.8, longitude: 2.3))
  }

  @Test func southernHemisphere() throws {
    // echo "-33.875 151.2" | cs2cs EPSG:4326 EPSG:32756 -f "%.4f"  ->  333520.3621 6250245.7581
    #expect(utmEPSG(latitude: -33.875, longitude: 151.2) == 32756)
    let (e, n) = try CoordinateTransform(projectedEPSG: 32756).project(latitude: -33.875, longitude: 151.2)
    #expect(abs(e - 333_520.3621) < 1e-3 && abs(n - 6_250_245.7581) < 1e-3)
  }

  @Test func utmZones() {
    #expect(utmEPSG(latitude: 52, longitude: 15) == 32633)
    #expect(utmEPSG(latitude: 52.52, longitude: 13.40) == 32633)
    #expect(utmEPSG(latitude: 40.66, longitude: -73.99) == 32618)
    #expect(utmEPSG(latitude: 0, longitude: -180) == 32601)
    #expect(utmEPSG(latitude: 0, longitude: 180) == 32601)
    #expect(utmEPSG(latitude: 60.4, longitude: 5.3) == 32632)  // Bergen: the Norway exception (32V)
    #expect(utmEPSG(latitude: 78.2, longitude: 15.6) == 32633)  // Longyearbyen: Svalbard 33X
  }

  @Test func refusesCRSsThatAreNotProjected() {
    #expect(throws: GeoreferenceError.notProjected(epsg: 4326, kind: "geographic CRS")) {
      try CoordinateTransform(projectedEPSG: 4326)
    }
    #expect {
      try CoordinateTransform(projectedEPSG: 999_999)
    } throws: { error in
      if case .unknownCRS(let epsg, _) = error as? GeoreferenceError { return epsg == 999_999 }
      return false
    }
  }
}
