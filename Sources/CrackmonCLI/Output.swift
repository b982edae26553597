import Foundation

/// JSON for scripts: snake_case keys, stable key order.
func jsonEncoder(pretty: Bool = true) -> JSONEncoder {
  let encoder = JSONEncoder()
  encoder.keyEncodingStrategy = .convertToSnakeCase
  encoder.outputFormatting =
    pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
  return encoder
}

func printJSON<T: Encodable>(_ value: T) throws {
  print(String(decoding: try jsonEncoder().encode(value), as: UTF8.self))
}

/// A plain left-aligned table for people.
func printTable(_ header: [String], _ rows: [[String]]) {
  let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
  func line(_ cells: [String]) -> String {
    zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
      .trimmingCharacters(in: .whitespaces)
  }
  print(line(header))
  rows.forEach { print(line($0)) }
}

/// Writes to standard error, for progress and summaries that must not mix with JSON on stdout.
func printError(_ text: String, terminator: String = "\n") {
  FileHandle.standardError.write(Data((text + terminator).utf8))
}
