import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// The office's web application in real headless Chromium against a real `crackmon serve`:
/// an engineer signs in, sees the asset's numbers as the JSON API gives them, opens a track
/// with its photo, rejects a crack and sees the counts change; a request without the CSRF
/// token changes nothing; a user of another organisation sees none of it.
@Suite struct WebAppTests {
  let office: OfficeAccountTests

  init() throws { office = try OfficeAccountTests() }

  @Test(
    .enabled(if: Browser.unavailable == nil, "\(Browser.unavailable ?? "")"),
    arguments: CentralBackend.available)
  func anEngineerWorksInTheBrowser(_ backend: CentralBackend) async throws {
    let field = office.field
    defer { try? FileManager.default.removeItem(at: field.directory) }
    try field.central.use(backend)
    for org in ["acme", "other"] { #expect(try field.crackmon(["admin", "org", "add", org]).status == 0) }
    let tablet = try field.token(org: "acme", name: "tablet")
    _ = try office.addUser("acme", "eng@acme.example", role: "engineer", password: "an engineer's password")
    _ = try office.addUser("other", "v@other.example", role: "viewer", password: "a rival viewer's password")
    let reader = try office.apiToken("acme", role: "viewer")
    let server = try Server(central: field.central, blobs: field.directory.appendingPathComponent("blobs"))
    defer { server.stop() }

    // The tablet measures the fixture photos' cracks and syncs them, photos and all.
    let store = field.directory.appendingPathComponent("tablet.sqlite").path
    func on(_ arguments: [String]) throws -> Int32 {
      try field.crackmon(arguments + ["--store", store]).status
    }
    #expect(try on(["init"]) == 0)
    #expect(
      try on([
        "asset", "add", "pier", "--name", "Pier 17", "--kind", "bridge", "--lat", "52.52", "--lon", "13.4",
      ]) == 0)
    #expect(try on(["cycle", "add", "pier", "2026", "--date", "2026-06-01"]) == 0)
    let photos = TestPaths.fixtures.appendingPathComponent("photos").path
    #expect(
      try on(["ingest", photos, "--asset", "pier", "--cycle", "2026", "--any-scene", "--no-register"]) == 0)
    #expect(try on(["remote", "set", server.url.absoluteString, "--token", tablet.token]) == 0)
    #expect(try on(["sync"]) == 0)

    /// The asset as `GET /v1/assets` gives it, once central tracking has caught up with `cracks`.
    func assetJSON(until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
      var last: [String: Any] = [:]
      for _ in 0..<150 {
        let answer = try await OfficeAccountTests.call(server, "GET", "v1/assets", token: reader.token)
        last = (try JSONSerialization.jsonObject(with: answer.body) as? [[String: Any]])?.first ?? [:]
        if done(last) { return last }
        try await Task.sleep(for: .milliseconds(100))
      }
      return last
    }
    let before = try await assetJSON { ($0["tracks"] as? Int ?? 0) > 0 }
    let cracks = try #require(before["cracks"] as? Int)
    #expect(cracks > 0)

    try await Browser.with { browser in
      let base = server.url.absoluteString
      // Not signed in: sent to sign in.
      try await browser.go(base + "/assets/pier")
      #expect(try await browser.url.hasSuffix("/signin"))
      try await browser.type("input[name=email]", "eng@acme.example")
      try await browser.type("input[name=password]", "an engineer's password")
      try await browser.click("form#signin button")
      #expect(try await browser.wait(for: "location.pathname === '/' && document.querySelector('#assets')"))

      /// The numbers a page shows, by `data-field`, within `scope`.
      func shown(_ scope: String) async throws -> [String: Int] {
        let text =
          try await browser.script(
            """
            const out = {};
            document.querySelectorAll("\(scope) [data-field]").forEach(e => out[e.dataset.field] = Number(e.textContent));
            return JSON.stringify(out);
            """) as? String ?? "{}"
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Int]) ?? [:]
      }
      let fields = ["cycles", "photos", "cracks", "tracks", "alerts"]
      let listed = try await shown("tr[data-asset=pier]")
      for name in fields { #expect(listed[name] == before[name] as? Int, "assets page: \(name)") }

      try await browser.go(base + "/assets/pier")
      let page = try await shown(".numbers")
      let text = try await browser.script("return document.body.textContent") as? String ?? ""
      for name in fields {
        #expect(page[name] == before[name] as? Int, "asset page: \(name): \(text.prefix(300))")
      }
      let rows =
        try await browser.script("return document.querySelectorAll('#tracks tr[data-track]').length") as? Int
      #expect(rows == before["tracks"] as? Int)
      #expect(
        try await browser.script("return document.querySelectorAll('svg.plan a.crack').length") as? Int ?? 0
          > 0)

      // A track's page, with its crack cropped from the organisation's copy of the photo.
      try await browser.click("#tracks tr[data-track] a")
      #expect(try await browser.wait(for: "document.querySelector('#cracks img.crop')?.naturalWidth > 0"))

      // A change without the session's CSRF token (as another site could make the browser
      // send it, cookie and all) is refused and changes nothing.
      let observation = try #require(
        try await browser.script(
          "return document.querySelector('#cracks tr[data-observation]').dataset.observation")
          as? String)
      let forged = try await browser.script(
        """
        const done = arguments[arguments.length - 1];
        fetch("/v1/assets/pier/reviews", {method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify({observation: "\(observation)", verdict: "reject", as: "stain"})})
          .then(r => done(r.status), e => done(String(e)));
        """, async: true)
      #expect(forged as? Int == 403)
      #expect(try field.central.count("correction") == 0)

      // Reject it as a joint: the crack leaves the track and the asset's counts.
      try await browser.click("#cracks tr[data-observation] button[data-verdict=reject]")
      #expect(
        try await browser.wait(
          for:
            "document.readyState === 'complete' && !document.querySelector('#cracks tr[data-observation=\"\(observation)\"]')"
        ))
      #expect(try field.central.count("correction WHERE kind = 'reject_observation'") == 1)
      let after = try await assetJSON { $0["cracks"] as? Int == cracks - 1 }
      #expect(after["cracks"] as? Int == cracks - 1)
      try await browser.go(base + "/assets/pier")
      #expect(try await shown(".numbers")["cracks"] == cracks - 1)

      // Another organisation's user sees none of it.
      try await browser.click("#signout")
      #expect(try await browser.wait(for: "location.pathname === '/signin'"))
      try await browser.type("input[name=email]", "v@other.example")
      try await browser.type("input[name=password]", "a rival viewer's password")
      try await browser.click("form#signin button")
      #expect(try await browser.wait(for: "location.pathname === '/' && document.querySelector('main')"))
      let theirs =
        try await browser.script("return document.querySelector('main').textContent") as? String ?? ""
      #expect(!theirs.contains("Pier 17") && !theirs.contains("pier"), "\(theirs)")
      try await browser.go(base + "/assets/pier")
      let refused =
        try await browser.script("return document.querySelector('main').textContent") as? String ?? ""
      #expect(refused.contains("Not found") && !refused.contains("Pier 17"), "\(refused)")
      try await browser.go(base + "/v1/assets/pier/report.json")
      let report = try await browser.script("return document.body.textContent") as? String ?? ""
      #expect(report.contains("no asset") && !report.contains(observation))
    }
  }
}
