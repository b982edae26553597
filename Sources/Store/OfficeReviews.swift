import Foundation
import GRDB

/// Who wrote a correction made at the office (`CentralStore.record`): an office user or an
/// API token, as a store id of their own. Its rows sync to devices like a device's; no device
/// may push under such an id (`PushRequest.check`).
public enum OfficeAuthor {
  public static let prefix = "office:"

  public static func user(_ user: OfficeUser) -> String { prefix + user.id }
  public static func token(_ token: ApiToken) -> String { prefix + token.id }
}

extension CorrectionRow {
  /// What a rejected crack is instead: the model's usual mistakes on concrete.
  public enum NotACrack: String, CaseIterable, Codable, Sendable {
    case joint, formwork, stain, edge, shadow, debris, other
  }

  /// Longest note kept with a review, in UTF-8 bytes: the reason is synced text.
  public static let maxNoteBytes = SyncEntry.maxTextBytes - 16

  /// Why a note may not go with a review; nil when it may.
  public static func noteProblem(_ note: String?) -> String? {
    guard let note else { return nil }
    if note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "the note is empty" }
    if note.utf8.count > maxNoteBytes { return "the note is over \(maxNoteBytes) bytes" }
    return nil
  }

  /// A review of an observation: rejected as `instead` (nil: confirmed as a crack), in the
  /// words every store and report show.
  public static func review(
    asset: String, observation: String, capture: String?, rejectedAs instead: NotACrack?, note: String?
  ) -> CorrectionRow {
    CorrectionRow(
      assetId: asset, kind: instead == nil ? .confirmObservation : .rejectObservation, captureId: capture,
      observationId: observation,
      reason: instead.map { $0.rawValue + (note.map { ": " + $0 } ?? "") } ?? note ?? "a crack")
  }
}

extension SyncEntry {
  /// A correction as an outbox entry of its own store id and sequence number.
  public init(correction row: CorrectionRow) {
    self.init(seq: row.seq, entity: CorrectionRow.syncEntity, key: row.syncKey)
    correction = row
  }
}

extension SQLiteCentralStore {
  public func record(_ correction: CorrectionRow, by author: String, org: String) throws(CentralError)
    -> CorrectionRow
  {
    try wrap {
      try pool.write { db in
        var row = correction
        if let observation = row.observationId, row.captureId == nil {
          guard
            let capture = try String.fetchOne(
              db, sql: "SELECT capture_id FROM crack_observation WHERE asset_id = ? AND id = ?",
              arguments: [row.assetId, observation])
          else { throw CentralError.notFound("no crack \(observation) in asset \"\(row.assetId)\"") }
          row.captureId = capture
        }
        // The author's next number: writes take turns on SQLite, so no other can take it.
        row.deviceId = author
        row.seq =
          (try Int64.fetchOne(
            db, sql: "SELECT MAX(seq) FROM push_receipt WHERE device_id = ?", arguments: [author])
            ?? 0) + 1
        _ = try applyBatch([SyncEntry(correction: row)], org: org, storeDevice: author, db: db)
        return row
      }
    }
  }
}
