import Foundation
import Imaging
import TestSupport
import Testing

/// `crackmon segment`, `eval` and `model info`, driven as a user would.
struct SegmentCommandTests {
  @Test func segmentsAPhotoAndWritesMaskAndOverlay() throws {
    let directory = try TestPaths.temporaryDirectory()
    let mask = directory.appendingPathComponent("mask.png").path
    let overlay = directory.appendingPathComponent("overlay.jpg").path
    let run = try runCrackmon([
      "segment", TestPaths.fixture("photos/phone-gps.jpg").path, "--mask", mask, "--overlay", overlay,
      "--distance-m", "1.5", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
    // phone-gps.jpg is stored 96x64 with EXIF orientation 6: upright it is 64x96.
    #expect(result["width"] as? Int == 64 && result["height"] as? Int == 96)
    #expect(result["gsd_method"] as? String == "user_distance")
    #expect(result["cracks"] is [Any])
    let maskImage = try Data(contentsOf: URL(fileURLWithPath: mask)).withUnsafeBytes {
      try PNGCodec.decodeGray($0, maxPixels: 1 << 20)
    }
    #expect(maskImage.width == 64 && maskImage.height == 96)
    #expect(maskImage.pixels.allSatisfy { $0 == 0 || $0 == 255 })
    #expect(FileManager.default.fileExists(atPath: overlay))
  }

  /// The same cracks photographed with three times the pixels (a UAV75 val photo enlarged 3x,
  /// bicubic, as a closer or bigger camera gives them) come out whole: the model sees the
  /// photo shrunk to where its detail is fine, and says how much. Its longest crack keeps its
  /// length (151 px of 170 at 1x, in 1x pixels) and the cracks do not crumble (6 against 5). On
  /// the photo's own pixels (`--native-scale`) the net alone (`--all-lines`) finds 17 pieces and
  /// specks.
  /// (Length against the labels, over all of UAV75 val: `RealDataRegressionTests`.)
  @Test(.enabled(if: TestPaths.hasCrackDatasets, "../shared/datasets/cracks is missing"))
  func aPhotoWithThreeTimesThePixelsGivesTheSameCracksWhole() throws {
    let directory = try TestPaths.temporaryDirectory()
    let source = TestPaths.sharedDatasets.appendingPathComponent("cracks/uav75/val/images/DSC00560b.jpg")
    let photo = try ImageDecoder().decode(source)
    let enlarged = directory.appendingPathComponent("enlarged.png")
    try Data(try PNGCodec.encode(try photo.resized(width: 3 * photo.width, height: 3 * photo.height, .cubic)))
      .write(to: enlarged)
    func segment(_ path: String, _ options: [String] = []) throws -> (lengths: [Double], shrink: Double) {
      let run = try runCrackmon(["segment", path, "--any-scene", "--format", "json"] + options)
      #expect(run.status == 0, "\(run.stderr)")
      let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
      let cracks = try #require(result["cracks"] as? [[String: Any]])
      #expect(cracks.allSatisfy { $0["polylines_px"] is [[[Double]]] }, "geometry as JSON arrays")
      return (cracks.compactMap { $0["length_px"] as? Double }, result["model_shrink"] as? Double ?? 0)
    }
    let own = try segment(source.path)
    let bigger = try segment(enlarged.path)
    let native = try segment(enlarged.path, ["--native-scale", "--all-lines"])
    print("1x: \(own); 3x: \(bigger); 3x on its own pixels: \(native)")
    let longest = try #require(own.lengths.max())
    #expect(own.shrink == 1 && native.shrink == 1)
    #expect(bigger.shrink >= 2 && bigger.shrink <= 4)
    #expect(try #require(bigger.lengths.max()) >= 0.85 * 3 * longest)
    #expect(bigger.lengths.count <= 2 * own.lengths.count)
    #expect(native.lengths.count > 2 * own.lengths.count)
  }

  @Test func badPhotosGiveOneClearErrorEach() throws {
    let run = try runCrackmon([
      "segment", TestPaths.fixture("bad/truncated.jpg").path, TestPaths.fixture("bad/empty.jpg").path,
      TestPaths.fixture("bad/text-named.jpg").path, TestPaths.fixture("photos/phone-no-gps.jpg").path,
    ])
    #expect(run.status == 1)
    #expect(run.stderr.contains("truncated.jpg: cannot decode the picture"))
    #expect(run.stderr.contains("empty.jpg: file is empty"))
    #expect(run.stderr.contains("text-named.jpg: not an image"))
    #expect(run.stdout.contains("phone-no-gps.jpg: 64x96"))  // the good one still ran, upright
  }

  @Test func photosOverThePixelLimitAreRefused() throws {
    let run = try runCrackmon([
      "segment", TestPaths.fixture("photos/phone-gps.jpg").path, "--max-megapixels", "0.001",
    ])
    #expect(run.status == 1)
    #expect(run.stderr.contains("is over the limit of"))
  }

  /// A pixel limit that is no size is refused in one sentence by every command that decodes
  /// photos; one too large to count in pixels used to stop the process.
  @Test(arguments: ["0", "nan", "inf", "1e30"])
  func aPixelLimitThatIsNoSizeIsRefused(_ bad: String) throws {
    let photo = TestPaths.fixture("photos/phone-gps.jpg").path
    for command in [
      ["segment", photo], ["register", photo, photo], ["ingest", photo, "--asset", "a", "--cycle", "c"],
      ["reprocess", "--asset", "a"],
    ] {
      let run = try runCrackmon(command + ["--max-megapixels", bad])
      #expect(run.status == 64, "\(command[0]) \(bad): status \(run.status)")
      #expect(run.stderr.contains("--max-megapixels must be above 0"), "\(command[0]): \(run.stderr)")
    }
  }

  @Test func aMissingModelFileIsNamed() throws {
    let run = try runCrackmon([
      "segment", TestPaths.fixture("photos/phone-gps.jpg").path, "--model", "/nonexistent/m.onnx",
    ])
    #expect(run.status != 0)
    #expect(run.stderr.contains("model file /nonexistent/m.onnx does not exist"))
  }

  @Test func aBinaryCopiedAwayFromItsModelSaysSoAndTakesCRACKMON_MODEL() throws {
    let directory = try TestPaths.temporaryDirectory()
    let copy = directory.appendingPathComponent("crackmon")
    try FileManager.default.copyItem(at: TestPaths.crackmonBinary, to: copy)
    let photo = TestPaths.fixture("photos/phone-gps.jpg").path
    let lost = try runCrackmon(["segment", photo], environment: ["CRACKMON_MODEL": ""], binary: copy)
    #expect(lost.status != 0)
    #expect(lost.stderr.contains("set CRACKMON_MODEL or --model"))
    let model = TestPaths.repositoryRoot.appendingPathComponent(
      "Sources/Segmentation/Resources/crackunet.onnx"
    ).path
    // The scene check's net is looked for the same way, and named when it is not there.
    let sceneLost = try runCrackmon(["segment", photo], environment: ["CRACKMON_MODEL": model], binary: copy)
    #expect(sceneLost.status != 0)
    #expect(sceneLost.stderr.contains("set CRACKMON_SCENE_MODEL, or give --any-scene"), "\(sceneLost.stderr)")
    let anyScene = try runCrackmon(
      ["segment", photo, "--any-scene", "--all-lines"], environment: ["CRACKMON_MODEL": model], binary: copy)
    #expect(anyScene.status == 0, "\(anyScene.stderr)")
    let scene = TestPaths.repositoryRoot.appendingPathComponent(
      "Sources/Segmentation/Resources/scenenet.onnx"
    ).path
    // And the crack verifier's weights.
    let verifierLost = try runCrackmon(
      ["segment", photo], environment: ["CRACKMON_MODEL": model, "CRACKMON_SCENE_MODEL": scene], binary: copy)
    #expect(verifierLost.status != 0)
    #expect(
      verifierLost.stderr.contains("set CRACKMON_VERIFIER, or give --all-lines"), "\(verifierLost.stderr)")
    let verifier = TestPaths.repositoryRoot.appendingPathComponent(
      "Sources/Segmentation/Resources/crackverifier.json"
    ).path
    let found = try runCrackmon(
      ["segment", photo],
      environment: ["CRACKMON_MODEL": model, "CRACKMON_SCENE_MODEL": scene, "CRACKMON_VERIFIER": verifier],
      binary: copy)
    #expect(found.status == 0, "\(found.stderr)")
  }

  /// A block wall with no crack (khanh-mixed, a wall the verifier neither trained nor chose
  /// on): the crack net finds its mortar joints; the verifier sets most of them aside, lists
  /// them apart and draws them in yellow; --all-lines keeps every line as a crack.
  @Test(.enabled(if: TestPaths.hasCrackDatasets, "../shared/datasets/cracks is missing"))
  func jointsOfABlockWallAreSetAsideNotMeasured() throws {
    let photo = TestPaths.sharedDatasets.appendingPathComponent(
      "cracks/khanh-mixed/images/noncrack_noncrack_concrete_wall_103_0.jpg.jpg"
    ).path
    let overlay = try TestPaths.temporaryDirectory().appendingPathComponent("wall.png").path
    func lines(_ options: [String]) throws -> (cracks: Int, notCracks: Int, verifier: String?) {
      let run = try runCrackmon(["segment", photo, "--any-scene", "--format", "json"] + options)
      #expect(run.status == 0, "\(run.stderr)")
      let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
      return (
        try #require(result["cracks"] as? [Any]).count, try #require(result["not_cracks"] as? [Any]).count,
        result["verifier"] as? String
      )
    }
    let verified = try lines(["--overlay", overlay])
    let all = try lines(["--all-lines"])
    print("block wall: \(verified.cracks) cracks, \(verified.notCracks) set aside; every line: \(all.cracks)")
    #expect(verified.verifier == "crackverifier 1.0.0")
    #expect(all.verifier == nil && all.notCracks == 0)
    #expect(verified.notCracks > verified.cracks)
    #expect(verified.cracks + verified.notCracks == all.cracks)
    let drawn = try Data(contentsOf: URL(fileURLWithPath: overlay)).withUnsafeBytes {
      try PNGCodec.decodeRGB($0, maxPixels: 1 << 22)
    }
    let yellow = stride(from: 0, to: drawn.pixels.count, by: 3).filter {
      drawn.pixels[$0] == 255 && drawn.pixels[$0 + 1] == 210
    }
    #expect(yellow.count > 100)
  }

  /// Weights for other features than crackmon computes would weigh the wrong figures.
  @Test func aVerifierForOtherFeaturesIsRefusedByName() throws {
    let directory = try TestPaths.temporaryDirectory()
    let bundled = TestPaths.repositoryRoot.appendingPathComponent(
      "Sources/Segmentation/Resources/crackverifier.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: bundled)) as! [String: Any]
    json["features"] = Array((json["features"] as! [String]).reversed())
    let other = directory.appendingPathComponent("other.json")
    try JSONSerialization.data(withJSONObject: json).write(to: other)
    let run = try runCrackmon(
      ["segment", TestPaths.fixture("photos/phone-gps.jpg").path],
      environment: ["CRACKMON_VERIFIER": other.path])
    #expect(run.status != 0)
    #expect(run.stderr.contains("\(other.path): its features are"), "\(run.stderr)")
    try Data("{".utf8).write(to: other)
    let broken = try runCrackmon(
      ["segment", TestPaths.fixture("photos/phone-gps.jpg").path],
      environment: ["CRACKMON_VERIFIER": other.path])
    #expect(broken.status != 0)
    #expect(broken.stderr.contains("\(other.path): not a crack verifier"), "\(broken.stderr)")
    #expect(broken.stderr.contains("not a crack verifier: not valid JSON"), "\(broken.stderr)")
  }

  @Test func evalRefusesAMaskOfTheWrongSize() throws {
    let (images, masks) = try evalFolders()
    let wrong = try PNGCodec.encode(
      GrayImage(width: 10, height: 10, pixels: [UInt8](repeating: 0, count: 100)))
    try Data(wrong).write(to: masks.appendingPathComponent("a.png"))
    let run = try runCrackmon(["eval", "--images", images.path, "--masks", masks.path])
    #expect(run.status != 0)
    #expect(run.stderr.contains("a.png is 10x10 but its image a.jpg is 96x64"))
  }

  @Test func evalPrintsTheDocumentedKeys() throws {
    let (images, masks) = try evalFolders()
    // The generator's crack: the diagonal y = 0.2 h + x / 2.
    var truth = [UInt8](repeating: 0, count: 96 * 64)
    for x in 0..<96 where Int(12.8 + Double(x) * 0.5) < 64 {
      truth[Int(12.8 + Double(x) * 0.5) * 96 + x] = 255
    }
    try Data(try PNGCodec.encode(GrayImage(width: 96, height: 64, pixels: truth))).write(
      to: masks.appendingPathComponent("a.png"))
    let run = try runCrackmon(["eval", "--images", images.path, "--masks", masks.path, "--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
    let keys = [
      "images", "tolerance_px", "threshold", "precision", "recall", "f1", "f1_exact", "iou", "ods_f1",
      "ods_threshold", "ois_f1", "centreline_iou", "centreline_tolerance_px", "length_found",
      "length_tolerance_px",
      "cracks_per_labelled_image", "crack_free_images",
    ]
    #expect(Set(report.keys) == Set(keys))
    #expect(report["images"] as? Int == 1)
    #expect(report["crack_free_images"] as? Int == 0)

    // A plain grey photo given as crack-free, behind the scene check: the crack-free keys and
    // the scene check's join them, and a file that is no photo is skipped with a notice.
    let clean = images.deletingLastPathComponent().appendingPathComponent("clean")
    try FileManager.default.createDirectory(at: clean, withIntermediateDirectories: true)
    try Data(
      try PNGCodec.encode(GrayImage(width: 96, height: 64, pixels: .init(repeating: 128, count: 96 * 64)))
    )
    .write(to: clean.appendingPathComponent("grey.png"))
    try Data("not a photo".utf8).write(to: clean.appendingPathComponent("notes.jpg"))
    let both = try runCrackmon([
      "eval", "--images", images.path, "--masks", masks.path, "--crack-free", clean.path, "--scene-check",
      "--format", "json",
    ])
    #expect(both.status == 0, "\(both.stderr)")
    #expect(
      both.stderr.contains("skipped \(clean.appendingPathComponent("notes.jpg").path): "), "\(both.stderr)")
    let withClean = try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as! [String: Any]
    let more = [
      "crack_free_share_with_cracks", "false_cracks_per_crack_free_image", "false_length_px_per_megapixel",
      "scene_flagged_labelled", "scene_flagged_crack_free",
    ]
    #expect(Set(withClean.keys) == Set(keys + more))
    #expect(withClean["crack_free_images"] as? Int == 1)
    #expect(withClean["crack_free_share_with_cracks"] as? Double == 0)
  }

  /// images/a.jpg (a 96x64 fixture) and an empty masks/ folder.
  func evalFolders() throws -> (images: URL, masks: URL) {
    let directory = try TestPaths.temporaryDirectory()
    let images = directory.appendingPathComponent("images")
    let masks = directory.appendingPathComponent("masks")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: masks, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: TestPaths.fixture("photos/phone-no-gps.jpg"), to: images.appendingPathComponent("a.jpg"))
    return (images, masks)
  }

  @Test func modelInfo() throws {
    let run = try runCrackmon(["model", "info", "--format", "json"])
    #expect(run.status == 0)
    let info = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
    #expect((info["parameters"] as? Int ?? 0) > 100_000)
    #expect((info["gflops_per512_tile"] as? Double ?? 99) < 5)
    #expect(info["verifier"] as? String == "crackverifier 1.0.0")
    #expect((0.01...0.99).contains(info["verifier_cutoff"] as? Double ?? 0))
  }
}
