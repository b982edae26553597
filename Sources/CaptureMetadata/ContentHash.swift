import Crypto
import Foundation

/// Content addressing: a capture's id is the SHA-256 of its file bytes, so the same
/// photo is the same capture on every device and on the server.
public enum ContentHash {
  public static func sha256(_ data: Data) -> String {
    SHA256.hash(data: data).map { byte in
      let s = String(byte, radix: 16)
      return byte < 16 ? "0" + s : s
    }.joined()
  }
}
