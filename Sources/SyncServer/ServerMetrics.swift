import Metrics
import Prometheus

/// What `GET /metrics` shows, in the Prometheus text format: the server's own counters
/// beside Hummingbird's request metrics (count, duration, errors by route), all in one
/// registry. Counts only, never organisation data.
public struct ServerMetrics: Sendable {
  public let registry: PrometheusCollectorRegistry
  let pushBatches: Prometheus.Counter
  let entriesApplied: Prometheus.Counter
  let entriesDuplicate: Prometheus.Counter
  let entriesPulled: Prometheus.Counter
  let blobBytesReceived: Prometheus.Counter
  let blobsCompleted: Prometheus.Counter
  let chunksRefused: Prometheus.Counter
  let signInsRefused: Prometheus.Counter

  public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
    self.registry = registry
    pushBatches = registry.makeCounter(
      name: "crackmon_push_batches_total", help: "Push batches applied and acknowledged.")
    entriesApplied = registry.makeCounter(
      name: "crackmon_push_entries_applied_total", help: "Outbox entries applied for the first time.")
    entriesDuplicate = registry.makeCounter(
      name: "crackmon_push_entries_duplicate_total",
      help: "Outbox entries received again and left as they were (a retried batch).")
    entriesPulled = registry.makeCounter(
      name: "crackmon_pull_entries_total", help: "Entries sent to devices by pulls.")
    blobBytesReceived = registry.makeCounter(
      name: "crackmon_blob_bytes_received_total", help: "Photo bytes appended to uploads (checked chunks).")
    blobsCompleted = registry.makeCounter(
      name: "crackmon_blobs_completed_total", help: "Photos whole, verified by SHA-256 and published.")
    chunksRefused = registry.makeCounter(
      name: "crackmon_blob_chunks_refused_total",
      help: "Photo chunks refused after arriving: checksum or size.")
    signInsRefused = registry.makeCounter(
      name: "crackmon_sign_ins_refused_total", help: "Office sign-ins refused: wrong email or password.")
  }

  /// Routes swift-metrics (Hummingbird's request metrics) into this registry. A process
  /// has one metrics system: call once, from the process that serves.
  public func bootstrapRequestMetrics() {
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
  }

  /// The registry as Prometheus text.
  func text() -> [UInt8] { registry.emitToBuffer() }
}
