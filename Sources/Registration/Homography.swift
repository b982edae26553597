/// A plane-to-plane map between two photos' pixel coordinates: x to the right, y down,
/// (0, 0) the top-left corner of the top-left pixel (so that pixel's centre is (0.5, 0.5)),
/// after EXIF orientation.
public struct Homography: Sendable, Equatable, Codable {
  /// Row-major 3×3.
  public var matrix: [Double]

  public init(_ matrix: [Double]) {
    precondition(matrix.count == 9, "a homography has 9 entries")
    self.matrix = matrix
  }

  public static let identity = Homography([1, 0, 0, 0, 1, 0, 0, 0, 1])

  public static func scaling(_ sx: Double, _ sy: Double) -> Homography {
    Homography([sx, 0, 0, 0, sy, 0, 0, 0, 1])
  }

  public static func translation(_ tx: Double, _ ty: Double) -> Homography {
    Homography([1, 0, tx, 0, 1, ty, 0, 0, 1])
  }

  /// Rows as nested arrays, the form the JSON output takes.
  public var rows: [[Double]] { [Array(matrix[0..<3]), Array(matrix[3..<6]), Array(matrix[6..<9])] }

  /// Where the point lands, or nil when it maps to infinity (behind the camera's horizon).
  public func apply(_ x: Double, _ y: Double) -> (x: Double, y: Double)? {
    let m = matrix
    let w = m[6] * x + m[7] * y + m[8]
    guard abs(w) > 1e-12 else { return nil }
    return ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
  }

  /// `self` after `other`: a point goes through `other` first.
  public func after(_ other: Homography) -> Homography {
    let a = matrix
    let b = other.matrix
    var c = [Double](repeating: 0, count: 9)
    for r in 0..<3 {
      for k in 0..<3 {
        c[r * 3 + k] = a[r * 3] * b[k] + a[r * 3 + 1] * b[3 + k] + a[r * 3 + 2] * b[6 + k]
      }
    }
    return Homography(c)
  }

  public var determinant: Double {
    let m = matrix
    return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
      + m[2] * (m[3] * m[7] - m[4] * m[6])
  }

  /// The inverse, or nil for a singular matrix.
  public var inverse: Homography? {
    let m = matrix
    let det = determinant
    guard abs(det) > 1e-15 else { return nil }
    let adjugate = [
      m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
      m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
      m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
    ]
    return Homography(adjugate.map { $0 / det })
  }

  /// Scaled so that the bottom-right entry is 1, as homographies are usually printed.
  public var normalised: Homography {
    let s = matrix[8]
    guard abs(s) > 1e-15 else { return self }
    return Homography(matrix.map { $0 / s })
  }
}
