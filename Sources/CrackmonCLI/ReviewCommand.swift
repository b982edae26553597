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

  /// What a rejected crack is instead: the model's usual mistakes on concrete.
  enum Instead: String, ExpressibleByArgument, CaseIterable {
    case joint, formwork, stain, edge, shadow, debris, other
  }

  struct Reject: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reject a crack: it is not one.")
    @Argument(help: "Observation id, or a unique prefix of it (`crackmon cracks` lists them).")
    var observation: String
    @Option(name: .customLong("as"), help: "What it is instead.")
    var instead: Instead
    @Option(help: "More words on it, kept with the review.")
    var note: String?
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws { try validateNote(note) }

    func run() throws {
      try review(
        observation, .rejectObservation, reason: instead.rawValue + (note.map { ": " + $0 } ?? ""),
        store: storeOptions.path)
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
      try review(observation, .confirmObservation, reason: note ?? "a crack", store: storeOptions.path)
    }
  }
}

private func validateNote(_ note: String?) throws {
  guard let note else { return }
  guard !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
    throw ValidationError("--note is empty")
  }
  guard note.utf8.count <= SyncEntry.maxTextBytes - 16 else {
    throw ValidationError("--note is over \(SyncEntry.maxTextBytes - 16) bytes")
  }
}

private func review(_ prefix: String, _ kind: CorrectionRow.Kind, reason: String, store path: String) throws {
  let store = try DeviceStore(opening: path)
  let (observation, asset) = try store.observation(matching: prefix)
  try store.correct(
    CorrectionRow(
      assetId: asset, kind: kind, captureId: observation.captureId, observationId: observation.id,
      reason: reason))
  let verdict = kind == .rejectObservation ? "Rejected" : "Confirmed"
  print("\(verdict) crack \(observation.id.prefix(12)) of \(asset): \(reason)")
  print("Run `crackmon track --asset \(asset)` to update its growth.")
}
