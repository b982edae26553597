import Foundation

/// Why a photo's pixels could not be decoded. Each case names the file.
public enum ImageError: Error, Equatable, CustomStringConvertible, Sendable {
  case unreadable(path: String, reason: String)
  case empty(path: String)
  case unsupportedContainer(path: String, container: Container?)
  /// Refused before decoding: a guard against decompression bombs and out-of-memory.
  case tooLarge(path: String, width: Int, height: Int, limit: Int)
  case undecodable(path: String, detail: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): "\(path): cannot read file: \(reason)"
    case .empty(let path): "\(path): file is empty (0 bytes)"
    case .unsupportedContainer(let path, let container):
      container.map {
        "\(path): cannot decode \($0.rawValue) pixels; crackmon decodes JPEG, PNG and HEIC/HEIF"
      }
        ?? "\(path): not an image (no known image signature in its first bytes)"
    case .tooLarge(let path, let width, let height, let limit):
      "\(path): \(width)x\(height) = \(width * height / 1_000_000) MP is over the limit of \(limit / 1_000_000) MP; raise --max-megapixels if this is a real photo"
    case .undecodable(let path, let detail): "\(path): cannot decode the picture: \(detail)"
    }
  }
}

/// Decodes JPEG, PNG and HEIC/HEIF photos to upright RGB pixels.
public struct ImageDecoder: Sendable {
  /// Photos with more pixels are refused before their pixels are decoded.
  public var maxPixels: Int

  public init(maxPixels: Int = 200_000_000) {
    self.maxPixels = maxPixels
  }

  /// File extensions of the formats decoded here, which folder walks take as photos.
  public static let photoExtensions: Set<String> = [
    "jpg", "jpeg", "jpe", "jfif", "png", "heic", "heif", "hif",
  ]

  public func decode(_ url: URL, orientation: Int? = nil) throws(ImageError) -> RGBImage {
    try decode(try read(url), path: url.path, orientation: orientation)
  }

  /// The file's bytes, memory-mapped, so a caller can also read its metadata from them.
  public func read(_ url: URL) throws(ImageError) -> Data {
    do {
      return try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
      throw .unreadable(path: url.path, reason: Self.reason(error))
    }
  }

  /// Why a file could not be read, in the system's few words ("Is a directory", "Permission
  /// denied"): Foundation wraps them in a Cocoa error whose own text names no cause.
  public static func reason(_ error: any Error) -> String {
    if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
    if let cocoa = error as? CocoaError {
      if let underlying = cocoa.underlying { return reason(underlying) }
      if let posix = cocoa.userInfo[NSUnderlyingErrorKey] as? Error { return reason(posix) }
      if cocoa.code == .fileReadNoSuchFile { return "No such file or directory" }
    }
    let error = error as NSError
    if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
    return error.localizedFailureReason ?? error.localizedDescription
  }

  /// `orientation` is the EXIF orientation (1–8) to apply to JPEGs; HEIF files carry
  /// their own rotation, which libheif applies, and PNGs are taken as stored. `longerSide`:
  /// enough pixels for a picture that long on its longer side (a thumbnail); a JPEG may then be
  /// decoded at a fraction of its size (`JPEGCodec`), other photos whole.
  public func decode(_ data: Data, path: String, orientation: Int? = nil, longerSide: Int? = nil)
    throws(ImageError) -> RGBImage
  {
    guard !data.isEmpty else { throw .empty(path: path) }
    let container = Container.sniff(data.prefix(64))
    let limit = maxPixels
    let decoded = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Result<RGBImage, ImageError> in
      do {
        switch container {
        case .jpeg:
          if let (w, h) = try? JPEGCodec.size(bytes), w * h > limit {
            return .failure(.tooLarge(path: path, width: w, height: h, limit: limit))
          }
          return .success(
            try JPEGCodec.decode(bytes, maxPixels: limit, longerSide: longerSide).oriented(orientation))
        case .png:
          return .success(try PNGCodec.decodeRGB(bytes, maxPixels: limit))
        case .heif:
          return .success(try HEIFImage.decode(bytes, maxPixels: limit))
        default:
          return .failure(.unsupportedContainer(path: path, container: container))
        }
      } catch let error as JPEGCodec.Problem {
        return .failure(.undecodable(path: path, detail: error.detail))
      } catch let error as PNGCodec.Problem {
        return .failure(.undecodable(path: path, detail: error.detail))
      } catch let error as HEIFImage.Problem {
        return .failure(.undecodable(path: path, detail: error.detail))
      } catch {
        return .failure(.undecodable(path: path, detail: "\(error)"))
      }
    }
    let image = try decoded.get()
    return image
  }
}
