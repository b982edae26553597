import ArgumentParser
import Store

struct AlertsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "alerts",
    abstract: "List the growth alerts that the last `crackmon track` raised for an asset.")

  @OptionGroup var scope: AssetScope
  @OptionGroup var storeOptions: StoreOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let store = try DeviceStore(opening: storeOptions.path)
    let alerts = try store.growthAlerts(asset: scope.asset, cycle: scope.cycle)
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
