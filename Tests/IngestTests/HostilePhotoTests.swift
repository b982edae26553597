import Foundation
import GRDB
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A corpus of broken and lying photos (byte flips, truncations, inserted segments, an XMP
/// name that is not UTF-8, HEIC files whose `ispe` box lies about the size) run through
/// `metadata`, `segment` and `ingest` as separate processes: none may crash, each bad file
/// gets its own answer, and every good photo beside them is stored.
struct HostilePhotoTests {
  let directory: URL

  init() throws {
    directory = try TestPaths.temporaryDirectory()
  }

  /// A fixed-seed generator: the same mutants on every run (SplitMix64).
  struct Mutator {
    var state: UInt64

    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
  }

  /// The XMP packet's first element name in the DJI fixture, with one byte made invalid
  /// UTF-8: Foundation's XMLParser used to stop the process on it (SIGILL).
  static func badXMPName(_ bytes: Data) -> Data {
    var bytes = bytes
    let packet = bytes.firstRange(of: Data("<x:xmpmeta".utf8))!.lowerBound
    bytes[packet + 3] = 0xE5
    return bytes
  }

  /// `bytes` with the primary image's `ispe` box claiming `width` × `height`.
  static func lyingHEIC(_ bytes: Data, width: UInt32, height: UInt32) throws -> Data {
    var bytes = bytes
    let box = try #require(bytes.firstRange(of: Data("ispe".utf8))?.lowerBound)
    // ispe: type, version and flags (4 bytes), width, height (big-endian 32-bit).
    for (offset, value) in [(box + 8, width), (box + 12, height)] {
      for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
    }
    return bytes
  }

  /// Writes the corpus into `folder`: about 70 files, by mutation of the fixture photos.
  func writeMutants(into folder: URL) throws -> [URL] {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let photos = TestPaths.fixture("photos")
    var mutator = Mutator(state: 20_261_204)
    var written: [URL] = []
    func write(_ data: Data, _ name: String) throws {
      let url = folder.appendingPathComponent(name)
      try data.write(to: url)
      written.append(url)
    }
    for name in try FileManager.default.contentsOfDirectory(atPath: photos.path).sorted() {
      let bytes = try Data(contentsOf: photos.appendingPathComponent(name))
      let stem = name.replacingOccurrences(of: ".jpg", with: "")
      for i in 0..<8 {
        var flipped = bytes
        for _ in 0..<(1 + mutator.below(3)) {
          flipped[mutator.below(flipped.count)] ^= UInt8(1 + mutator.below(255))
        }
        try write(flipped, "\(stem)-flip\(i).jpg")
      }
      for fraction in [0.02, 0.25, 0.5, 0.9] {
        try write(bytes.prefix(Int(Double(bytes.count) * fraction)), "\(stem)-cut\(Int(fraction * 100)).jpg")
      }
      // A segment inserted after SOI: an APP1 that claims more bytes than the file has,
      // and a run of markers with no payload.
      try write(
        bytes.prefix(2) + Data([0xFF, 0xE1, 0xFF, 0xF0]) + Data("Exif\0\0MM".utf8) + bytes.dropFirst(2),
        "\(stem)-app1.jpg")
      try write(
        bytes.prefix(2) + Data(repeating: 0xFF, count: 64) + bytes.dropFirst(2), "\(stem)-markers.jpg")
    }
    try write(
      Self.badXMPName(try Data(contentsOf: photos.appendingPathComponent("dji-oblique-xmp-in-exif.jpg"))),
      "dji-bad-xmp-name.jpg")
    try write(Data(), "empty.jpg")
    let heic = TestPaths.exifCorpus.appendingPathComponent("images/exiv2/Stonehenge.heic")
    if let bytes = try? Data(contentsOf: heic) {
      for (width, height) in [(300, 400), (2000, 2000), (14000, 14000), (1, 1)] {
        try write(
          try Self.lyingHEIC(bytes, width: UInt32(width), height: UInt32(height)),
          "ispe-\(width)x\(height).heic")
      }
    } else {
      print("SKIPPED: the HEIC ispe mutants: \(heic.path) is missing (../shared not beside the checkout)")
    }
    return written
  }

  /// A device store with asset pier-17 and cycle 2027, and the environment that selects it.
  func newStore() throws -> (path: String, environment: [String: String]) {
    let store = directory.appendingPathComponent("field.sqlite").path
    let environment = ["CRACKMON_STORE": store]
    #expect(try runCrackmon(["init"], environment: environment).status == 0)
    #expect(
      try runCrackmon(
        [
          "asset", "add", "pier-17", "--name", "Pier 17", "--kind", "bridge", "--lat", "52.52", "--lon",
          "13.40",
        ],
        environment: environment
      ).status == 0)
    #expect(try runCrackmon(["cycle", "add", "pier-17", "2027"], environment: environment).status == 0)
    return (store, environment)
  }

  /// A run that ended by itself, not by a signal: 0 when all went well, 1 when a file failed.
  static func endedCleanly(_ status: Int32) -> Bool { status == 0 || status == 1 }

  @Test func brokenPhotosNeverCrashAndNeverTakeGoodOnesDown() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let mutants = try writeMutants(into: directory.appendingPathComponent("mutants"))
    #expect(mutants.count >= 66)

    // metadata: one JSON line per file, whatever the file.
    let metadata = try runCrackmon(["metadata"] + mutants.map(\.path))
    #expect(Self.endedCleanly(metadata.status), "metadata ended with \(metadata.status): \(metadata.stderr)")
    let lines = metadata.stdout.split(separator: "\n")
    #expect(lines.count == mutants.count, "\(lines.count) JSON lines for \(mutants.count) files")
    let badXMP = try #require(lines.first { $0.contains("dji-bad-xmp-name.jpg") })
    #expect(badXMP.contains("XMP packet unreadable: not valid UTF-8"), "\(badXMP)")

    // segment: each file on its own, so one crash cannot hide another.
    for mutant in mutants {
      let segment = try runCrackmon(["segment", mutant.path, "--format", "json"])
      #expect(
        Self.endedCleanly(segment.status),
        "segment \(mutant.lastPathComponent) ended with \(segment.status): \(segment.stderr)")
      if mutant.lastPathComponent.hasPrefix("ispe-") && !mutant.lastPathComponent.hasPrefix("ispe-1x1") {
        // The decoded plane is not the size the file declares: refused, never read past.
        #expect(segment.status == 1, "\(mutant.lastPathComponent): \(segment.stdout)")
        #expect(segment.stderr.contains(mutant.lastPathComponent) && segment.stderr.contains("decodes to"))
      }
    }

    // ingest: the five good photos beside every mutant; all five are stored.
    let (store, environment) = try newStore()
    let good = directory.appendingPathComponent("mutants/good")
    try FileManager.default.copyItem(at: TestPaths.fixture("photos"), to: good)
    let ingest = try runCrackmon(
      [
        "ingest", directory.appendingPathComponent("mutants").path, "--asset", "pier-17", "--cycle", "2027",
        "--format", "json",
      ],
      environment: environment)
    #expect(Self.endedCleanly(ingest.status), "ingest ended with \(ingest.status): \(ingest.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
    let failed = (report["failed"] as? [[String: Any]]) ?? []
    #expect(failed.allSatisfy { ($0["path"] as? String)?.isEmpty == false && $0["message"] != nil })
    let stored = try DatabaseQueue(path: store).read { db in
      try String.fetchSet(db, sql: "SELECT source_path FROM capture")
    }
    for name in try FileManager.default.contentsOfDirectory(atPath: good.path) {
      #expect(stored.contains(good.appendingPathComponent(name).path), "\(name) was not stored")
    }
    #expect(
      stored.contains { $0.hasSuffix("dji-bad-xmp-name.jpg") },
      "the bad XMP costs the photo its DJI data only")
    #expect(!stored.contains { $0.contains("ispe-") && !$0.contains("ispe-1x1") })
  }
}

extension HostilePhotoTests {
  /// A DCIM folder with a link to a photo elsewhere, a broken link, a FIFO and a file whose
  /// name is not UTF-8: the linked photo is ingested, the rest is reported as skipped with
  /// its reason, and the run exits 0 (a FIFO used to be opened and wait for ever, or be
  /// passed over without a word).
  @Test func oddDirectoryEntriesAreFollowedOrReported() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let dcim = directory.appendingPathComponent("DCIM")
    try FileManager.default.createDirectory(at: dcim, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: TestPaths.fixture("photos/phone-gps.jpg"), to: dcim.appendingPathComponent("IMG_0001.jpg"))
    try FileManager.default.createSymbolicLink(
      at: dcim.appendingPathComponent("IMG_0002.jpg"),
      withDestinationURL: TestPaths.fixture("photos/dji-nadir.jpg"))
    try FileManager.default.createSymbolicLink(
      at: dcim.appendingPathComponent("IMG_0003.jpg"),
      withDestinationURL: directory.appendingPathComponent("gone.jpg"))
    #expect(mkfifo(dcim.appendingPathComponent("pipe.jpg").path, 0o600) == 0)
    // "IMG_\xE9.jpg": Latin-1, as an old camera or a copy from another system may name it.
    let name = Array(dcim.path.utf8) + Array("/IMG_".utf8) + [0xE9] + Array(".jpg".utf8) + [0]
    let fd = name.withUnsafeBufferPointer {
      $0.withMemoryRebound(to: CChar.self) { creat($0.baseAddress!, 0o600) }
    }
    #expect(fd >= 0)
    close(fd)

    let (_, environment) = try newStore()
    let ingest = try runCrackmon(
      ["ingest", dcim.path, "--asset", "pier-17", "--cycle", "2027", "--no-segment", "--format", "json"],
      environment: environment)
    #expect(ingest.status == 0, "\(ingest.stdout) \(ingest.stderr)")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
    let ingested = (report["ingested"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
    #expect(
      ingested.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted() == [
        "IMG_0001.jpg", "IMG_0002.jpg",
      ])
    let skipped = (report["skipped"] as? [[String: String]]) ?? []
    let reasons = Dictionary(
      skipped.map { (URL(fileURLWithPath: $0["path"] ?? "").lastPathComponent, $0["reason"] ?? "") }
    ) { first, _ in first }
    #expect(reasons["IMG_0003.jpg"] == "a broken link", "\(skipped)")
    #expect(reasons["pipe.jpg"]?.contains("FIFO") == true, "\(skipped)")
    #expect(skipped.contains { $0["reason"]?.contains("not valid UTF-8") == true }, "\(skipped)")
    #expect(skipped.count == 3)

    let text = try runCrackmon(
      ["ingest", dcim.path, "--asset", "pier-17", "--cycle", "2027"], environment: environment)
    #expect(text.status == 0 && text.stdout.contains("Not photo files (skipped): 3"), "\(text.stdout)")
    // metadata: a line per skipped entry, with its reason; not a failure.
    let metadata = try runCrackmon(["metadata", dcim.path])
    #expect(metadata.status == 0, "\(metadata.stderr)")
    let lines = metadata.stdout.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(lines.count == 5 && lines.filter { $0["skipped"] is String }.count == 3, "\(metadata.stdout)")
  }
}

extension HostilePhotoTests {
  /// A file over the 2 GiB the central store takes is refused by ingest before it is read
  /// (a sparse file: nothing is written to disk), and the photos beside it go in.
  @Test func aPhotoTooLargeToSyncIsRefusedBeforeItIsRead() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let dcim = directory.appendingPathComponent("DCIM")
    try FileManager.default.copyItem(at: TestPaths.fixture("photos"), to: dcim)
    let huge = dcim.appendingPathComponent("DJI_HUGE.JPG")
    try Data([0xFF, 0xD8, 0xFF]).write(to: huge)
    let handle = try FileHandle(forWritingTo: huge)
    try handle.truncate(atOffset: UInt64(2 << 30) + 1)
    try handle.close()

    let (_, environment) = try newStore()
    let ingest = try runCrackmon(
      ["ingest", dcim.path, "--asset", "pier-17", "--cycle", "2027", "--no-segment", "--format", "json"],
      environment: environment)
    #expect(ingest.status == 1)
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
    let failed = (report["failed"] as? [[String: Any]]) ?? []
    #expect(failed.count == 1 && failed.first?["error"] as? String == "too_large", "\(failed)")
    #expect((failed.first?["message"] as? String)?.contains("DJI_HUGE.JPG") == true)
    #expect((report["ingested"] as? [Any])?.count == 5)
  }
}
