import CaptureMetadata
import Foundation
import TestSupport
import Testing

/// Our reading of the shared EXIF corpus (362 real photos) against ExifTool 12.57's
/// (`exiftool -json -n -G1 -a`, in ../shared/datasets/exif/exiftool-reference.json).
@Suite(
  .enabled(
    if: TestPaths.hasExifCorpus, "../shared/datasets/exif is missing: skipping the ExifTool comparison"))
struct ExifToolAgreementTests {
  typealias Reference = [String: Any]

  nonisolated(unsafe) static let reference: [String: Reference] = {
    guard TestPaths.hasExifCorpus else { return [:] }
    let data = try! Data(contentsOf: TestPaths.exifCorpus.appendingPathComponent("exiftool-reference.json"))
    let entries = try! JSONSerialization.jsonObject(with: data) as! [Reference]
    return Dictionary(uniqueKeysWithValues: entries.map { ($0["SourceFile"] as! String, $0) })
  }()

  /// Everything crackmon said about every file, read once.
  static let ours: [String: Result<CaptureMetadata, MetadataError>] = {
    let names = reference.keys.sorted()
    let results = CaptureMetadata.readAll(names.map { TestPaths.exifCorpus.appendingPathComponent($0) })
    return Dictionary(uniqueKeysWithValues: zip(names, results))
  }()

  /// Files where ExifTool reads a numeric position but we deliberately do not.
  /// Each is a container crackmon does not read yet (README: supported formats).
  static let exceptions: [String: String] = [
    "images/exifr/png/png_with_exif_and_gps.png": "PNG: unsupported container",
    "images/exiv2/avif_metadata2.avif": "AVIF: unsupported container",
    "images/exiv2/exiv2-bug1199.webp": "WebP: unsupported container",
    "images/exiv2/IMG_1361.dng": "DNG (TIFF): unsupported container",
    "images/sitemark-exifr/MicaSense_Altum_TRM.tif": "TIFF: unsupported container",
    "images/sitemark-exifr/002.tiff": "TIFF: unsupported container",
    "images/sitemark-exifr/001.tif": "TIFF: unsupported container",
  ]

  static func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

  @Test func everyFileParsesOrGivesATypedError() {
    #expect(Self.reference.count == 362)
    #expect(Self.ours.count == Self.reference.count)
    var parsed = 0
    for (name, result) in Self.ours {
      switch result {
      case .success: parsed += 1
      case .failure(let error): #expect(error.path.hasSuffix(name))
      }
    }
    print("EXIF corpus: \(parsed) of \(Self.ours.count) files parsed, the rest gave typed errors")
  }

  @Test func positionsAgreeWithExifTool() throws {
    var agreed = 0
    var impossible = 0
    for (name, ref) in Self.reference.sorted(by: { $0.key < $1.key }) {
      guard let refLat = Self.number(ref["GPS:GPSLatitude"]),
        let refLon = Self.number(ref["GPS:GPSLongitude"])
      else {
        continue
      }
      if let reason = Self.exceptions[name] {
        guard case .failure(.unsupportedContainer) = Self.ours[name] else {
          Issue.record("\(name): listed as an exception (\(reason)) but read")
          continue
        }
        continue
      }
      let metadata = try #require(try? Self.ours[name]?.get(), "\(name): ExifTool reads GPS, we failed")
      // ExifTool prints what is written; physically impossible values must come out invalid.
      let signedLat = Self.number(ref["Composite:GPSLatitude"]) ?? refLat
      let signedLon = Self.number(ref["Composite:GPSLongitude"]) ?? refLon
      if abs(signedLat) > 90 || abs(signedLon) > 180 || (signedLat == 0 && signedLon == 0) {
        #expect(metadata.gps.status == .invalid, "\(name): impossible position must be invalid")
        impossible += 1
        continue
      }
      #expect(metadata.gps.status == .valid, "\(name): \(metadata.gps.problem ?? "")")
      guard let lat = metadata.gps.latitude, let lon = metadata.gps.longitude else { continue }
      #expect(abs(lat - signedLat) < 1e-7, "\(name): latitude \(lat) vs \(signedLat)")
      #expect(abs(lon - signedLon) < 1e-7, "\(name): longitude \(lon) vs \(signedLon)")
      // Composite:GPSAltitude applies the ref; without a ref ExifTool has only the raw value.
      let refAlt = Self.number(ref["Composite:GPSAltitude"]) ?? Self.number(ref["GPS:GPSAltitude"])
      if let refAlt {
        let alt = try #require(
          metadata.gps.altitude, "\(name): ExifTool has altitude \(refAlt), we have none")
        #expect(abs(alt - refAlt) < 0.01, "\(name): altitude \(alt) vs \(refAlt)")
      } else {
        #expect(
          metadata.gps.altitude == nil, "\(name): altitude \(metadata.gps.altitude!) where ExifTool has none")
      }
      agreed += 1
    }
    print(
      "EXIF corpus: \(agreed) positions agree with ExifTool, \(impossible) impossible ones reported invalid, \(Self.exceptions.count) listed exceptions"
    )
    #expect(agreed >= 46)
  }

  @Test func noPositionWhereExifToolHasNone() {
    for (name, result) in Self.ours {
      guard case .success(let metadata) = result, metadata.gps.status == .valid else { continue }
      #expect(
        Self.number(Self.reference[name]?["GPS:GPSLatitude"]) != nil,
        "\(name): we found a position ExifTool did not")
    }
  }

  @Test func djiFieldsAgreeWithExifTool() throws {
    let fields: [(String, KeyPath<DroneMetadata, Double?>)] = [
      ("RelativeAltitude", \.relativeAltitude), ("AbsoluteAltitude", \.absoluteAltitude),
      ("GimbalPitchDegree", \.gimbalPitch), ("GimbalYawDegree", \.gimbalYaw),
      ("GimbalRollDegree", \.gimbalRoll),
      ("FlightYawDegree", \.flightYaw), ("FlightPitchDegree", \.flightPitch),
      ("FlightRollDegree", \.flightRoll),
      ("CalibratedFocalLength", \.calibratedFocalLength),
    ]
    var compared = 0
    for (name, ref) in Self.reference.sorted(by: { $0.key < $1.key }) {
      let djiKeys = ref.keys.filter { $0.hasPrefix("XMP-drone-dji:") }
      guard !djiKeys.isEmpty, Self.exceptions[name] == nil else { continue }
      let metadata = try #require(try? Self.ours[name]?.get(), "\(name)")
      for (field, keyPath) in fields {
        // ExifTool keeps DJI's "+16.508" strings as strings even with -n.
        let raw = ref["XMP-drone-dji:\(field)"]
        let want = Self.number(raw) ?? (raw as? String).flatMap { Double($0) }
        let got = metadata.drone?[keyPath: keyPath]
        if let want {
          #expect(
            got.map { abs($0 - want) < 1e-9 } == true,
            "\(name): \(field) \(String(describing: got)) vs \(want)")
          compared += 1
        } else {
          #expect(got == nil, "\(name): \(field)")
        }
      }
    }
    print("EXIF corpus: \(compared) DJI XMP values agree with ExifTool")
    #expect(compared >= 60)
  }
}
