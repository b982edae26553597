import Foundation
import Imaging

/// Everything crackmon needs to know about one photo before looking at its pixels.
///
/// Built by `CaptureMetadata.read(_:)`; the rest of crackmon sees this value, never raw tags.
public struct CaptureMetadata: Sendable, Equatable {
  public var path: String
  /// SHA-256 of the file bytes, lowercase hex: the capture id everywhere.
  public var sha256: String
  public var fileSize: Int
  public var container: Container
  public var make: String?
  public var model: String?
  /// DateTimeOriginal as ISO 8601 local time ("2024-04-05T10:59:24"); no zone unless
  /// `offsetTimeOriginal` is present.
  public var dateTimeOriginal: String?
  /// OffsetTimeOriginal, like "+01:00".
  public var offsetTimeOriginal: String?
  public var gps: GPSFix
  public var drone: DroneMetadata?
  /// Real focal length in millimetres.
  public var focalLength: Double?
  /// 35 mm-equivalent focal length in millimetres.
  public var focalLength35mm: Double?
  /// EXIF SubjectDistance in metres: where the camera focused. Nil when the camera wrote 0
  /// (unknown) or infinity.
  public var subjectDistance: Double?
  public var focalPlane: FocalPlaneResolution?
  /// Pixel size the camera wrote in EXIF (PixelXDimension); the frame the focal plane resolution refers to.
  public var exifPixelWidth: Int?
  /// Decoded picture size in pixels, before EXIF orientation is applied.
  public var width: Int?
  public var height: Int?
  /// EXIF orientation 1–8.
  public var orientation: Int?
  /// False when the file ends before its picture does; `truncation` says where.
  public var imageDataComplete: Bool
  public var truncation: String? = nil
  /// Things that were wrong but did not stop the read.
  public var warnings: [String]
}

/// EXIF FocalPlaneX/YResolution: sensor pixels per unit length.
public struct FocalPlaneResolution: Sendable, Equatable, Codable {
  public var x: Double
  public var y: Double?
  /// EXIF FocalPlaneResolutionUnit: 2 inch (the default), 3 cm, 4 mm, 5 µm.
  public var unit: Int

  /// Pixels per millimetre along x, or nil for an unknown unit.
  public var xPixelsPerMillimetre: Double? {
    let mmPerUnit: Double
    switch unit {
    case 2: mmPerUnit = 25.4
    case 3: mmPerUnit = 10
    case 4: mmPerUnit = 1
    case 5: mmPerUnit = 0.001
    default: return nil
    }
    return x / mmPerUnit
  }
}

extension CaptureMetadata {
  /// Reads a photo's metadata. Throws a `MetadataError` naming the file when the file
  /// cannot be read or is not a supported photo; odd values inside a readable file become
  /// `warnings` or an invalid `gps` status instead.
  public static func read(_ url: URL) throws(MetadataError) -> CaptureMetadata {
    let path = url.path
    let data: Data
    let digest: String
    do {
      // Mapped, so that parsing touches only the pages it reads (headers, the last bytes);
      // the hash streams through the file on its own.
      data = try Data(contentsOf: url, options: .alwaysMapped)
      digest = try ContentHash.sha256(contentsOf: url)
    } catch {
      throw .unreadable(path: path, reason: ImageDecoder.reason(error))
    }
    return try read(data, path: path, sha256: digest)
  }

  /// Reads metadata from bytes already in memory; `path` is used for reporting only, and
  /// `sha256` is the bytes' digest when the caller has it already.
  public static func read(_ data: Data, path: String, sha256: String? = nil) throws(MetadataError)
    -> CaptureMetadata
  {
    guard !data.isEmpty else { throw .empty(path: path) }
    guard let container = Container.sniff(data.prefix(64)) else { throw .notAnImage(path: path) }
    guard container.isSupported else { throw .unsupportedContainer(path: path, container: container) }

    let digest = sha256 ?? ContentHash.sha256(data)
    var metadata = CaptureMetadata(
      path: path, sha256: digest, fileSize: data.count, container: container, gps: .absent,
      imageDataComplete: true, warnings: [])

    var exifTags: ExifTags?
    var xmp: Data?
    let parsed = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Result<Void, MetadataError> in
      switch container {
      case .jpeg:
        let layout: JPEGSegments
        do throws(JPEGSegments.Malformed) {
          layout = try JPEGSegments.parse(bytes)
        } catch {
          return .failure(.malformedContainer(path: path, detail: error.detail))
        }
        metadata.width = layout.width
        metadata.height = layout.height
        if let truncation = layout.truncation {
          metadata.imageDataComplete = false
          metadata.truncation = truncation
          metadata.warnings.append("truncated: \(truncation)")
        }
        if let range = layout.exif {
          exifTags = ExifReader.read(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
        if let range = layout.xmp { xmp = Data(bytes[range]) }
        if layout.exif != nil, exifTags == nil {
          metadata.warnings.append("EXIF segment present but unreadable")
        }
      default:
        let heif: HEIFImage.Metadata
        do throws(HEIFImage.Problem) {
          heif = try HEIFImage.metadata(bytes)
        } catch {
          return .failure(.malformedContainer(path: path, detail: "HEIF: \(error.detail)"))
        }
        metadata.width = heif.width
        metadata.height = heif.height
        if let tiff = heif.exifTIFF {
          exifTags = (JPEGSegments.exifHeader + tiff).withUnsafeBytes { ExifReader.read($0) }
        }
        xmp = heif.xmp
      }
      return .success(())
    }
    if case .failure(let error) = parsed { throw error }

    if let tags = exifTags { metadata.apply(tags) }
    // Some DJI cameras put the XMP packet in EXIF tag 0x02BC (in IFD0 or the EXIF IFD) instead of APP1.
    let packet = exifTags?[.primary, ExifTag.xmpPacket] ?? exifTags?[.exif, ExifTag.xmpPacket]
    metadata.drone = metadata.readDrone(xmp: xmp, exifPacket: packet)
    return metadata
  }

  private mutating func apply(_ tags: ExifTags) {
    make = tags[.primary, ExifTag.make]?.text.flatMap(nonEmpty)
    model = tags[.primary, ExifTag.model]?.text.flatMap(nonEmpty)
    orientation = tags[.primary, ExifTag.orientation]?.firstInteger.map(Int.init).flatMap {
      (1...8).contains($0) ? $0 : nil
    }
    dateTimeOriginal = tags[.exif, ExifTag.dateTimeOriginal]?.text.flatMap(Self.isoLocalTime)
    offsetTimeOriginal = tags[.exif, ExifTag.offsetTimeOriginal]?.text.flatMap(Self.zoneOffset)
    focalLength = tags[.exif, ExifTag.focalLength]?.firstNumber.flatMap(positive)
    focalLength35mm = tags[.exif, ExifTag.focalLengthIn35mmFilm]?.firstNumber.flatMap(positive)
    // 0xFFFFFFFF / 1 is the standard's infinity; nothing past a kilometre is a surface.
    subjectDistance = tags[.exif, ExifTag.subjectDistance]?.firstNumber.flatMap(positive).flatMap {
      $0.isFinite && $0 < 1000 ? $0 : nil
    }
    if let x = tags[.exif, ExifTag.focalPlaneXResolution]?.firstNumber.flatMap(positive) {
      focalPlane = FocalPlaneResolution(
        x: x, y: tags[.exif, ExifTag.focalPlaneYResolution]?.firstNumber.flatMap(positive),
        unit: Int(tags[.exif, ExifTag.focalPlaneResolutionUnit]?.firstInteger ?? 2))
    }
    exifPixelWidth = tags[.exif, ExifTag.pixelXDimension]?.firstInteger.map(Int.init).flatMap {
      $0 > 0 ? $0 : nil
    }
    gps = GPSFix(tags)
  }

  private mutating func readDrone(xmp: Data?, exifPacket: ExifValue?) -> DroneMetadata? {
    var packets: [Data] = []
    if let xmp { packets.append(xmp) }
    if case .bytes(let bytes) = exifPacket { packets.append(Data(bytes)) }
    if case .text(let text) = exifPacket { packets.append(Data(text.utf8)) }
    for packet in packets {
      do {
        if let drone = try DroneMetadata.parse(xmp: packet) { return drone }
      } catch {
        warnings.append("XMP packet unreadable: \(error.reason)")
      }
    }
    return nil
  }

  /// "YYYY:MM:DD HH:MM:SS" as "YYYY-MM-DDTHH:MM:SS"; nil for blanks like "0000:00:00 00:00:00".
  static func isoLocalTime(_ exif: String) -> String? {
    let numbers = exif.split(whereSeparator: { ": -T".contains($0) }).prefix(6).map { Int($0) }
    guard numbers.count == 6, let y = numbers[0], let mo = numbers[1], let d = numbers[2],
      let h = numbers[3], let mi = numbers[4], let s = numbers[5],
      y > 1900, (1...12).contains(mo), (1...31).contains(d), (0..<24).contains(h), (0..<60).contains(mi),
      (0..<61).contains(s)
    else { return nil }
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s)
  }

  /// "+01:00" style offsets only.
  static func zoneOffset(_ text: String) -> String? {
    let chars = Array(text)
    guard chars.count == 6, "+-".contains(chars[0]), chars[3] == ":",
      let h = Int(String(chars[1...2])), let m = Int(String(chars[4...5])), h <= 14, m < 60
    else { return nil }
    return text
  }
}

private func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
private func positive(_ v: Double) -> Double? { v > 0 && v.isFinite ? v : nil }
