import Foundation
import Imaging
import TestSupport
import Testing

@testable import Reports

/// The report's crack overlays are cut from each photo decoded once: every crack gets the
/// picture it would get alone, a photo that cannot be read costs only its own cracks, and
/// the EXIF orientation a crack is drawn in is its own photo's.
struct CrackOverlayTests {
  @Test func everyCrackGetsItsOwnPictureFromItsPhotoDecodedOnce() throws {
    let photo = TestPaths.fixture("photos/dji-oblique-xmp-in-exif.jpg").path
    let turned = TestPaths.fixture("photos/phone-gps.jpg").path
    let left = [[[2.0, 2], [20, 30]]]
    let right = [[[40.0, 10], [60, 12], [70, 40]]]
    let upright = [[[5.0, 5], [30, 60]]]
    let drawn = CrackOverlay.jpegs([
      (key: "left", photo: photo, orientation: 1, branches: left),
      (key: "right", photo: photo, orientation: 1, branches: right),
      (key: "gone", photo: "/nonexistent/photo.jpg", orientation: 1, branches: left),
      (key: "upright", photo: turned, orientation: 6, branches: upright),
      (key: "empty", photo: photo, orientation: 1, branches: []),
    ])
    #expect(Set(drawn.keys) == ["left", "right", "upright"])
    let image = try ImageDecoder().decode(URL(fileURLWithPath: photo), orientation: 1)
    #expect(drawn["left"] == CrackOverlay.jpeg(image: image, branches: left))
    #expect(drawn["right"] == CrackOverlay.jpeg(image: image, branches: right))
    #expect(drawn["left"] != drawn["right"])
    let turnedImage = try ImageDecoder().decode(URL(fileURLWithPath: turned), orientation: 6)
    #expect(drawn["upright"] == CrackOverlay.jpeg(image: turnedImage, branches: upright))
  }
}
