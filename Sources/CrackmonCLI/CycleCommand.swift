import ArgumentParser
import Foundation
import Store

struct CycleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cycle",
    abstract: "Add and list inspection cycles of an asset.",
    subcommands: [Add.self, List.self, Retire.self])

  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start an inspection cycle of an asset.")

    @Argument(help: "Asset id.")
    var asset: String
    @Argument(help: "Cycle label, unique within the asset, like 2026-Q4.")
    var label: String
    @Option(help: "Start date, YYYY-MM-DD.")
    var date: String?
    @Option(help: "End date, YYYY-MM-DD.")
    var endDate: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
      guard !label.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw ValidationError("cycle label is empty")
      }
      // The central store's limit (SyncEntry): refused here, not at every sync.
      guard label.utf8.count <= SyncEntry.maxIdentifierBytes else {
        throw ValidationError("cycle label is over \(SyncEntry.maxIdentifierBytes) bytes")
      }
      for (name, value) in [("--date", date), ("--end-date", endDate)] {
        if let value, !Timestamp.isDate(value) {
          throw ValidationError("\(name) \"\(value)\" is not a date written YYYY-MM-DD")
        }
      }
      if let date, let endDate, endDate < date {
        throw ValidationError("--end-date \(endDate) is before --date \(date)")
      }
    }

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      let cycle = try store.add(
        InspectionCycle(assetId: asset, label: label, startDate: date, endDate: endDate))
      print("Added cycle \(cycle.label) to asset \(cycle.assetId)" + (date.map { " starting \($0)" } ?? ""))
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the inspection cycles of an asset.")
    @Argument(help: "Asset id.")
    var asset: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: FormatOption

    func run() throws {
      let cycles = try DeviceStore(opening: storeOptions.path).cycles(of: asset)
      switch output.format {
      case .json: try printJSON(cycles)
      case .text:
        printTable(
          ["label", "start", "end"], cycles.map { [$0.label, $0.startDate ?? "", $0.endDate ?? ""] })
      }
    }
  }
}
