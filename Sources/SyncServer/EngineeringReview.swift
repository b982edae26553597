import Foundation
import Hummingbird
import Store

/// `POST /v1/assets/{id}/reviews`: an engineer's verdict on a crack, made at the office. It
/// is a correction like `crackmon review`'s (append-only, the latest verdict stands), written
/// under the reviewer's own id (`OfficeAuthor`), and so it re-tracks the asset, shows on every
/// report and syncs to the devices following the asset. Devices review in their own store and
/// sync instead.
extension SyncServer {
  struct ReviewRequest: Decodable {
    /// The crack observation's id.
    var observation: String
    /// "confirm" or "reject".
    var verdict: String
    /// With "reject": what it is instead (`CorrectionRow.NotACrack`).
    var `as`: String?
    var note: String?
  }

  struct Review: ResponseEncodable {
    var observation: String
    var verdict: String
    var reason: String
    var reviewer: String
    var reviewedAt: String
  }

  func reviewResponse(_ request: Request, context: Context) async throws -> Response {
    let (caller, asset) = try await requestedAsset(request, context: context)
    let author: String
    switch caller {
    case .device:
      throw HTTPError(
        .forbidden, message: "devices review in their own store (`crackmon review`) and sync")
    case .user(let user, _): author = OfficeAuthor.user(user)
    case .integration(let token): author = OfficeAuthor.token(token)
    }
    guard caller.role?.includes(.engineer) == true else {
      throw HTTPError(.forbidden, message: "reviewing cracks needs the engineer or admin role")
    }
    let form = try await decodeBody(ReviewRequest.self, request, context: context, what: "review")
    let instead: CorrectionRow.NotACrack?
    switch form.verdict {
    case "confirm":
      instead = nil
    case "reject":
      guard let text = form.as, let kind = CorrectionRow.NotACrack(rawValue: text) else {
        let kinds = CorrectionRow.NotACrack.allCases.map(\.rawValue).joined(separator: ", ")
        throw HTTPError(.badRequest, message: "as: say what it is instead: one of \(kinds)")
      }
      instead = kind
    default:
      throw HTTPError(.badRequest, message: "verdict: \"confirm\" or \"reject\", not \"\(form.verdict)\"")
    }
    if let problem = CorrectionRow.noteProblem(form.note) { throw HTTPError(.badRequest, message: problem) }
    guard (1...SyncEntry.maxIdentifierBytes).contains(form.observation.utf8.count) else {
      throw HTTPError(
        .badRequest, message: "observation: an id of 1 to \(SyncEntry.maxIdentifierBytes) bytes")
    }
    let row: CorrectionRow
    do throws(CentralError) {
      row = try await store.record(
        .review(
          asset: asset, observation: form.observation, capture: nil, rejectedAs: instead, note: form.note),
        by: author, org: caller.orgId)
    } catch {
      throw Self.httpError(error)
    }
    tracker.nudge()
    context.logger.info(
      "review", metadata: ["by": "\(author)", "asset": "\(asset)", "observation": "\(form.observation)"])
    let review = Review(
      observation: form.observation, verdict: instead == nil ? "confirmed" : "rejected", reason: row.reason,
      reviewer: author, reviewedAt: row.createdAt)
    var response = try review.response(from: request, context: context)
    response.status = .created
    return response
  }
}
