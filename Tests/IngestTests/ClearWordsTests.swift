import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

extension CommandLineTests {
  /// Framework errors reach no user: a folder given as a photo and a port already in use are
  /// each one sentence naming the path or the address.
  @Test func aFolderAsAPhotoAndAPortInUseAreNamedPlainly() throws {
    let folder = try crackmon("segment", directory.path)
    #expect(folder.status == 1)
    #expect(folder.stderr.contains("\(directory.path): cannot read file: Is a directory"), "\(folder.stderr)")
    #expect(!folder.stderr.contains("NSCocoaErrorDomain"))

    // A port this test listens on.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let listening = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    try #require(listening)
    let port = UInt16(bigEndian: address.sin_port)
    let serve = try crackmon(
      "serve", "--central", directory.appendingPathComponent("central.sqlite").path, "--blobs",
      directory.appendingPathComponent("blobs").path, "--listen", "127.0.0.1:\(port)")
    #expect(serve.status != 0)
    #expect(
      serve.stderr.contains("cannot listen on 127.0.0.1:\(port): Address already in use"), "\(serve.stderr)")
    #expect(!serve.stderr.contains("errno") && !serve.stderr.contains("descriptor"))
  }

  /// `admin` and `serve` name the central store alike; only a command that starts a store
  /// creates a file; organisation ids are checked, and listed.
  @Test func theCentralStoreIsNamedAlikeAndNeverMadeByATypo() throws {
    let central = directory.appendingPathComponent("central.sqlite").path
    let typo = directory.appendingPathComponent("centrl.sqlite").path
    let listed = try crackmon("admin", "--central", typo, "device", "list")
    #expect(listed.status != 0 && listed.stderr.contains("no central store at \(typo)"), "\(listed.stderr)")
    #expect(!FileManager.default.fileExists(atPath: typo))

    for bad in ["Bad Org!", "", "_acme", String(repeating: "a", count: 65), "acme/other"] {
      let added = try crackmon("admin", "--central", central, "org", "add", bad)
      #expect(
        added.status != 0 && added.stderr.contains("is not 1 to 64 lowercase"), "\(bad): \(added.stderr)")
    }
    #expect(try crackmon("admin", "--central", central, "org", "add", "canton-bern").status == 0)
    #expect(try crackmon("admin", "--central", central, "org", "add", "acme").status == 0)
    let orgs = try crackmon("admin", "--central", central, "org", "list")
    #expect(
      orgs.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) } == [
        "acme", "canton-bern",
      ])

    // serve takes --central as admin does (the port test above uses it); --store still works.
    let help = try crackmon("serve", "--help")
    #expect(help.stdout.contains("--central") && help.stdout.contains("--store"), "\(help.stdout)")
  }

  /// A drone's DCIM folder holds sidecars, videos and notes beside the photos: they are
  /// skipped and counted by kind, and the ingest exits 0. A file named on its own is tried.
  @Test func aDCIMFolderOfSidecarsAndVideosIngestsItsPhotosAndExitsZero() throws {
    try setUpAsset()
    let dcim = directory.appendingPathComponent("DCIM/100MEDIA")
    try FileManager.default.createDirectory(at: dcim, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: TestPaths.fixture("photos/dji-nadir.jpg"), to: dcim.appendingPathComponent("DJI_0001.JPG"))
    for name in [
      "DJI_0001.SRT", "DJI_0001.MRK", "DJI_0002.SRT", "FLY001.DAT", "DJI_0003.LRF", "DJI_0003.MP4",
      "README.txt",
    ] {
      try Data("not a photo".utf8).write(to: dcim.appendingPathComponent(name))
    }
    let ingest = try crackmon(
      "ingest", directory.appendingPathComponent("DCIM").path, "--asset", "pier-17", "--cycle", "2026-Q4",
      "--no-segment")
    #expect(ingest.status == 0, "\(ingest.stdout)\(ingest.stderr)")
    #expect(ingest.stdout.contains("Ingested 1 into pier-17"), "\(ingest.stdout)")
    #expect(
      ingest.stdout.contains("Not photo files (skipped): 7 (1 .dat, 1 .lrf, 1 .mp4, 1 .mrk, 2 .srt, 1 .txt)"),
      "\(ingest.stdout)")
    #expect(ingest.stdout.contains("Failed: 0"))
    let named = try crackmon(
      "ingest", dcim.appendingPathComponent("README.txt").path, "--asset", "pier-17", "--cycle", "2026-Q4",
      "--no-segment")
    #expect(named.status == 1 && named.stdout.contains("README.txt: not an image"), "\(named.stdout)")
  }

  /// `tools/install.sh PREFIX` puts a crackmon on PREFIX/bin that finds its model from
  /// anywhere (a binary copied alone cannot).
  @Test func anInstalledCrackmonFindsItsModelFromAnywhere() throws {
    let prefix = directory.appendingPathComponent("prefix")
    let build = TestPaths.crackmonBinary.deletingLastPathComponent()
    let install = try runProcess(
      URL(fileURLWithPath: "/bin/bash"),
      [TestPaths.repositoryRoot.appendingPathComponent("tools/install.sh").path, prefix.path, build.path])
    #expect(install.status == 0, "\(install.stdout)\(install.stderr)")
    let installed = prefix.appendingPathComponent("bin/crackmon")
    let segment = try runCrackmon(
      ["segment", TestPaths.fixture("photos/dji-nadir.jpg").path, "--format", "json"], binary: installed)
    #expect(segment.status == 0, "\(segment.stderr)")
    #expect(segment.stdout.contains("\"cracks\""))
  }

  /// A photo whose GPS puts it far from the asset, or whose date is outside the cycle's, is
  /// stored with a warning naming why (the wrong asset or cycle is the usual cause), or
  /// refused with `--strict`.
  @Test func photosFarFromTheAssetOrOutsideTheCycleAreWarnedAboutOrRefused() throws {
    try setUpAsset()  // pier-17 in Berlin, cycle 2026-Q4 from 2026-11-20: where the fixture phone was
    let photo = TestPaths.fixture("photos/phone-gps.jpg").path
    #expect(
      try crackmon(
        "asset", "add", "bern", "--name", "Bern", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474"
      )
      .status == 0)
    #expect(try crackmon("cycle", "add", "bern", "2026", "--date", "2026-11-01").status == 0)
    #expect(try crackmon("cycle", "add", "pier-17", "2027", "--date", "2027-06-01").status == 0)

    let refused = try crackmon(
      "ingest", photo, "--asset", "bern", "--cycle", "2026", "--no-segment", "--strict")
    #expect(refused.status == 1)
    // Berlin to Bern is 752 km on the sphere; the asset's UTM zone measures it within 0.2 %.
    #expect(
      ["752", "753"].contains {
        refused.stdout.contains("\(photo): taken \($0) km from asset bern (more than 1000 m)")
      },
      "\(refused.stdout)")
    let far = try crackmon("ingest", photo, "--asset", "bern", "--cycle", "2026", "--no-segment")
    #expect(far.status == 0 && far.stdout.contains("Warnings: 1"), "\(far.stdout)")
    #expect(far.stdout.contains("km from asset bern"))
    #expect(far.stdout.contains("Ingested 1 into bern"))

    let other = TestPaths.fixture("photos/dji-nadir.jpg").path
    let early = try crackmon(
      "ingest", other, "--asset", "pier-17", "--cycle", "2027", "--no-segment", "--format", "json")
    let report = try #require(
      try JSONSerialization.jsonObject(with: Data(early.stdout.utf8)) as? [String: Any])
    let warnings = try #require(report["warnings"] as? [[String: Any]])
    #expect(warnings.map { $0["error"] as? String } == ["outside_cycle"], "\(early.stdout)")
    #expect((warnings.first?["message"] as? String)?.contains("outside cycle 2027 (2027-06-01 to …)") == true)
    // Near and in time: nothing to say.
    let fine = try crackmon(
      "ingest", TestPaths.fixture("photos/phone-no-gps.jpg").path, "--asset", "pier-17", "--cycle", "2026-Q4",
      "--no-segment")
    #expect(fine.status == 0 && !fine.stdout.contains("Warnings"), "\(fine.stdout)")
  }

  /// An asset's CRS must be meant for where the asset is (PROJ knows each one's area of use).
  @Test func anAssetCRSForSomewhereElseIsRefused() throws {
    #expect(try crackmon("init").status == 0)
    let wrong = try crackmon(
      "asset", "add", "bern", "--name", "Bern", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474",
      "--epsg",
      "25833")
    #expect(wrong.status != 0)
    #expect(wrong.stderr.contains("EPSG:25833 is for"), "\(wrong.stderr)")
    #expect(wrong.stderr.contains("46.948, 7.4474 lies outside it"), "\(wrong.stderr)")
    #expect(try crackmon("asset", "list").stdout.contains("bern") == false)
    let right = try crackmon(
      "asset", "add", "bern", "--name", "Bern", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474",
      "--epsg",
      "2056")  // CH1903+ / LV95, Switzerland's own
    #expect(right.status == 0, "\(right.stderr)")
  }
}
