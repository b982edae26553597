import Dispatch
import Foundation

/// `transform` of 0..<count, spread over every core, results in index order. For work
/// whose items are independent: decoding centrelines, one observation's candidate
/// tracks, one track's growth, one photo's crack overlays. The result is the same whatever the
/// split.
public func concurrentMap<T>(_ count: Int, _ transform: (Int) -> T) -> [T] {
  let stripes = min(ProcessInfo.processInfo.activeProcessorCount, max(count, 1))
  return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
    // Each stripe initializes only its own indices.
    nonisolated(unsafe) let buffer = buffer
    withoutActuallyEscaping(transform) { transform in
      nonisolated(unsafe) let transform = transform
      DispatchQueue.concurrentPerform(iterations: stripes) { stripe in
        for i in stride(from: stripe, to: count, by: stripes) {
          (buffer.baseAddress! + i).initialize(to: transform(i))
        }
      }
    }
    initialized = count
  }
}
