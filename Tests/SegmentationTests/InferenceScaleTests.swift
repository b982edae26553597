import Foundation
import Imaging
import Segmentation
import TestSupport
import Testing

/// How much a photo is shrunk for the net follows how fine its detail is, not its size.
struct InferenceScaleTests {
  /// UAV75's select photos (held out from training; where `keptDetail` was chosen) as
  /// they are and enlarged 2x-4x (bicubic), as a closer shot or a bigger sensor shows them:
  /// a photo enlarged k times is shrunk about k times as much as the photo itself.
  @Test(.enabled(if: TestPaths.hasCrackDatasets, "../shared/datasets/cracks is missing"))
  func anEnlargedPhotoIsShrunkBackToItsOwnDetail() throws {
    let folder = TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/train/images")
    let select = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().suffix(5)
    #expect(select.count == 5)
    for name in select {
      let photo = try ImageDecoder().decode(folder.appendingPathComponent(name))
      var own = 1.0
      for k in 1...4 {
        let enlarged =
          k == 1 ? photo : try photo.resized(width: k * photo.width, height: k * photo.height, .cubic)
        let grey = enlarged.pixels.indices.lazy.filter { $0 % 3 == 1 }.map { enlarged.pixels[$0] }
        let shrink = try InferenceScale.shrink(
          grey: Array(grey), width: enlarged.width, height: enlarged.height)
        print("\(name) enlarged \(k)x: shrunk \(shrink)")
        if k == 1 {
          own = shrink
          #expect(shrink <= 2.1, "\(name): \(shrink)")
        } else {
          let ratio = shrink / (Double(k) * own)
          #expect(
            ratio >= 0.6 && ratio <= 1.25,
            "\(name) enlarged \(k)x: shrunk \(shrink), \(ratio) of \(k) x \(own)")
        }
      }
    }
  }

  @Test func aFlatOrTinyPhotoIsNotShrunk() throws {
    #expect(
      try InferenceScale.shrink(grey: [UInt8](repeating: 128, count: 400 * 300), width: 400, height: 300) == 1
    )
    // Any photo: never below 64 px on its shorter side.
    let soft = try Resampling.cubic.resize(
      (0..<400).map { UInt8($0 * 37 % 256) }, width: 20, height: 20, to: 80, 80)
    #expect(try InferenceScale.shrink(grey: soft, width: 80, height: 80) <= 80.0 / 64)
  }
}
