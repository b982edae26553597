/// How much to put in one request on a link that may drop it: halved after a drop, doubled
/// after 8 clean requests in a row, between `smallest` and `largest`. A field link that
/// drops every few hundred KB never carries a 2 MB push batch or a 4 MB photo chunk, but it
/// does carry small ones; on a good link requests stay at `largest`.
struct AdaptiveSize {
  let smallest: Int
  let largest: Int
  private(set) var current: Int
  private var clean = 0
  /// Drops in a row, and when the first of them was.
  private(set) var drops = 0
  private(set) var firstDrop: ContinuousClock.Instant?

  init(smallest: Int, largest: Int) {
    self.smallest = min(smallest, largest)
    self.largest = largest
    current = largest
  }

  mutating func succeeded() {
    drops = 0
    firstDrop = nil
    clean += 1
    if clean >= 8 {
      current = min(current * 2, largest)
      clean = 0
    }
  }

  mutating func dropped() {
    drops += 1
    if firstDrop == nil { firstDrop = .now }
    clean = 0
    current = max(current / 2, smallest)
  }
}
