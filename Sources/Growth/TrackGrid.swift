import Foundation

/// Tracks' latest observations bucketed by position, so that each new observation is
/// compared only with tracks that could pass its gate, not with every track of the asset.
///
/// The bound is exact: if two centrelines are within Hausdorff distance h, their centres
/// are within h + the reach of each (the farthest vertex from its centre), so a track is
/// a candidate when its centre lies within gate + both reaches.
struct TrackGrid {
  private var buckets: [Cell: [Int]] = [:]
  private let cell: Double
  private let gateSigmas: Double
  private let maxUncertainty: Double
  private let maxReach: Double

  private struct Cell: Hashable {
    var x: Int
    var y: Int
  }

  /// `tracks`: each track's number and its latest observation's position, uncertainty and reach.
  init(
    tracks: [(
      number: Int, position: (easting: Double, northing: Double), uncertainty: Double, reach: Double
    )], gateSigmas: Double
  ) {
    self.gateSigmas = gateSigmas
    maxUncertainty = tracks.map(\.uncertainty).max() ?? 0
    maxReach = tracks.map(\.reach).max() ?? 0
    // Cells about one typical search radius wide: a query then scans a few cells.
    let typical = tracks.isEmpty ? 1 : tracks.map(\.uncertainty).sorted()[tracks.count / 2]
    cell = max(0.5, gateSigmas * typical * 2.0.squareRoot() + 2 * maxReach)
    for track in tracks { buckets[key(track.position), default: []].append(track.number) }
  }

  /// Track numbers whose latest observation may lie within `o`'s gate.
  func candidates(near o: TrackableObservation) -> [Int] {
    guard let p = o.position else { return [] }
    let sigma = max((maxUncertainty * maxUncertainty + o.uncertaintyM * o.uncertaintyM).squareRoot(), 1e-3)
    let radius = gateSigmas * sigma + maxReach + o.reach
    let span = Int((radius / cell).rounded(.up))
    let centre = key(p)
    var out: [Int] = []
    for dx in -span...span {
      for dy in -span...span { out += buckets[Cell(x: centre.x + dx, y: centre.y + dy)] ?? [] }
    }
    return out
  }

  private func key(_ p: (easting: Double, northing: Double)) -> Cell {
    Cell(x: Int((p.easting / cell).rounded(.down)), y: Int((p.northing / cell).rounded(.down)))
  }
}
