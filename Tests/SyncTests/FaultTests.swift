import Foundation
import GRDB
import TestSupport
import Testing

/// Several field stores syncing at once through a proxy that drops and delays connections,
/// while the server is killed with SIGKILL and restarted: everything arrives exactly once.
/// `tools/sync-faults.sh` runs the large version; this one stays within a minute or two.
@Suite(.serialized) struct FaultTests {
  struct Scale {
    var devices = 3
    var photos = 6
    var photoBytes = 300_000
    var kills = 3
    /// The link drops on average every 16 KB / dropRate of traffic either way (10 %: every
    /// 164 KB, which cuts about 10 % of 16 KB transfers and, as measured, 3–5 % of the
    /// exchanges of a sync that sends 8 KB chunks).
    var dropRate = 0.1
  }

  static var scale: Scale {
    var scale = Scale()
    let env = ProcessInfo.processInfo.environment
    if let n = env["CRACKMON_FAULT_DEVICES"].flatMap(Int.init) { scale.devices = n }
    if let n = env["CRACKMON_FAULT_PHOTOS"].flatMap(Int.init) { scale.photos = n }
    if let n = env["CRACKMON_FAULT_KILLS"].flatMap(Int.init) { scale.kills = n }
    if let n = env["CRACKMON_FAULT_DROP"].flatMap(Double.init) { scale.dropRate = n }
    if let n = env["CRACKMON_FAULT_PHOTO_BYTES"].flatMap(Int.init) { scale.photoBytes = n }
    return scale
  }

  @Test(arguments: CentralBackend.available)
  func everythingArrivesOnceThroughDropsAndKills(_ backend: CentralBackend) throws {
    let scale = Self.scale
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let central = CentralUnderTest(directory: directory)
    try central.use(backend)
    let blobs = directory.appendingPathComponent("blobs")
    let acmeBlobs = PushTests.blobFolder(blobs, organisation: "acme")
    func crackmon(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
      try runCrackmon(arguments, environment: central.environment)
    }
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)

    // Each device: its own asset, and photos made unique by random bytes after the JPEG's
    // end (each is a new capture and a new blob).
    let fixture = try Data(contentsOf: TestPaths.fixture("photos/dji-nadir.jpg"))
    var stores: [String] = []
    var photoBytes = 0
    for d in 0..<scale.devices {
      let photos = directory.appendingPathComponent("photos-\(d)")
      try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
      for p in 0..<scale.photos {
        var bytes = fixture
        bytes.append(contentsOf: (0..<scale.photoBytes).map { _ in UInt8.random(in: 0...255) })
        try bytes.write(to: photos.appendingPathComponent("p\(p).jpg"))
        photoBytes += bytes.count
      }
      let store = directory.appendingPathComponent("device-\(d).sqlite").path
      let added = try crackmon(["admin", "device", "add", "--org", "acme", "--name", "tablet-\(d)"])
      let token = try #require(added.stdout.firstMatch(of: /token: (cmt_[0-9a-f]{64})/)?.1)
      for arguments in [
        ["init"],
        ["asset", "add", "asset-\(d)", "--name", "A\(d)", "--kind", "dam", "--lat", "46.9", "--lon", "7.4"],
        ["cycle", "add", "asset-\(d)", "2026", "--date", "2026-06-01"],
        ["ingest", photos.path, "--asset", "asset-\(d)", "--cycle", "2026", "--no-segment"],
      ] {
        let run = try crackmon(arguments + ["--store", store])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
      }
      stores.append(store)
      _ = token
      _ = try crackmon(["remote", "set", "http://127.0.0.1:1", "--token", String(token), "--store", store])
    }

    var server = try Server(central: central, blobs: blobs)
    let proxy = FaultyProxy(targetPort: server.port, meanBytesBetweenCuts: 16_384 / scale.dropRate)
    try proxy.start()
    defer { proxy.stop() }
    for store in stores {
      try DatabaseQueue(path: store).write { db in
        try db.execute(sql: "UPDATE sync_remote SET url = ?", arguments: ["http://127.0.0.1:\(proxy.port)"])
      }
    }

    // Every device syncs until it has nothing left, retrying failed runs; meanwhile the
    // server is killed and restarted on its port.
    let results = Results(count: stores.count)
    let group = DispatchGroup()
    for (i, store) in stores.enumerated() {
      DispatchQueue.global().async(group: group) {
        for attempt in 1...60 {
          guard let run = try? runCrackmon(["sync", "--chunk-kb", "8", "--store", store]) else { continue }
          let sent = run.stdout.firstMatch(of: /uploaded, (\d+) bytes sent/).flatMap { Int($0.1) } ?? 0
          results.add(i, bytes: sent, runs: 1)
          if run.status == 0, run.stdout.contains("Pending: 0 records, 0 photos") {
            results.finish(i, attempts: attempt)
            return
          }
        }
      }
    }
    // The first kill lands while records are being pushed; the others are spread over the
    // photo uploads (when 1/k, 2/k, ... of the photos are stored), at any scale.
    let photosInAll = scale.devices * scale.photos
    func stored() -> Int {
      ((try? FileManager.default.contentsOfDirectory(atPath: acmeBlobs.path)) ?? []).filter {
        !$0.hasPrefix(".")
      }
      .count
    }
    for k in 0..<scale.kills {
      Thread.sleep(forTimeInterval: 0.7)
      while k > 0, stored() < photosInAll * k / scale.kills, results.syncing {
        Thread.sleep(forTimeInterval: 0.1)
      }
      server.kill()
      server = try Server(central: central, blobs: blobs, port: server.port)
    }
    let patience = 240.0 + Double(scale.devices * scale.photos) * 0.2
    #expect(group.wait(timeout: .now() + patience) == .success, "devices did not finish syncing")
    defer { server.stop() }

    // Exactly once: every outbox entry of every device applied once, every capture once.
    for (i, store) in stores.enumerated() {
      #expect(results.finished[i] != nil, "device \(i) never finished")
      let local = try DatabaseQueue(path: store)
      let (device, entries, captures) = try local.read { db in
        (
          try String.fetchOne(db, sql: "SELECT id FROM device")!,
          try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sync_outbox")!,
          try String.fetchAll(db, sql: "SELECT id FROM capture ORDER BY id")
        )
      }
      // Device ids are UUIDs: safe to put in the SQL as they are.
      let receipts = try central.count("push_receipt WHERE device_id = '\(device)'")
      let centralCaptures = try central.query(
        "SELECT id FROM capture WHERE device_id = '\(device)' ORDER BY id"
      )
      .map { $0[0] }
      #expect(receipts == entries)
      #expect(centralCaptures == captures)
      // Every photo there, whole: its bytes hash to its name.
      for sha in captures {
        let hash = PushTests.sha256(contentsOf: acmeBlobs.appendingPathComponent(sha))
        #expect(hash == sha, "blob \(sha) hashes to \(hash)")
      }
    }
    #expect(try central.count("capture") == scale.devices * scale.photos)
    // Nothing left half done: no partial upload, no chunk file of a request the kills cut off.
    let partial = try FileManager.default.contentsOfDirectory(
      atPath: acmeBlobs.appendingPathComponent(".partial").path)
    #expect(partial.isEmpty, "\(partial)")
    // Resumed uploads, not restarted ones: at most 10 % more photo bytes than needed.
    let sent = results.bytes.reduce(0, +)
    #expect(Double(sent) <= 1.1 * Double(photoBytes), "sent \(sent) bytes for \(photoBytes)")
    print(
      "fault run (\(backend)): \(scale.devices) devices x \(scale.photos) photos, \(scale.kills) kills, "
        + "\(proxy.connections) connections, \(proxy.exchanges) exchanges, \(proxy.cuts) cut; photo bytes \(sent) sent / \(photoBytes) needed "
        + "(\(String(format: "%.3f", Double(sent) / Double(photoBytes)))x); sync runs per device "
        + "\(results.finished.map { $0.map(String.init) ?? "-" })")
  }

  final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var bytes: [Int]
    private(set) var finished: [Int?]

    init(count: Int) {
      bytes = Array(repeating: 0, count: count)
      finished = Array(repeating: nil, count: count)
    }

    func add(_ i: Int, bytes sent: Int, runs: Int) {
      lock.lock()
      bytes[i] += sent
      lock.unlock()
    }

    /// Some device has not finished yet.
    var syncing: Bool {
      lock.lock()
      defer { lock.unlock() }
      return finished.contains(nil)
    }

    func finish(_ i: Int, attempts: Int) {
      lock.lock()
      finished[i] = attempts
      lock.unlock()
    }
  }
}
