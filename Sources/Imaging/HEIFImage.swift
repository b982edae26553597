import CHeif
import Foundation

/// The one place crackmon talks to libheif: the primary image's size, its EXIF and XMP
/// blocks, and its pixels.
public enum HEIFImage {
  /// What the metadata reader needs from a HEIF file.
  public struct Metadata: Sendable {
    public var width: Int
    public var height: Int
    /// The EXIF block's TIFF structure (byte-order mark onwards).
    public var exifTIFF: [UInt8]?
    public var xmp: Data?
  }

  public struct Problem: Error, Sendable {
    public var detail: String
  }

  public static func metadata(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> Metadata {
    try withPrimaryImage(bytes) { handle throws(Problem) in
      var result = Metadata(
        width: Int(heif_image_handle_get_width(handle)), height: Int(heif_image_handle_get_height(handle)))
      if let block = metadataBlock(handle, type: "Exif"), block.count > 4 {
        // ISO/IEC 23008-12 A.2.1: a 4-byte big-endian offset from the end of this field to the TIFF header.
        let skip = Int(block[0]) << 24 | Int(block[1]) << 16 | Int(block[2]) << 8 | Int(block[3])
        if skip >= 0, 4 + skip < block.count {
          result.exifTIFF = Array(block[(4 + skip)...])
        }
      }
      if let block = metadataBlock(handle, type: "mime", contentType: "application/rdf+xml") {
        result.xmp = Data(block)
      }
      return result
    }
  }

  /// Decodes the primary image to RGB. libheif applies the file's rotation and mirroring
  /// (irot/imir), so the result is already upright: EXIF orientation must not be applied again.
  public static func decode(_ bytes: UnsafeRawBufferPointer, maxPixels: Int) throws(Problem) -> RGBImage {
    try withPrimaryImage(bytes) { handle throws(Problem) in
      let width = Int(heif_image_handle_get_width(handle))
      let height = Int(heif_image_handle_get_height(handle))
      guard width > 0, height > 0 else { throw Problem(detail: "image has no pixels") }
      guard width * height <= maxPixels else {
        throw Problem(detail: "\(width)x\(height) is over the limit of \(maxPixels) pixels")
      }
      var image: OpaquePointer?
      try check(heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nil))
      guard let image else { throw Problem(detail: "libheif returned no image") }
      defer { heif_image_release(image) }
      var stride: Int32 = 0
      guard let plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride) else {
        throw Problem(detail: "decoded image has no RGB plane")
      }
      // The declared size (the `ispe` box) is the file's word; the plane is what was decoded.
      // Copying by the declared size read past the plane when a file lied about it.
      let decodedWidth = Int(heif_image_get_width(image, heif_channel_interleaved))
      let decodedHeight = Int(heif_image_get_height(image, heif_channel_interleaved))
      guard decodedWidth == width, decodedHeight == height else {
        throw Problem(
          detail: "declares \(width)x\(height) pixels but decodes to \(decodedWidth)x\(decodedHeight)")
      }
      guard Int(stride) >= width * 3 else {
        throw Problem(detail: "decoded rows are \(stride) bytes, shorter than \(width) RGB pixels")
      }
      var pixels = [UInt8](repeating: 0, count: width * height * 3)
      pixels.withUnsafeMutableBytes { out in
        for y in 0..<height {
          let source = UnsafeRawBufferPointer(start: plane + y * Int(stride), count: width * 3)
          UnsafeMutableRawBufferPointer(rebasing: out[(y * width * 3)..<((y + 1) * width * 3)])
            .copyMemory(from: source)
        }
      }
      return RGBImage(width: width, height: height, pixels: pixels)
    }
  }

  private static func withPrimaryImage<T>(
    _ bytes: UnsafeRawBufferPointer, _ body: (OpaquePointer) throws(Problem) -> T
  ) throws(Problem) -> T {
    guard let base = bytes.baseAddress, let context = heif_context_alloc() else {
      throw Problem(detail: "libheif could not allocate a context")
    }
    defer { heif_context_free(context) }
    try check(heif_context_read_from_memory_without_copy(context, base, bytes.count, nil))
    var handle: OpaquePointer?
    try check(heif_context_get_primary_image_handle(context, &handle))
    guard let handle else { throw Problem(detail: "no primary image") }
    defer { heif_image_handle_release(handle) }
    return try body(handle)
  }

  private static func metadataBlock(_ handle: OpaquePointer, type: String, contentType: String? = nil)
    -> [UInt8]?
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
