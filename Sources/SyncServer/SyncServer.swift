import Foundation
import Hummingbird
import Logging
import NIOCore
import Store

/// The central server: Hummingbird 2 over a `CentralStore`.
///
/// Every `/v1` request needs `Authorization: Bearer <device token>`; the token's
/// registration scopes what it may read and write to its organisation. Errors are JSON
/// (`{"error": {"message": ...}}`): 401 for a missing, unknown or revoked token, 403 for
/// another organisation's data, 413 over the size limit, 400 for a malformed body. Plain
/// HTTP: TLS is terminated in front of it (README, "Central server").
public struct SyncServer: Sendable {
  public let store: any CentralStore
  /// Largest push body accepted: 500 entries of the largest rows (captures carry their
  /// full metadata JSON) fit with room to spare.
  public static let maxPushBytes = 16 << 20

  public init(store: any CentralStore) {
    self.store = store
  }

  struct Context: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Bodies over this are refused with 413 before they are decoded.
    var maxUploadSize: Int { SyncServer.maxPushBytes }

    init(source: Source) {
      coreContext = .init(source: source)
    }
  }

  struct Health: ResponseEncodable {
    var status = "ok"
  }

  /// The router, for `application` and for tests that call it without a socket.
  func router() -> Router<Context> {
    let router = Router(context: Context.self)
    router.get("healthz") { _, _ in Health() }
    router.post("v1/push") { request, context -> PushResult in
      let device = try authenticate(request)
      let push: PushRequest
      do {
        push = try await request.decode(as: PushRequest.self, context: context)
      } catch let error as HTTPError {
        throw error
      } catch is NIOTooManyBytesError {
        throw HTTPError(
          .contentTooLarge, message: "push body over \(Self.maxPushBytes) bytes: send smaller batches")
      } catch {
        throw HTTPError(.badRequest, message: "malformed push body: \(error)")
      }
      do throws(CentralError) {
        let result = try store.push(push.entries, from: push.deviceId, as: device)
        context.logger.info(
          "push",
          metadata: ["device": "\(device.id)", "applied": "\(result.applied)", "acked": "\(result.ackedSeq)"])
        return result
      } catch {
        if case .database(let message) = error {
          context.logger.error("push failed", metadata: ["device": "\(device.id)", "error": "\(message)"])
        }
        throw Self.httpError(error)
      }
    }
    return router
  }

  func authenticate(_ request: Request) throws -> DeviceRegistration {
    guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
      throw HTTPError(.unauthorized, message: CentralError.unauthorized.description)
    }
    do throws(CentralError) {
      return try store.authenticate(token: String(header.dropFirst("Bearer ".count)))
    } catch {
      throw Self.httpError(error)
    }
  }

  static func httpError(_ error: CentralError) -> HTTPError {
    switch error {
    case .unauthorized: HTTPError(.unauthorized, message: error.description)
    case .forbidden: HTTPError(.forbidden, message: error.description)
    case .badEntry, .unknownOrg, .orgExists, .unknownDevice:
      HTTPError(.badRequest, message: error.description)
    // Never the database's own words: they may name paths and tables.
    case .database: HTTPError(.internalServerError, message: "central store error")
    }
  }

  /// Serves until the process is stopped. `onListening` gets the bound port (useful with port 0).
  public func run(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void = { _ in })
    async throws
  {
    var logger = Logger(label: "crackmon.serve")
    logger.logLevel = .info
    let app = Application(
      router: router(),
      configuration: .init(address: .hostname(host, port: port), serverName: "crackmon"),
      onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
      logger: logger)
    try await app.runService()
  }
}

extension PushResult: ResponseEncodable {}
