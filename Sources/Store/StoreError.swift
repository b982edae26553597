/// Why a store operation was refused. Each case reads as one sentence for the user.
public enum StoreError: Error, Equatable, CustomStringConvertible, Sendable {
  case noStore(path: String)
  case storeExists(path: String)
  case unknownAsset(String)
  case assetExists(String)
  case unknownCycle(asset: String, label: String)
  case cycleExists(asset: String, label: String)
  case unknownObservation(String)
  case unknownCapture(String)
  /// An asset or cycle retired by a correction: nothing more goes into it.
  case retired(String, reason: String)
  case unknownTrack(String, asset: String)
  case invalid(field: String, reason: String)
  case database(String)

  public var description: String {
    switch self {
    case .noStore(let path): "no crackmon store at \(path); create one with `crackmon init --store \(path)`"
    case .storeExists(let path): "a crackmon store already exists at \(path)"
    case .unknownAsset(let id): "no asset \"\(id)\"; add it with `crackmon asset add \(id) ...`"
    case .assetExists(let id): "asset \"\(id)\" already exists"
    case .unknownCycle(let asset, let label):
      "asset \"\(asset)\" has no inspection cycle \"\(label)\"; add it with `crackmon cycle add \(asset) \(label)`"
    case .cycleExists(let asset, let label): "asset \"\(asset)\" already has an inspection cycle \"\(label)\""
    case .unknownObservation(let id):
      "no crack observation \"\(id)\"; list them with `crackmon cracks --asset ...`"
    case .unknownCapture(let id):
      "no capture \"\(id)\" (give its id or at least 4 leading characters of it); list them with `crackmon captures --asset ...`"
    case .retired(let what, let reason): "\(what) was retired (\(reason)); nothing more can be recorded in it"
    case .unknownTrack(let id, let asset):
      "asset \"\(asset)\" has no crack track \"\(id)\"; run `crackmon track --asset \(asset)` and pick one it lists"
    case .invalid(let field, let reason): "\(field): \(reason)"
    case .database(let message): "store error: \(message)"
    }
  }
}
