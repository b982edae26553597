/// A pixel position; x to the right, y down, in pixel units (pixel centres at integers).
public struct Point: Sendable, Equatable, Hashable, Codable {
  public var x: Double
  public var y: Double

  public init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }

  func distance(to other: Point) -> Double {
    ((x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)).squareRoot()
  }
}

/// A row-major 2-D grid of values: a probability map, a mask, a distance transform.
public struct Raster<Value: Sendable>: Sendable {
  public let width: Int
  public let height: Int
  public var values: [Value]

  public init(width: Int, height: Int, repeating value: Value) {
    precondition(width >= 0 && height >= 0)
    self.width = width
    self.height = height
    values = Array(repeating: value, count: width * height)
  }

  public init(width: Int, height: Int, values: [Value]) {
    precondition(
      values.count == width * height, "raster of \(width)x\(height) needs \(width * height) values")
    self.width = width
    self.height = height
    self.values = values
  }

  @inline(__always) public func contains(_ x: Int, _ y: Int) -> Bool {
    x >= 0 && y >= 0 && x < width && y < height
  }

  @inline(__always) public subscript(x: Int, y: Int) -> Value {
    get { values[y * width + x] }
    set { values[y * width + x] = newValue }
  }
}

extension Raster {
  /// Bilinear interpolation of `value` at (x, y), pixel centres at integers. Pixels beyond
  /// the edge count as `outside`, or, when it is nil, leave no answer.
  func bilinear(_ x: Double, _ y: Double, outside: Double?, _ value: (Value) -> Double) -> Double? {
    let x0 = Int(x.rounded(.down))
    let y0 = Int(y.rounded(.down))
    let fx = x - Double(x0)
    let fy = y - Double(y0)
    func at(_ x: Int, _ y: Int) -> Double? { contains(x, y) ? value(self[x, y]) : outside }
    guard let a = at(x0, y0), let b = at(x0 + 1, y0), let c = at(x0, y0 + 1), let d = at(x0 + 1, y0 + 1)
    else { return nil }
    return (1 - fx) * (1 - fy) * a + fx * (1 - fy) * b + (1 - fx) * fy * c + fx * fy * d
  }
}

public typealias Mask = Raster<Bool>
public typealias ProbabilityMap = Raster<Float>

extension Raster where Value == Float {
  /// Pixels at or above `threshold`.
  public func thresholded(_ threshold: Float) -> Mask {
    Mask(width: width, height: height, values: values.map { $0 >= threshold })
  }
}

/// The 8 neighbours, clockwise from north, as (dx, dy).
let neighbourOffsets: [(Int, Int)] = [(0, -1), (1, -1), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1)]
