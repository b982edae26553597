import ArgumentParser
import Store

struct AlertsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "alerts",
    abstract: "List the growth alerts that the last `crackmon track` raised for an asset.")

  @Option(help: "Asset id.")
  var asset: String
  @Option(help: "Only alerts raised at this inspection cycle.")
  var cycle: String?
  @OptionGroup var storeOptions: StoreOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let store = try DeviceStore(opening: storeOptions.path)
    let alerts = try store.growthAlerts(asset: asset, cycle: cycle)
    switch output.format {
    case .json: try printJSON(alerts)
    case .text:
      printTable(
        ["track", "cycle", "kind", "message"],
        alerts.map { [$0.trackId, $0.cycleLabel, $0.kind, $0.message] })
      print("\(alerts.count) alerts")
    }
  }
}
