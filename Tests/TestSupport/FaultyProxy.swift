import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP proxy on loopback that misbehaves like a field network: it drops connections at
/// random points (truncating whatever body was on its way), and delays data. Sync must
/// come through it with nothing lost and nothing duplicated.
///
/// The link drops after a random number of bytes (exponentially distributed, mean
/// `meanBytesBetweenCuts`, counted both ways), as a radio link does, whatever the client's
/// requests look like: a client that keeps one connection alive for a whole sync meets as
/// many cuts as one that opens a connection per request.
///
/// Plain blocking sockets and one thread per direction: simple, and enough for a test.
public final class FaultyProxy: @unchecked Sendable {
  public private(set) var port = 0
  public let targetPort: Int
  public let meanBytesBetweenCuts: Double
  /// Each forwarded read waits up to this long.
  public let maxDelay: Duration
  private var listener: Int32 = -1
  private let lock = NSLock()
  private var generator: SystemRandomNumberGenerator
  public private(set) var connections = 0
  public private(set) var exchanges = 0
  public private(set) var cuts = 0

  public init(targetPort: Int, meanBytesBetweenCuts: Double, maxDelay: Duration = .milliseconds(5)) {
    self.targetPort = targetPort
    self.meanBytesBetweenCuts = meanBytesBetweenCuts
    self.maxDelay = maxDelay
    generator = SystemRandomNumberGenerator()
  }

  /// Bytes until the next cut.
  private func nextCut() -> Int {
    Int(-meanBytesBetweenCuts * log(random(Double.ulpOfOne...1)))
  }

  private func random(_ range: ClosedRange<Double>) -> Double {
    lock.lock()
    defer { lock.unlock() }
    return Double.random(in: range, using: &generator)
  }

  private static func address(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
  }

  /// Starts listening on a free loopback port (`port`).
  public func start() throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    listener = fd
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = Self.address(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    port = Int(UInt16(bigEndian: address.sin_port))
    Thread.detachNewThread { [self] in
      while true {
        let client = accept(fd, nil, nil)
        if client < 0 { return }  // closed by stop()
        handle(client)
      }
    }
  }

  public func stop() {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  private func handle(_ client: Int32) {
    let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = Self.address(port: targetPort)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {  // server down (killed): the client sees a reset
      close(server)
      close(client)
      return
    }
    lock.lock()
    connections += 1
    lock.unlock()
    let pair = Pair(client: client, server: server, cutAfter: nextCut()) { [self] in
      lock.lock()
      exchanges += 1
      lock.unlock()
    }
    Thread.detachNewThread { [self] in pump(from: client, to: server, upstream: true, pair: pair) }
    Thread.detachNewThread { [self] in pump(from: server, to: client, upstream: false, pair: pair) }
  }

  /// Both sockets of a connection, closed once when either direction ends.
  final class Pair: @unchecked Sendable {
    let client: Int32
    let server: Int32
    private var open = 2
    private let lock = NSLock()
    /// Counts exchanges (the client speaking after the server has), for the report.
    private let newExchange: () -> Void
    private var clientSpokeLast = false
    private var budget: Int

    init(client: Int32, server: Int32, cutAfter: Int, newExchange: @escaping () -> Void) {
      self.client = client
      self.server = server
      budget = cutAfter
      self.newExchange = newExchange
    }

    /// How many of `n` bytes read may go on, and whether the connection is cut after them.
    func allow(_ n: Int, upstream: Bool) -> (count: Int, cut: Bool) {
      lock.lock()
      defer { lock.unlock() }
      if upstream, !clientSpokeLast { newExchange() }
      clientSpokeLast = upstream
      if n >= budget { return (budget, true) }
      budget -= n
      return (n, false)
    }

    /// A reset, as a dropped radio link or a killed peer gives: linger 0 makes the close an RST.
    func cut() {
      var reset = linger(l_onoff: 1, l_linger: 0)
      for fd in [client, server] {
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
        shutdown(fd, Int32(SHUT_RDWR))
      }
    }

    func finished() {
      lock.lock()
      open -= 1
      let last = open == 0
      lock.unlock()
      if last {
        close(client)
        close(server)
      }
    }
  }

  private func pump(from source: Int32, to sink: Int32, upstream: Bool, pair: Pair) {
    defer { pair.finished() }
    var buffer = [UInt8](repeating: 0, count: 16_384)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
      if n <= 0 {
        shutdown(sink, Int32(SHUT_WR))
        return
      }
      if maxDelay > .zero {
        Thread.sleep(forTimeInterval: random(0...1) * Double(maxDelay.components.attoseconds) / 1e18)
      }
      let (count, cut) = pair.allow(n, upstream: upstream)
      var offset = 0
      while offset < count {
        let written = buffer.withUnsafeBytes {
          send(sink, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL))
        }
        if written <= 0 {
          pair.cut()
          return
        }
        offset += written
      }
      if cut {
        lock.lock()
        cuts += 1
        lock.unlock()
        pair.cut()
        return
      }
    }
  }
}
