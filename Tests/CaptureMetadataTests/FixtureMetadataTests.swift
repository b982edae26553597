import CaptureMetadata
import Foundation
import TestSupport
import Testing

/// Each generated fixture against the values its generator says it holds
/// (tools/fixtures/make_fixtures.py writes fixtures/expected-metadata.json).
struct FixtureMetadataTests {
  nonisolated(unsafe) static let expected: [String: [String: Any]] = {
    let data = try! Data(contentsOf: TestPaths.fixture("expected-metadata.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
  }()

  static var names: [String] { expected.keys.sorted() }

  @Test(arguments: names)
  func fixtureMatchesItsGenerator(_ name: String) throws {
    let metadata = try CaptureMetadata.read(TestPaths.fixture(name))
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(metadata)) as! [String: Any]
    for (key, want) in Self.expected[name]! {
      expectEqualJSON(json[key], want, "\(name): \(key)")
    }
  }

  @Test func captureIdIsTheSHA256OfTheFileBytes() throws {
    let metadata = try CaptureMetadata.read(TestPaths.fixture("photos/phone-gps.jpg"))
    // sha256sum fixtures/photos/phone-gps.jpg
    let data = try Data(contentsOf: TestPaths.fixture("photos/phone-gps.jpg"))
    #expect(metadata.sha256 == ContentHash.sha256(data))
    #expect(metadata.sha256.count == 64)
    #expect(
      ContentHash.sha256(Data("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }

  @Test func djiIsFoundByNamespaceNotByMake() throws {
    let metadata = try CaptureMetadata.read(TestPaths.fixture("photos/dji-nadir.jpg"))
    #expect(metadata.make == "Hasselblad")
    #expect(metadata.drone?.relativeAltitude == 30)
  }
}

/// Compares a decoded JSON value with an expected one; numbers within 1e-9.
func expectEqualJSON(_ got: Any?, _ want: Any?, _ context: String) {
  switch (got, want) {
  case (nil, is NSNull), (is NSNull, nil), (is NSNull, is NSNull), (nil, nil):
    return
  case (let g as [String: Any], let w as [String: Any]):
    for (key, value) in w { expectEqualJSON(g[key], value, "\(context).\(key)") }
  case (let g as NSNumber, let w as NSNumber):
    #expect(abs(g.doubleValue - w.doubleValue) < 1e-9, "\(context): got \(g), want \(w)")
  case (let g as String, let w as String):
    #expect(g == w, "\(context)")
  default:
    Issue.record("\(context): got \(String(describing: got)), want \(String(describing: want))")
  }
}
