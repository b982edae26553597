/// 8-bit RGB pixels, row-major, interleaved (R, G, B, R, G, B, …), top row first.
public struct RGBImage: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public var pixels: [UInt8]

  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(
      pixels.count == width * height * 3, "RGB image \(width)x\(height) needs \(width * height * 3) bytes")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// The box of `width` × `height` pixels whose top-left pixel is (`x`, `y`); it must lie
  /// within the image.
  public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
    precondition(
      x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height, "crop outside the image")
    var out = [UInt8]()
    out.reserveCapacity(w * h * 3)
    for row in y..<(y + h) {
      out.append(contentsOf: pixels[((row * width + x) * 3)..<((row * width + x + w) * 3)])
    }
    return RGBImage(width: w, height: h, pixels: out)
  }

  /// The image as it should be displayed, given its EXIF orientation (1–8). Values
  /// outside 1–8 (or nil) leave it as stored.
  ///
  /// EXIF orientation: 1 upright, 2 mirrored, 3 rotated 180°, 4 flipped vertically,
  /// 5 transposed, 6 rotated 90° clockwise to display, 7 transversed, 8 rotated 90° counter-clockwise.
  public func oriented(_ orientation: Int?) -> RGBImage {
    guard let orientation, (2...8).contains(orientation) else { return self }
    let swaps = orientation >= 5
    let outWidth = swaps ? height : width
    let outHeight = swaps ? width : height
    var out = [UInt8](repeating: 0, count: pixels.count)
    for y in 0..<outHeight {
      for x in 0..<outWidth {
        // Where the displayed pixel (x, y) comes from in the stored image.
        let (sx, sy): (Int, Int)
        switch orientation {
        case 2: (sx, sy) = (width - 1 - x, y)
        case 3: (sx, sy) = (width - 1 - x, height - 1 - y)
        case 4: (sx, sy) = (x, height - 1 - y)
        case 5: (sx, sy) = (y, x)
        case 6: (sx, sy) = (y, height - 1 - x)
        case 7: (sx, sy) = (width - 1 - y, height - 1 - x)
        default: (sx, sy) = (width - 1 - y, x)  // 8
        }
        let from = (sy * width + sx) * 3
        let to = (y * outWidth + x) * 3
        out[to] = pixels[from]
        out[to + 1] = pixels[from + 1]
        out[to + 2] = pixels[from + 2]
      }
    }
    return RGBImage(width: outWidth, height: outHeight, pixels: out)
  }
}

/// 8-bit single-channel pixels, row-major: masks (0 / 255) and probability maps written as images.
public struct GrayImage: Sendable, Equatable {
  public let width: Int
  public let height: Int
  public var pixels: [UInt8]

  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(
      pixels.count == width * height, "gray image \(width)x\(height) needs \(width * height) bytes")
    self.width = width
    self.height = height
    self.pixels = pixels
  }
}
