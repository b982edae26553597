import Foundation
import GRDB
import TestSupport
import Testing

/// What the field does to a sync (issue 22): a server killed while finishing a photo, a
/// photo changed or moved after ingest, a server that is not there.
extension PushTests {
  /// A field store over copies of the fixture photos (so that the test may change them),
  /// records synced to `server` with `token`, photos not yet sent.
  func storeWithOwnPhotos(_ name: String, _ server: Server, token: String) throws -> (
    store: String, photos: URL
  ) {
    let photos = directory.appendingPathComponent("\(name)-photos")
    try FileManager.default.copyItem(at: TestPaths.fixtures.appendingPathComponent("photos"), to: photos)
    let store = directory.appendingPathComponent("\(name).sqlite").path
    func on(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
      try crackmon(arguments + ["--store", store])
    }
    #expect(try on(["init"]).status == 0)
    #expect(
      try on([
        "asset", "add", "pier-17", "--name", "Pier", "--kind", "bridge", "--lat", "46.9", "--lon", "7.4",
      ])
      .status == 0)
    #expect(try on(["cycle", "add", "pier-17", "2026", "--date", "2026-06-01"]).status == 0)
    #expect(
      try on(["ingest", photos.path, "--asset", "pier-17", "--cycle", "2026", "--no-segment"]).status == 0)
    #expect(try on(["remote", "set", server.url.absoluteString, "--token", token]).status == 0)
    return (store, photos)
  }

  /// The server killed between a photo's last append and its rename left the whole upload in
  /// `.partial/`, and chunk files of requests that died with it. The next start clears the
  /// chunk files and finishes whole uploads (a wrong one is discarded), and the device's next
  /// sync sends only what is missing, without blaming the photo.
  @Test(arguments: CentralBackend.available)
  func anUploadLeftWholeByAKillIsFinishedAndItsLitterCleared(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let blobs = directory.appendingPathComponent("blobs")
    var server = try Server(central: central, blobs: blobs)
    let field = try syncedStore("tablet", asset: "pier-17", server, token: tablet.token)
    let photos = try DatabaseQueue(path: field).read {
      try Row.fetchAll($0, sql: "SELECT id, source_path, file_size FROM capture ORDER BY seq")
    }
    server.stop()

    let folder = Self.blobFolder(blobs, organisation: "acme")
    let partial = folder.appendingPathComponent(".partial")
    try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
    func leave(_ row: Row, bytes: Data) throws {
      let sha: String = row["id"]
      try bytes.write(to: partial.appendingPathComponent(sha))
      try Data(String(bytes.count).utf8).write(to: partial.appendingPathComponent(sha + ".length"))
      try Data(count: 1000).write(to: partial.appendingPathComponent("\(sha).chunk-\(UUID().uuidString)"))
    }
    let whole = try Data(contentsOf: URL(fileURLWithPath: photos[0]["source_path"]))
    try leave(photos[0], bytes: whole)
    var wrong = try Data(contentsOf: URL(fileURLWithPath: photos[1]["source_path"]))
    wrong[wrong.count / 2] ^= 0xFF
    try leave(photos[1], bytes: wrong)
    // A length being written when the server died, ours and Foundation's way.
    try Data("123".utf8).write(to: partial.appendingPathComponent("\(photos[2]["id"] as String).length-new"))
    try Data("123".utf8).write(to: partial.appendingPathComponent(".dat.nosync60C6.f32j9z"))

    server = try Server(central: central, blobs: blobs, port: server.port)
    defer { server.stop() }
    // At start: no chunk file left; the whole upload published; the wrong one gone.
    #expect(try FileManager.default.contentsOfDirectory(atPath: partial.path).isEmpty)
    #expect(Self.sha256(contentsOf: folder.appendingPathComponent(photos[0]["id"])) == photos[0]["id"])

    let sync = try crackmon(["sync", "--store", field])
    #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
    let needed = photos.dropFirst().map { $0["file_size"] as Int64 }.reduce(0, +)
    #expect(sync.stdout.contains("Photos: 5 uploaded, \(needed) bytes sent"), "\(sync.stdout)")
    #expect(sync.stdout.contains("Pending: 0 records, 0 photos"), "\(sync.stdout)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: partial.path).isEmpty)
    for row in photos {
      #expect(Self.sha256(contentsOf: folder.appendingPathComponent(row["id"])) == row["id"])
    }
  }

  /// A photo changed after ingest (a byte appended) and one moved away are named, held back
  /// with their reasons in `sync status`, and the other photos go; a photo put back goes at
  /// the next sync. `sync status` counts the photos to send before the first sync, too.
  @Test func aChangedOrMovedPhotoIsHeldBackAndTheOthersGo() async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(.sqlite)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let (field, folder) = try storeWithOwnPhotos("tablet", server, token: tablet.token)
    let before = try crackmon(["sync", "status", "--store", field])
    #expect(before.stdout.contains("Photos to upload: 5"), "\(before.stdout)")

    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    let changed = folder.appendingPathComponent(names[0])
    let original = try Data(contentsOf: changed)
    try (original + Data([0])).write(to: changed)
    let moved = folder.appendingPathComponent(names[1])
    try FileManager.default.moveItem(at: moved, to: directory.appendingPathComponent("elsewhere.jpg"))

    let sync = try crackmon(["sync", "--store", field])
    #expect(sync.status == 1)
    #expect(sync.stdout.contains("Photos: 3 uploaded"), "\(sync.stdout)")
    #expect(sync.stdout.contains("\(changed.path): changed since ingest"), "\(sync.stdout)")
    #expect(sync.stdout.contains("\(moved.path): not found"), "\(sync.stdout)")
    #expect(sync.stdout.contains("Pending: 0 records, 2 photos"), "\(sync.stdout)")
    let status = try crackmon(["sync", "status", "--store", field])
    #expect(status.stdout.contains("Photos to upload: 2"), "\(status.stdout)")
    #expect(status.stdout.contains("\(changed.path): changed since ingest"), "\(status.stdout)")
    #expect(status.stdout.contains("\(moved.path): not found"), "\(status.stdout)")

    // Put back as it was, the changed photo goes; the moved one is still held back.
    try original.write(to: changed)
    let again = try crackmon(["sync", "--store", field])
    #expect(again.stdout.contains("Photos: 1 uploaded, \(original.count) bytes sent"), "\(again.stdout)")
    let after = try crackmon(["sync", "status", "--store", field])
    #expect(after.stdout.contains("Photos to upload: 1"), "\(after.stdout)")
    #expect(!after.stdout.contains("changed since ingest") && after.stdout.contains("not found"))
  }

  /// A server that is not there is reported at the first failure, with what the sync does
  /// about it, and the sync stops after the time it was given, saying so.
  @Test func anUnreachableServerIsReportedAtOnceAndGivenUp() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let field = try fieldStore("tablet", asset: "pier-17")
    // A port nothing listens on: one the system just handed out and took back.
    let port = try RawConnection.freePort()
    #expect(
      try crackmon(["remote", "set", "http://127.0.0.1:\(port)", "--token", "cmt_x", "--store", field]).status
        == 0)
    let sync = try crackmon(["sync", "--give-up-after", "2", "--store", field])
    #expect(sync.status == 1)
    let lines = sync.stderr.split(separator: "\n")
    #expect(
      lines.first?.hasPrefix("no answer from 127.0.0.1:\(port) (connection refused): trying again in")
        == true,
      "\(sync.stderr)")
    #expect(
      lines.last?.contains("cannot reach http://127.0.0.1:\(port)/v1/push (connection refused)") == true,
      "\(sync.stderr)")
    let status = try crackmon(["sync", "status", "--store", field])
    #expect(status.stdout.contains("Last failure"), "\(status.stdout)")
    #expect(status.stdout.contains("Photos to upload: 5"), "\(status.stdout)")
  }
}
