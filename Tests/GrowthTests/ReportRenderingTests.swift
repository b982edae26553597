import Foundation
import Imaging
import TestSupport
import Testing

/// The HTML growth report as a browser shows it: headless Chromium (tools/setup.sh installs
/// Debian's `chromium` for this test only) renders it offline, logs no console messages,
/// and the screenshot is not blank.
@Suite(.serialized) struct ReportRenderingTests {
  static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  @Test(
    .enabled(if: chromium != nil, "Debian's chromium is needed (tools/setup.sh installs it)"),
    .enabled(if: SyntheticCycles.canGenerate, "python3 with numpy, scipy and Pillow is needed"))
  func reportRendersInHeadlessChromium() throws {
    let directory = try TestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.python([
      SyntheticCycles.generator.path, "--out", photos.path, "--cycles", "2",
    ])
    try #require(generated.status == 0, "generator failed: \(generated.output)")
    let store = directory.appendingPathComponent("crackmon.sqlite").path
    func run(_ arguments: [String]) throws {
      let r = try runCrackmon(arguments + ["--store", store])
      #expect(r.status == 0, "crackmon \(arguments.joined(separator: " ")): \(r.stderr)")
    }
    _ = try runCrackmon(["init", "--store", store])
    try run(["asset", "add", "b", "--name", "B", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474"])
    for year in ["2023", "2024"] {
      try run(["cycle", "add", "b", year, "--date", "\(year)-06-01"])
      try run(["ingest", photos.appendingPathComponent(year).path, "--asset", "b", "--cycle", year])
    }
    let page = directory.appendingPathComponent("report.html")
    try run(["report", "growth", "--asset", "b", "--out", page.path])

    let screenshot = directory.appendingPathComponent("report.png")
    let browser = try runProcess(
      URL(fileURLWithPath: try #require(Self.chromium)),
      [
        "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
        "--window-size=1200,1600", "--screenshot=\(screenshot.path)", page.absoluteString,
      ])
    #expect(browser.status == 0, "\(browser.stderr)")
    // Page console messages (script errors, failed loads) are logged as CONSOLE lines;
    // the machine's own noise (no D-Bus here) is not about the page.
    let console = browser.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE(") }
    #expect(console.isEmpty, "console: \(console)")

    let png = try Data(contentsOf: screenshot)
    let image = try png.withUnsafeBytes { try PNGCodec.decodeRGB($0, maxPixels: 10_000_000) }
    #expect(image.width == 1200 && image.height == 1600)
    // Not blank: a good share of the page is ink (text, charts, the crack photo), and it
    // holds many distinct shades, as photos and anti-aliased text do.
    var ink = 0
    var shades = Set<UInt8>()
    for i in stride(from: 0, to: image.pixels.count, by: 3) {
      let (r, g, b) = (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
      if Int(r) + Int(g) + Int(b) < 600 { ink += 1 }
      shades.insert(g)
    }
    #expect(Double(ink) / Double(image.width * image.height) > 0.02)
    #expect(shades.count > 50)
  }
}
