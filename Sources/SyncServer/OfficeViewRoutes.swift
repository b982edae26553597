import Foundation
import Hummingbird
import Store

extension AssetOverview: ResponseEncodable {}
extension TrackOverview: ResponseEncodable {}

/// The office's JSON views (what the web application's pages show, for integrations too):
/// `GET /v1/assets` and `GET /v1/assets/{id}/tracks`. Any caller of the organisation.
extension SyncServer {
  struct TrackList: ResponseEncodable {
    var total: Int
    var offset: Int
    var tracks: [TrackOverview]
  }

  /// Most tracks in one page.
  public static let maxTracksPerPage = 500

  func addOfficeViewRoutes(to router: Router<Context>) {
    router.get("v1/assets") { request, context -> [AssetOverview] in
      let caller = try await caller(request, context: context)
      do throws(CentralError) { return try await store.assets(org: caller.orgId, only: nil) } catch {
        throw Self.httpError(error)
      }
    }
    router.get("v1/assets/:id/tracks") { request, context -> TrackList in
      let (_, asset) = try await requestedAsset(request, context: context)
      let query = request.uri.queryParameters
      let (offset, limit) = try Self.paging(query, defaultLimit: 50)
      do throws(CentralError) {
        let page = try await store.tracks(
          asset: asset, severity: query.get("severity"), offset: offset, limit: limit)
        return TrackList(total: page.total, offset: offset, tracks: page.tracks)
      } catch {
        throw Self.httpError(error)
      }
    }
  }

  /// `offset` (from 0) and `limit` (1 to `maxTracksPerPage`) of a query, or 400.
  public static func paging(_ query: Parameters, defaultLimit: Int) throws(HTTPError) -> (
    offset: Int, limit: Int
  ) {
    func number(_ name: String, _ range: ClosedRange<Int>, _ fallback: Int) throws(HTTPError) -> Int {
      guard let text = query.get(name) else { return fallback }
      guard let value = Int(text), range.contains(value) else {
        throw HTTPError(
          .badRequest,
          message: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
      }
      return value
    }
    return (
      try number("offset", 0...Int(Int32.max), 0), try number("limit", 1...maxTracksPerPage, defaultLimit)
    )
  }
}
