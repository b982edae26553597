import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One blocking TCP connection to a loopback port, for requests no HTTP client will send:
/// half a header, a body that stops in the middle, a socket left idle.
public final class RawConnection {
  private let fd: Int32

  public init(port: Int) throws {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      close(fd)
      throw POSIXError(.ECONNREFUSED)
    }
  }

  deinit { close(fd) }

  /// A loopback port that was free a moment ago: the system hands one out and takes it back.
  public static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  public func send(_ data: Data) throws {
    let sent = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == data.count else { throw POSIXError(.EPIPE) }
  }

  public func send(_ text: String) throws { try send(Data(text.utf8)) }

  /// Reads until the peer closes the connection or `seconds` pass with nothing to read.
  /// `closed` says which: true when the server hung up.
  public func readUntilClosed(seconds: Int) -> (data: Data, closed: Bool) {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = recv(fd, &buffer, buffer.count, 0)
      if n > 0 {
        data.append(contentsOf: buffer[0..<n])
      } else {
        return (data, n == 0 || errno == ECONNRESET)
      }
    }
  }

  /// Reads what arrives within `seconds` (one response, say), without waiting for the close.
  public func read(seconds: Int) -> Data {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    let n = recv(fd, &buffer, buffer.count, 0)
    return n > 0 ? Data(buffer[0..<n]) : Data()
  }
}
