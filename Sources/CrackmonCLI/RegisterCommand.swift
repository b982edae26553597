import ArgumentParser
import CaptureMetadata
import Foundation
import Imaging
import Outputs
import Registration

struct RegisterCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "register",
    abstract: "Do two photos show the same surface, and how do they align?",
    discussion: """
      Matches the concrete's own texture (SIFT features, a USAC MAGSAC++ homography from \
      OpenCV) and checks the result: too few agreeing matches, a mirrored, folded or \
      implausibly scaled alignment, or no overlap means not registered. The homography maps \
      PHOTO's pixel coordinates to REFERENCE's: x to the right, y down, (0, 0) the top-left \
      corner of the top-left pixel, after EXIF orientation. Exits 0 when registered, 1 when \
      not, and 2 with the file and the reason on standard error when a photo cannot be read.
      """)

  @Argument(help: "The photo to align to.")
  var reference: String
  @Argument(help: "The photo to align.")
  var photo: String
  @Option(
    help: ArgumentHelp(
      "When registered, write the reference with PHOTO warped onto it, half and half (PNG or JPEG by extension): "
        + "a good alignment looks like one sharp photo.", valueName: "out.png"))
  var overlay: String?
  @OptionGroup var photoSize: PhotoSizeOption
  @OptionGroup var output: FormatOption

  func validate() throws {
    if let overlay, ![".png", ".jpg", ".jpeg"].contains(where: overlay.lowercased().hasSuffix) {
      throw ValidationError(
        "--overlay \(overlay): overlays are written as PNG or JPEG; give a .png or .jpg name")
    }
  }

  func run() throws {
    let decoder = ImageDecoder(maxPixels: photoSize.maxPixels)
    let registrar = Registrar()
    // Each photo is read, decoded upright and described, then its pixels are let go:
    // two 48 MP photos need not be held at once.
    let referenceFeatures: SurfaceFeatures
    let photoFeatures: SurfaceFeatures
    let result: Registration
    do {
      referenceFeatures = try features(of: reference, decoder: decoder, registrar: registrar)
      photoFeatures = try features(of: photo, decoder: decoder, registrar: registrar)
      result = try registrar.register(photoFeatures, to: referenceFeatures)
      if let overlay, let h = result.homography {
        let blended = try blend(upright(photo, decoder), onto: upright(reference, decoder), by: h)
        let bytes =
          overlay.lowercased().hasSuffix(".png")
          ? try PNGCodec.encode(blended) : try JPEGCodec.encode(blended)
        try OutputFile.write(bytes, to: overlay)
      }
    } catch {
      printError("\(error)")
      throw ExitCode(2)
    }
    let printed = PrintedRegistration(
      reference: reference, photo: photo, referenceFeatures: referenceFeatures, photoFeatures: photoFeatures,
      result: result)
    switch output.format {
    case .json: print(String(decoding: try jsonEncoder(pretty: false).encode(printed), as: UTF8.self))
    case .text: printed.printText()
    }
    if !result.registered { throw ExitCode(1) }
  }

  private func upright(_ path: String, _ decoder: ImageDecoder) throws -> RGBImage {
    let data = try decoder.read(URL(fileURLWithPath: path))
    let orientation = (try? CaptureMetadata.read(data, path: path))?.orientation
    return try decoder.decode(data, path: path, orientation: orientation)
  }

  /// The reference with the photo warped onto it, half and half where the photo reaches.
  private func blend(_ photo: RGBImage, onto reference: RGBImage, by h: Homography) throws -> RGBImage {
    let warped = try photo.warped(by: h, width: reference.width, height: reference.height)
    // Where the photo reaches: a white image warped the same way.
    let reach = try RGBImage(
      width: photo.width, height: photo.height, pixels: [UInt8](repeating: 255, count: photo.pixels.count)
    ).warped(by: h, width: reference.width, height: reference.height)
    var pixels = reference.pixels
    for i in pixels.indices where reach.pixels[i] == 255 {
      pixels[i] = UInt8((Int(pixels[i]) + Int(warped.pixels[i])) / 2)
    }
    return RGBImage(width: reference.width, height: reference.height, pixels: pixels)
  }

  private func features(of path: String, decoder: ImageDecoder, registrar: Registrar) throws
    -> SurfaceFeatures
  {
    let image = try upright(path, decoder)
    do {
      return try registrar.features(of: image)
    } catch {
      throw TextureError(path: path, detail: "\(error)")
    }
  }
}

/// OpenCV could not describe a photo it was given (out of memory, most likely).
struct TextureError: Error, CustomStringConvertible {
  var path: String
  var detail: String
  var description: String { "\(path): cannot find its texture features: \(detail)" }
}

/// One registration as `crackmon register` prints it.
struct PrintedRegistration: Encodable {
  struct Photo: Encodable {
    var path: String
    var width: Int
    var height: Int
    var features: Int
  }

  var reference: Photo
  var photo: Photo
  var registered: Bool
  /// PHOTO -> REFERENCE, rows of a 3×3 matrix.
  var homography: [[Double]]?
  var matches: Int
  var inliers: Int
  var residualPx: Double?
  var overlap: Double?
  var reason: String?

  init(
    reference: String, photo: String, referenceFeatures: SurfaceFeatures, photoFeatures: SurfaceFeatures,
    result: Registration
  ) {
    self.reference = Photo(
      path: reference, width: referenceFeatures.width, height: referenceFeatures.height,
      features: referenceFeatures.count)
    self.photo = Photo(
      path: photo, width: photoFeatures.width, height: photoFeatures.height, features: photoFeatures.count)
    registered = result.registered
    homography = result.homography?.rows
    matches = result.matches
    inliers = result.inliers
    residualPx = result.residualPx
    overlap = result.overlap
    reason = result.reason
  }

  func printText() {
    guard registered, let homography else {
      print("not registered: \(reason ?? "no reason given")")
      print("  \(matches) matches, \(inliers) agree")
      return
    }
    print("registered: \(photo.path) -> \(reference.path)")
    print(
      "  \(inliers) of \(matches) matches agree, residual \(String(format: "%.2f", residualPx ?? 0)) px, "
        + "\(Int(((overlap ?? 0) * 100).rounded())) % of the photo overlaps the reference")
    for row in homography {
      print("  " + row.map { String(format: "%14.6g", $0) }.joined(separator: " "))
    }
  }
}
