import ArgumentParser
import Foundation
import Growth
import Outputs
import Reports
import Store

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Write reports.", subcommands: [Growth.self])

  struct Growth: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "growth",
      abstract:
        "Write an asset's crack growth report: which cracks grew, how fast, which crossed a threshold.",
      discussion: """
        Rebuilds the tracks first (as `crackmon track`), so the report always matches the store. \
        html: one self-contained file that works offline. csv: one row per track per cycle. \
        json: the schema in schema/growth-report.schema.json.
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case html, csv, json }

    @Option(help: "Asset id.")
    var asset: String
    @Option(help: "Report format.")
    var format: Format = .html
    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      let summary = try AssetTracking().run(asset: asset, in: store)
      let report = GrowthReport(summary)
      let bytes: Data
      switch format {
      case .json: bytes = try report.json()
      case .csv: bytes = Data(report.csv().utf8)
      case .html:
        // The overlays need each crack's pixels and photo, which tracking does not read.
        let observations = try store.observations(asset: asset)
        bytes = Data(
          try GrowthReportPage(report: report, observations: observations, chains: summary.chains).render()
            .utf8)
      }
      if let out, out != "-" {
        // Whole or not at all, through links, never over a device node (`OutputFile`).
        try OutputFile.write(bytes, to: out)
        printError("wrote \(out): \(report.tracks.count) tracks, \(report.asset.alerts) alerts")
      } else {
        FileHandle.standardOutput.write(bytes)
      }
    }
  }
}
