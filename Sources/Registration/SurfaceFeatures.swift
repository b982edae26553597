import COpenCV
import Imaging

/// SIFT keypoints and descriptors of one photo: what registration compares. Computed
/// once per photo and matched against any number of others. This file and Imaging's
/// `Resampling` are where crackmon calls OpenCV.
public final class SurfaceFeatures: @unchecked Sendable {
  // Immutable after init; OpenCV only reads it while matching.
  private let handle: OpaquePointer
  public let width: Int
  public let height: Int

  /// SIFT on the photo reduced by area averaging so its longer side is at most `maxSide`
  /// (texture finer than that is noise to registration, and SIFT's time grows with pixels).
  public init(_ image: RGBImage, maxSide: Int, maxFeatures: Int, contrast: Double) throws(OpenCVError) {
    var out: OpaquePointer?
    var error = [CChar](repeating: 0, count: 512)
    let status = image.pixels.withUnsafeBufferPointer { pixels in
      crackmon_features_detect(
        pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(maxSide), Int32(maxFeatures),
        contrast, &out,
        &error, error.count)
    }
    guard status == 0, let out else {
      throw OpenCVError(
        call: "SIFT", message: String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
    }
    handle = out
    width = image.width
    height = image.height
  }

  deinit { crackmon_features_free(handle) }

  public var count: Int { Int(crackmon_features_count(handle)) }

  /// How much the photo was reduced before SIFT (1: not at all).
  public var scale: Double { crackmon_features_scale(handle) }

  /// One putative correspondence: a point in the photo and its match in the reference.
  public struct Pair: Sendable, Equatable {
    public var photo: (x: Double, y: Double)
    public var reference: (x: Double, y: Double)
    public var isInlier: Bool

    public static func == (a: Pair, b: Pair) -> Bool {
      a.photo == b.photo && a.reference == b.reference && a.isInlier == b.isInlier
    }
  }

  public struct Fit: Sendable {
    /// Photo -> reference, or nil when the estimator found none.
    public var homography: Homography?
    public var pairs: [Pair]
    public var inliers: Int
  }

  /// This photo's features matched to the reference's (Lowe's ratio test) and a
  /// homography this -> reference fitted by USAC MAGSAC++ with `thresholdPx` in
  /// full-resolution pixels.
  public func fit(to reference: SurfaceFeatures, ratio: Double, thresholdPx: Double) throws(OpenCVError)
    -> Fit
  {
    let capacity = max(count, 1)
    var pairs = [Double](repeating: 0, count: capacity * 4)
    var inlier = [UInt8](repeating: 0, count: capacity)
    var result = crackmon_match_result()
    var error = [CChar](repeating: 0, count: 512)
    let status = crackmon_match_homography(
      reference.handle, handle, ratio, thresholdPx, Int32(capacity), &pairs, &inlier, &result, &error,
      error.count)
    guard status == 0 else {
      throw OpenCVError(
        call: "homography", message: String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)
      )
    }
    let n = min(Int(result.matches), capacity)
    let list = (0..<n).map { i in
      Pair(
        photo: (pairs[4 * i], pairs[4 * i + 1]), reference: (pairs[4 * i + 2], pairs[4 * i + 3]),
        isInlier: inlier[i] != 0)
    }
    let h = withUnsafeBytes(of: result.homography) { Array($0.bindMemory(to: Double.self)) }
    return Fit(homography: result.found != 0 ? Homography(h) : nil, pairs: list, inliers: Int(result.inliers))
  }
}

extension RGBImage {
  /// This image warped by `homography` (this image's coordinates -> the output's) onto a
  /// canvas of the given size, bilinear, black where this image does not reach.
  public func warped(by homography: Homography, width: Int, height: Int) throws(OpenCVError) -> RGBImage {
    var out = [UInt8](repeating: 0, count: width * height * 3)
    var error = [CChar](repeating: 0, count: 512)
    let status = pixels.withUnsafeBufferPointer { source in
      crackmon_warp_perspective(
        source.baseAddress, Int32(self.width), Int32(self.height), 3, homography.matrix, &out, Int32(width),
        Int32(height), &error, error.count)
    }
    guard status == 0 else {
      throw OpenCVError(
        call: "warp", message: String(decoding: error.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
    }
    return RGBImage(width: width, height: height, pixels: out)
  }
}
