import Foundation
import Imaging
import TestSupport
import Testing

struct ImageDecoderTests {
  let decoder = ImageDecoder()

  @Test func decodesAJPEGFixture() throws {
    let image = try decoder.decode(TestPaths.fixture("photos/phone-no-gps.jpg"))
    #expect(image.width == 96 && image.height == 64)
    // The generator draws grey concrete around 150 with a dark diagonal crack.
    let mean = Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(image.pixels.count)
    #expect(mean > 120 && mean < 170)
  }

  /// A thumbnail's decode: a UAV75 photo (512 x 512) asked for 128 px a side decodes at a
  /// quarter scale, 128 x 128, and shows what the whole decode shrunk by area averaging shows.
  @Test(.enabled(if: TestPaths.hasCrackDatasets, "../shared/datasets/cracks is missing"))
  func aThumbnailDecodesOnlyThePixelsItNeeds() throws {
    let data = try Data(
      contentsOf: TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/val/images/DSC00560b.jpg"))
    let small = try decoder.decode(data, path: "DSC00560b.jpg", longerSide: 128)
    let whole = try decoder.decode(data, path: "DSC00560b.jpg")
    #expect(whole.width == 512 && small.width == 128 && small.height == 128)
    // libjpeg-turbo scales by eighths: 129 px a side is 3/8 of 512, 192 px.
    let justOver = try decoder.decode(data, path: "DSC00560b.jpg", longerSide: 129)
    #expect(justOver.width == 192, "the smallest eighth that is not below the size asked")
    let shrunk = try whole.resized(width: 128, height: 128, .area)
    let difference = zip(small.pixels, shrunk.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
    #expect(Double(difference) / Double(small.pixels.count) < 3, "mean difference in grey levels")
  }

  @Test func appliesEXIFOrientation() throws {
    // phone-gps.jpg says orientation 6: stored 96x64, displayed 64x96.
    let upright = try decoder.decode(TestPaths.fixture("photos/phone-gps.jpg"), orientation: 6)
    #expect(upright.width == 64 && upright.height == 96)
  }

  @Test(arguments: 1...8)
  func orientationsMatchTheirDefinition(_ orientation: Int) {
    // A 3x2 image whose pixels are numbered 0...5 in their red channel.
    let stored = RGBImage(width: 3, height: 2, pixels: (0..<6).flatMap { [UInt8($0), 0, 0] })
    let shown = stored.oriented(orientation)
    let red = stride(from: 0, to: shown.pixels.count, by: 3).map { shown.pixels[$0] }
    // Stored:  0 1 2      Expected displays, per the EXIF 2.32 orientation tag.
    //          3 4 5
    let expected: [Int: [UInt8]] = [
      1: [0, 1, 2, 3, 4, 5], 2: [2, 1, 0, 5, 4, 3], 3: [5, 4, 3, 2, 1, 0], 4: [3, 4, 5, 0, 1, 2],
      5: [0, 3, 1, 4, 2, 5], 6: [3, 0, 4, 1, 5, 2], 7: [5, 2, 4, 1, 3, 0], 8: [2, 5, 1, 4, 0, 3],
    ]
    #expect(red == expected[orientation], "orientation \(orientation)")
  }

  @Test func pngRoundTrip() throws {
    let mask = GrayImage(
      width: 5, height: 3, pixels: [0, 255, 0, 255, 0, 255, 0, 255, 0, 255, 0, 0, 255, 0, 0])
    let encoded = try PNGCodec.encode(mask)
    let back = try encoded.withUnsafeBytes { try PNGCodec.decodeGray($0, maxPixels: 100) }
    #expect(back == mask)
    let rgb = try decoder.decode(Data(encoded), path: "mask.png")
    #expect(rgb.width == 5 && rgb.pixels[3] == 255)
  }

  @Test func refusesPhotosOverThePixelLimitBeforeDecoding() {
    let small = ImageDecoder(maxPixels: 1000)
    let url = TestPaths.fixture("photos/phone-gps.jpg")
    #expect(throws: ImageError.tooLarge(path: url.path, width: 96, height: 64, limit: 1000)) {
      try small.decode(url)
    }
  }

  @Test func badFilesGiveOneClearError() {
    let truncated = TestPaths.fixture("bad/truncated.jpg")
    #expect {
      try decoder.decode(truncated)
    } throws: { error in
      guard case .undecodable(let path, _) = error as? ImageError else { return false }
      return path == truncated.path
    }
    let empty = TestPaths.fixture("bad/empty.jpg")
    #expect(throws: ImageError.empty(path: empty.path)) { try decoder.decode(empty) }
    let text = TestPaths.fixture("bad/text-named.jpg")
    #expect(throws: ImageError.unsupportedContainer(path: text.path, container: nil)) {
      try decoder.decode(text)
    }
  }

  @Test(.enabled(if: TestPaths.hasExifCorpus, "../shared/datasets/exif is missing"))
  func decodesAnIPhoneHEIC() throws {
    let url = TestPaths.exifCorpus.appendingPathComponent("images/exif-py/heic/mobile/iphone_13_pro_max.heic")
    let image = try decoder.decode(url)
    #expect(image.width * image.height == 4032 * 3024)
  }
}
