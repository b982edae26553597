import ArgumentParser
import Store

struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Create a new device store, with its own device id.")

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    let store = try DeviceStore.create(at: storeOptions.path)
    print("Created store \(store.path) for device \(store.deviceID)")
  }
}
