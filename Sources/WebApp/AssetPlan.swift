import Foundation
import Store

/// An asset's plan as inline SVG: each crack's centreline in the asset's projected CRS
/// (metres east and north, as the observations carry it), north up, coloured by severity,
/// with a scale bar. Drawn from the data alone: no basemap, no network.
enum AssetPlan {
  static let width = 900.0
  static let height = 560.0
  static let margin = 24.0

  /// The colour of a severity name, from sound to severe; grey where none is known.
  static func colour(_ severity: String?) -> String {
    switch severity {
    case "CS1", "within": "#2e8b57"
    case "CS2": "#e69f00"
    case "CS3", "exceeds": "#c0392b"
    default: "#7f8c8d"
    }
  }

  /// The branches of a crack, in metres; one point for a crack placed without a footprint.
  static func branches(_ crack: PlanCrack) -> [[(Double, Double)]] {
    if let text = crack.polylineProjected, let data = text.data(using: .utf8),
      let parsed = try? JSONDecoder().decode([[[Double]]].self, from: data)
    {
      let branches = parsed.map { $0.compactMap { $0.count >= 2 ? ($0[0], $0[1]) : nil } }.filter {
        !$0.isEmpty
      }
      if !branches.isEmpty { return branches }
    }
    if let e = crack.easting, let n = crack.northing { return [[(e, n)]] }
    return []
  }

  /// `link(crack)`: where a click on a crack goes (its track's page).
  static func svg(_ cracks: [PlanCrack], link: (PlanCrack) -> String?) -> String {
    let drawn = cracks.map { ($0, branches($0)) }.filter { !$0.1.isEmpty }
    let points = drawn.flatMap { $0.1.joined() }
    guard let minE = points.map(\.0).min(), let maxE = points.map(\.0).max(),
      let minN = points.map(\.1).min(), let maxN = points.map(\.1).max()
    else {
      return "<p class=\"muted\">No placed cracks to draw.</p>"
    }
    // One scale for both axes (metres stay square), the extent padded to at least 1 m.
    let spanE = max(maxE - minE, 1)
    let spanN = max(maxN - minN, 1)
    let scale = min((width - 2 * margin) / spanE, (height - 2 * margin - 30) / spanN)
    let (centreE, centreN) = ((minE + maxE) / 2, (minN + maxN) / 2)
    func x(_ e: Double) -> Double { width / 2 + (e - centreE) * scale }
    func y(_ n: Double) -> Double { (height - 30) / 2 - (n - centreN) * scale }
    var svg = """
      <svg class="plan" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" \
      role="img" aria-label="Plan of the asset's cracks">
      <rect x="0" y="0" width="\(Int(width))" height="\(Int(height))" fill="#fbfbf8"/>

      """
    for (crack, branches) in drawn {
      let colour = colour(crack.severity)
      var shapes = ""
      for branch in branches {
        if branch.count == 1 {
          shapes +=
            "<circle cx=\"\(f(x(branch[0].0)))\" cy=\"\(f(y(branch[0].1)))\" r=\"3\" fill=\"\(colour)\"/>"
        } else {
          let path = branch.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
          shapes +=
            "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.5\" stroke-linecap=\"round\"/>"
        }
      }
      let title =
        "<title>\(escape(crack.trackId ?? crack.observationId)) \(escape(crack.severity ?? ""))</title>"
      if let href = link(crack) {
        svg +=
          "<a href=\"\(escape(href))\" class=\"crack\" data-track=\"\(escape(crack.trackId ?? ""))\">\(title)\(shapes)</a>\n"
      } else {
        svg += "<g>\(title)\(shapes)</g>\n"
      }
    }
    // A scale bar of a round length near a fifth of the width.
    let target = (width / 5) / scale
    let magnitude = pow(10, floor(log10(target)))
    let bar = [1.0, 2, 5, 10].map { $0 * magnitude }.last { $0 <= target } ?? magnitude
    let barPx = bar * scale
    let label = bar >= 1 ? String(format: "%g m", bar) : String(format: "%g cm", bar * 100)
    svg += """
      <line x1="\(f(margin))" y1="\(f(height - 14))" x2="\(f(margin + barPx))" y2="\(f(height - 14))" \
      stroke="#333" stroke-width="3"/>
      <text x="\(f(margin + barPx + 8))" y="\(f(height - 9))" font-size="13" fill="#333">\(label)</text>
      <text x="\(f(width - margin - 30))" y="\(f(margin))" font-size="13" fill="#333">N ↑</text>
      </svg>
      """
    return svg
  }
}

/// One decimal, for SVG coordinates.
func f(_ value: Double) -> String { String(format: "%.1f", value) }

/// HTML-escapes text for element content and attribute values.
func escape(_ text: String) -> String {
  var out = ""
  for character in text {
    switch character {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default: out.append(character)
    }
  }
  return out
}
