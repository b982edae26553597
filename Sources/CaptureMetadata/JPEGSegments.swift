/// Where the metadata and the picture sit inside a JPEG file.
///
/// We walk the marker segments ourselves instead of letting libexif search for
/// EXIF: libexif 0.6.24 gives up when APP7–APP9 segments (real Huawei phones)
/// come before the EXIF segment.
struct JPEGSegments {
  /// The APP1 payload that starts with `Exif\0\0`, as libexif expects it.
  var exif: Range<Int>?
  /// The APP1 XMP packet, after its namespace header.
  var xmp: Range<Int>?
  var width: Int?
  var height: Int?
  /// Where the file ends too early, if it does. Segments before that point are still usable.
  var truncation: String?

  static let exifHeader: [UInt8] = Array("Exif\0\0".utf8)
  static let xmpHeader: [UInt8] = Array("http://ns.adobe.com/xap/1.0/\0".utf8)

  struct Malformed: Error, Equatable {
    var detail: String
  }

  /// Walks the segments up to the start of scan. Cost: one pass over the headers,
  /// plus a backwards search for the end-of-image marker.
  ///
  /// A file cut short still yields the segments before the cut (ExifTool reads them
  /// too), with `truncation` saying where it ends.
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> JPEGSegments {
    let count = bytes.count
    guard count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
      throw Malformed(detail: "no JPEG start-of-image marker")
    }
    var layout = JPEGSegments()
    var offset = 2
    var scanStart: Int?
    walk: while offset < count {
      // Some writers leave junk between segments; ExifTool skips it too.
      while offset < count, bytes[offset] != 0xFF { offset += 1 }
      while offset < count, bytes[offset] == 0xFF { offset += 1 }
      guard offset < count else { break }
      let marker = bytes[offset]
      offset += 1
      switch marker {
      case 0xD8, 0x01, 0xD0...0xD7:
        continue  // markers without a length field
      case 0xD9:
        layout.truncation = "end-of-image marker before any picture data (a metadata-only file)"
        return layout
      default:
        break
      }
      guard offset + 2 <= count else {
        layout.truncation = "file ends inside the header of segment 0xFF\(hex(marker)) at byte \(offset - 2)"
        return layout
      }
      let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
      guard length >= 2 else {
        layout.truncation = "segment 0xFF\(hex(marker)) at byte \(offset - 2) has impossible length \(length)"
        return layout
      }
      let payload = (offset + 2)..<(offset + length)
      guard payload.upperBound <= count else {
        layout.truncation =
          "segment 0xFF\(hex(marker)) at byte \(offset - 2) declares \(length) bytes but the file ends at \(count)"
        return layout
      }
      switch marker {
      case 0xE1:
        if layout.exif == nil, hasPrefix(bytes, payload, exifHeader) {
          layout.exif = payload
        } else if layout.xmp == nil, hasPrefix(bytes, payload, xmpHeader) {
          layout.xmp = (payload.lowerBound + xmpHeader.count)..<payload.upperBound
        }
      case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
        // Start of frame: precision (1 byte), height (2), width (2).
        if payload.count >= 5, layout.width == nil {
          layout.height = Int(bytes[payload.lowerBound + 1]) << 8 | Int(bytes[payload.lowerBound + 2])
          layout.width = Int(bytes[payload.lowerBound + 3]) << 8 | Int(bytes[payload.lowerBound + 4])
        }
      case 0xDA:
        scanStart = payload.upperBound
        break walk
      default:
        break
      }
      offset = payload.upperBound
    }
    guard let scanStart else {
      layout.truncation = "file ends before the compressed picture starts"
      return layout
    }
    // Inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker,
    // so any 0xFFD9 after the scan start is the end of an image. Trailers after it
    // (motion-photo video, MPF previews) are fine.
    var end = count - 1
    while end > scanStart {
      if bytes[end] == 0xD9, bytes[end - 1] == 0xFF { return layout }
      end -= 1
    }
    layout.truncation = "file ends inside the compressed picture (no end-of-image marker)"
    return layout
  }

  private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ prefix: [UInt8])
    -> Bool
  {
    guard range.count >= prefix.count else { return false }
    for (i, byte) in prefix.enumerated() where bytes[range.lowerBound + i] != byte { return false }
    return true
  }

  private static func hex(_ byte: UInt8) -> String {
    let s = String(byte, radix: 16, uppercase: true)
    return s.count == 1 ? "0" + s : s
  }
}
