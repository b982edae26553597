import ArgumentParser
import CaptureMetadata
import Foundation
import Ingest

struct MetadataCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "metadata",
    abstract: "Print each photo's capture metadata as JSON Lines, one object per file.",
    discussion: """
      Reads JPEG and HEIC/HEIF photos: GPS (with gps_status and gps_problem), DJI XMP flight and \
      gimbal values, focal lengths, size and orientation. Files that cannot be read give an object \
      with "error" and "message" instead. Directories are walked recursively. Exits non-zero if \
      any file failed.
      """)

  @Argument(help: "Photo files or directories.")
  var photos: [String]

  func run() throws {
    let (files, missing, skipped) = PhotoFiles.expand(photos)
    let encoder = jsonEncoder(pretty: false)
    var failures = 0
    var out = ""
    func emit(_ line: some Encodable) throws {
      out += String(decoding: try encoder.encode(line), as: UTF8.self) + "\n"
      if out.utf8.count > 1 << 16 {
        FileHandle.standardOutput.write(Data(out.utf8))
        out = ""
      }
    }
    for entry in skipped {
      try emit(SkippedLine(path: entry.path, skipped: entry.reason))
    }
    for path in missing {
      failures += 1
      try emit(FailureLine(path: path, error: "not_found", message: "\(path): no such file or directory"))
    }
    for start in stride(from: 0, to: files.count, by: 256) {
      for result in CaptureMetadata.readAll(Array(files[start..<min(start + 256, files.count)])) {
        switch result {
        case .success(let metadata): try emit(metadata)
        case .failure(let error):
          failures += 1
          try emit(FailureLine(path: error.path, error: error.code, message: error.description))
        }
      }
    }
    FileHandle.standardOutput.write(Data(out.utf8))
    if failures > 0 {
      printError("\(failures) of \(files.count + missing.count) files could not be read")
      throw ExitCode(1)
    }
  }

  /// A walked entry that is not a file to read: said, and not a failure.
  struct SkippedLine: Encodable {
    var path: String
    var skipped: String
  }

  struct FailureLine: Encodable {
    var path: String
    var error: String
    var message: String
  }
}
