import Growth
import Logging
import Store
import Synchronization

/// Tracks each asset of the central store over the observations of all its devices, with the
/// devices' own tracking code, in the background: after every push that applied rows, and at
/// start (assets pushed to while the server was down). A push never waits for it: pushes only
/// add receipts, and an asset with a receipt newer than its tracking is due
/// (`CentralStore.assetsDueForTracking`). One asset at a time, on a thread of its own, so
/// requests keep their threads; and only once pushes pause (`quiet`), so that a device
/// sending a cycle in a hundred batches has the asset tracked once, not a hundred times.
public actor CentralTracker {
  /// How long pushes must pause before a pass starts, and the longest a pass waits for that.
  static let quiet = Duration.milliseconds(500)
  static let longestWait = Duration.seconds(10)
  let store: any CentralStore
  nonisolated let tracking: AssetTracking
  let logger: Logger
  private let wakes: AsyncStream<Void>
  private let wake: AsyncStream<Void>.Continuation
  /// Assets whose tracking failed, with the receipt it had reached: not tried again until
  /// something new is pushed to them (a failure would otherwise repeat forever).
  private var failed: [String: Int64] = [:]
  /// Nudges so far: a pass waits until this stops growing.
  private let nudges = Mutex(0)

  public init(store: any CentralStore, rules: AlertRules = AlertRules(), logger: Logger) {
    self.store = store
    tracking = AssetTracking(rules: rules)
    self.logger = logger
    // Nudges that come while it works collapse into one more pass.
    (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
  }

  /// Asks for a pass over the due assets; returns at once.
  public nonisolated func nudge() {
    nudges.withLock { $0 += 1 }
    wake.yield()
  }

  /// Tracks due assets at every nudge, starting with one pass, until the task is cancelled.
  public func run() async {
    nudge()
    for await _ in wakes {
      await pushesPause()
      if Task.isCancelled { return }
      await trackDueAssets()
    }
  }

  /// Returns once no nudge came for `quiet`, or after `longestWait`.
  func pushesPause() async {
    let start = ContinuousClock.now
    var seen = nudges.withLock { $0 }
    while ContinuousClock.now - start < Self.longestWait {
      try? await Task.sleep(for: Self.quiet)
      let now = nudges.withLock { $0 }
      if now == seen || Task.isCancelled { return }
      seen = now
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
      let summary = try await AssetReport.offThePool { try tracking.compute(input) }
      let seconds = (ContinuousClock.now - start).seconds
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
