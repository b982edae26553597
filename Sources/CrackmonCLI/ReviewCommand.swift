import ArgumentParser
import Foundation
import Store

/// An engineer's review of what the model found: each verdict is a correction (append-only,
/// attributed to this device, synced), and the latest verdict on a crack stands.
struct ReviewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "review",
    abstract: "Confirm a crack, or reject it as not a crack (a joint, a stain, an edge...).",
    discussion: """
      A rejected crack leaves tracking, growth, alerts, crack lists and maps, here and, after \
      `crackmon sync`, centrally and on every device following the asset; its observation is \
      kept. A later `confirm` brings it back. Run `crackmon track` again to update growth.
      """,
    subcommands: [Reject.self, Confirm.self])

  struct Reject: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reject a crack: it is not one.")
    @Argument(help: "Observation id, or a unique prefix of it (`crackmon cracks` lists them).")
    var observation: String
    @Option(name: .customLong("as"), help: "What it is instead.")
    var instead: CorrectionRow.NotACrack
    @Option(help: "More words on it, kept with the review.")
    var note: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws { try validateNote(note) }

    func run() throws {
      try review(observation, rejectedAs: instead, note: note, store: storeOptions.path)
    }
  }

  struct Confirm: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Confirm a crack (or undo its rejection).")
    @Argument(help: "Observation id, or a unique prefix of it.")
    var observation: String
    @Option(help: "More words on it, kept with the review.")
    var note: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws { try validateNote(note) }

    func run() throws {
      try review(observation, rejectedAs: nil, note: note, store: storeOptions.path)
    }
  }
}

extension CorrectionRow.NotACrack: ExpressibleByArgument {}

private func validateNote(_ note: String?) throws {
  if let problem = CorrectionRow.noteProblem(note) { throw ValidationError("--note: \(problem)") }
}

private func review(
  _ prefix: String, rejectedAs instead: CorrectionRow.NotACrack?, note: String?, store path: String
) throws {
  let store = try DeviceStore(opening: path)
  let (observation, asset) = try store.observation(matching: prefix)
  let row = CorrectionRow.review(
    asset: asset, observation: observation.id, capture: observation.captureId, rejectedAs: instead, note: note
  )
  try store.correct(row)
  let verdict = instead == nil ? "Confirmed" : "Rejected"
  print("\(verdict) crack \(observation.id.prefix(12)) of \(asset): \(row.reason)")
  print("Run `crackmon track --asset \(asset)` to update its growth.")
}
