import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP proxy on loopback that misbehaves like a field network: it drops connections at
/// random points (truncating whatever body was on its way), and delays data. Sync must
/// come through it with nothing lost and nothing duplicated.
///
/// Plain blocking sockets and one thread per direction: simple, and enough for a test.
public final class FaultyProxy: @unchecked Sendable {
  public private(set) var port = 0
  public let targetPort: Int
  /// Fraction of connections cut, somewhere in their first `cutWithin` bytes.
  public let dropRate: Double
  public let cutWithin: Int
  /// Each forwarded read waits up to this long.
  public let maxDelay: Duration
  private var listener: Int32 = -1
  private let lock = NSLock()
  private var generator: SystemRandomNumberGenerator
  public private(set) var connections = 0
  public private(set) var cuts = 0

  public init(
    targetPort: Int, dropRate: Double = 0.1, cutWithin: Int = 200_000, maxDelay: Duration = .milliseconds(5)
  ) {
    self.targetPort = targetPort
    self.dropRate = dropRate
    self.cutWithin = cutWithin
    self.maxDelay = maxDelay
    generator = SystemRandomNumberGenerator()
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
    let n = Double(connections)
    lock.unlock()
    // `dropRate` of the connections, evenly spread (so a short run sees its share), get one
    // direction cut after a random byte count.
    let cut = Int(n * dropRate) != Int((n - 1) * dropRate)
    let cutUpstream = random(0...1) < 0.5
    let cutAt = Int(random(0...Double(cutWithin)))
    let pair = Pair(client: client, server: server)
    Thread.detachNewThread { [self] in
      pump(from: client, to: server, cutAfter: cut && cutUpstream ? cutAt : nil, pair: pair)
    }
    Thread.detachNewThread { [self] in
      pump(from: server, to: client, cutAfter: cut && !cutUpstream ? cutAt : nil, pair: pair)
    }
  }

  /// Both sockets of a connection, closed once when either direction ends.
  final class Pair: @unchecked Sendable {
    let client: Int32
    let server: Int32
    private var open = 2
    private let lock = NSLock()

    init(client: Int32, server: Int32) {
      self.client = client
      self.server = server
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

  private func pump(from source: Int32, to sink: Int32, cutAfter: Int?, pair: Pair) {
    defer { pair.finished() }
    var buffer = [UInt8](repeating: 0, count: 16_384)
    var forwarded = 0
    while true {
      let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
      if n <= 0 {
        shutdown(sink, Int32(SHUT_WR))
        return
      }
      if maxDelay > .zero {
        Thread.sleep(forTimeInterval: random(0...1) * Double(maxDelay.components.attoseconds) / 1e18)
      }
      var count = n
      if let cutAfter, forwarded + n > cutAfter { count = max(0, cutAfter - forwarded) }
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
      forwarded += count
      if let cutAfter, forwarded >= cutAfter {
        lock.lock()
        cuts += 1
        lock.unlock()
        pair.cut()
        return
      }
    }
  }
}
