import Foundation
import GRDB
import TestSupport
import Testing

/// Many devices pushing into one asset at once, each twice over (two sync runs racing to
/// send the same batches), while another device keeps pulling: no deadlock, every entry
/// applied once, server order without gaps, and the puller misses nothing.
extension FaultTests {
  @Test(arguments: CentralBackend.available)
  func concurrentPushesApplyOnceAndPullsMissNothing(_ backend: CentralBackend) throws {
    let (devices, photos) = (8, 3)
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let central = CentralUnderTest(directory: directory)
    try central.use(backend)
    func crackmon(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
      try runCrackmon(arguments, environment: central.environment)
    }
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    func token(_ name: String) throws -> String {
      let added = try crackmon(["admin", "device", "add", "--org", "acme", "--name", name])
      return String(try #require(added.stdout.firstMatch(of: /token: (cmt_[0-9a-f]{64})/)?.1))
    }
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let url = server.url.absoluteString

    // Every device registers the same asset and cycle (under its own name for it) and
    // ingests photos of its own.
    let fixture = try Data(contentsOf: TestPaths.fixture("photos/dji-nadir.jpg"))
    var stores: [String] = []
    for d in 0..<devices {
      let folder = directory.appendingPathComponent("photos-\(d)")
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for p in 0..<photos {
        try (fixture + Data("device \(d) photo \(p)".utf8)).write(
          to: folder.appendingPathComponent("p\(p).jpg"))
      }
      let store = directory.appendingPathComponent("device-\(d).sqlite").path
      for arguments in [
        ["init"],
        ["asset", "add", "shared", "--name", "Name \(d)", "--kind", "dam", "--lat", "46.9", "--lon", "7.4"],
        ["cycle", "add", "shared", "2026", "--date", "2026-06-01"],
        ["ingest", folder.path, "--asset", "shared", "--cycle", "2026", "--no-segment"],
        ["remote", "set", url, "--token", try token("tablet-\(d)")],
      ] {
        let run = try crackmon(arguments + ["--store", store])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
      }
      stores.append(store)
    }
    let watcher = directory.appendingPathComponent("watcher.sqlite").path
    #expect(try crackmon(["init", "--store", watcher]).status == 0)
    #expect(
      try crackmon(["remote", "set", url, "--token", try token("watcher"), "--store", watcher]).status == 0)

    let failures = Failures()
    let group = DispatchGroup()
    for store in stores {
      for _ in 0..<2 {
        DispatchQueue.global().async(group: group) {
          let run = try? runCrackmon(["sync", "--no-photos", "--store", store])
          if run?.status != 0 { failures.add("\(store): \(run?.stderr ?? "did not run")") }
        }
      }
    }
    // The watcher pulls while the pushes land (before the asset is there, it is told so).
    let done = Failures()
    DispatchQueue.global().async {
      while done.list.isEmpty {
        _ = try? runCrackmon(["sync", "--no-photos", "--asset", "shared", "--store", watcher])
      }
    }
    #expect(group.wait(timeout: .now() + 180) == .success, "concurrent syncs did not finish: a deadlock?")
    done.add("pushes finished")
    #expect(failures.list.isEmpty, "\(failures.list)")

    // Every device's outbox is acknowledged; every entry is applied once, in one gapless order.
    var entries = 0
    for store in stores {
      #expect(try crackmon(["sync", "--no-photos", "--store", store]).stdout.contains("Pushed 0 records"))
      entries += try DatabaseQueue(path: store).read {
        try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sync_outbox")!
      }
    }
    #expect(try central.count("push_receipt") == entries)
    #expect(
      try central.query("SELECT COUNT(DISTINCT server_seq), MAX(server_seq) FROM push_receipt") == [
        ["\(entries)", "\(entries)"]
      ])
    #expect(try central.count("capture") == devices * photos)
    // The asset and cycle: one row each, every earlier version audited, the last pushed wins.
    #expect(try central.count("asset") == 1 && central.count("inspection_cycle") == 1)
    #expect(try central.count("overwrite_audit") == 2 * (devices - 1))
    let lastWriter = try central.query(
      "SELECT device_id FROM push_receipt WHERE entity = 'asset' ORDER BY server_seq DESC LIMIT 1")
    let winner = try #require(
      stores.firstIndex { store in
        (try? DatabaseQueue(path: store).read { try String.fetchOne($0, sql: "SELECT id FROM device") })
          == lastWriter.first?.first
      })
    #expect(try central.query("SELECT name FROM asset") == [["Name \(winner)"]])

    // The watcher, having pulled throughout, ends with all of it after one more sync.
    let last = try crackmon(["sync", "--no-photos", "--asset", "shared", "--store", watcher])
    #expect(last.status == 0, "\(last.stderr)")
    let seen = try DatabaseQueue(path: watcher).read { db in
      (
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM capture")!,
        try String.fetchOne(db, sql: "SELECT name FROM asset")
      )
    }
    #expect(seen.0 == devices * photos && seen.1 == "Name \(winner)", "\(seen)")
  }

  final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var list: [String] { lock.withLock { items } }
  }
}
