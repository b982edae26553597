import Foundation
import Imaging
import Registration
import TestSupport
import Testing

/// `crackmon register` as a user runs it, on two real photos of one crack: CFD's 004
/// and 008 show the same pavement crack from opposite directions (checked by eye),
/// taken at another moment, with the photographer's shoes in one.
struct RegisterCommandTests {
  static let cfd = TestPaths.sharedDatasets.appendingPathComponent("cracks/cfd/images")

  @Test(.enabled(if: TestPaths.hasCrackDatasets, "needs ../shared/datasets/cracks"))
  func twoRealPhotosOfOneCrackRegisterBothWays() throws {
    let a = Self.cfd.appendingPathComponent("004.jpg").path
    let b = Self.cfd.appendingPathComponent("008.jpg").path
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let overlay = directory.appendingPathComponent("aligned.png").path
    let forward = try registration(a, b, ["--overlay", overlay])
    let backward = try registration(b, a)
    #expect(forward.status == 0 && backward.status == 0)
    let h = try #require(forward.homography)
    let g = try #require(backward.homography)
    // b -> a then a -> b must come back where it started, anywhere in the frame.
    let roundTrip = g.after(h)
    for (x, y) in [(40.0, 40.0), (240, 160), (440, 280), (100, 250)] {
      let p = try #require(roundTrip.apply(x, y))
      #expect(((p.x - x) * (p.x - x) + (p.y - y) * (p.y - y)).squareRoot() < 2, "(\(x), \(y)) -> \(p)")
    }
    // Turned half a turn: the photo's top-left lands near the reference's bottom-right.
    let corner = try #require(h.apply(0, 0))
    #expect(corner.x > 400 && corner.y > 250)
    #expect(forward.json["inliers"] as? Int ?? 0 >= 100)
    #expect((forward.json["residual_px"] as? Double ?? 99) < 1.5)
    let aligned = try Data(contentsOf: URL(fileURLWithPath: overlay)).withUnsafeBytes {
      try PNGCodec.decodeRGB($0, maxPixels: 1 << 20)
    }
    #expect(aligned.width == 480 && aligned.height == 320)  // the reference's frame
    let photo = try #require(forward.json["photo"] as? [String: Any])
    #expect(photo["width"] as? Int == 480 && photo["height"] as? Int == 320)
  }

  @Test(.enabled(if: TestPaths.hasCrackDatasets, "needs ../shared/datasets/cracks"))
  func photosOfDifferentSurfacesExitOneWithAReason() throws {
    let uav = TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/val/images/DSC00551.jpg").path
    let result = try registration(Self.cfd.appendingPathComponent("004.jpg").path, uav)
    #expect(result.status == 1)
    #expect(result.json["registered"] as? Bool == false)
    #expect(result.json["homography"] == nil)
    #expect((result.json["reason"] as? String)?.isEmpty == false)
    let text = try runCrackmon(["register", Self.cfd.appendingPathComponent("004.jpg").path, uav])
    #expect(text.status == 1 && text.stdout.hasPrefix("not registered: "))
  }

  @Test func aPhotoThatCannotBeReadIsNamedAndExitsTwo() throws {
    let good = TestPaths.fixture("photos/phone-gps.jpg").path
    for bad in ["bad/truncated.jpg", "bad/empty.jpg", "bad/text-named.jpg"] {
      let path = TestPaths.fixture(bad).path
      let run = try runCrackmon(["register", good, path, "--format", "json"])
      #expect(run.status == 2, "\(bad): \(run.stderr)")
      #expect(run.stderr.contains(path), "\(bad): \(run.stderr)")
      #expect(run.stdout.isEmpty)
    }
    let missing = try runCrackmon(["register", "/nonexistent/photo.jpg", good])
    #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/photo.jpg: cannot read file"))
  }

  private func registration(_ reference: String, _ photo: String, _ options: [String] = []) throws -> (
    status: Int32, json: [String: Any], homography: Homography?
  ) {
    let run = try runCrackmon(["register", reference, photo, "--format", "json"] + options)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    let rows = json["homography"] as? [[Double]]
    return (run.status, json, rows.map { Homography($0.flatMap { $0 }) })
  }
}
