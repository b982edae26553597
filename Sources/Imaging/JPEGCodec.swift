import CTurboJPEG

/// The one place crackmon talks to libjpeg-turbo (TurboJPEG API).
public enum JPEGCodec {
  public struct Problem: Error, Sendable {
    public var detail: String
  }

  /// Width and height from the JPEG header, without decoding any pixels.
  public static func size(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> (width: Int, height: Int) {
    try withDecompressor { handle throws(Problem) in
      try header(handle, bytes)
    }
  }

  /// Decodes to RGB, refusing images over `maxPixels` before any pixel is decoded.
  /// A file cut short, which libjpeg only warns about, is an error here.
  /// `longerSide`, when given, lets libjpeg-turbo decode at the smallest of its scales
  /// (1/8 to 1) whose longer side is still at least that many pixels: a thumbnail of a 12 MP
  /// photo decodes an eighth of its width without computing the rest.
  public static func decode(_ bytes: UnsafeRawBufferPointer, maxPixels: Int, longerSide: Int? = nil)
    throws(Problem) -> RGBImage
  {
    try withDecompressor { handle throws(Problem) in
      let (fullWidth, fullHeight) = try header(handle, bytes)
      guard fullWidth * fullHeight <= maxPixels else {
        throw Problem(detail: "\(fullWidth)x\(fullHeight) is over the limit of \(maxPixels) pixels")
      }
      let (width, height) =
        longerSide.map { scaled(fullWidth, fullHeight, toAtLeast: $0) } ?? (fullWidth, fullHeight)
      var pixels = [UInt8](repeating: 0, count: width * height * 3)
      let status = pixels.withUnsafeMutableBufferPointer { out in
        tjDecompress2(
          handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count), out.baseAddress,
          Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), 0)
      }
      // Warnings (a premature end of data, corrupt entropy data) still leave grey
      // blocks in the picture: a segmentation of those would be wrong, so refuse it.
      if status != 0 { throw Problem(detail: message(handle)) }
      return RGBImage(width: width, height: height, pixels: pixels)
    }
  }

  /// Encodes RGB as a JPEG of the given quality (1–100).
  public static func encode(_ image: RGBImage, quality: Int = 90) throws(Problem) -> [UInt8] {
    guard let handle = tjInitCompress() else { throw Problem(detail: "libjpeg-turbo could not start") }
    defer { tjDestroy(handle) }
    var buffer: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let status = image.pixels.withUnsafeBufferPointer { pixels in
      tjCompress2(
        handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
        &buffer,
        &size, Int32(TJSAMP_420.rawValue), Int32(quality), 0)
    }
    defer { tjFree(buffer) }
    guard status == 0, let buffer else { throw Problem(detail: message(handle)) }
    return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
  }

  /// The smallest size libjpeg-turbo can decode to whose longer side reaches `target`.
  static func scaled(_ width: Int, _ height: Int, toAtLeast target: Int) -> (Int, Int) {
    var count: Int32 = 0
    guard let factors = tjGetScalingFactors(&count) else { return (width, height) }
    var best = (width, height)
    for factor in UnsafeBufferPointer(start: factors, count: Int(count)) where factor.num <= factor.denom {
      // TJSCALED: each side rounded up.
      let (num, denom) = (Int(factor.num), Int(factor.denom))
      let size = ((width * num + denom - 1) / denom, (height * num + denom - 1) / denom)
      if max(size.0, size.1) >= target, size.0 * size.1 < best.0 * best.1 { best = size }
    }
    return best
  }

  private static func withDecompressor<T>(_ body: (tjhandle) throws(Problem) -> T) throws(Problem) -> T {
    guard let handle = tjInitDecompress() else { throw Problem(detail: "libjpeg-turbo could not start") }
    defer { tjDestroy(handle) }
    return try body(handle)
  }

  private static func header(_ handle: tjhandle, _ bytes: UnsafeRawBufferPointer) throws(Problem) -> (
    Int, Int
  ) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { throw Problem(detail: "no bytes") }
    var width: Int32 = 0
    var height: Int32 = 0
    var subsampling: Int32 = 0
    var colorspace: Int32 = 0
    guard
      tjDecompressHeader3(
        handle, base.assumingMemoryBound(to: UInt8.self), UInt(bytes.count), &width, &height, &subsampling,
        &colorspace) == 0
    else { throw Problem(detail: message(handle)) }
    guard width > 0, height > 0 else { throw Problem(detail: "header gives no image size") }
    return (Int(width), Int(height))
  }

  private static func message(_ handle: tjhandle) -> String {
    tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown libjpeg-turbo error"
  }
}
