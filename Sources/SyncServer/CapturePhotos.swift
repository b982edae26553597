import CaptureMetadata
import Foundation
import Hummingbird
import Imaging
import NIOCore
import Store

/// Photos back out of the central store, for the office and for other devices of the
/// organisation: the photo as uploaded, and a thumbnail of it or of a part of it (a crack's
/// box, in the upright photo's pixels, as `polyline_px` gives them).
///
/// The token's organisation must hold the capture; another organisation's is answered as one
/// that does not exist, even when it holds the same photo (each keeps its own copy).
extension SyncServer {
  /// Longest side of a thumbnail, in pixels.
  static let thumbnailSizes = 16...2048

  /// The organisation's copy of a capture's photo: 404 when the capture is not the
  /// organisation's, or its photo has not arrived yet.
  func uploadedPhoto(_ sha: String, caller: Caller) async throws -> URL {
    let shelf = try await checkPhoto(
      sha, org: caller.orgId, unheld: "no device of this organisation has pushed it")
    guard try await blobCall({ try await shelf.exists(sha) }) else {
      throw HTTPError(
        .notFound,
        message: "the photo of capture \(sha) has not been uploaded yet: its device has not synced it")
    }
    return shelf.root.appendingPathComponent(sha)
  }

  /// `GET /v1/captures/{id}/photo`: the bytes as the device took them, streamed in 64 KB chunks.
  func photoResponse(_ request: Request, context: Context) async throws -> Response {
    let caller = try await caller(request, context: context)
    let file = try await uploadedPhoto(try context.parameters.require("id"), caller: caller)
    let handle = try FileHandle(forReadingFrom: file)
    let head = try handle.read(upToCount: 12) ?? Data()
    try handle.seek(toOffset: 0)
    return Response(
      status: .ok, headers: [.contentType: Self.mediaType(head)],
      body: ResponseBody { writer in
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
          try await writer.write(ByteBuffer(bytes: chunk))
        }
        try await writer.finish(nil)
      })
  }

  /// `GET /v1/captures/{id}/thumbnail[?size=N][&crop=x,y,w,h]`: the upright photo (EXIF
  /// orientation applied), or the box `crop` of it, shrunk (never enlarged) to at most `size`
  /// pixels on its longer side (default 512), as JPEG. The token and the capture are checked
  /// before any parameter.
  func thumbnailResponse(_ request: Request, context: Context) async throws -> Response {
    let caller = try await caller(request, context: context)
    let sha = try context.parameters.require("id")
    let file = try await uploadedPhoto(sha, caller: caller)
    let query = request.uri.queryParameters
    let size = try query.get("size").map { text throws(HTTPError) in
      guard let n = Int(text), Self.thumbnailSizes.contains(n) else {
        throw HTTPError(
          .badRequest,
          message:
            "size \"\(text)\": give the longer side in pixels, \(Self.thumbnailSizes.lowerBound) to \(Self.thumbnailSizes.upperBound)"
        )
      }
      return n
    }
    let box = try query.get("crop").map { text throws(HTTPError) in
      let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
      guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3], x >= 0,
        y >= 0, w > 0, h > 0
      else {
        throw HTTPError(
          .badRequest, message: "crop \"\(text)\": give x,y,width,height in the upright photo's pixels")
      }
      return (x: x, y: y, width: w, height: h)
    }
    let data: Data
    do {
      data = try Data(contentsOf: file, options: .alwaysMapped)
    } catch {
      throw HTTPError(.internalServerError, message: "the photo of capture \(sha) cannot be read")
    }
    await decoding.acquire()
    let made = Result { () throws(HTTPError) in
      try Self.thumbnail(of: data, capture: sha, size: size ?? 512, crop: box)
    }
    await decoding.release()
    let bytes = try made.get()
    return Response(
      status: .ok, headers: [.contentType: "image/jpeg"],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  static func thumbnail(
    of data: Data, capture sha: String, size: Int, crop box: (x: Int, y: Int, width: Int, height: Int)?
  ) throws(HTTPError) -> [UInt8] {
    let name = "capture \(sha)"
    // A photo whose metadata cannot be read is shown as stored: orientation is a nicety.
    let orientation = (try? CaptureMetadata.read(data, path: name))?.orientation
    var image: RGBImage
    do {
      // A whole-photo thumbnail needs only `size` pixels a side; a crop, every pixel of its box.
      image = try ImageDecoder().decode(
        data, path: name, orientation: orientation, longerSide: box == nil ? size : nil)
    } catch {
      throw HTTPError(.unprocessableContent, message: "the photo of \(name) cannot be decoded: \(error)")
    }
    if let box {
      guard box.x < image.width, box.y < image.height else {
        throw HTTPError(
          .badRequest,
          message:
            "crop \(box.x),\(box.y),\(box.width),\(box.height) lies outside the \(image.width)x\(image.height) photo"
        )
      }
      image = image.cropped(
        x: box.x, y: box.y, width: min(box.width, image.width - box.x),
        height: min(box.height, image.height - box.y))
    }
    let scale = min(1, Double(size) / Double(max(image.width, image.height)))
    do {
      if scale < 1 {
        image = try image.resized(
          width: max(1, Int((Double(image.width) * scale).rounded())),
          height: max(1, Int((Double(image.height) * scale).rounded())), .area)
      }
      return try JPEGCodec.encode(image, quality: 85)
    } catch {
      throw HTTPError(.internalServerError, message: "the thumbnail of \(name) could not be made")
    }
  }

  /// The media type of a photo from its first bytes (photos are stored by content, not name).
  static func mediaType(_ head: Data) -> String {
    let bytes = [UInt8](head)
    if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
    if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
    if bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) {
      return "image/heic"
    }
    return "application/octet-stream"
  }
}

/// At most `count` holders at once; the others wait their turn, first come first served.
actor DecodeSlots {
  private var free: Int
  private var waiting: [CheckedContinuation<Void, Never>] = []

  init(count: Int) { free = count }

  func acquire() async {
    if free > 0 {
      free -= 1
      return
    }
    await withCheckedContinuation { waiting.append($0) }
  }

  /// Hands the slot to the next in line, if any.
  func release() {
    if waiting.isEmpty {
      free += 1
    } else {
      waiting.removeFirst().resume()
    }
  }
}
