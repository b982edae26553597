import Foundation
import Store
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Office users (sessions) and API tokens against a real `crackmon serve`: each reads its own
/// organisation's data as a device token does and nothing of another's, none may sync, a
/// session's changes need its CSRF token, and an ended account ends its sessions.
@Suite struct OfficeAccountTests {
  let field: PushTests

  init() throws { field = try PushTests() }
  init(field: PushTests) { self.field = field }

  /// A session: its cookie and its CSRF token.
  struct Session {
    var cookie: String
    var csrf: String
  }

  /// A client with no cookie jar: FoundationNetworking's shared one would keep a session
  /// cookie (Secure or not, whatever the port) and send it with every later request to
  /// 127.0.0.1, from any test.
  static let client: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    configuration.httpCookieAcceptPolicy = .never
    return URLSession(configuration: configuration)
  }()

  /// One request: `session`'s cookie and, with `csrf`, its token; or a bearer token. A JSON
  /// body goes with any method but GET.
  static func call(
    _ server: Server, _ method: String, _ path: String, session: Session? = nil, csrf: Bool = true,
    token: String? = nil, json: [String: String]? = nil
  ) async throws -> (status: Int, body: Data, headers: [AnyHashable: Any]) {
    var request = URLRequest(url: URL(string: server.url.absoluteString + "/" + path)!)
    request.httpMethod = method
    request.httpShouldHandleCookies = false
    if let session {
      request.setValue("crackmon_session=\(session.cookie)", forHTTPHeaderField: "Cookie")
      if csrf { request.setValue(session.csrf, forHTTPHeaderField: "X-CSRF-Token") }
    }
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    if let json, method != "GET" { request.httpBody = try JSONSerialization.data(withJSONObject: json) }
    let (data, response) = try await client.data(for: request)
    return (response.status, data, (response as? HTTPURLResponse)?.allHeaderFields ?? [:])
  }

  static func message(_ body: Data) -> String {
    let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
    return ((json?["error"] as? [String: Any])?["message"] as? String)
      ?? String(decoding: body, as: UTF8.self)
  }

  /// Signs in; nil (and the status) when refused.
  static func signIn(_ server: Server, _ email: String, _ password: String) async throws -> (
    Session?, Int, Data
  ) {
    let (status, body, headers) = try await call(
      server, "POST", "v1/session", json: ["email": email, "password": password])
    guard status == 200 else { return (nil, status, body) }
    let setCookie = try #require(headers["Set-Cookie"] as? String)
    #expect(
      setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Strict"))
    let cookie = try #require(setCookie.firstMatch(of: /crackmon_session=([^;]+)/)?.1)
    let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    let csrf = try #require(json["csrfToken"] as? String)
    return (Session(cookie: String(cookie), csrf: csrf), status, body)
  }

  func addUser(_ org: String, _ email: String, role: String, password: String?) throws -> String {
    var arguments = ["admin", "user", "add", "--org", org, "--email", email, "--role", role]
    if let password {
      let file = field.directory.appendingPathComponent("password-\(email)")
      try Data((password + "\n").utf8).write(to: file)
      arguments += ["--password-file", file.path]
    }
    let added = try field.crackmon(arguments)
    #expect(added.status == 0, "\(added.stderr)")
    if let password {
      #expect(!added.stdout.contains("password:"))
      return password
    }
    return String(try #require(added.stdout.firstMatch(of: /password: (\S+)/)?.1))
  }

  func apiToken(_ org: String, role: String) throws -> (id: String, token: String) {
    let added = try field.crackmon(["admin", "token", "add", "--org", org, "--name", "cmms", "--role", role])
    #expect(added.status == 0, "\(added.stderr)")
    let token = try #require(added.stdout.firstMatch(of: /token: (cma_[0-9a-f]{64})/)?.1)
    let id = try #require(added.stdout.firstMatch(of: /API token (tok_[0-9a-f]+)/)?.1)
    return (String(id), String(token))
  }

  @Test(arguments: CentralBackend.available)
  func officeCallersReadTheirOrganisationAndCannotSync(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: field.directory) }
    try field.central.use(backend)
    for org in ["acme", "other"] { #expect(try field.crackmon(["admin", "org", "add", org]).status == 0) }
    let tablet = try field.token(org: "acme", name: "tablet")
    let viewerPassword = try addUser(
      "acme", "Viewer@Acme.example", role: "viewer", password: "a long viewer password")
    let firstPassword = try addUser("acme", "engineer@acme.example", role: "engineer", password: nil)
    _ = try addUser("other", "rival@other.example", role: "admin", password: "a long rival password")
    #expect(
      try field.crackmon([
        "admin", "user", "add", "--org", "acme", "--email", "viewer@acme.example", "--role", "viewer",
      ])
      .stderr.contains("exists already"))
    let shortFile = field.directory.appendingPathComponent("short")
    try Data("short\n".utf8).write(to: shortFile)
    #expect(
      try field.crackmon([
        "admin", "user", "add", "--org", "acme", "--email", "x@acme.example", "--role", "viewer",
        "--password-file",
        shortFile.path,
      ]).stderr.contains("at least 12 characters"))
    let integration = try apiToken("acme", role: "viewer")
    let rivalIntegration = try apiToken("other", role: "admin")
    let retired = try apiToken("acme", role: "admin")
    #expect(try field.crackmon(["admin", "token", "revoke", retired.id]).status == 0)

    let blobs = field.directory.appendingPathComponent("blobs")
    var server = try Server(central: field.central, blobs: blobs)
    defer { server.stop() }
    let store = try field.fieldStore("tablet", asset: "pier-17")
    #expect(
      try field.crackmon([
        "remote", "set", server.url.absoluteString, "--token", tablet.token, "--store", store,
      ])
      .status == 0)
    #expect(try field.crackmon(["sync", "--store", store]).status == 0)
    let sha = try #require(try DeviceStore(opening: store).captures(asset: "pier-17").first?.id)

    // Sign-in: one answer for a wrong password and an unknown address.
    let (viewer, status, _) = try await Self.signIn(server, "viewer@acme.example", viewerPassword)
    #expect(status == 200)
    let session = try #require(viewer)
    let (_, wrongStatus, wrong) = try await Self.signIn(server, "viewer@acme.example", "not the password")
    let (_, unknownStatus, unknown) = try await Self.signIn(server, "nobody@acme.example", "not the password")
    #expect(wrongStatus == 401 && unknownStatus == 401 && wrong == unknown)

    // The viewer, and the API token, read what the device token reads, byte for byte.
    for path in ["v1/assets/pier-17/map.geojson", "v1/assets/pier-17/report.csv", "v1/captures/\(sha)/photo"]
    {
      let byDevice = try await Self.call(server, "GET", path, token: tablet.token)
      #expect(byDevice.status == 200, "\(path)")
      let bySession = try await Self.call(server, "GET", path, session: session)
      let byToken = try await Self.call(server, "GET", path, token: integration.token)
      #expect(bySession.status == 200 && bySession.body == byDevice.body, "\(path) by session")
      #expect(byToken.status == 200 && byToken.body == byDevice.body, "\(path) by API token")
    }
    // Neither syncs: push, pull and uploads are a device's.
    for (method, path) in [("GET", "v1/pull?asset=pier-17"), ("GET", "v1/blobs/\(sha)"), ("POST", "v1/push")]
    {
      for caller in ["session", "token"] {
        let answer =
          caller == "session"
          ? try await Self.call(server, method, path, session: session, json: [:])
          : try await Self.call(server, method, path, token: integration.token, json: [:])
        #expect(answer.status == 403, "\(method) \(path) by \(caller)")
      }
    }
    // Another organisation's user and API token see nothing of acme's.
    let (rivalSession, _, _) = try await Self.signIn(server, "rival@other.example", "a long rival password")
    for path in ["v1/assets/pier-17/report.json", "v1/captures/\(sha)/thumbnail"] {
      #expect(try await Self.call(server, "GET", path, session: try #require(rivalSession)).status == 404)
      #expect(try await Self.call(server, "GET", path, token: rivalIntegration.token).status == 404)
    }
    #expect(
      try await Self.call(server, "GET", "v1/assets/pier-17/report.csv", token: retired.token).status == 401)

    // The list of assets is the caller's organisation's.
    let mine = try await Self.call(server, "GET", "v1/assets", session: session)
    #expect(mine.status == 200 && String(decoding: mine.body, as: UTF8.self).contains("\"pier-17\""))
    let theirs = try await Self.call(server, "GET", "v1/assets", token: rivalIntegration.token)
    #expect(theirs.status == 200 && String(decoding: theirs.body, as: UTF8.self) == "[]")
    #expect(try await Self.call(server, "GET", "v1/assets").status == 401)

    // A change made with the cookie alone (as another site could make a browser send it)
    // changes nothing; with the session's token it signs out.
    let forged = try await Self.call(server, "DELETE", "v1/session", session: session, csrf: false)
    #expect(forged.status == 403 && Self.message(forged.body).contains("X-CSRF-Token"))
    #expect(try await Self.call(server, "GET", "v1/session", session: session).status == 200)
    // Sessions are kept by the SHA-256 of their cookie, centrally: they outlive a restart.
    #expect(try field.central.count("office_session WHERE key_sha256 = '\(session.cookie)'") == 0)
    #expect(
      try field.central.count(
        "office_session WHERE key_sha256 = '\(PushTests.sha256(Data(session.cookie.utf8)))'") == 1)
    server.stop()
    server = try Server(central: field.central, blobs: blobs)
    #expect(
      try await Self.call(server, "GET", "v1/assets/pier-17/report.csv", session: session).status == 200)
    #expect(try await Self.call(server, "DELETE", "v1/session", session: session).status == 204)
    #expect(try await Self.call(server, "GET", "v1/session", session: session).status == 401)
    #expect(
      try await Self.call(server, "GET", "v1/assets/pier-17/report.csv", session: session).status == 401)

    // A printed password must be replaced before anything else.
    let engineer = try #require(try await Self.signIn(server, "engineer@acme.example", firstPassword).0)
    let blocked = try await Self.call(server, "GET", "v1/assets/pier-17/report.csv", session: engineer)
    #expect(blocked.status == 403 && Self.message(blocked.body).contains("choose your own password"))
    let change = "v1/session/password"
    #expect(
      try await Self.call(
        server, "POST", change, session: engineer, json: ["current": "wrong", "new": "x" * 12]
      )
      .status == 403)
    #expect(
      try await Self.call(
        server, "POST", change, session: engineer, json: ["current": firstPassword, "new": "short"]
      )
      .status == 400)
    #expect(
      try await Self.call(
        server, "POST", change, session: engineer, csrf: false,
        json: ["current": firstPassword, "new": "x" * 12]
      ).status == 403)
    #expect(
      try await Self.call(
        server, "POST", change, session: engineer, json: ["current": firstPassword, "new": "x" * 12]
      )
      .status == 200)
    #expect(
      try await Self.call(server, "GET", "v1/assets/pier-17/report.csv", session: engineer).status == 200)
    #expect(try await Self.signIn(server, "engineer@acme.example", "x" * 12).1 == 200)

    // Disabling a user ends their sessions at once; they cannot sign in again.
    #expect(try field.crackmon(["admin", "user", "disable", "engineer@acme.example"]).status == 0)
    #expect(
      try await Self.call(server, "GET", "v1/assets/pier-17/report.csv", session: engineer).status == 401)
    #expect(try await Self.signIn(server, "engineer@acme.example", "x" * 12).1 == 401)
    let listed = try field.crackmon(["admin", "user", "list"]).stdout
    #expect(listed.contains("engineer@acme.example  engineer  disabled"), "\(listed)")
    #expect(!listed.contains("$2"), "no password hash is shown")
  }
}

extension OfficeAccountTests {
  /// An engineer rejects a crack in the office: it leaves the server's map and report, the
  /// report names the reviewer, and the device following the asset gets the verdict at its
  /// next sync. Only engineers (and admins) of the asset's organisation may review, and a
  /// session only with its CSRF token.
  @Test(arguments: CentralBackend.available)
  func anEngineerReviewsInTheOfficeAndDevicesFollow(_ backend: CentralBackend) async throws {
    defer { try? FileManager.default.removeItem(at: field.directory) }
    try field.central.use(backend)
    for org in ["acme", "other"] { #expect(try field.crackmon(["admin", "org", "add", org]).status == 0) }
    let tablet = try field.token(org: "acme", name: "tablet")
    _ = try addUser("acme", "eng@acme.example", role: "engineer", password: "an engineer's password")
    _ = try addUser("other", "eng@other.example", role: "engineer", password: "a rival engineer's password")
    let reader = try apiToken("acme", role: "viewer")
    let cmms = try apiToken("acme", role: "engineer")
    let server = try Server(central: field.central, blobs: field.directory.appendingPathComponent("blobs"))
    defer { server.stop() }

    // The tablet measures the fixture photos' cracks and syncs them.
    let store = field.directory.appendingPathComponent("tablet.sqlite").path
    func on(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
      try field.crackmon(arguments + ["--store", store])
    }
    #expect(try on(["init"]).status == 0)
    #expect(
      try on([
        "asset", "add", "pier", "--name", "Pier", "--kind", "bridge", "--lat", "52.52", "--lon", "13.4",
      ])
      .status == 0)
    #expect(try on(["cycle", "add", "pier", "2026", "--date", "2026-06-01"]).status == 0)
    let photos = TestPaths.fixtures.appendingPathComponent("photos").path
    #expect(
      try on(["ingest", photos, "--asset", "pier", "--cycle", "2026", "--any-scene", "--no-register"]).status
        == 0)
    #expect(try on(["remote", "set", server.url.absoluteString, "--token", tablet.token]).status == 0)
    #expect(try on(["sync", "--no-photos"]).status == 0)
    let crack = try #require(
      try field.central.query("SELECT id FROM crack_observation ORDER BY id LIMIT 1").first?[0])
    let map = "v1/assets/pier/map.geojson"
    #expect(
      String(decoding: try await Self.call(server, "GET", map, token: reader.token).body, as: UTF8.self)
        .contains(crack))

    let engineer = try #require(try await Self.signIn(server, "eng@acme.example", "an engineer's password").0)
    let rival = try #require(
      try await Self.signIn(server, "eng@other.example", "a rival engineer's password").0)
    let reviews = "v1/assets/pier/reviews"
    let reject = [
      "observation": crack, "verdict": "reject", "as": "joint", "note": "formwork joint, 2 m grid",
    ]
    // Refused, and nothing written: a viewer, a device, a cookie without its token, another
    // organisation, a crack that is not there, a verdict that is not one.
    #expect(try await Self.call(server, "POST", reviews, token: reader.token, json: reject).status == 403)
    #expect(try await Self.call(server, "POST", reviews, token: tablet.token, json: reject).status == 403)
    #expect(
      try await Self.call(server, "POST", reviews, session: engineer, csrf: false, json: reject).status == 403
    )
    #expect(try await Self.call(server, "POST", reviews, session: rival, json: reject).status == 404)
    var unknown = reject
    unknown["observation"] = "no-such-crack"
    #expect(try await Self.call(server, "POST", reviews, session: engineer, json: unknown).status == 404)
    for (field, value) in [("verdict", "maybe"), ("as", "pothole")] {
      var bad = reject
      bad[field] = value
      #expect(
        try await Self.call(server, "POST", reviews, session: engineer, json: bad).status == 400, "\(field)")
    }
    #expect(try field.central.count("correction") == 0)

    let rejected = try await Self.call(server, "POST", reviews, session: engineer, json: reject)
    #expect(rejected.status == 201, "\(Self.message(rejected.body))")
    #expect(
      String(decoding: try await Self.call(server, "GET", map, token: reader.token).body, as: UTF8.self)
        .contains(crack) == false)
    let report = try #require(
      try JSONSerialization.jsonObject(
        with: try await Self.call(server, "GET", "v1/assets/pier/report.json", session: engineer).body)
        as? [String: Any])
    let listed = try #require((report["reviews"] as? [[String: Any]])?.first)
    #expect(listed["observation_id"] as? String == crack)
    #expect(listed["reason"] as? String == "joint: formwork joint, 2 m grid")
    #expect((listed["device_id"] as? String)?.hasPrefix("office:usr_") == true, "\(listed)")

    // The tablet gets the verdict at its next sync: the crack leaves its list too.
    #expect(try field.crackCycles(store, asset: "pier")[crack] != nil)
    #expect(try on(["sync", "--no-photos"]).status == 0)
    #expect(try field.crackCycles(store, asset: "pier")[crack] == nil)
    // An integration with the engineer role confirms it again, for every reader.
    let confirmed = try await Self.call(
      server, "POST", reviews, token: cmms.token, json: ["observation": crack, "verdict": "confirm"])
    #expect(confirmed.status == 201)
    #expect(
      String(decoding: try await Self.call(server, "GET", map, token: reader.token).body, as: UTF8.self)
        .contains(crack))
    #expect(try on(["sync", "--no-photos"]).status == 0)
    #expect(try field.crackCycles(store, asset: "pier")[crack] != nil)

    // No device may push as the office.
    let push = try JSONEncoder().encode(PushRequest(deviceId: "office:usr_0", entries: []))
    var request = URLRequest(url: server.url.appendingPathComponent("v1/push"))
    request.httpMethod = "POST"
    request.httpBody = push
    request.setValue("Bearer \(tablet.token)", forHTTPHeaderField: "Authorization")
    let (_, answer) = try await Self.client.data(for: request)
    #expect(answer.status == 403)
  }
}

extension String {
  fileprivate static func * (text: String, count: Int) -> String { String(repeating: text, count: count) }
}
