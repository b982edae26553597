import Foundation

/// A centreline packed as `tracking_centreline.points` holds it: little-endian float64
/// (x, y) pairs, one NaN pair between branches.
public enum PackedCentreline {
  public static func pack(_ branches: [[(Double, Double)]]) -> Data {
    var values: [Double] = []
    for (k, branch) in branches.enumerated() {
      if k > 0 { values += [.nan, .nan] }
      for p in branch { values += [p.0, p.1] }
    }
    return values.withUnsafeBufferPointer { buffer in
      var data = Data(capacity: buffer.count * 8)
      for v in buffer { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
      return data
    }
  }

  public static func unpack(_ data: Data) -> [[(Double, Double)]] {
    var branches: [[(Double, Double)]] = []
    var branch: [(Double, Double)] = []
    data.withUnsafeBytes { raw in
      let count = raw.count / 16
      for i in 0..<count {
        let x = Double(
          bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self)))
        let y = Double(
          bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self)))
        if x.isNaN {
          branches.append(branch)
          branch = []
        } else {
          branch.append((x, y))
        }
      }
    }
    if !branch.isEmpty || !branches.isEmpty { branches.append(branch) }
    return branches
  }
}
