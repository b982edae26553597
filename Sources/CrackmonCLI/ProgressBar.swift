import Foundation

/// A one-line progress bar on standard error, drawn only when it is a terminal,
/// so logs and pipes stay clean.
struct ProgressBar {
  let enabled = isatty(STDERR_FILENO) == 1
  let label: String
  private var lastDrawn = -1

  init(label: String) { self.label = label }

  mutating func update(_ done: Int, of total: Int) {
    guard enabled, total > 0 else { return }
    let width = 30
    let filled = done * width / total
    let percent = done * 100 / total
    guard percent != lastDrawn || done == total else { return }
    lastDrawn = percent
    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
    printError("\r\(label) [\(bar)] \(done)/\(total)", terminator: done == total ? "\n" : "")
  }

  /// For work whose total is not known up front (a pull): a running count.
  mutating func update(_ done: Int) {
    guard enabled, done != lastDrawn else { return }
    lastDrawn = done
    printError("\r\(label) \(done) records", terminator: "")
  }

  /// Ends a running count's line.
  func finish() {
    if enabled, lastDrawn >= 0 { printError("") }
  }
}
