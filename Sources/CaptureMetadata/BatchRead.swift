import Foundation
import Synchronization

extension CaptureMetadata {
  /// Reads many files on all cores, returning results in input order.
  ///
  /// Each file is independent (hashing dominates), so this scales with cores; one bad
  /// file gives its own error and does not affect the others.
  public static func readAll(_ urls: [URL]) -> [Result<CaptureMetadata, MetadataError>] {
    let results = Mutex([Result<CaptureMetadata, MetadataError>?](repeating: nil, count: urls.count))
    DispatchQueue.concurrentPerform(iterations: urls.count) { i in
      let result = Result { () throws(MetadataError) in try read(urls[i]) }
      results.withLock { $0[i] = result }
    }
    return results.withLock { $0.map { $0! } }
  }
}
