import CHeif
import Foundation

/// The one place crackmon talks to libheif: the primary image's size and its
/// EXIF and XMP blocks, copied out as plain bytes.
struct HEIFContainer {
  var width: Int
  var height: Int
  /// EXIF block with an `Exif\0\0` header prepended, as libexif expects.
  var exif: [UInt8]?
  var xmp: Data?

  struct Problem: Error {
    var detail: String
  }

  static func read(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> HEIFContainer {
    guard let base = bytes.baseAddress, let context = heif_context_alloc() else {
      throw Problem(detail: "libheif could not allocate a context")
    }
    defer { heif_context_free(context) }
    try check(heif_context_read_from_memory_without_copy(context, base, bytes.count, nil))
    var handle: OpaquePointer?
    try check(heif_context_get_primary_image_handle(context, &handle))
    guard let handle else { throw Problem(detail: "no primary image") }
    defer { heif_image_handle_release(handle) }

    var container = HEIFContainer(
      width: Int(heif_image_handle_get_width(handle)), height: Int(heif_image_handle_get_height(handle)))
    if let block = metadata(handle, type: "Exif"), block.count > 4 {
      // ISO/IEC 23008-12 A.2.1: a 4-byte big-endian offset from the end of this field to the TIFF header.
      let skip = Int(block[0]) << 24 | Int(block[1]) << 16 | Int(block[2]) << 8 | Int(block[3])
      if skip >= 0, 4 + skip < block.count {
        container.exif = JPEGSegments.exifHeader + block[(4 + skip)...]
      }
    }
    if let block = metadata(handle, type: "mime", contentType: "application/rdf+xml") {
      container.xmp = Data(block)
    }
    return container
  }

  private static func metadata(_ handle: OpaquePointer, type: String, contentType: String? = nil) -> [UInt8]?
  {
    let count = Int(heif_image_handle_get_number_of_metadata_blocks(handle, type))
    guard count > 0 else { return nil }
    var ids = [heif_item_id](repeating: 0, count: count)
    _ = heif_image_handle_get_list_of_metadata_block_IDs(handle, type, &ids, Int32(count))
    for id in ids {
      if let contentType {
        guard let actual = heif_image_handle_get_metadata_content_type(handle, id),
          String(cString: actual) == contentType
        else { continue }
      }
      let size = heif_image_handle_get_metadata_size(handle, id)
      guard size > 0, size < 64 << 20 else { continue }
      var block = [UInt8](repeating: 0, count: size)
      let error = block.withUnsafeMutableBytes { heif_image_handle_get_metadata(handle, id, $0.baseAddress) }
      if error.code == heif_error_Ok { return block }
    }
    return nil
  }

  private static func check(_ error: heif_error) throws(Problem) {
    guard error.code != heif_error_Ok else { return }
    let message = error.message.map { String(cString: $0) } ?? "error \(error.code.rawValue)"
    throw Problem(detail: message)
  }
}
