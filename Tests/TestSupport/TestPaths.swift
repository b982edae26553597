import Foundation

/// Where the tests find their inputs: the project's own fixtures, the shared datasets
/// beside the checkout, and the built `crackmon` binary.
public enum TestPaths {
  public static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static let fixtures = repositoryRoot.appendingPathComponent("fixtures")

  public static func fixture(_ relativePath: String) -> URL {
    fixtures.appendingPathComponent(relativePath)
  }

  /// `../shared/datasets` beside the checkout; CI always has it, a laptop may not.
  public static let sharedDatasets = repositoryRoot.deletingLastPathComponent()
    .appendingPathComponent("shared/datasets")

  public static let exifCorpus = sharedDatasets.appendingPathComponent("exif")

  public static var hasCrackDatasets: Bool {
    FileManager.default.fileExists(
      atPath: sharedDatasets.appendingPathComponent("cracks/uav75/val/images").path)
  }

  public static var hasExifCorpus: Bool {
    FileManager.default.fileExists(atPath: exifCorpus.appendingPathComponent("exiftool-reference.json").path)
  }

  /// The `crackmon` executable built next to the test bundle.
  public static var crackmonBinary: URL {
    if let override = ProcessInfo.processInfo.environment["CRACKMON_BIN"] {
      return URL(fileURLWithPath: override)
    }
    let runner = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    var directory = runner.deletingLastPathComponent()
    // On Linux the runner is <products>/crackmonPackageTests.xctest; on macOS it sits deeper in a bundle.
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("crackmon").path),
      directory.path != "/"
    {
      directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("crackmon")
  }

  /// A fresh empty directory, removed by the caller when done.
  public static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "crackmon-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

/// Runs `crackmon` with arguments and returns its exit status, stdout and stderr.
public func runCrackmon(
  _ arguments: [String], environment: [String: String] = [:], binary: URL = TestPaths.crackmonBinary
) throws -> (
  status: Int32, stdout: String, stderr: String
) {
  try runProcess(binary, arguments, environment: environment)
}

/// Runs a program with arguments and returns its exit status, stdout and stderr.
public func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws
  -> (
    status: Int32, stdout: String, stderr: String
  )
{
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  var env = ProcessInfo.processInfo.environment
  env.merge(environment) { $1 }
  process.environment = env
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  // Read before waiting so a large output cannot fill the pipe and block the child.
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  let stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (
    process.terminationStatus, String(decoding: stdout, as: UTF8.self),
    String(decoding: stderr, as: UTF8.self)
  )
}
