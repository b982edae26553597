import ArgumentParser
import Foundation
import Imaging
import Ingest
import Observations
import Store

/// `--reason TEXT`: every correction says why; it is kept and synced with it.
struct ReasonOption: ParsableArguments {
  @Option(help: "Why: kept with the correction and synced with it.")
  var reason: String

  func validate() throws {
    guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
      throw ValidationError("--reason is empty: say why")
    }
    guard reason.utf8.count <= SyncEntry.maxTextBytes else {
      throw ValidationError("--reason is over \(SyncEntry.maxTextBytes) bytes")
    }
  }
}

extension CapturesCommand {
  struct Void: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "void",
      abstract: "Set a capture aside, with everything found on it.",
      discussion: """
        For a junk photo, a photo of the wrong structure or a test shot. The capture and its crack \
        observations are kept (and synced) but left out of tracking, growth, crack lists and maps, \
        on this device and, after `crackmon sync`, centrally. Run `crackmon track` again to update \
        growth.
        """)

    @Argument(help: "Capture id, or at least its first 4 characters (`crackmon captures` lists them).")
    var capture: String
    @OptionGroup var reason: ReasonOption
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      let found = try store.capture(matching: capture)
      try store.correct(
        CorrectionRow(
          assetId: found.assetId, kind: .voidCapture, captureId: found.id, reason: reason.reason))
      print(
        "Voided capture \(found.id.prefix(12)) (\(found.sourcePath)) of \(found.assetId): \(reason.reason)")
      print("Run `crackmon track --asset \(found.assetId)` to update its growth.")
    }
  }

  struct Move: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Move a capture to another inspection cycle, or to another asset.",
      discussion: """
        For a photo ingested into the wrong cycle: its crack observations follow it. For a photo \
        ingested into the wrong asset (--asset): the photo is read again from where it was \
        ingested (it must be unchanged), placed in the other asset's coordinate system and its \
        cracks measured again there (at --distance-m, else the distance last given for it, else the \
        photo's own scale); in its \
        old asset it is set aside, with a void that names where it went. Both sync as corrections \
        and captures do. Run `crackmon track` again to update growth (of both assets), and \
        `crackmon register` to align a moved photo with the other asset's earlier cycles.
        """)

    @Argument(help: "Capture id, or at least its first 4 characters.")
    var capture: String
    @Option(help: "The cycle it belongs to.")
    var cycle: String
    @Option(help: "The asset it belongs to, when it is not the one it was ingested into.")
    var asset: String?
    @Option(help: "Why (default: \"ingested into the wrong cycle\", or asset).")
    var reason: String?
    @Option(
      name: .customLong("distance-m"),
      help:
        "With --asset: camera-to-surface distance in metres (default: the one last given for it, else the photo's own scale)."
    )
    var distance: Double?
    @Flag(help: "With --asset: refuse a photo taken far from the asset or outside the cycle's dates.")
    var strict = false
    @OptionGroup var photoSize: PhotoSizeOption
    @OptionGroup var model: ModelOptions
    @OptionGroup var scene: SceneOptions
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
      try validateDistance(distance)
      if let reason, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        throw ValidationError("--reason is empty: say why")
      }
    }

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      let found = try store.capture(matching: capture)
      if let asset, asset != found.assetId {
        try move(found, to: asset, store: store)
        return
      }
      guard distance == nil, !strict else {
        throw ValidationError(
          "--distance-m and --strict go with --asset; `crackmon reprocess` measures again")
      }
      let from = try store.correctedState(of: found).cycle
      guard from != cycle else {
        throw ValidationError("capture \(found.id.prefix(12)) is already in cycle \(cycle)")
      }
      if let retired = try store.retirement(asset: found.assetId, cycle: cycle) {
        throw StoreError.retired("cycle \"\(cycle)\" of \"\(found.assetId)\"", reason: retired)
      }
      try store.correct(
        CorrectionRow(
          assetId: found.assetId, kind: .moveCapture, captureId: found.id, cycleLabel: cycle,
          reason: reason ?? "ingested into the wrong cycle"))
      print("Moved capture \(found.id.prefix(12)) of \(found.assetId) from cycle \(from) to \(cycle)")
      print("Run `crackmon track --asset \(found.assetId)` to update its growth.")
    }

    private func move(_ found: CaptureRecord, to asset: String, store: DeviceStore) throws {
      let ingestor = try Ingestor(
        store: store, asset: asset, cycle: cycle, userDistance: distance,
        finder: model.finder(maxPixels: photoSize.maxPixels, scene: scene))
      ingestor.strict = strict
      let report = try ingestor.move(found, reason: reason ?? "ingested into the wrong asset")
      for warning in report.warnings { printError("warning: \(warning.message)") }
      let cracks = report.cracks.map { ", \($0) crack observations measured again" } ?? ""
      print(
        "Moved capture \(found.id.prefix(12)) (\(found.sourcePath)) from \(report.fromAsset) to \(asset), "
          + "cycle \(cycle)\(cracks); set aside in \(report.fromAsset)")
      print("Run `crackmon track --asset \(asset)` and `--asset \(report.fromAsset)` to update their growth.")
    }
  }
}

extension AssetCommand {
  struct Retire: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Retire a mistaken asset: its captures are set aside and nothing more goes into it.",
      discussion: "The asset and its rows are kept (and synced), marked retired with the reason.")

    @Argument(help: "Asset id.")
    var asset: String
    @OptionGroup var reason: ReasonOption
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      try store.correct(CorrectionRow(assetId: asset, kind: .retireAsset, reason: reason.reason))
      print("Retired asset \(asset): \(reason.reason)")
    }
  }
}

extension CycleCommand {
  struct Retire: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Retire a mistaken inspection cycle: its captures are set aside and nothing more goes into it.",
      discussion: """
        Captures moved out of it first (`crackmon captures move`) stay live in their new cycle. Run \
        `crackmon track` again to update growth.
        """)

    @Argument(help: "Asset id.")
    var asset: String
    @Argument(help: "Cycle label.")
    var label: String
    @OptionGroup var reason: ReasonOption
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      let store = try DeviceStore(opening: storeOptions.path)
      try store.correct(
        CorrectionRow(assetId: asset, kind: .retireCycle, cycleLabel: label, reason: reason.reason))
      print("Retired cycle \(label) of \(asset): \(reason.reason)")
      print("Run `crackmon track --asset \(asset)` to update its growth.")
    }
  }
}

struct CorrectionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "corrections",
    abstract:
      "List the corrections of an asset: what was voided, moved, re-measured, retired or reviewed, by whom and why."
  )

  @Option(help: "Asset id.")
  var asset: String
  @OptionGroup var storeOptions: StoreOptions
  @OptionGroup var output: FormatOption

  func run() throws {
    let corrections = try DeviceStore(opening: storeOptions.path).corrections(asset: asset)
    switch output.format {
    case .json: try printJSON(corrections)
    case .text:
      // A re-processing supersedes every observation of a photo: one line per photo and run.
      printTable(
        ["when", "device", "kind", "capture", "observation", "cycle", "distance m", "reason"],
        corrections.map {
          [
            $0.createdAt, String($0.deviceId.prefix(8)), $0.kind,
            $0.captureId.map { String($0.prefix(12)) } ?? "",
            $0.observationId.map { String($0.prefix(12)) } ?? "",
            $0.cycleLabel ?? "", $0.distanceM.map { "\($0)" } ?? "", $0.reason,
          ]
        })
      print("\(corrections.count) corrections")
    }
  }
}

struct ReprocessCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reprocess",
    abstract: "Measure stored captures again: another distance, model or severity scheme.",
    discussion: """
      For a forgotten or wrong --distance-m, a --no-segment ingest, or a newer model. Each photo is \
      read again from where it was ingested (it must be unchanged: its SHA-256 is its capture id), \
      segmented, and its cracks stored as new observations; the old ones are kept, marked superseded \
      with the reason, and synced as such. Voided captures and retired cycles are left alone. Exits \
      0 if every capture was re-processed, 1 if any could not be (its observations stay as they were).
      Run `crackmon track` again afterwards.
      """)

  @Option(help: "Asset id.")
  var asset: String
  @Option(help: "Only this inspection cycle.")
  var cycle: String?
  @Option(
    name: .customLong("capture"),
    help: "Only these captures (id or its first characters); repeat for more.")
  var captureIds: [String] = []
  @Option(
    name: .customLong("distance-m"),
    help:
      "Camera-to-surface distance in metres (default: the one last given for each capture, else its photo's own scale)."
  )
  var distance: Double?
  @Option(help: "Why (default: says what changed).")
  var reason: String?
  @Option(name: .customLong("severity-scheme"), help: "How crack widths map to severity classes.")
  var scheme: SeverityScheme = .default
  @OptionGroup var photoSize: PhotoSizeOption
  @OptionGroup var model: ModelOptions
  @OptionGroup var scene: SceneOptions
  @OptionGroup var storeOptions: StoreOptions
  @OptionGroup var output: FormatOption

  func validate() throws {
    try validateDistance(distance)
    if let reason, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
      throw ValidationError("--reason is empty: say why")
    }
  }

  func run() throws {
    let store = try DeviceStore(opening: storeOptions.path)
    var captures = try store.captures(asset: asset, cycle: cycle)
    if !captureIds.isEmpty {
      let wanted = try captureIds.map { try store.capture(matching: $0, asset: asset) }
      for capture in wanted where !captures.contains(where: { $0.id == capture.id }) {
        throw ValidationError(
          "capture \(capture.id.prefix(12)) is not a live capture of \(asset)\(cycle.map { " / \($0)" } ?? "")"
        )
      }
      let ids = Set(wanted.map(\.id))
      captures.removeAll { !ids.contains($0.id) }
    }
    let finder = try model.finder(maxPixels: photoSize.maxPixels, scene: scene)
    let why =
      reason
      ?? "re-processed with \(finder.segmenter.model.name) \(finder.segmenter.model.version)"
      + (distance.map { " at \($0) m" } ?? "")
    var report = ReprocessReport()
    var bar = ProgressBar(label: "reprocess")
    // An ingestor per cycle (as corrected): it is made for one.
    let groups = Dictionary(grouping: captures) { $0.cycleLabel }
    var done = 0
    for (label, group) in groups.sorted(by: { $0.key < $1.key }) {
      let ingestor = try Ingestor(
        store: store, asset: asset, cycle: label, userDistance: distance, finder: finder, scheme: scheme)
      let part = try ingestor.reprocess(group, reason: why) { step, _ in
        bar.update(done + step, of: captures.count)
      }
      done += group.count
      report.reprocessed += part.reprocessed
      report.failed += part.failed
    }
    switch output.format {
    case .json: try printJSON(report)
    case .text:
      let superseded = report.reprocessed.reduce(0) { $0 + $1.superseded }
      let cracks = report.reprocessed.reduce(0) { $0 + $1.cracks }
      print(
        "Re-processed \(report.reprocessed.count) of \(captures.count) captures of \(asset): "
          + "\(cracks) crack observations stored, \(superseded) superseded (\(why))")
      print("Failed: \(report.failed.count)")
      for failure in report.failed { print("  \(failure.message)") }
      if !report.reprocessed.isEmpty { print("Run `crackmon track --asset \(asset)` to update its growth.") }
    }
    if !report.allHandled { throw ExitCode(1) }
  }
}
