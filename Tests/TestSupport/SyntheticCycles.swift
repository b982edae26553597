import Foundation

/// tools/synth/make_cycles.py: photos of a synthetic asset over yearly cycles, with cracks
/// that grow by known amounts (truth.json beside them).
public enum SyntheticCycles {
  public static let generator = TestPaths.repositoryRoot.appendingPathComponent("tools/synth/make_cycles.py")

  /// The generator needs Debian's python3 with numpy, scipy and Pillow (tools/setup.sh
  /// installs python3-numpy, python3-scipy and python3-pil); a python3 earlier on the PATH
  /// (pyenv, a virtualenv) may not have them.
  public static var canGenerate: Bool {
    (try? python(["-c", "import numpy, scipy, PIL"]).status) == 0
  }

  public static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let run = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), arguments)
    return (run.status, run.stdout + run.stderr)
  }

  /// Writes `cycles` yearly folders (2023, 2024, ...) of photos under `folder`.
  public static func generate(into folder: URL, cycles: Int) throws -> (status: Int32, output: String) {
    try python([generator.path, "--out", folder.path, "--cycles", String(cycles)])
  }
}
