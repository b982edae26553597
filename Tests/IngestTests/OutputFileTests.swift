import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Every file a command writes goes whole or not at all, and never replaces what the path
/// really is: a link's target is written and the link kept, a device or a pipe is written as
/// it is (as root, renaming over `/dev/null` turned it into a regular file), `-` is standard
/// output, and a path that cannot be written gives one sentence naming it.
extension CommandLineTests {
  func fileType(_ path: String) -> mode_t {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
  }

  @Test func outputsGoThroughLinksIntoDevicesAndPipesAndNeverReplaceThem() throws {
    try setUpAsset()
    func export(_ out: String) throws -> (status: Int32, stdout: String, stderr: String) {
      try crackmon("export", "geojson", "--asset", "pier-17", "--out", out)
    }
    let expected = try crackmon("export", "geojson", "--asset", "pier-17").stdout
    #expect(expected.contains("FeatureCollection"))

    // A link to a file: the file gets the map, the link stays a link.
    let target = directory.appendingPathComponent("real.geojson")
    try Data("old".utf8).write(to: target)
    let link = directory.appendingPathComponent("link.geojson")
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "real.geojson")
    #expect(try export(link.path).status == 0)
    #expect(fileType(link.path) == S_IFLNK)
    #expect(try String(contentsOf: target, encoding: .utf8) == expected)
    // A link to nothing yet: the file it names is made.
    let dangling = directory.appendingPathComponent("dangling.geojson")
    try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "made.geojson")
    #expect(try export(dangling.path).status == 0)
    #expect(fileType(dangling.path) == S_IFLNK)
    #expect(
      try String(contentsOf: directory.appendingPathComponent("made.geojson"), encoding: .utf8) == expected)

    // `-` is standard output.
    let dash = try export("-")
    #expect(dash.status == 0 && dash.stdout == expected)

    // A pipe is written into, and stays a pipe.
    let fifo = directory.appendingPathComponent("fifo").path
    #expect(mkfifo(fifo, 0o600) == 0)
    // The test's end is opened first, without blocking: the writer then never waits, and the
    // map (far smaller than a pipe's buffer) sits in the pipe until it is read here.
    let reading = open(fifo, O_RDONLY | O_NONBLOCK)
    #expect(reading >= 0)
    defer { close(reading) }
    #expect(try export(fifo).status == 0)
    var received = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while case let n = read(reading, &buffer, buffer.count), n > 0 {
      received.append(contentsOf: buffer[..<n])
    }
    #expect(String(decoding: received, as: UTF8.self) == expected)
    #expect(fileType(fifo) == S_IFIFO)

    // A character device is written into, and stays a device: one made here (as /dev/null is,
    // major 1, minor 3), so that a regression cannot break the machine's own /dev/null.
    let device = directory.appendingPathComponent("null").path
    if mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 {  // makedev(1, 3), a C macro
      #expect(try export(device).status == 0)
      #expect(fileType(device) == S_IFCHR)
    } else {
      // Not root: /dev/null itself cannot be replaced, but is written into all the same.
      #expect(try export("/dev/null").status == 0)
      #expect(fileType("/dev/null") == S_IFCHR)
    }

    // What cannot be written is named, in one line, and nothing is left behind.
    let folder = try export(directory.path)
    #expect(
      folder.status != 0 && folder.stderr.contains("\(directory.path): cannot write the map (it is a folder)")
    )
    let missing = directory.appendingPathComponent("no/such/folder/map.geojson").path
    let nowhere = try export(missing)
    #expect(nowhere.status != 0 && nowhere.stderr.contains(missing), "\(nowhere.stderr)")
    #expect(!nowhere.stderr.contains("NSCocoaErrorDomain"))
    let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
      $0.contains(".partial")
    }
    #expect(left.isEmpty, "\(left)")
  }

  @Test func segmentWritesWhatItsNamesSayAndNamesWhatItCannotWrite() throws {
    let photo = TestPaths.fixture("photos/dji-nadir.jpg").path
    let webp = try crackmon("segment", photo, "--overlay", directory.appendingPathComponent("o.webp").path)
    #expect(webp.status == 64 && webp.stderr.contains("o.webp"), "\(webp.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("o.webp").path))
    let jpegMask = try crackmon("segment", photo, "--mask", directory.appendingPathComponent("m.jpg").path)
    #expect(jpegMask.status == 64 && jpegMask.stderr.contains("m.jpg"), "\(jpegMask.stderr)")

    let unwritable = directory.appendingPathComponent("no-folder/mask.png").path
    let failed = try crackmon("segment", photo, "--mask", unwritable)
    #expect(failed.status == 1)
    #expect(
      failed.stderr.contains("\(unwritable): cannot write (No such file or directory)"), "\(failed.stderr)")
    #expect(!failed.stderr.contains("NSCocoaErrorDomain"))

    let link = directory.appendingPathComponent("overlay.png")
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "drawn.png")
    #expect(try crackmon("segment", photo, "--overlay", link.path).status == 0)
    #expect(fileType(link.path) == S_IFLNK)
    let drawn = try Data(contentsOf: directory.appendingPathComponent("drawn.png"))
    #expect(drawn.starts(with: [0x89, 0x50, 0x4E, 0x47]))
  }
}
