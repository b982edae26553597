import COpenCV

/// OpenCV failed inside a call (out of memory, an image it could not take), with its message.
public struct OpenCVError: Error, Sendable, CustomStringConvertible {
  public var call: String
  public var message: String
  public init(call: String, message: String) {
    self.call = call
    self.message = message
  }
  public var description: String { "OpenCV \(call) failed: \(message)" }
}

/// Resizing rasters, by OpenCV's `resize` (pixel centres map to pixel centres).
public enum Resampling: Int32, Sendable {
  /// Each new pixel the mean of the old ones it covers: for shrinking, where it does not alias.
  case area = 0
  case linear = 1
  case cubic = 2
  /// Each new pixel the old one nearest its centre: for labels, which must stay labels.
  case nearest = 3

  /// `samples`, `channels` interleaved per pixel, resized from `width` x `height` to
  /// `newWidth` x `newHeight`.
  public func resize<Sample: BitwiseCopyable>(
    _ samples: [Sample], width: Int, height: Int, channels: Int = 1, to newWidth: Int, _ newHeight: Int
  ) throws(OpenCVError) -> [Sample] {
    precondition(Sample.self == UInt8.self || Sample.self == Float.self, "8-bit or float samples")
    precondition(samples.count == width * height * channels && newWidth > 0 && newHeight > 0)
    var out = [Sample](unsafeUninitializedCapacity: newWidth * newHeight * channels) { _, count in
      count = newWidth * newHeight * channels
    }
    var error = [CChar](repeating: 0, count: 512)
    let status = samples.withUnsafeBytes { source in
      out.withUnsafeMutableBytes { target in
        crackmon_resize(
          source.baseAddress, Int32(width), Int32(height), Int32(channels), Sample.self == Float.self ? 1 : 0,
          target.baseAddress, Int32(newWidth), Int32(newHeight), rawValue, &error, error.count)
      }
    }
    guard status == 0 else {
      throw OpenCVError(
        call: "resize", message: String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
    }
    return out
  }
}

extension RGBImage {
  public func resized(width newWidth: Int, height newHeight: Int, _ method: Resampling) throws(OpenCVError)
    -> RGBImage
  {
    RGBImage(
      width: newWidth, height: newHeight,
      pixels: try method.resize(pixels, width: width, height: height, channels: 3, to: newWidth, newHeight))
  }
}
