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
