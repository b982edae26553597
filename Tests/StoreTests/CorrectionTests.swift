import CaptureMetadata
import Foundation
import GRDB
import Store
import TestSupport
import Testing

/// Corrections are append-only facts that every reader of the device store honours: a voided
/// capture's cracks leave tracking and the crack list, a moved capture's cracks change cycle,
/// a superseded observation is no longer read, a retired cycle takes its captures with it.
extension DeviceStoreTests {
  func observation(_ id: String, on capture: CaptureRecord, index: Int = 0) -> CrackObservation {
    CrackObservation(
      id: id, captureId: capture.id, crackIndex: index, polylinePx: "[]", widthProfilePx: "[]", lengthPx: 10,
      maxWidthPx: 1, meanWidthPx: 1, orientationDeg: 0, areaPx: 10, georefMethod: .asset, confidence: 0.9,
      modelName: "model", modelVersion: "1")
  }

  /// pier-17 with cycles 2026-Q4 and 2027-Q4, the phone photo (obs-1, obs-2) and the drone photo
  /// (obs-3) in 2026-Q4.
  func correctedAsset() throws -> (phone: CaptureRecord, drone: CaptureRecord) {
    let phone = try phoneCapture()
    try store.add(InspectionCycle(assetId: "pier-17", label: "2027-Q4"))
    try store.insert(
      phone, observations: [observation("obs-1", on: phone), observation("obs-2", on: phone, index: 1)])
    let metadata = try CaptureMetadata.read(TestPaths.fixture("photos/dji-nadir.jpg"))
    let drone = CaptureRecord(
      metadata: metadata, assetId: "pier-17", cycleLabel: "2026-Q4", gsd: .estimate(for: metadata),
      cameraView: .nadir, projected: nil)
    try store.insert(drone, observations: [observation("obs-3", on: drone)])
    return (phone, drone)
  }

  func live(cycle: String? = nil) throws -> [String: String] {
    Dictionary(
      uniqueKeysWithValues: try store.observations(asset: "pier-17", cycle: cycle).map {
        ($0.observation.id, $0.cycleLabel)
      })
  }

  @Test func everyReaderSeesCapturesThroughTheirCorrections() throws {
    let (phone, drone) = try correctedAsset()
    #expect(try live() == ["obs-1": "2026-Q4", "obs-2": "2026-Q4", "obs-3": "2026-Q4"])

    try store.correct(
      CorrectionRow(
        assetId: "pier-17", kind: .moveCapture, captureId: drone.id, cycleLabel: "2027-Q4", reason: "r"))
    #expect(try live() == ["obs-1": "2026-Q4", "obs-2": "2026-Q4", "obs-3": "2027-Q4"])
    #expect(try live(cycle: "2027-Q4").keys.sorted() == ["obs-3"])
    #expect(
      try store.trackedObservations(asset: "pier-17", cycles: ["2026-Q4"]).map(\.id).sorted() == [
        "obs-1", "obs-2",
      ])
    #expect(try store.captures(asset: "pier-17", cycle: "2027-Q4").map(\.id) == [drone.id])

    // A re-processing: obs-1 and obs-2 superseded by obs-4, and the distance it used recorded.
    let replaced = try store.replaceObservations(
      of: phone, with: [observation("obs-4", on: phone)], distanceM: 2.5, reason: "at 2.5 m")
    #expect(replaced == (superseded: 2, added: 1))
    #expect(try live() == ["obs-4": "2026-Q4", "obs-3": "2027-Q4"])
    #expect(try store.givenDistance(of: phone) == 2.5)
    // Again: only the live one is superseded.
    #expect(
      try store.replaceObservations(of: phone, with: [], distanceM: nil, reason: "again").superseded == 1)
    #expect(try live() == ["obs-3": "2027-Q4"])

    try store.correct(
      CorrectionRow(assetId: "pier-17", kind: .voidCapture, captureId: drone.id, reason: "junk"))
    #expect(try live().isEmpty)
    #expect(try store.trackedObservations(asset: "pier-17").isEmpty)
    #expect(try store.captures(asset: "pier-17").map(\.id) == [phone.id])
    let states = try store.capturesWithState(asset: "pier-17")
    #expect(states.first { $0.capture.id == drone.id }?.setAside == "void_capture: junk")

    // Retiring the cycle sets the phone photo aside too; nothing more can be said of it.
    try store.correct(
      CorrectionRow(assetId: "pier-17", kind: .retireCycle, cycleLabel: "2026-Q4", reason: "test"))
    #expect(try store.captures(asset: "pier-17").isEmpty)
    #expect(try store.retirement(asset: "pier-17", cycle: "2026-Q4") == "test")
    #expect(try store.retirement(asset: "pier-17", cycle: "2027-Q4") == nil)
    #expect(throws: StoreError.self) {
      try store.correct(
        CorrectionRow(assetId: "pier-17", kind: .retireCycle, cycleLabel: "2026-Q4", reason: "x"))
    }
    // Every correction is kept, synced, in order.
    let kinds = try store.corrections(asset: "pier-17").map(\.kind)
    #expect(
      kinds == [
        "move_capture", "supersede_observation", "supersede_observation", "set_distance",
        "supersede_observation",
        "void_capture", "retire_cycle",
      ])
    #expect(try store.outboxCounts()["correction"] == kinds.count)
  }

  @Test func correctionsNameWhatTheAssetHoldsAndCannotBeChanged() throws {
    let (phone, _) = try correctedAsset()
    try store.add(
      Asset(id: "pier-18", name: "Pier 18", kind: .bridge, latitude: 52.52, longitude: 13.4, epsg: 32633))
    // A capture of another asset, an unknown one, a cycle the asset lacks, a row not whole.
    #expect(throws: StoreError.unknownCapture(phone.id)) {
      try store.correct(
        CorrectionRow(assetId: "pier-18", kind: .voidCapture, captureId: phone.id, reason: "r"))
    }
    #expect(throws: StoreError.self) {
      try store.correct(
        CorrectionRow(
          assetId: "pier-17", kind: .moveCapture, captureId: phone.id, cycleLabel: "1999", reason: "r"))
    }
    #expect(throws: StoreError.invalid(field: "correction", reason: "move_capture names cycle")) {
      try store.correct(
        CorrectionRow(assetId: "pier-17", kind: .moveCapture, captureId: phone.id, reason: "r"))
    }
    #expect(throws: StoreError.invalid(field: "correction", reason: "a correction says why (reason)")) {
      try store.correct(
        CorrectionRow(assetId: "pier-17", kind: .voidCapture, captureId: phone.id, reason: ""))
    }
    #expect(throws: StoreError.unknownCapture("ab")) { try store.capture(matching: "ab") }
    #expect(try store.corrections(asset: "pier-17").isEmpty)

    // Corrections are immutable, and the schema refuses a row that is not whole.
    try store.correct(CorrectionRow(assetId: "pier-17", kind: .voidCapture, captureId: phone.id, reason: "r"))
    let queue = try DatabaseQueue(path: store.path)
    #expect(throws: DatabaseError.self) {
      try queue.write { try $0.execute(sql: "UPDATE correction SET reason = 'other'") }
    }
    #expect(throws: DatabaseError.self) {
      try queue.write {
        try $0.execute(
          sql: """
            INSERT INTO correction (asset_id, kind, reason, created_at, device_id, seq)
            VALUES ('pier-17', 'void_capture', 'no capture', 'now', 'd', 99)
            """)
      }
    }
    // Retiring the asset leaves nothing live, and refuses further corrections.
    try store.correct(CorrectionRow(assetId: "pier-17", kind: .retireAsset, reason: "a test asset"))
    #expect(try store.captures(asset: "pier-17").isEmpty)
    #expect(throws: StoreError.retired("asset \"pier-17\"", reason: "a test asset")) {
      try store.correct(
        CorrectionRow(assetId: "pier-17", kind: .retireCycle, cycleLabel: "2027-Q4", reason: "r"))
    }
  }
}

extension DeviceStoreTests {
  /// A photo ingested into the wrong asset moves to the right one: set aside where it was (a
  /// void that names where it went), stored in the other with its own observations, in one
  /// transaction. A device then holds the photo in both assets, each read as its own.
  @Test func aPhotoMovesToAnotherAssetAndEachAssetReadsOnlyItsOwn() throws {
    let (phone, drone) = try correctedAsset()
    try store.add(
      Asset(id: "deck-3", name: "Deck 3", kind: .bridge, latitude: 52.52, longitude: 13.40, epsg: 3035))
    try store.add(InspectionCycle(assetId: "deck-3", label: "2026"))
    // While it is live in pier-17, the photo goes nowhere else: ingest says where it is.
    var there = drone
    there.assetId = "deck-3"
    there.cycleLabel = "2026"
    #expect(try store.insert(there) == .alreadyIngested(assetId: "pier-17", cycleLabel: "2026-Q4"))
    #expect(try store.holder(of: drone.id, in: "deck-3")?.asset == "pier-17")

    let moved = try store.move(
      drone, to: there, observations: [observation("obs-9", on: there)], reason: "wrong pier")
    #expect(moved.assetId == "deck-3")
    #expect(try live() == ["obs-1": "2026-Q4", "obs-2": "2026-Q4"])
    #expect(try store.observations(asset: "deck-3").map(\.observation.id) == ["obs-9"])
    let before = try store.capturesWithState(asset: "pier-17").first { $0.capture.id == drone.id }
    #expect(before?.setAside == "void_capture: moved to asset deck-3, cycle 2026: wrong pier")
    #expect(try store.captures(asset: "deck-3").map(\.id) == [drone.id])
    // A prefix names the live one; each asset's copy is found by asking for it.
    #expect(try store.capture(matching: String(drone.id.prefix(6))).assetId == "deck-3")
    #expect(try store.capture(matching: String(drone.id.prefix(6)), asset: "pier-17").assetId == "pier-17")

    // Not twice, not back over itself, and the old asset does not take it in again.
    #expect(throws: StoreError.self) {
      try store.move(drone, to: there, observations: [], reason: "again")
    }
    #expect(throws: StoreError.self) { try store.move(phone, to: phone, observations: [], reason: "same") }
    #expect(try store.insert(drone) == .alreadyIngested(assetId: "pier-17", cycleLabel: "2026-Q4"))
    #expect(try store.insert(there) == .alreadyIngested(assetId: "deck-3", cycleLabel: "2026"))
    // A failed move leaves nothing behind: the phone's observation id is taken already.
    let corrections = try store.corrections(asset: "pier-17").count
    var phoneThere = phone
    phoneThere.assetId = "deck-3"
    phoneThere.cycleLabel = "2026"
    #expect(throws: StoreError.self) {
      try store.move(phone, to: phoneThere, observations: [observation("obs-1", on: phoneThere)], reason: "r")
    }
    #expect(try store.corrections(asset: "pier-17").count == corrections)
    #expect(try store.captures(asset: "deck-3").map(\.id) == [drone.id])

    // The outbox says which asset each observation is of.
    let pending = try store.pendingEntries(limit: 100).filter { $0.observation != nil }
    #expect(pending.first { $0.observation?.id == "obs-9" }?.assetId == "deck-3")
    #expect(pending.first { $0.observation?.id == "obs-3" }?.assetId == "pier-17")
  }
}

extension DeviceStoreTests {
  /// Tracking through registrations scales a photo re-processed at another distance by that
  /// distance, as its re-measured cracks are: the ingest scale times the ratio of distances.
  @Test func aRegisteredPhotoIsScaledAtTheDistanceItWasLastMeasuredAt() throws {
    let (phone, drone) = try correctedAsset()
    try store.save(
      registrations: [
        CaptureRegistration(
          captureId: drone.id, referenceId: phone.id, registered: true, homography: "[]", matches: 40,
          inliers: 30, residualPx: 1, residualMm: nil, overlap: 0.8, reason: nil)
      ], asset: "pier-17")
    func scale() throws -> Double? {
      try store.registeredCaptures(asset: "pier-17").first { $0.id == drone.id }?.gsdMmPerPx
    }
    let ingested = try #require(drone.gsdMmPerPx)
    let height = try #require(drone.distanceM)
    #expect(try scale() == ingested)
    _ = try store.replaceObservations(of: drone, with: [], distanceM: 2 * height, reason: "twice as far")
    #expect(abs(try #require(try scale()) - 2 * ingested) < 1e-9 * ingested)
  }
}

extension DeviceStoreTests {
  /// An engineer's review: a rejected crack leaves every reader until a later review confirms
  /// it; the latest review stands, and a review names a live observation of its capture.
  @Test func aRejectedCrackLeavesEveryReaderUntilItIsConfirmed() throws {
    let (phone, drone) = try correctedAsset()
    func review(_ kind: CorrectionRow.Kind, _ id: String, on capture: CaptureRecord) throws {
      try store.correct(
        CorrectionRow(
          assetId: "pier-17", kind: kind, captureId: capture.id, observationId: id, reason: "joint"))
    }
    try review(.rejectObservation, "obs-1", on: phone)
    #expect(try live().keys.sorted() == ["obs-2", "obs-3"])
    #expect(try store.trackedObservations(asset: "pier-17").map(\.id).sorted() == ["obs-2", "obs-3"])

    // Not twice; not an observation of another photo, nor one the store does not hold.
    #expect(throws: StoreError.self) { try review(.rejectObservation, "obs-1", on: phone) }
    #expect(throws: StoreError.unknownObservation("obs-3")) {
      try review(.rejectObservation, "obs-3", on: phone)
    }
    #expect(throws: StoreError.unknownObservation("obs-9")) {
      try review(.confirmObservation, "obs-9", on: drone)
    }

    // Confirmed later: back in every reader. The prefix lookup names its asset.
    try review(.confirmObservation, "obs-1", on: phone)
    #expect(try live().keys.sorted() == ["obs-1", "obs-2", "obs-3"])
    #expect(try store.observation(matching: "obs-1").assetId == "pier-17")
    #expect(throws: StoreError.unknownObservation("obs")) { try store.observation(matching: "obs") }
    let reviews = try store.corrections(asset: "pier-17").map(\.kind)
    #expect(reviews == ["reject_observation", "confirm_observation"])
  }
}
