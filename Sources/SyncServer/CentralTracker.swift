import Dispatch
import Growth
import Logging
import Store

/// Tracks each asset of the central store over the observations of all its devices, with the
/// devices' own tracking code, in the background: after every push that applied rows, and at
/// start (assets pushed to while the server was down). A push never waits for it: pushes only
/// add receipts, and an asset with a receipt newer than its tracking is due
/// (`CentralStore.assetsDueForTracking`). One asset at a time, on a thread of its own, so
/// requests keep their threads.
public actor CentralTracker {
  let store: any CentralStore
  nonisolated let tracking: AssetTracking
  let logger: Logger
  private let wakes: AsyncStream<Void>
  private let wake: AsyncStream<Void>.Continuation
  /// Assets whose tracking failed, with the receipt it had reached: not tried again until
  /// something new is pushed to them (a failure would otherwise repeat forever).
  private var failed: [String: Int64] = [:]

  public init(store: any CentralStore, rules: AlertRules = AlertRules(), logger: Logger) {
    self.store = store
    tracking = AssetTracking(rules: rules)
    self.logger = logger
    // Nudges that come while it works collapse into one more pass.
    (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
  }

  /// Asks for a pass over the due assets; returns at once.
  public nonisolated func nudge() { wake.yield() }

  /// Tracks due assets at every nudge, starting with one pass, until the task is cancelled.
  public func run() async {
    nudge()
    for await _ in wakes {
      if Task.isCancelled { return }
      await trackDueAssets()
    }
  }

  /// Tracks every due asset, then asks again, until none is due but those that failed.
  func trackDueAssets() async {
    while !Task.isCancelled {
      let due: [DueAsset]
      do {
        due = try await store.assetsDueForTracking().filter { failed[$0.asset] != $0.through }
      } catch {
        logger.error("central tracking: cannot list due assets", metadata: ["error": "\(error)"])
        return
      }
      guard !due.isEmpty else { return }
      for asset in due {
        if Task.isCancelled { return }
        await track(asset)
      }
    }
  }

  func track(_ due: DueAsset) async {
    let start = ContinuousClock.now
    do {
      let input = try await store.trackingInput(asset: due.asset)
      let tracking = self.tracking
      // Off the concurrency pool: tracking a large asset takes seconds of every core.
      let summary = try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .utility).async {
          continuation.resume(with: Result { try tracking.compute(input) })
        }
      }
      let elapsed = ContinuousClock.now - start
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      try await store.replaceTracking(
        asset: due.asset, summary.derived, through: due.through, seconds: seconds)
      failed[due.asset] = nil
      logger.info(
        "tracked",
        metadata: [
          "asset": "\(due.asset)", "tracks": "\(summary.tracks.count)",
          "observations": "\(summary.observationCount)", "seconds": "\(seconds)",
        ])
    } catch {
      failed[due.asset] = due.through
      logger.error("central tracking failed", metadata: ["asset": "\(due.asset)", "error": "\(error)"])
    }
  }
}
