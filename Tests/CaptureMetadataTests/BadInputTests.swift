import CaptureMetadata
import Foundation
import Imaging
import TestSupport
import Testing

/// Bad files give one typed error that names the file, never a crash.
struct BadInputTests {
  @Test func emptyFile() {
    let url = TestPaths.fixture("bad/empty.jpg")
    #expect(throws: MetadataError.empty(path: url.path)) { try CaptureMetadata.read(url) }
  }

  @Test func textFileNamedJPEG() {
    let url = TestPaths.fixture("bad/text-named.jpg")
    #expect(throws: MetadataError.notAnImage(path: url.path)) { try CaptureMetadata.read(url) }
  }

  @Test func missingFile() {
    #expect {
      try CaptureMetadata.read(URL(fileURLWithPath: "/nonexistent/DJI_0001.JPG"))
    } throws: { error in
      guard case .unreadable(let path, _) = error as? MetadataError else { return false }
      return path == "/nonexistent/DJI_0001.JPG"
    }
  }

  @Test func truncatedJPEGStillGivesItsMetadataButSaysSo() throws {
    let metadata = try CaptureMetadata.read(TestPaths.fixture("bad/truncated.jpg"))
    #expect(!metadata.imageDataComplete)
    #expect(metadata.gps.status == .valid)
    #expect(metadata.warnings.contains { $0.contains("truncated") })
  }

  @Test func containerIsSniffedFromBytesNotName() throws {
    // A PNG signature in a file named .jpg is a PNG.
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
    #expect(throws: MetadataError.unsupportedContainer(path: "x.jpg", container: .png)) {
      try CaptureMetadata.read(Data(png), path: "x.jpg")
    }
    #expect(Container.sniff(Array("II*\0".utf8) + [8, 0, 0, 0]) == .tiff)
    #expect(
      Container.sniff([0, 0, 0, 24] + Array("ftypheic".utf8) + [0, 0, 0, 0] + Array("mif1heic".utf8)) == .heif
    )
    #expect(
      Container.sniff([0, 0, 0, 28] + Array("ftypmif1".utf8) + [0, 0, 0, 0] + Array("mif1avifmiaf".utf8))
        == .avif)
    #expect(Container.sniff(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)) == .webp)
    #expect(Container.sniff(Array("hello".utf8)) == nil)
  }

  @Test func everyPrefixOfARealPhotoIsHandled() throws {
    // Cut the DJI fixture at every length: each prefix parses or throws a typed error.
    let whole = try Data(contentsOf: TestPaths.fixture("photos/dji-nadir.jpg"))
    for length in 0..<whole.count {
      do {
        let metadata = try CaptureMetadata.read(whole.prefix(length), path: "cut-\(length).jpg")
        #expect(!metadata.imageDataComplete || length == whole.count)
      } catch {
        #expect(error.path == "cut-\(length).jpg")
      }
    }
  }
}
