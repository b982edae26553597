import Foundation
import TestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// `crackmon serve` as a real process on loopback: on a free port, or on a given one (to
/// come back where it was after being killed).
final class Server {
  let process = Process()
  let url: URL
  let port: Int

  init(central: CentralUnderTest, blobs: URL, port: Int = 0, environment: [String: String] = [:]) throws {
    process.executableURL = TestPaths.crackmonBinary
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    process.arguments =
      ["serve"] + central.serveArguments + ["--blobs", blobs.path, "--listen", "127.0.0.1:\(port)"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    // The first line says where it listens.
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let bound = text.firstMatch(of: /listening on 127\.0\.0\.1:(\d+)/).flatMap({ Int($0.1) }) else {
      process.terminate()
      throw CocoaError(
        .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(text)"])
    }
    self.port = bound
    url = URL(string: "http://127.0.0.1:\(bound)")!
  }

  func stop() {
    process.terminate()
    process.waitUntilExit()
  }

  /// SIGKILL: no shutdown, no flush, as in a power cut.
  func kill() {
    _ = Glibc.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }
}
