import ArgumentParser
import CaptureMetadata
import CrackGeometry
import Foundation
import Georeference
import Imaging
import Outputs
import Segmentation

struct SegmentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "segment",
    abstract: "Find the cracks in photos and measure them.",
    discussion: """
      For each photo, prints the cracks found: polyline, length, maximum and mean width, orientation \
      and confidence, in pixels and, when the scale is known (DJI nadir shot or --distance-m), in \
      millimetres. Widths come from the photo's grey levels across each crack, not from the \
      mask's edge. Reads JPEG, PNG and HEIC/HEIF. Exits non-zero if any photo could not be read. \
      A scene check runs first: a photo that is not a close view of a concrete or masonry \
      surface (a landscape, a person, a room), or one taken too far away for cracks (coarser \
      than 5 mm per pixel), is flagged with its reason and no cracks are measured on it, \
      unless --any-scene. A photo whose detail is coarser than its pixels (enlarged, a soft \
      lens, a high-resolution sensor) is shown to the model shrunk until its detail is as fine \
      as in the photos it learnt from (model_shrink in the JSON; --native-scale turns this off); \
      cracks are still measured at the photo's own pixels. Each line the crack net finds is then \
      weighed by the crack verifier: one it judges a joint, a formwork or board mark, a groove or \
      an edge is set aside (not_cracks in the JSON, drawn in yellow on the overlay; --all-lines \
      keeps them as cracks).
      """)

  @Argument(help: "Photo files.")
  var photos: [String]
  @Option(
    help: ArgumentHelp("Write the crack mask (0/255 PNG, at the photo's upright size).", valueName: "out.png")
  )
  var mask: String?
  @Option(
    help: ArgumentHelp(
      "Write the photo with the cracks drawn on it in red, and the lines set aside as not cracks in yellow (PNG or JPEG by extension).",
      valueName: "out.png"))
  var overlay: String?
  @Option(
    name: .customLong("distance-m"), help: "Camera-to-surface distance in metres, for the millimetre scale.")
  var distance: Double?
  @OptionGroup var photoSize: PhotoSizeOption
  @OptionGroup var model: ModelOptions
  @OptionGroup var scene: SceneOptions
  @OptionGroup var output: FormatOption

  func validate() throws {
    if (mask != nil || overlay != nil) && photos.count != 1 {
      throw ValidationError("--mask and --overlay take one photo at a time")
    }
    // The bytes are what the name says: a PNG named .webp would fool whoever opens it.
    if let mask, !mask.lowercased().hasSuffix(".png") {
      throw ValidationError("--mask \(mask): the mask is written as PNG; give a .png name")
    }
    if let overlay, ![".png", ".jpg", ".jpeg"].contains(where: overlay.lowercased().hasSuffix) {
      throw ValidationError(
        "--overlay \(overlay): overlays are written as PNG or JPEG; give a .png or .jpg name")
    }
    if let distance, !(distance > 0) { throw ValidationError("--distance-m must be above 0") }
  }

  func run() throws {
    let finder = try model.finder(maxPixels: photoSize.maxPixels, scene: scene)
    let segmentationModel = finder.segmenter.model
    var failures = 0
    for path in photos {
      let url = URL(fileURLWithPath: path)
      do {
        // One mapped read serves metadata and pixels. Metadata gives orientation and
        // scale; a PNG has neither, and that is fine.
        let data = try finder.decoder.read(url)
        let metadata = try? CaptureMetadata.read(data, path: path)
        let gsd = metadata.map { GroundSampleDistance.estimate(for: $0, userDistance: distance) }
        let found = try finder.find(
          in: data, path: path, orientation: metadata?.orientation,
          millimetresPerPixel: gsd?.millimetresPerPixel)
        let image = found.image
        let result = PhotoCracks(
          path: path, image: image, gsd: gsd, cracks: found.cracks, notCracks: found.notCracks,
          model: segmentationModel, verifier: finder.verifier, scene: found.scene, modelShrink: found.shrink)
        switch output.format {
        case .json: print(String(decoding: try jsonEncoder(pretty: false).encode(result), as: UTF8.self))
        case .text: result.printText()
        }
        // What was measured: the extractor's crack pixels, not the bare threshold.
        // A photo the scene check flagged has none.
        let none = Mask(width: image.width, height: image.height, repeating: false)
        let masks = (mask != nil || overlay != nil) ? found.masks(finder.extractor) ?? (none, none) : nil
        if let mask, let masks { try write(maskImage(masks.cracks), to: mask) }
        if let overlay, let masks {
          try write(overlayImage(image, masks.cracks, notCracks: masks.notCracks), to: overlay)
        }
      } catch {
        failures += 1
        printError("\(error)")
      }
    }
    if failures > 0 { throw ExitCode(1) }
  }

  private func maskImage(_ cracks: Mask) -> GrayImage {
    GrayImage(width: cracks.width, height: cracks.height, pixels: cracks.values.map { $0 ? 255 : 0 })
  }

  /// Crack pixels tinted red over the photo, lines set aside as not cracks yellow.
  private func overlayImage(_ image: RGBImage, _ cracks: Mask, notCracks: Mask) -> RGBImage {
    var pixels = image.pixels
    for (i, crack) in cracks.values.enumerated() where crack {
      pixels[3 * i] = 255
      pixels[3 * i + 1] = UInt8(Double(pixels[3 * i + 1]) * 0.3)
      pixels[3 * i + 2] = UInt8(Double(pixels[3 * i + 2]) * 0.3)
    }
    for (i, line) in notCracks.values.enumerated() where line {
      pixels[3 * i] = 255
      pixels[3 * i + 1] = 210
      pixels[3 * i + 2] = UInt8(Double(pixels[3 * i + 2]) * 0.2)
    }
    return RGBImage(width: image.width, height: image.height, pixels: pixels)
  }

  private func write(_ image: GrayImage, to path: String) throws {
    try OutputFile.write(PNGCodec.encode(image), to: path)
  }

  private func write(_ image: RGBImage, to path: String) throws {
    let lower = path.lowercased()
    let bytes =
      lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg")
      ? try JPEGCodec.encode(image) : try PNGCodec.encode(image)
    try OutputFile.write(bytes, to: path)
  }
}

/// One photo's cracks as `crackmon segment` prints them.
struct PhotoCracks: Encodable {
  var path: String
  var width: Int
  var height: Int
  var model: String
  var threshold: Float
  var gsdMmPerPx: Double?
  var gsdMethod: String
  var gsdNote: String?
  /// The scene check's answer (nil with --any-scene); a flagged photo has no cracks.
  var scene: SceneCheck.Verdict?
  /// How many times the photo was shrunk for the crack model, its detail being coarser than
  /// its pixels (1: its own pixels). Cracks are still measured at the photo's pixels.
  var modelShrink: Double
  /// The crack verifier that weighed each line ("name version"); nil with --all-lines.
  var verifier: String?
  var cracks: [CrackOutput]
  /// Lines the crack net found that the verifier judged not to be cracks (joints, formwork
  /// marks, grooves, edges): not cracks, listed so that a reader can check them.
  var notCracks: [CrackOutput]

  init(
    path: String, image: RGBImage, gsd: GroundSampleDistance?, cracks: [Crack], notCracks: [Crack] = [],
    model: SegmentationModel, verifier: CrackVerifier? = nil, scene: SceneCheck.Verdict?,
    modelShrink: Double = 1
  ) {
    self.scene = scene
    self.modelShrink = modelShrink
    self.path = path
    width = image.width
    height = image.height
    self.model = "\(model.name) \(model.version)"
    threshold = model.threshold
    gsdMmPerPx = gsd?.millimetresPerPixel
    gsdMethod = gsd?.method.rawValue ?? "unknown"
    gsdNote = gsd?.note ?? "no readable metadata (PNG or unsupported): give --distance-m with a JPEG or HEIC"
    self.cracks = cracks.map { CrackOutput($0, gsd: gsd?.millimetresPerPixel) }
    self.notCracks = notCracks.map { CrackOutput($0, gsd: gsd?.millimetresPerPixel) }
    self.verifier = verifier.map { "\($0.name) \($0.version)" }
  }

  struct CrackOutput: Encodable {
    var polylinesPx: [[[Double]]]
    var lengthPx: Double
    var maxWidthPx: Double
    var meanWidthPx: Double
    var lengthMm: Double?
    var maxWidthMm: Double?
    var meanWidthMm: Double?
    var orientationDeg: Double
    var areaPx: Int
    var confidence: Double
    /// Narrower than the photo resolves at its widest: the widths are estimates, not measurements.
    var widthBelowResolution: Bool

    init(_ crack: Crack, gsd: Double?) {
      polylinesPx = crack.polylines.map { $0.map { [$0.x, $0.y] } }
      lengthPx = crack.lengthPx
      maxWidthPx = crack.maxWidthPx
      meanWidthPx = crack.meanWidthPx
      if let gsd {
        (lengthMm, maxWidthMm, meanWidthMm) = crack.inMillimetres(gsd: gsd)
      }
      orientationDeg = crack.orientationDeg
      areaPx = crack.areaPx
      confidence = crack.confidence
      widthBelowResolution = crack.widthIsBelowResolution
    }
  }

  func printText() {
    let scale = gsdMmPerPx.map { String(format: "%.3f mm/px (%@)", $0, gsdMethod) } ?? "scale unknown"
    if let reason = scene?.reason {
      print("\(path): \(width)x\(height), flagged: \(reason); no cracks measured (--any-scene measures them)")
      return
    }
    let shrunk =
      modelShrink > 1
      ? String(format: "; detail coarser than the pixels: the model saw it %.2fx smaller", modelShrink) : ""
    let setAside =
      notCracks.isEmpty
      ? ""
      : " (and \(notCracks.count) \(notCracks.count == 1 ? "line" : "lines") set aside as joints, marks or edges)"
    print("\(path): \(width)x\(height), \(cracks.count) cracks\(setAside), \(scale)\(shrunk)")
    for (i, c) in cracks.enumerated() {
      let mm =
        c.lengthMm.map {
          String(format: " = %.1f mm long, max %.2f mm, mean %.2f mm", $0, c.maxWidthMm!, c.meanWidthMm!)
        } ?? ""
      print(
        String(
          format: "  #%d  %.0f px long, max %.1f px, mean %.1f px wide, %.0f°, confidence %.2f", i + 1,
          c.lengthPx,
          c.maxWidthPx, c.meanWidthPx, c.orientationDeg, c.confidence) + mm
          + (c.widthBelowResolution ? " (narrower than the photo resolves: widths are estimates)" : ""))
    }
  }
}
