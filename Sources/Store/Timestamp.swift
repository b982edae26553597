import Foundation

/// Store timestamps: UTC, ISO 8601 with milliseconds, so that text order is time order.
public enum Timestamp {
  public static func now() -> String {
    Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
  }

  /// Whether `text` is a calendar date written YYYY-MM-DD.
  public static func isDate(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
    else { return false }
    var components = DateComponents(year: y, month: m, day: d)
    components.calendar = Calendar(identifier: .gregorian)
    return (1...12).contains(m) && components.isValidDate
  }
}
