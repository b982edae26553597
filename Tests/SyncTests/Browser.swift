import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

/// Headless Chromium driven through Debian's chromedriver (W3C WebDriver over HTTP): a real
/// browser that runs the pages' script, keeps the session cookie and sends what a user's
/// browser sends.
final class Browser {
  static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
  static let chromedriver = ["/usr/bin/chromedriver"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
  static let unavailable: String? =
    chromium == nil || chromedriver == nil
    ? "Debian's chromium and chromium-driver are needed (tools/setup.sh installs them)" : nil

  let driver = Process()
  let endpoint: URL
  var session = ""

  init() async throws {
    let port = try RawConnection.freePort()
    driver.executableURL = URL(fileURLWithPath: try #require(Self.chromedriver))
    driver.arguments = ["--port=\(port)"]
    driver.standardOutput = FileHandle.nullDevice
    driver.standardError = FileHandle.nullDevice
    try driver.run()
    endpoint = URL(string: "http://127.0.0.1:\(port)")!
    var ready = false
    var last = ""
    for _ in 0..<100 where !ready {
      do {
        let status = try await call("GET", "status")
        ready = status?["ready"] as? Bool == true
        last = "\(status ?? [:])"
      } catch {
        last = "\(error)"
      }
      if !ready { try await Task.sleep(for: .milliseconds(100)) }
    }
    guard ready else {
      kill(driver.processIdentifier, SIGKILL)
      throw Failure(message: "chromedriver on port \(port) did not start: \(last)")
    }
    let capabilities: [String: Any] = [
      "capabilities": [
        "alwaysMatch": [
          "goog:chromeOptions": [
            "binary": try #require(Self.chromium),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1300,1600"],
          ]
        ]
      ]
    ]
    let made = try #require(try await call("POST", "session", capabilities))
    session = try #require(made["sessionId"] as? String)
  }

  /// `body` with a new browser, which is closed afterwards whatever happens.
  static func with(_ body: (Browser) async throws -> Void) async throws {
    let browser = try await Browser()
    do {
      try await body(browser)
    } catch {
      await browser.quit()
      throw error
    }
    await browser.quit()
  }

  func quit() async {
    _ = try? await call("DELETE", "session/\(session)")
    // chromedriver does not stop on SIGTERM.
    kill(driver.processIdentifier, SIGKILL)
    driver.waitUntilExit()
  }

  /// One WebDriver command; its `value`. A WebDriver error (no such element...) throws.
  @discardableResult
  func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any]? {
    let json = try await send(method, path, body) as? [String: Any]
    if let value = json?["value"] as? [String: Any], let error = value["error"] as? String {
      throw Failure(message: "\(error): \(value["message"] as? String ?? "")")
    }
    return json?["value"] as? [String: Any] ?? json
  }

  /// The JSON a WebDriver command answers.
  func send(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Any? {
    var request = HTTPClientRequest(url: endpoint.appendingPathComponent(path).absoluteString)
    request.method = .RAW(value: method)
    if let body {
      request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
      request.headers.add(name: "Content-Type", value: "application/json")
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    let bytes = try await response.body.collect(upTo: 64 << 20)
    return try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))
  }

  struct Failure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }

  func go(_ url: String) async throws { try await call("POST", "session/\(session)/url", ["url": url]) }

  var url: String {
    get async throws {
      (try await send("GET", "session/\(session)/url", nil) as? [String: Any])?["value"] as? String ?? ""
    }
  }

  /// The first element matching `css`.
  func element(_ css: String) async throws -> String {
    let found = try await call("POST", "session/\(session)/element", ["using": "css selector", "value": css])
    return try #require(found?.values.first as? String, "no element \(css)")
  }

  func type(_ css: String, _ text: String) async throws {
    try await call("POST", "session/\(session)/element/\(try await element(css))/value", ["text": text])
  }

  func click(_ css: String) async throws {
    try await call("POST", "session/\(session)/element/\(try await element(css))/click", [:])
  }

  /// The value of a script run in the page (its last `return`); `async` scripts call
  /// `arguments[arguments.length - 1]` with theirs.
  func script(_ source: String, async: Bool = false) async throws -> Any? {
    let answer = try await send(
      "POST", "session/\(session)/execute/\(async ? "async" : "sync")", ["script": source, "args": [Any]()])
    return (answer as? [String: Any])?["value"]
  }

  /// Waits (up to `seconds`) for a script to return true: pages load and reload on their own.
  func wait(for condition: String, seconds: Double = 15) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if (try? await script("return Boolean(\(condition))")) as? Bool == true { return true }
      try await Task.sleep(for: .milliseconds(100))
    }
    return false
  }
}
