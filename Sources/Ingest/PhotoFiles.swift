import Foundation

/// The files an ingest or metadata run should look at.
public enum PhotoFiles {
  /// Expands files and directories (recursively, hidden entries skipped) into a sorted
  /// list of regular files. Inputs that do not exist come back in `missing`.
  public static func expand(_ inputs: [String]) -> (files: [URL], missing: [String]) {
    var files: [URL] = []
    var missing: [String] = []
    let fm = FileManager.default
    for input in inputs {
      var isDirectory: ObjCBool = false
      guard fm.fileExists(atPath: input, isDirectory: &isDirectory) else {
        missing.append(input)
        continue
      }
      let url = URL(fileURLWithPath: input)
      guard isDirectory.boolValue else {
        files.append(url)
        continue
      }
      let walker = fm.enumerator(
        at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
      var found: [URL] = []
      while let item = walker?.nextObject() as? URL {
        if (try? item.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
          found.append(item)
        }
      }
      files += found.sorted { $0.path < $1.path }
    }
    return (files, missing)
  }
}
