import Crypto
import Foundation
import GRDB

/// SHA-256 of a sequence of rows as SQLite would store them: each value tagged with its
/// storage class and, for text and blobs, its length, so that no two different row
/// sequences encode alike. Lets a writer tell that what it is about to write is what it
/// wrote last time without reading the rows back.
struct RowDigest {
  private var bytes: [UInt8] = []

  mutating func add(_ row: [(any DatabaseValueConvertible)?]) {
    bytes.append(0xFF)  // row separator: rows of different lengths differ
    for value in row {
      switch (value?.databaseValue ?? .null).storage {
      case .null:
        bytes.append(0)
      case .int64(let i):
        bytes.append(1)
        withUnsafeBytes(of: i.littleEndian) { bytes.append(contentsOf: $0) }
      case .double(let d):
        bytes.append(2)
        withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
      case .string(let s):
        bytes.append(3)
        withUnsafeBytes(of: UInt64(s.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: s.utf8)
      case .blob(let data):
        bytes.append(4)
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: data)
      }
    }
  }

  func finish() -> Data { Data(SHA256.hash(data: bytes)) }
}
