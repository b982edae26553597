import Foundation
import Growth
import Imaging
import Registration

/// The same crack cropped from each cycle's photo and warped into one frame, so that an
/// engineer sees its growth with their own eyes: each photo is mapped through its chain of
/// registrations into the latest photo's pixels, and all are cut to one box around every
/// cycle's centreline. Nothing is drawn over them: the crack itself is what is compared. Only for a track whose observations all lie on one chain: photos placed
/// by GPS alone cannot be aligned to the pixel.
enum AlignedCrops {
  struct Member {
    var cycle: String
    var sourcePath: String
    var orientation: Int?
    var captureId: String
    /// Upright pixel indices, as stored.
    var branches: [[[Double]]]
  }

  /// One JPEG per member, in the order given, at most `maxSide` pixels a side; nil when the
  /// members are not on one chain, or a photo cannot be read.
  static func jpegs(_ members: [Member], chains: [String: RegisteredFrames.Chain], maxSide: Int = 240)
    -> [(cycle: String, jpeg: Data)]?
  {
    guard members.count >= 2, let latest = members.last, let latestChain = chains[latest.captureId],
      let fromRoot = latestChain.homography.inverse
    else { return nil }
    // Each member's pixels (corner convention) -> the latest photo's.
    var toLatest: [Homography] = []
    for member in members {
      guard let chain = chains[member.captureId], chain.root == latestChain.root else { return nil }
      toLatest.append(fromRoot.after(chain.homography))
    }
    // One box around every cycle's centreline, in the latest photo's pixels.
    var xs: [Double] = []
    var ys: [Double] = []
    for (member, h) in zip(members, toLatest) {
      for point in member.branches.joined() where point.count >= 2 {
        guard let q = h.apply(point[0] + 0.5, point[1] + 0.5) else { continue }
        xs.append(q.x)
        ys.append(q.y)
      }
    }
    guard let minX = xs.min(), let maxX = xs.max(), let minY = ys.min(), let maxY = ys.max() else {
      return nil
    }
    let margin = 40.0
    let (x0, y0) = (minX - margin, minY - margin)
    let (w, h) = (maxX - minX + 2 * margin, maxY - minY + 2 * margin)
    // A centreline spread over more than a few thousand pixels is no crack to compare by eye.
    guard w < 8000, h < 8000 else { return nil }
    let scale = min(1, Double(maxSide) / max(w, h))
    let (width, height) = (max(1, Int(w * scale)), max(1, Int(h * scale)))
    let crop = Homography.scaling(scale, scale).after(.translation(-x0, -y0))
    var out: [(cycle: String, jpeg: Data)] = []
    for (member, toLatest) in zip(members, toLatest) {
      let map = crop.after(toLatest)
      guard
        let image = try? ImageDecoder().decode(
          URL(fileURLWithPath: member.sourcePath), orientation: member.orientation),
        let warped = try? image.warped(by: map, width: width, height: height)
      else { return nil }
      guard let jpeg = try? JPEGCodec.encode(warped, quality: 85) else { return nil }
      out.append((member.cycle, Data(jpeg)))
    }
    return out
  }
}
