import Foundation
import GRDB

/// One outbox entry with the row it stands for, as a device pushes it to the central
/// store. (device id, seq) is the idempotency key: the central store applies each once.
/// Exactly one of the row fields is set, the one `entity` names.
public struct SyncEntry: Codable, Sendable, Equatable {
  public var seq: Int64
  public var entity: String
  public var key: String
  public var asset: Asset?
  public var cycle: InspectionCycle?
  public var capture: CaptureRecord?
  public var observation: CrackObservation?
  /// The asset of an observation's capture: a device holds a photo once per asset (one moved
  /// to another asset is set aside in the first and stored again), so the capture id alone
  /// does not say. Absent from older devices' entries.
  public var assetId: String?
  public var track: CrackTrackRow?
  public var trackOverride: TrackOverrideRow?
  public var correction: CorrectionRow?

  public init(seq: Int64, entity: String, key: String) {
    self.seq = seq
    self.entity = entity
    self.key = key
  }

  /// The row's own (device id, seq), which must be the entry's.
  public var stamp: (deviceId: String, seq: Int64)? {
    if let asset { return (asset.deviceId, asset.seq) }
    if let cycle { return (cycle.deviceId, cycle.seq) }
    if let capture { return (capture.deviceId, capture.seq) }
    if let observation { return (observation.deviceId, observation.seq) }
    if let track { return (track.deviceId, track.seq) }
    if let trackOverride { return (trackOverride.deviceId, trackOverride.seq) }
    if let correction { return (correction.deviceId, correction.seq) }
    return nil
  }
}

/// What a device sends to `POST /v1/push`: a batch of its outbox, oldest first.
public struct PushRequest: Codable, Sendable {
  /// The device store's own id; every entry's row carries it.
  public var deviceId: String
  public var entries: [SyncEntry]

  public init(deviceId: String, entries: [SyncEntry]) {
    self.deviceId = deviceId
    self.entries = entries
  }
}

/// What `GET /v1/pull` answers: changes in server order, and the cursor to ask from next.
public struct PullPage: Codable, Sendable, Equatable {
  /// The server_seq reached: ask from here next time.
  public var cursor: Int64
  /// More changes wait after `cursor`: ask again at once.
  public var more: Bool
  public var entries: [SyncEntry]

  public init(cursor: Int64, more: Bool, entries: [SyncEntry]) {
    self.cursor = cursor
    self.more = more
    self.entries = entries
  }
}

extension PullPage {
  /// Most row bytes (as JSON) in one page, besides the entry limit: rows of up to
  /// `SyncEntry.maxEntryBytes` each, so a page of large rows still fits every client.
  public static let maxBytes = 8 << 20

  /// Appends `entry`, unless the page already holds `maxBytes`: then the page ends at
  /// `previous` (the server sequence number of the receipt before this one) and says there is
  /// more. `bytes` is the page's running total. A page always takes its first entry.
  public mutating func add(_ entry: SyncEntry, bytes: inout Int, endingAt previous: Int64) -> Bool {
    let size = entry.approximateBytes
    if bytes + size > Self.maxBytes, !entries.isEmpty {
      cursor = previous
      more = true
      return false
    }
    bytes += size
    entries.append(entry)
    return true
  }
}

/// Where this device syncs to, as `crackmon remote set` stored it.
public struct SyncRemote: Sendable, Equatable {
  public var url: String
  public var token: String

  public init(url: String, token: String) {
    self.url = url
    self.token = token
  }
}

extension DeviceStore {
  /// The oldest entries not yet acknowledged by the central store, in sequence order,
  /// each with its row.
  /// `after`: only entries after this sequence number (the last one already sent, while
  /// its acknowledgement is on the way).
  public func pendingEntries(after: Int64 = 0, limit: Int) throws(StoreError) -> [SyncEntry] {
    try read { db in
      var entries = try Row.fetchAll(
        db,
        sql: """
          SELECT seq, entity, entity_key FROM sync_outbox
          WHERE device_id = ? AND pushed_at IS NULL AND seq > ? ORDER BY seq LIMIT ?
          """, arguments: [deviceID, after, limit]
      ).map { SyncEntry(seq: $0["seq"], entity: $0["entity"], key: $0["entity_key"]) }
      guard let first = entries.first?.seq, let last = entries.last?.seq else { return [] }
      let index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.seq, $0) })
      // One query per table for the whole batch, not one per entry: the rows whose stamp
      // falls in the batch's range (a sequence number belongs to one row of one table).
      func attach(_ entity: String, columns: String = "*", _ set: (inout SyncEntry, Row) throws -> Void)
        throws
      {
        let rows = try Row.fetchCursor(
          db,
          sql:
            "SELECT \(columns), seq AS stamp_seq FROM \(entity) WHERE device_id = ? AND seq BETWEEN ? AND ?",
          arguments: [deviceID, first, last])
        while let row = try rows.next() {
          if let i = index[row["stamp_seq"]], entries[i].entity == entity { try set(&entries[i], row) }
        }
      }
      try attach("asset") { $0.asset = try Asset(row: $1) }
      try attach("inspection_cycle") { $0.cycle = try InspectionCycle(row: $1) }
      try attach("capture") { $0.capture = try CaptureRecord(row: $1) }
      // Observations are most of what a device pushes: read by position, not by Decodable.
      try attach(
        "crack_observation", columns: (CrackObservation.columns + ["asset_id"]).joined(separator: ", ")
      ) {
        $0.observation = CrackObservation(row: $1, at: 0)
        $0.assetId = $1[CrackObservation.columns.count]
      }
      try attach("crack_track") { $0.track = try CrackTrackRow(row: $1) }
      try attach("track_override") { $0.trackOverride = try TrackOverrideRow(row: $1) }
      try attach("correction") { $0.correction = try CorrectionRow(row: $1) }
      if let orphan = entries.first(where: { $0.stamp == nil }) {
        throw StoreError.database("outbox entry \(orphan.seq) (\(orphan.entity) \(orphan.key)) has no row")
      }
      return entries
    }
  }

  /// Marks every entry up to `seq` as acknowledged by the central store.
  public func markPushed(through seq: Int64) throws(StoreError) {
    try write { db in
      try db.execute(
        sql: "UPDATE sync_outbox SET pushed_at = ? WHERE device_id = ? AND seq <= ? AND pushed_at IS NULL",
        arguments: [Timestamp.now(), deviceID, seq])
    }
  }

  /// Entries waiting to be pushed.
  public func pendingCount() throws(StoreError) -> Int {
    try read { db in
      try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sync_outbox WHERE pushed_at IS NULL") ?? 0
    }
  }

  /// Photos whose capture the server has acknowledged and that it does not have yet:
  /// (capture id = SHA-256, path it was ingested from, size in bytes). A photo set aside
  /// before it was uploaded (voided, its cycle or asset retired) stays on the device: a junk
  /// photo or a holiday snap ingested by mistake is not sent to the organisation.
  public func photosToUpload() throws(StoreError) -> [(sha256: String, path: String, size: Int64)] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT c.id, c.source_path, c.file_size FROM capture c
          JOIN sync_outbox s ON s.device_id = c.device_id AND s.seq = c.seq
          LEFT JOIN photo_upload p ON p.capture_id = c.id
          WHERE s.pushed_at IS NOT NULL AND p.capture_id IS NULL AND \(Corrected.captureIsLive("c"))
          ORDER BY c.seq
          """
      ).map { ($0[0], $0[1], $0[2]) }
    }
  }

  public func markPhotoUploaded(_ sha256: String) throws(StoreError) {
    try write { db in
      try db.execute(
        sql: "INSERT OR IGNORE INTO photo_upload (capture_id, uploaded_at) VALUES (?, ?)",
        arguments: [sha256, Timestamp.now()])
      try db.execute(sql: "DELETE FROM photo_problem WHERE capture_id = ?", arguments: [sha256])
    }
  }

  /// Why a photo was held back at the last sync that tried it.
  public func notePhotoProblem(_ sha256: String, _ reason: String) throws(StoreError) {
    try write { db in
      try db.execute(
        sql: "INSERT OR REPLACE INTO photo_problem (capture_id, reason, noted_at) VALUES (?, ?, ?)",
        arguments: [sha256, reason, Timestamp.now()])
    }
  }

  /// Photos of this device's captures the server does not have yet, whether or not their
  /// records have been pushed (`photosToUpload` gives those that can go now), and the ones
  /// held back, with why.
  public func pendingPhotos() throws(StoreError) -> (count: Int, problems: [(path: String, reason: String)]) {
    try read { db in
      let count =
        try Int.fetchOne(
          db,
          sql: """
            SELECT COUNT(*) FROM capture c
            JOIN sync_outbox s ON s.device_id = c.device_id AND s.seq = c.seq
            LEFT JOIN photo_upload p ON p.capture_id = c.id
            WHERE p.capture_id IS NULL AND \(Corrected.captureIsLive("c"))
            """) ?? 0
      let problems = try Row.fetchAll(
        db,
        sql: """
          SELECT MIN(c.source_path), q.reason FROM photo_problem q JOIN capture c ON c.id = q.capture_id
          GROUP BY q.capture_id ORDER BY MIN(c.seq)
          """
      ).map { (path: $0[0] as String, reason: $0[1] as String) }
      return (count, problems)
    }
  }

  public func setRemote(_ remote: SyncRemote) throws(StoreError) {
    try write { db in
      // Cursors count another server's receipts: a new server is pulled from the start.
      let previous = try String.fetchOne(db, sql: "SELECT url FROM sync_remote WHERE id = 1")
      if previous != remote.url { try db.execute(sql: "UPDATE sync_pull SET cursor = 0") }
      try db.execute(
        sql: "INSERT OR REPLACE INTO sync_remote (id, url, token, set_at) VALUES (1, ?, ?, ?)",
        arguments: [remote.url, remote.token, Timestamp.now()])
    }
  }

  public func remote() throws(StoreError) -> SyncRemote? {
    try read { db in
      try Row.fetchOne(db, sql: "SELECT url, token FROM sync_remote WHERE id = 1").map {
        SyncRemote(url: $0["url"], token: $0["token"])
      }
    }
  }
}
