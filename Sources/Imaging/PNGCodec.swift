import CPNG

/// The one place crackmon talks to libpng, through its simplified API (png_image).
public enum PNGCodec {
  public struct Problem: Error, Sendable {
    public var detail: String
  }

  /// Decodes any PNG to RGB (palette, grey and 16-bit are converted; alpha is dropped).
  public static func decodeRGB(_ bytes: UnsafeRawBufferPointer, maxPixels: Int) throws(Problem) -> RGBImage {
    let (width, height, pixels) = try decode(
      bytes, format: UInt32(PNG_FORMAT_RGB), channels: 3, maxPixels: maxPixels)
    return RGBImage(width: width, height: height, pixels: pixels)
  }

  /// Decodes any PNG to 8-bit grey (for masks).
  public static func decodeGray(_ bytes: UnsafeRawBufferPointer, maxPixels: Int) throws(Problem) -> GrayImage
  {
    let (width, height, pixels) = try decode(
      bytes, format: UInt32(PNG_FORMAT_GRAY), channels: 1, maxPixels: maxPixels)
    return GrayImage(width: width, height: height, pixels: pixels)
  }

  public static func encode(_ image: GrayImage) throws(Problem) -> [UInt8] {
    try encode(image.pixels, width: image.width, height: image.height, format: UInt32(PNG_FORMAT_GRAY))
  }

  public static func encode(_ image: RGBImage) throws(Problem) -> [UInt8] {
    try encode(image.pixels, width: image.width, height: image.height, format: UInt32(PNG_FORMAT_RGB))
  }

  private static func decode(
    _ bytes: UnsafeRawBufferPointer, format: UInt32, channels: Int, maxPixels: Int
  ) throws(Problem) -> (Int, Int, [UInt8]) {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
      throw Problem(detail: message(&image))
    }
    defer { png_image_free(&image) }
    let width = Int(image.width)
    let height = Int(image.height)
    guard width * height <= maxPixels else {
      throw Problem(detail: "\(width)x\(height) is over the limit of \(maxPixels) pixels")
    }
    image.format = format
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
    guard ok != 0 else { throw Problem(detail: message(&image)) }
    return (width, height, pixels)
  }

  private static func encode(_ pixels: [UInt8], width: Int, height: Int, format: UInt32) throws(Problem)
    -> [UInt8]
  {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = format
    var size = 0
    // First call measures, second writes.
    guard
      pixels.withUnsafeBytes({ png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) })
        != 0
    else { throw Problem(detail: message(&image)) }
    var out = [UInt8](repeating: 0, count: size)
    let ok = out.withUnsafeMutableBytes { buffer in
      pixels.withUnsafeBytes {
        png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, $0.baseAddress, 0, nil)
      }
    }
    guard ok != 0 else { throw Problem(detail: message(&image)) }
    return Array(out.prefix(size))
  }

  private static func message(_ image: inout png_image) -> String {
    withUnsafeBytes(of: &image.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
  }
}
