import Foundation
import GRDB
import TestSupport
import Testing

/// `crackmon migrate-central`: a SQLite central store in use moves to PostgreSQL whole, and
/// devices go on syncing with the PostgreSQL server where they left off.
extension PushTests {
  @Test(.enabled(if: PostgresServer.unavailable == nil, "PostgreSQL and PostGIS are needed (tools/setup.sh)"))
  func sqliteCentralMovesToPostgres() async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(.sqlite)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let office = try token(org: "acme", name: "office")
    // Office accounts move too: a user signs in on the PostgreSQL server with their password.
    let accounts = OfficeAccountTests(field: self)
    _ = try accounts.addUser("acme", "e@acme.example", role: "engineer", password: "an engineer's password")
    let integration = try accounts.apiToken("acme", role: "viewer")
    let blobs = directory.appendingPathComponent("blobs")
    var server = try Server(central: central, blobs: blobs)
    let field = try fieldStore("tablet", asset: "pier-17")
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", tablet.token, "--store", field])
        .status == 0)
    #expect(try crackmon(["sync", "--no-photos", "--store", field]).status == 0)
    // A second device renames the asset: the central store audits the old row.
    let other = directory.appendingPathComponent("office.sqlite").path
    #expect(try crackmon(["init", "--store", other]).status == 0)
    #expect(
      try crackmon([
        "asset", "add", "pier-17", "--name", "Pier 17 (east)", "--kind", "bridge", "--lat", "46.948", "--lon",
        "7.4474", "--store", other,
      ]).status == 0)
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", office.token, "--store", other])
        .status == 0)
    #expect(try crackmon(["sync", "--no-photos", "--store", other]).status == 0)
    server.stop()

    let sqlite = central.location
    let receipts =
      "SELECT device_id, seq, server_seq, entity, entity_key FROM push_receipt ORDER BY server_seq"
    let before = try central.query(receipts)
    let captures = try central.query("SELECT id, device_id, seq, latitude FROM capture ORDER BY id")
    let postgres = try #require(PostgresServer.shared).createDatabase()
    let moved = try crackmon(["migrate-central", "--from", sqlite, "--to", postgres])
    #expect(moved.status == 0, "\(moved.stderr)")
    #expect(moved.stdout.contains("push_receipt         8 -> 8"), "\(moved.stdout)")
    #expect(moved.stdout.contains("overwrite_audit      1 -> 1"), "\(moved.stdout)")
    #expect(moved.stdout.contains("office_user          1 -> 1"), "\(moved.stdout)")
    #expect(!moved.stdout.contains("MISMATCH"))
    // Into a store that already holds one: refused, nothing changed.
    let again = try crackmon(["migrate-central", "--from", sqlite, "--to", postgres])
    #expect(again.status != 0 && again.stderr.contains("already holds a central store"), "\(again.stderr)")
    let missing = try crackmon([
      "migrate-central", "--from", directory.appendingPathComponent("nope").path, "--to", postgres,
    ])
    #expect(missing.status != 0 && missing.stderr.contains("no such file"))

    try central.use(location: postgres)
    #expect(try central.query(receipts) == before)
    #expect(try central.query("SELECT id, device_id, seq, latitude FROM capture ORDER BY id") == captures)
    #expect(try central.query("SELECT name FROM asset") == [["Pier 17 (east)"]])

    // The devices carry on against the PostgreSQL server: tokens still work, cursors still
    // hold, server order goes on after the last number moved.
    server = try Server(central: central, blobs: blobs)
    defer { server.stop() }
    #expect(try await OfficeAccountTests.signIn(server, "e@acme.example", "an engineer's password").1 == 200)
    let read = try await OfficeAccountTests.call(
      server, "GET", "v1/assets/pier-17/report.csv", token: integration.token)
    #expect(read.status == 200)
    for store in [field, other] {
      let url = server.url.absoluteString
      try await DatabaseQueue(path: store).write {
        try $0.execute(sql: "UPDATE sync_remote SET url = ?", arguments: [url])
      }
    }
    #expect(
      try crackmon(["cycle", "add", "pier-17", "2027", "--date", "2027-06-01", "--store", field]).status == 0)
    let synced = try crackmon(["sync", "--no-photos", "--store", field])
    #expect(
      synced.status == 0 && synced.stdout.contains("Pushed 1 records"), "\(synced.stdout) \(synced.stderr)")
    #expect(
      try central.query("SELECT server_seq FROM push_receipt WHERE entity_key = 'pier-17/2027'") == [["9"]])
    let pulled = try crackmon(["sync", "--no-photos", "--store", other])
    #expect(pulled.status == 0 && pulled.stdout.contains("Pulled 1 records"), "\(pulled.stdout)")
  }
}
