import Foundation

/// Tracks' latest observations bucketed by position, so that each new observation is
/// compared only with tracks that could pass its gate, not with every track of the asset.
///
/// The bound is exact: if two centrelines are within Hausdorff distance h, their centres
/// are within h + the reach of each (the farthest vertex from its centre), so a track is
/// a candidate when its centre lies within gate + both reaches.
struct TrackGrid {
  /// Entries grouped by cell, and each cell's range of them: a lookup copies no array.
  private var entries: [Entry] = []
  private var cells: [Cell: Range<Int>] = [:]
  private let cell: Double
  private let gateSigmas: Double
  private let maxUncertainty: Double
  private let maxReach: Double
  /// How many tracks the grid holds.
  let count: Int

  private struct Cell: Hashable {
    var x: Int
    var y: Int
  }

  private struct Entry {
    var number: Int
    var easting: Double
    var northing: Double
    var uncertainty: Double
    var reach: Double
  }

  /// `tracks`: each track's number and its latest observation's position, uncertainty and reach.
  init(
    tracks: [(
      number: Int, position: (easting: Double, northing: Double), uncertainty: Double, reach: Double
    )], gateSigmas: Double
  ) {
    self.gateSigmas = gateSigmas
    count = tracks.count
    maxUncertainty = tracks.map(\.uncertainty).max() ?? 0
    maxReach = tracks.map(\.reach).max() ?? 0
    // Cells about one typical search radius wide: a query then scans a few cells.
    let typical = tracks.isEmpty ? 1 : tracks.map(\.uncertainty).sorted()[tracks.count / 2]
    cell = max(0.5, gateSigmas * typical * 2.0.squareRoot() + 2 * maxReach)
    let keyed = tracks.map { track in
      (
        cell: key(track.position),
        entry: Entry(
          number: track.number, easting: track.position.easting, northing: track.position.northing,
          uncertainty: track.uncertainty, reach: track.reach)
      )
    }.sorted { ($0.cell.x, $0.cell.y, $0.entry.number) < ($1.cell.x, $1.cell.y, $1.entry.number) }
    entries = keyed.map(\.entry)
    var start = 0
    for k in keyed.indices where k + 1 == keyed.count || keyed[k + 1].cell != keyed[k].cell {
      cells[keyed[k].cell] = start..<(k + 1)
      start = k + 1
    }
  }

  /// Track numbers whose latest observation may lie within the gate of an observation at
  /// `p`, with its uncertainty and reach.
  func candidates(near p: (easting: Double, northing: Double), uncertainty: Double, reach: Double) -> [Int] {
    let sigma = max((maxUncertainty * maxUncertainty + uncertainty * uncertainty).squareRoot(), 1e-3)
    let radius = gateSigmas * sigma + maxReach + reach
    let span = Int((radius / cell).rounded(.up))
    let centre = key(p)
    var out: [Int] = []
    for dx in -span...span {
      for dy in -span...span {
        guard let range = cells[Cell(x: centre.x + dx, y: centre.y + dy)] else { continue }
        for track in entries[range] {
          // The same bound per pair, with this track's own uncertainty and reach.
          let gate =
            gateSigmas
            * max((track.uncertainty * track.uncertainty + uncertainty * uncertainty).squareRoot(), 1e-3)
          let (de, dn) = (track.easting - p.easting, track.northing - p.northing)
          let reachable = gate + track.reach + reach
          if de * de + dn * dn <= reachable * reachable { out.append(track.number) }
        }
      }
    }
    return out
  }

  private func key(_ p: (easting: Double, northing: Double)) -> Cell {
    Cell(x: Int((p.easting / cell).rounded(.down)), y: Int((p.northing / cell).rounded(.down)))
  }
}
