/// The file format of a photo, told from its first bytes, never from its name.
public enum Container: String, Codable, Sendable, CaseIterable {
  case jpeg = "JPEG"
  case heif = "HEIF"
  case avif = "AVIF"
  case png = "PNG"
  case tiff = "TIFF"
  case webp = "WebP"
  case jpeg2000 = "JPEG2000"
  case canonCRW = "CRW"
  case canonCR3 = "CR3"
  case fujiRAF = "RAF"
  case minoltaMRW = "MRW"
  case sigmaX3F = "X3F"
  case panasonicRW2 = "RW2"
  case gif = "GIF"
  case bmp = "BMP"

  /// Whether crackmon reads metadata (and later, pixels) from this container.
  public var isSupported: Bool { self == .jpeg || self == .heif }

  /// Identifies the container from its leading bytes, or nil when none matches.
  ///
  /// TIFF-based raw formats (DNG, NEF, CR2, ARW) share the TIFF signature and are
  /// reported as TIFF.
  public static func sniff<Bytes: Collection<UInt8>>(_ head: Bytes) -> Container? where Bytes.Index == Int {
    let b = Array(head.prefix(64))
    func starts(_ sig: [UInt8], at offset: Int = 0) -> Bool {
      b.count >= offset + sig.count && Array(b[offset..<offset + sig.count]) == sig
    }
    if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
    if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
    if starts(Array("II*\0".utf8)) || starts(Array("MM\0*".utf8)) { return .tiff }
    if starts([0x49, 0x49, 0x55, 0x00]) { return .panasonicRW2 }
    if starts(Array("II".utf8)) && starts(Array("HEAPCCDR".utf8), at: 6) { return .canonCRW }
    if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
    if starts(Array("FUJIFILMCCD-RAW".utf8)) { return .fujiRAF }
    if starts([0x00, 0x4D, 0x52, 0x4D]) { return .minoltaMRW }
    if starts(Array("FOVb".utf8)) { return .sigmaX3F }
    if starts(Array("GIF8".utf8)) { return .gif }
    if starts(Array("BM".utf8)) && b.count >= 14 { return .bmp }
    if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) { return .jpeg2000 }
    if starts(Array("ftyp".utf8), at: 4) && b.count >= 12 {
      // ISO base media file: the major brand says which image format it carries.
      let brand = String(decoding: b[8..<12], as: UTF8.self)
      let boxSize = min(b.count, Int(b[0]) << 24 | Int(b[1]) << 16 | Int(b[2]) << 8 | Int(b[3]))
      var compatible: Set<String> = []
      var at = 16
      while at + 4 <= boxSize {
        compatible.insert(String(decoding: b[at..<at + 4], as: UTF8.self))
        at += 4
      }
      switch brand {
      case "heic", "heix", "heim", "heis", "hevc", "hevx": return .heif
      case "mif1", "msf1":
        // The generic still-image brand: AVIF files carry it too, with "avif" among the compatible brands.
        return compatible.contains("avif") || compatible.contains("avis") ? .avif : .heif
      case "avif", "avis": return .avif
      case "crx ": return .canonCR3
      default: return nil
      }
    }
    return nil
  }
}
