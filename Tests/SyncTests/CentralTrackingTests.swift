import Foundation
import GRDB
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The server tracks each asset over the observations of all its devices, with the devices'
/// own tracking code, after every push and without holding the push up: the office sees the
/// tracks and growth a device would compute from the same observations.
extension PushTests {
  /// Waits until the central store has tracked the asset through its newest push.
  func waitForCentralTracking(asset: String) async throws {
    let newest = "SELECT MAX(server_seq) FROM push_receipt WHERE asset_id = '\(asset)'"
    let tracked = "SELECT tracked_through FROM tracking_state WHERE asset_id = '\(asset)'"
    for _ in 0..<600 {
      let (n, t) = (try central.query(newest).first?.first, try central.query(tracked).first?.first)
      if let n, n == t { return }
      try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("the central store did not track \(asset) within 60 s")
  }

  @Test(
    .enabled(if: SyntheticCycles.canGenerate, "python3 with numpy, scipy and Pillow is needed"),
    arguments: CentralBackend.available)
  func theServerTracksEachAssetOverAllItsDevicesAsADeviceWould(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    let photos = directory.appendingPathComponent("synth")
    let generated = try SyntheticCycles.python([
      SyntheticCycles.generator.path, "--out", photos.path, "--cycles", "3", "--seed", "2051",
    ])
    try #require(generated.status == 0, "\(generated.output)")
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let url = server.url.absoluteString
    func on(_ store: String, _ arguments: [String]) throws -> String {
      let run = try crackmon(arguments + ["--store", store])
      #expect(run.status == 0, "crackmon \(arguments.joined(separator: " ")): \(run.stderr)")
      return run.stdout
    }
    func device(_ name: String) throws -> String {
      let store = directory.appendingPathComponent("\(name).sqlite").path
      _ = try on(store, ["init"])
      _ = try on(store, ["remote", "set", url, "--token", try token(org: "acme", name: name).token])
      return store
    }
    // (Photos go up with each sync: the server's HTML report draws the cracks on them.)
    func ingest(_ store: String, _ year: Int) throws {
      _ = try on(store, ["cycle", "add", "bern", "\(year)", "--date", "\(year)-06-01"])
      _ = try on(
        store,
        [
          "ingest", photos.appendingPathComponent("\(year)").path, "--asset", "bern", "--cycle", "\(year)",
          "--no-register",
        ])
    }

    // A tablet inspects two cycles and pushes them; the server tracks the asset.
    let tablet = try device("tablet")
    _ = try on(
      tablet,
      ["asset", "add", "bern", "--name", "Bern", "--kind", "bridge", "--lat", "46.948", "--lon", "7.4474"])
    try ingest(tablet, 2023)
    try ingest(tablet, 2024)
    _ = try on(tablet, ["sync"])
    try await waitForCentralTracking(asset: "bern")
    let firstCycles = try central.count("crack_observation WHERE asset_id = 'bern'")
    #expect(firstCycles > 0)
    #expect(try central.count("crack_track_member WHERE asset_id = 'bern'") == firstCycles)

    // A drone inspects the third cycle; its push alone has the server track the asset again.
    let drone = try device("drone")
    _ = try on(drone, ["sync", "--no-photos", "--asset", "bern"])
    try ingest(drone, 2025)
    _ = try on(drone, ["sync"])
    try await waitForCentralTracking(asset: "bern")
    let all = try central.count("crack_observation WHERE asset_id = 'bern'")
    #expect(all > firstCycles)
    #expect(try central.count("crack_track_member WHERE asset_id = 'bern'") == all)

    // An office device that pulls every observation and tracks them gets what the server has.
    let office = try device("office")
    _ = try on(office, ["sync", "--no-photos", "--asset", "bern"])
    #expect(try count(office, "crack_observation") == all)
    _ = try on(office, ["track", "--asset", "bern"])
    let members = "SELECT observation_id, track_id, assigned_by FROM crack_track_member"
    let deviceMembers = try CentralUnderTest.query(office, members + " ORDER BY observation_id")
    #expect(
      deviceMembers == (try central.query(members + " WHERE asset_id = 'bern' ORDER BY observation_id")))
    let growth = """
      SELECT track_id, cycles_seen, latest_observation_id, length_mm_per_year, max_width_mm_per_year,
        no_rate_reason FROM track_growth
      """
    func numbers(_ rows: [[String]]) -> [[String]] {
      // Rates as numbers: psql and SQLite print doubles alike but not always in the same form.
      rows.map { row in row.map { Double($0).map { String(format: "%.9g", $0) } ?? $0 } }
    }
    let deviceGrowth = try CentralUnderTest.query(office, growth + " ORDER BY track_id")
    let centralGrowth = try central.query(growth + " WHERE asset_id = 'bern' ORDER BY track_id")
    #expect(numbers(deviceGrowth) == numbers(centralGrowth))
    #expect(deviceGrowth.contains { $0[1] == "3" && !$0[3].isEmpty }, "a crack followed through three cycles")
    let alerts = "SELECT track_id, cycle_label, kind FROM growth_alert"
    #expect(
      Set(try CentralUnderTest.query(office, alerts))
        == Set(try central.query(alerts + " WHERE asset_id = 'bern'")))

    // The office's map from the server: every crack on its track, every track drawn.
    let reader = try token(org: "acme", name: "reader").token
    let (data, _) = try await get(server, "v1/assets/bern/map.geojson", token: reader)
    let features =
      (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["features"] as? [[String: Any]] ?? []
    func properties(_ kind: String) -> [[String: Any]] {
      features.compactMap { $0["properties"] as? [String: Any] }.filter { $0["kind"] as? String == kind }
    }
    let trackIds = Set(deviceGrowth.map { $0[0] })
    #expect(Set(properties("track").compactMap { $0["track_id"] as? String }) == trackIds)
    #expect(properties("crack").count == all)
    #expect(properties("crack").allSatisfy { ($0["track_id"] as? String).map(trackIds.contains) == true })

    // The growth report from the server is the office device's, in each format.
    let (csv, _) = try await get(server, "v1/assets/bern/report.csv", token: reader)
    let officeCSV = try on(office, ["report", "growth", "--asset", "bern", "--format", "csv"])
    #expect(String(decoding: csv, as: UTF8.self) == officeCSV)
    #expect(officeCSV.split(separator: "\n").count == all + 1)
    func withoutTime(_ json: Data) throws -> NSDictionary {
      var report = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
      report["generated_at"] = nil
      return report as NSDictionary
    }
    let (json, _) = try await get(server, "v1/assets/bern/report.json", token: reader)
    let officeJSON = try on(office, ["report", "growth", "--asset", "bern", "--format", "json"])
    #expect(try withoutTime(json) == (try withoutTime(Data(officeJSON.utf8))))
    // The HTML draws each track's crack on the organisation's copy of its latest photo, as
    // the office device draws it on the photo it was ingested from.
    let (html, response) = try await get(server, "v1/assets/bern/report.html", token: reader)
    #expect(
      (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") == "text/html; charset=utf-8")
    let officeHTML = try on(office, ["report", "growth", "--asset", "bern", "--format", "html"])
    func drawings(_ page: String) -> Int { page.components(separatedBy: "data:image/jpeg;base64,").count - 1 }
    #expect(drawings(String(decoding: html, as: UTF8.self)) == trackIds.count)
    #expect(drawings(officeHTML) == trackIds.count)

    // An engineer on the office device rejects a crack as a formwork joint: after a sync it
    // leaves the server's tracking, map and report, and the tablet's crack list after its own.
    let latest = try #require(
      try CentralUnderTest.query(
        office,
        "SELECT o.id FROM crack_observation o JOIN capture c ON c.id = o.capture_id ORDER BY c.cycle_label DESC, o.id LIMIT 1"
      ).first?.first)
    let rejected = try on(
      office, ["review", "reject", String(latest.prefix(10)), "--as", "formwork", "--note", "tie line"])
    #expect(rejected.contains("Rejected crack"), "\(rejected)")
    _ = try on(office, ["sync", "--no-photos"])
    try await waitForCentralTracking(asset: "bern")
    #expect(try central.count("crack_track_member WHERE asset_id = 'bern'") == all - 1)
    #expect(try central.count("crack_track_member WHERE observation_id = '\(latest)'") == 0)
    let (reviewedCSV, _) = try await get(server, "v1/assets/bern/report.csv", token: reader)
    #expect(!String(decoding: reviewedCSV, as: UTF8.self).contains(latest))
    #expect(String(decoding: reviewedCSV, as: UTF8.self).split(separator: "\n").count == all)
    let (reviewedJSON, _) = try await get(server, "v1/assets/bern/report.json", token: reader)
    let reviews = try #require(
      (try JSONSerialization.jsonObject(with: reviewedJSON) as? [String: Any])?["reviews"] as? [[String: Any]]
    )
    #expect(reviews.count == 1)
    #expect(reviews.first?["observation_id"] as? String == latest)
    #expect(reviews.first?["verdict"] as? String == "rejected")
    #expect(reviews.first?["reason"] as? String == "formwork: tie line")
    let (reviewedHTML, _) = try await get(server, "v1/assets/bern/report.html", token: reader)
    #expect(String(decoding: reviewedHTML, as: UTF8.self).contains("formwork: tie line"))
    let (reviewedMap, _) = try await get(server, "v1/assets/bern/map.geojson?what=cracks", token: reader)
    #expect(!String(decoding: reviewedMap, as: UTF8.self).contains(latest))
    _ = try on(tablet, ["sync", "--no-photos", "--asset", "bern"])
    #expect(!(try on(tablet, ["cracks", "--asset", "bern", "--format", "json"])).contains(latest))
    let listed = try on(tablet, ["corrections", "--asset", "bern"])
    #expect(listed.contains("reject_observation") && listed.contains("formwork: tie line"), "\(listed)")
    // Confirmed on the tablet: back everywhere.
    _ = try on(tablet, ["review", "confirm", latest])
    _ = try on(tablet, ["sync", "--no-photos"])
    try await waitForCentralTracking(asset: "bern")
    #expect(try central.count("crack_track_member WHERE asset_id = 'bern'") == all)
    let (confirmedCSV, _) = try await get(server, "v1/assets/bern/report.csv", token: reader)
    let row = String(decoding: confirmedCSV, as: UTF8.self).split(separator: "\n").first {
      $0.contains(latest)
    }
    #expect(row?.hasSuffix(",confirmed") == true, "\(row ?? "no row")")

    // Another organisation's token is told there is no such asset.
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let rival = try token(org: "other", name: "rival").token
    for format in ["json", "csv", "html"] {
      #expect(try await send(server, "GET", "v1/assets/bern/report.\(format)", token: rival).0 == 404)
    }
  }
}
