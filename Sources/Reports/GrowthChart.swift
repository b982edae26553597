import Foundation
import Growth

/// A small inline SVG line chart of one track's measurements over time: no scripts, no
/// external files, so the report works offline.
enum GrowthChart {
  struct Line {
    var name: String
    var colour: String
    var values: [Double?]
  }

  /// `labels` are the x positions' names (cycle dates or labels), spaced evenly in time
  /// when every point has a date, else evenly by cycle.
  static func svg(title: String, unit: String, points: [GrowthSeries.Point], lines: [Line]) -> String {
    let width = 300.0
    let height = 150.0
    // Room on the right for half of the last date label, which is centred on its point.
    let (left, right, top, bottom) = (44.0, 32.0, 18.0, 30.0)
    let times = points.map { $0.date.flatMap(GrowthSeries.years) }
    let xs: [Double] =
      times.allSatisfy({ $0 != nil }) && Set(times.compactMap { $0 }).count > 1
      ? times.map { $0! } : points.indices.map(Double.init)
    let values = lines.flatMap { $0.values.compactMap { $0 } }
    guard let minX = xs.min(), let maxX = xs.max(), let maxV = values.max() else {
      return "<p class=\"muted\">No \(title.lowercased()) in millimetres (scale unknown).</p>"
    }
    let minV = min(0, values.min() ?? 0)
    let spanV = max(maxV - minV, 1e-9) * 1.1
    func px(_ x: Double) -> Double {
      maxX == minX
        ? left + (width - left - right) / 2 : left + (x - minX) / (maxX - minX) * (width - left - right)
    }
    func py(_ v: Double) -> Double { height - bottom - (v - minV) / spanV * (height - top - bottom) }
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" \
      height="\(Int(height))" role="img" aria-label="\(escape(title))">
      <text x="\(left)" y="12" class="t">\(escape(title)) (\(escape(unit)))</text>
      <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" class="axis"/>
      <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" class="axis"/>
      <text x="\(left - 4)" y="\(fmt(py(minV) + 4))" class="l" text-anchor="end">\(fmt(minV))</text>
      <text x="\(left - 4)" y="\(fmt(py(maxV) + 4))" class="l" text-anchor="end">\(fmt(maxV))</text>
      """
    for (i, point) in points.enumerated() {
      svg +=
        "<text x=\"\(fmt(px(xs[i])))\" y=\"\(height - 12)\" class=\"l\" text-anchor=\"middle\">"
        + escape(point.date ?? point.cycle) + "</text>"
    }
    for line in lines {
      let coordinates = zip(xs, line.values).compactMap { x, v in v.map { "\(fmt(px(x))),\(fmt(py($0)))" } }
      svg +=
        "<polyline fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/>"
      for c in coordinates {
        let xy = c.split(separator: ",")
        svg +=
          "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(line.colour)\"><title>\(escape(line.name))</title></circle>"
      }
    }
    return svg + "</svg>"
  }

  private static func fmt(_ v: Double) -> String { String(format: "%.2f", v) }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
