import Foundation
import GRDB
import Store
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Every endpoint × every kind of bad credential, against a real `crackmon serve`: the
/// right refusal, a JSON error body and nothing else, and nothing changed.
extension PushTests {
  struct Call: CustomStringConvertible {
    var method: String
    var path: String
    var body: Data?
    var headers: [String: String] = [:]
    /// What another organisation's token gets: 404 where it reads (as though the asset or
    /// photo were not there), 403 where it writes into an asset id it cannot have.
    var otherOrganisation = 404
    /// Push, pull and uploads: an office user or API token gets 403 for these, of any
    /// organisation.
    var deviceOnly = false
    var description: String { "\(method) /\(path)" }
  }

  @Test(arguments: CentralBackend.available)
  func everyEndpointRefusesBadCredentialsAndLeaksNothing(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    try central.use(backend)
    #expect(try crackmon(["admin", "org", "add", "acme"]).status == 0)
    #expect(try crackmon(["admin", "org", "add", "other"]).status == 0)
    let tablet = try token(org: "acme", name: "tablet")
    let retired = try token(org: "acme", name: "retired")
    let rival = try token(org: "other", name: "rival")
    #expect(try crackmon(["admin", "device", "revoke", retired.id]).status == 0)
    // Office callers: API tokens (one revoked, one of the other organisation) and a user of
    // the other organisation, signed in.
    let office = OfficeAccountTests(field: self)
    let revokedIntegration = try office.apiToken("acme", role: "admin")
    #expect(try crackmon(["admin", "token", "revoke", revokedIntegration.id]).status == 0)
    let rivalIntegration = try office.apiToken("other", role: "admin")
    _ = try office.addUser("other", "rival@other.example", role: "admin", password: "the rival's password")
    let server = try Server(central: central, blobs: directory.appendingPathComponent("blobs"))
    defer { server.stop() }
    let rivalUser = try #require(
      try await OfficeAccountTests.signIn(server, "rival@other.example", "the rival's password").0)

    // acme's data on the server: an asset, its captures.
    let field = try fieldStore("tablet", asset: "pier-17")
    #expect(
      try crackmon(["remote", "set", server.url.absoluteString, "--token", tablet.token, "--store", field])
        .status == 0)
    #expect(try crackmon(["sync", "--no-photos", "--store", field]).status == 0)
    let sha = try #require(try DeviceStore(opening: field).captures(asset: "pier-17").first?.id)
    // A well-formed push that writes into acme's asset, from another organisation's store.
    let intruder = try DeviceStore(opening: try fieldStore("intruder", asset: "pier-17"))
    let push = try JSONEncoder().encode(
      PushRequest(deviceId: intruder.deviceID, entries: try intruder.pendingEntries(limit: 500)))
    let chunk = Data("chunk".utf8)

    let calls = [
      Call(method: "POST", path: "v1/push", body: push, otherOrganisation: 403, deviceOnly: true),
      Call(method: "GET", path: "v1/pull?asset=pier-17", deviceOnly: true),
      Call(method: "GET", path: "v1/assets/pier-17/map.geojson"),
      Call(method: "GET", path: "v1/assets/pier-17/report.json"),
      Call(method: "GET", path: "v1/assets/pier-17/report.csv"),
      Call(method: "GET", path: "v1/assets/pier-17/report.html"),
      Call(method: "GET", path: "v1/assets/pier-17/tracks?offset=0&limit=10"),
      // The asset is checked before the role and the body.
      Call(
        method: "POST", path: "v1/assets/pier-17/reviews",
        body: Data(#"{"observation": "x", "verdict": "reject", "as": "joint"}"#.utf8)),
      // Without its bbox: the token is checked before the parameters.
      Call(method: "GET", path: "v1/assets/pier-17/cracks"),
      Call(
        method: "POST", path: "v1/blobs", body: Data(#"{"sha256": "\#(sha)", "length": 5}"#.utf8),
        deviceOnly: true),
      Call(method: "GET", path: "v1/blobs/\(sha)", deviceOnly: true),
      Call(method: "GET", path: "v1/captures/\(sha)/photo"),
      // Without checking its parameters first.
      Call(method: "GET", path: "v1/captures/\(sha)/thumbnail?size=5&crop=x"),
      Call(
        method: "PATCH", path: "v1/blobs/\(sha)", body: chunk,
        headers: ["Upload-Offset": "0", "Upload-Checksum": "sha256 " + Self.sha256(chunk)], deviceOnly: true),
    ]
    /// status 0: another organisation's device (`otherOrganisation`); -1: another
    /// organisation's office caller (403 where `deviceOnly`, else as a device).
    let credentials: [(name: String, token: String?, cookie: String?, status: Int)] = [
      ("no token", nil, nil, 401),
      ("unknown token", "cmt_" + String(repeating: "ab", count: 32), nil, 401),
      ("unknown API token", "cma_" + String(repeating: "ab", count: 32), nil, 401),
      ("not a bearer token", "", nil, 401),
      ("revoked token", retired.token, nil, 401),
      ("revoked API token", revokedIntegration.token, nil, 401),
      ("unknown session", nil, "AAAA" + String(repeating: "b", count: 40), 401),
      ("another organisation's token", rival.token, nil, 0),
      ("another organisation's API token", rivalIntegration.token, nil, -1),
      ("another organisation's user", nil, rivalUser.cookie, -1),
    ]
    let before = try centralCount("push_receipt")
    for call in calls {
      for credential in credentials {
        var request = URLRequest(url: URL(string: server.url.absoluteString + "/" + call.path)!)
        request.httpMethod = call.method
        request.httpBody = call.body
        request.httpShouldHandleCookies = false
        if let cookie = credential.cookie {
          request.setValue("crackmon_session=\(cookie)", forHTTPHeaderField: "Cookie")
          request.setValue(rivalUser.csrf, forHTTPHeaderField: "X-CSRF-Token")
        }
        for (name, value) in call.headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token = credential.token {
          request.setValue(
            token.isEmpty ? "Basic YWNtZTphY21l" : "Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let (data, response) = try await OfficeAccountTests.client.data(for: request)
        let expected =
          switch credential.status {
          case 0: call.otherOrganisation
          case -1: call.deviceOnly ? 403 : call.otherOrganisation
          default: credential.status
          }
        #expect(response.status == expected, "\(call) with \(credential.name)")
        // The body is one JSON error and nothing more: no rows, no stack trace, no paths.
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        let message = (json?["error"] as? [String: Any])?["message"] as? String
        #expect(json?.keys.sorted() == ["error"] && message != nil, "\(call) with \(credential.name)")
        let text = String(decoding: data, as: UTF8.self)
        for secret in [
          directory.path, "Bern", "46.948", "tablet", "acme", tablet.token, "Swift/", ".swift:", "$2b$",
        ] {
          #expect(!text.contains(secret), "\(call) with \(credential.name) leaks \(secret): \(text)")
        }
        #expect(
          (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")
            == "application/json; charset=utf-8")
      }
    }
    #expect(try centralCount("push_receipt") == before)
    #expect(try centralCount("device_registration WHERE store_device_id IS NOT NULL") == 1)
    let blobs = directory.appendingPathComponent("blobs")
    // No photo, and no bytes of one, in any organisation's folder.
    let stored = FileManager.default.enumerator(atPath: blobs.path)?.compactMap { $0 as? String } ?? []
    #expect(stored.allSatisfy { !$0.contains(sha) }, "\(stored)")

    // The public endpoints say nothing of any organisation.
    for path in ["healthz", "metrics", "openapi.yaml"] {
      let (data, response) = try await URLSession.shared.data(from: server.url.appendingPathComponent(path))
      #expect(response.status == 200)
      let text = String(decoding: data, as: UTF8.self)
      #expect(!text.contains("pier-17") && !text.contains("acme") && !text.contains(sha), "\(path)")
    }
  }
}
