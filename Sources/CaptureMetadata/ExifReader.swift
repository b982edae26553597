import CExif
import Foundation

/// The one place crackmon talks to libexif.
///
/// libexif parses the IFD structure (offsets, byte order, bounds checks); this
/// wrapper copies the entries out into plain Swift values, so no libexif pointer
/// outlives `read`.
enum ExifReader {
  /// Parses an EXIF block that starts with `Exif\0\0`. Returns nil when libexif finds no IFD in it.
  static func read(_ payload: UnsafeRawBufferPointer) -> ExifTags? {
    guard let base = payload.baseAddress, payload.count > 6, let data = exif_data_new() else { return nil }
    defer { exif_data_unref(data) }
    // FOLLOW_SPECIFICATION makes libexif invent mandatory tags with default values;
    // IGNORE_UNKNOWN_TAGS would drop the XMP packet (0x02BC) that DJI cameras write in IFD0.
    exif_data_unset_option(data, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION)
    exif_data_unset_option(data, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS)
    exif_data_load_data(data, base.assumingMemoryBound(to: UInt8.self), UInt32(clamping: payload.count))
    let order = exif_data_get_byte_order(data)

    var tags = ExifTags()
    var found = false
    withUnsafeBytes(of: data.pointee.ifd) { raw in
      let contents = raw.bindMemory(to: UnsafeMutablePointer<ExifContent>?.self)
      for ifd in ExifIFD.allCases {
        guard let content = contents[ifd.rawValue]?.pointee, content.count > 0 else { continue }
        found = true
        for i in 0..<Int(content.count) {
          guard let entry = content.entries[i]?.pointee, let value = decode(entry, order) else { continue }
          tags[ifd, UInt16(truncatingIfNeeded: entry.tag.rawValue)] = value
        }
      }
    }
    return found ? tags : nil
  }

  private static func decode(_ entry: ExifEntry, _ order: ExifByteOrder) -> ExifValue? {
    guard let bytes = entry.data else { return nil }
    let size = Int(exif_format_get_size(entry.format))
    let available = Int(entry.size)
    let count = size == 0 ? 0 : min(Int(entry.components), available / size)
    func element(_ i: Int) -> UnsafePointer<UInt8> { UnsafePointer(bytes + i * size) }

    switch entry.format {
    case EXIF_FORMAT_ASCII:
      let raw = UnsafeBufferPointer(start: UnsafePointer(bytes), count: available)
      let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      return .text(text.trimmingCharacters(in: .whitespacesAndNewlines))
    case EXIF_FORMAT_RATIONAL:
      return .rationals(
        (0..<count).map {
          let r = exif_get_rational(element($0), order)
          return ExifRational(Int64(r.numerator), Int64(r.denominator))
        }, signed: false)
    case EXIF_FORMAT_SRATIONAL:
      return .rationals(
        (0..<count).map {
          let r = exif_get_srational(element($0), order)
          return ExifRational(Int64(r.numerator), Int64(r.denominator))
        }, signed: true)
    case EXIF_FORMAT_SHORT:
      return .integers((0..<count).map { Int64(exif_get_short(element($0), order)) })
    case EXIF_FORMAT_SSHORT:
      return .integers((0..<count).map { Int64(exif_get_sshort(element($0), order)) })
    case EXIF_FORMAT_LONG:
      return .integers((0..<count).map { Int64(exif_get_long(element($0), order)) })
    case EXIF_FORMAT_SLONG:
      return .integers((0..<count).map { Int64(exif_get_slong(element($0), order)) })
    case EXIF_FORMAT_SBYTE:
      return .integers((0..<count).map { Int64(Int8(bitPattern: bytes[$0])) })
    case EXIF_FORMAT_UNDEFINED, EXIF_FORMAT_BYTE:
      // BYTE too: the XMP packet (0x02BC) and GPS version/altitude refs are byte strings.
      return .bytes(Array(UnsafeBufferPointer(start: UnsafePointer(bytes), count: available)))
    default:
      return nil  // FLOAT/DOUBLE: no tag crackmon reads uses them
    }
  }
}
