import Dispatch
import Foundation
import Growth
import HTTPTypes
import Hummingbird
import NIOCore
import Reports
import Store

/// `GET /v1/assets/{id}/report.json|csv|html`: an asset's growth report from the central store,
/// as `crackmon report growth` writes it, so the office needs no device store of its own. The
/// asset is tracked over every device's observations as the request comes (the code the
/// background tracking runs, so the report and the map agree once that has caught up); the
/// HTML draws each crack on the organisation's copy of its photo, where it has been uploaded.
enum AssetReport {
  enum Format: String, CaseIterable, Sendable {
    case json, csv, html

    var mediaType: String {
      switch self {
      case .json: "application/json"
      case .csv: "text/csv; charset=utf-8"
      case .html: "text/html; charset=utf-8"
      }
    }
  }

  /// `body` on a thread of its own: tracking and drawing a large asset take seconds of every
  /// core, which the server's request threads must not wait behind.
  static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try body() }) }
    }
  }
}

extension SyncServer {
  func reportResponse(_ request: Request, context: Context, format: AssetReport.Format) async throws
    -> Response
  {
    let (caller, asset) = try await requestedAsset(request, context: context)
    let input: TrackingInput
    do throws(CentralError) {
      input = try await store.trackingInput(asset: asset)
    } catch {
      throw Self.httpError(error)
    }
    let tracking = tracker.tracking
    let summary = try await AssetReport.offThePool { try tracking.compute(input) }
    let report = GrowthReport(summary)
    let bytes: Data
    switch format {
    case .json: bytes = try report.json()
    case .csv: bytes = Data(report.csv().utf8)
    case .html:
      let observations: [ObservationInCycle]
      do throws(CentralError) {
        observations = try await store.observations(asset: asset)
      } catch {
        throw Self.httpError(error)
      }
      // Only the organisation's own uploaded copies are read: never the path a device
      // ingested from, which names a file on the device, not here.
      let shelf = try await blobCall { try await blobs.store(for: caller.orgId) }
      var files: [String: String] = [:]
      // (A capture id that is not a photo's SHA-256 names no blob: that crack is not drawn.)
      for capture in Set(observations.map(\.observation.captureId))
      where (try? await shelf.exists(capture)) == true {
        files[capture] = shelf.root.appendingPathComponent(capture).path
      }
      let chains = summary.chains
      let photoFiles = files
      // Drawing decodes photos: it takes one of the server's decoding slots.
      await decoding.acquire()
      defer { Task { await decoding.release() } }
      bytes = try await AssetReport.offThePool {
        Data(
          try GrowthReportPage(
            report: report, observations: observations, chains: chains, photoFiles: photoFiles
          )
          .render().utf8)
      }
    }
    var headers: HTTPFields = [.contentType: format.mediaType]
    if format == .csv {
      headers[.contentDisposition] = "attachment; filename=\"\(asset)-growth.csv\""
    }
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
  }
}
