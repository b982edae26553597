import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdBcrypt
import NIOCore
import Store

/// Who a request comes from: a field device (its bearer token), an integration (an API
/// token, `cma_...`) or an office user (a session cookie from `POST /v1/session`). A bearer
/// token wins over a cookie.
public enum Caller: Sendable {
  case device(DeviceRegistration)
  case integration(ApiToken)
  case user(OfficeUser, OfficeSession)

  public var orgId: String {
    switch self {
    case .device(let device): device.orgId
    case .integration(let token): token.orgId
    case .user(let user, _): user.orgId
    }
  }

  /// What an office caller may do; nil for a device, which syncs and reads.
  public var role: OfficeRole? {
    switch self {
    case .device: nil
    case .integration(let token): token.role
    case .user(let user, _): user.role
    }
  }
}

/// A signed-in user's session, as the central store keeps it (`OfficeAccounts.putSession`).
/// `csrf` must come back in `X-CSRF-Token` on every change made with the session's cookie:
/// another site can make a browser send the cookie, but cannot read this token.
public struct OfficeSession: Codable, Sendable, Equatable {
  public var userId: String
  public var csrf: String
}

/// Office passwords: bcrypt (HummingbirdBcrypt), verified off the event loop (a check takes
/// about a quarter of a second at cost 12, on purpose).
public enum Passwords {
  public static let minimumLength = 12
  /// 2^12 rounds: OWASP's floor for bcrypt.
  static let cost: UInt8 = 12
  /// A hash no password matches, to check against when the address has no account, so that
  /// an unknown address takes as long to refuse as a wrong password.
  static let nobody = Bcrypt.hash(DeviceToken.make(), cost: cost)

  public static func hash(_ password: String) async throws -> String {
    try await AssetReport.offThePool { Bcrypt.hash(password, cost: cost) }
  }

  public static func verify(_ password: String, hash: String) async throws -> Bool {
    try await AssetReport.offThePool { Bcrypt.verify(password, hash: hash) }
  }

  /// Why a password may not be chosen; nil when it may.
  public static func weakness(_ password: String) -> String? {
    password.count < minimumLength ? "a password needs at least \(minimumLength) characters" : nil
  }

  /// A password for `admin user add` to print once: 20 letters and digits (about 115 bits),
  /// without the ones that are easy to misread.
  public static func generate() -> String {
    let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    var generator = SystemRandomNumberGenerator()
    return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
  }
}

/// HummingbirdAuth's session storage on the central store, so that sessions outlive a
/// restart and are shared by every server process on the store. Keys are kept as their
/// SHA-256.
struct CentralSessions: PersistDriver {
  let store: any CentralStore

  static func hash(_ key: String) -> String { DeviceToken.hash(key) }

  func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
    guard
      try await store.putSession(
        keyHash: Self.hash(key), value: try JSONEncoder().encode(value), expiresAt: Self.deadline(expires),
        create: true)
    else { throw PersistError.duplicate }
  }

  func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
    _ = try await store.putSession(
      keyHash: Self.hash(key), value: try JSONEncoder().encode(value), expiresAt: Self.deadline(expires),
      create: false)
  }

  func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
    try await getWithTTL(key: key, as: type)?.object
  }

  func getWithTTL<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> (
    object: Object, ttl: Duration?
  )? {
    guard let found = try await store.session(keyHash: Self.hash(key)) else { return nil }
    guard let object = try? JSONDecoder().decode(type, from: found.value) else {
      throw PersistError.invalidConversion
    }
    return (object, found.expiresAt.map { .seconds(max(0, $0 - Date().timeIntervalSince1970)) })
  }

  func remove(key: String) async throws {
    try await store.removeSession(keyHash: Self.hash(key))
  }

  static func deadline(_ expires: Duration?) -> Double? {
    expires.map { Date().timeIntervalSince1970 + Double($0.components.seconds) }
  }
}

extension SyncServer {
  static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
  static let sessionLifetime = Duration.seconds(12 * 3600)

  /// The session cookie: HttpOnly (scripts cannot read it), Secure (TLS is terminated in front
  /// of the server; browsers also keep Secure cookies from http://localhost), SameSite=Strict
  /// (other sites' pages do not send it).
  static func sessionMiddleware(_ store: any CentralStore) -> SessionMiddleware<Context> {
    SessionMiddleware(
      storage: CentralSessions(store: store),
      configuration: .init(
        sessionCookieParameters: .init(name: "crackmon_session", path: "/", secure: true, sameSite: .strict),
        keyPrefix: "", defaultSessionExpiration: sessionLifetime))
  }

  /// The caller of a request (see `Caller`), or 401. A session's changes (any method but GET
  /// and HEAD) need its CSRF token; a user who must choose a password may do only that until
  /// they have.
  public func caller(_ request: Request, context: Context, choosingPassword: Bool = false) async throws
    -> Caller
  {
    if let header = request.headers[.authorization] {
      guard header.hasPrefix("Bearer ") else {
        throw HTTPError(.unauthorized, message: CentralError.unauthorized.description)
      }
      let token = String(header.dropFirst("Bearer ".count))
      do throws(CentralError) {
        if token.hasPrefix(ApiToken.prefix) {
          return .integration(try await store.authenticate(apiToken: token))
        }
        return .device(try await store.authenticate(token: token))
      } catch {
        throw Self.httpError(error)
      }
    }
    guard let session = context.sessions.session else {
      throw HTTPError(.unauthorized, message: CentralError.unauthorized.description)
    }
    let user: OfficeUser?
    do throws(CentralError) { user = try await store.user(id: session.userId) } catch {
      throw Self.httpError(error)
    }
    guard let user, user.disabledAt == nil else {
      context.sessions.clearSession()
      throw HTTPError(.unauthorized, message: "the session has ended: sign in again")
    }
    if request.method != .get, request.method != .head {
      let sent = Data((request.headers[Self.csrfHeader] ?? "").utf8)
      // Compared in constant time: the token is a secret.
      guard sent.count == session.csrf.utf8.count,
        zip(sent, Data(session.csrf.utf8)).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0
      else {
        throw HTTPError(
          .forbidden, message: "changes made with a session need its X-CSRF-Token header (GET /v1/session)")
      }
    }
    if user.mustChangePassword, !choosingPassword {
      throw HTTPError(
        .forbidden, message: "choose your own password first: POST /v1/session/password")
    }
    return .user(user, session)
  }

  /// A field device's request (push, pull, photo upload): offices read, they do not sync.
  func device(_ request: Request, context: Context) async throws -> DeviceRegistration {
    guard case .device(let device) = try await caller(request, context: context) else {
      throw HTTPError(.forbidden, message: "this endpoint is for field devices' tokens")
    }
    return device
  }

  struct SignIn: Decodable {
    var email: String
    var password: String
  }

  struct PasswordChange: Decodable {
    var current: String
    var new: String
  }

  /// What `GET /v1/session` and a sign-in answer: who is signed in, and the token that their
  /// changes must carry.
  struct SessionState: ResponseEncodable {
    var email: String
    var organisation: String
    var role: OfficeRole
    var mustChangePassword: Bool
    var csrfToken: String
  }

  static func state(_ user: OfficeUser, _ session: OfficeSession) -> SessionState {
    SessionState(
      email: user.email, organisation: user.orgId, role: user.role,
      mustChangePassword: user.mustChangePassword,
      csrfToken: session.csrf)
  }

  /// The signed-in user of a `/v1/session` request (one who must still choose a password
  /// included); 404 for a bearer token, which has no session.
  func sessionUser(_ request: Request, context: Context) async throws -> (OfficeUser, OfficeSession) {
    guard
      case .user(let user, let session) = try await caller(request, context: context, choosingPassword: true)
    else {
      throw HTTPError(.notFound, message: "no session: tokens have none")
    }
    return (user, session)
  }

  /// `POST|GET|DELETE /v1/session` and `POST /v1/session/password`.
  func addSessionRoutes(to router: Router<Context>) {
    router.post("v1/session") { request, context -> SessionState in
      let form = try await decodeBody(SignIn.self, request, context: context, what: "sign-in")
      let found: (OfficeUser, passwordHash: String)?
      do throws(CentralError) { found = try await store.signIn(email: form.email) } catch {
        throw Self.httpError(error)
      }
      // The same answer, after the same work, for an unknown address, a wrong password and a
      // disabled account: the answer tells no one which addresses have accounts.
      let matches = try await Passwords.verify(form.password, hash: found?.passwordHash ?? Passwords.nobody)
      guard let (user, _) = found, matches, user.disabledAt == nil else {
        metrics.signInsRefused.increment()
        throw HTTPError(.unauthorized, message: "wrong email or password")
      }
      // 256 random bits, as a device token has.
      let session = OfficeSession(userId: user.id, csrf: String(DeviceToken.make().dropFirst(4)))
      context.sessions.createSession(session, expiresIn: Self.sessionLifetime)
      context.logger.info("signed in", metadata: ["user": "\(user.id)"])
      return Self.state(user, session)
    }
    router.get("v1/session") { request, context -> SessionState in
      let (user, session) = try await sessionUser(request, context: context)
      return Self.state(user, session)
    }
    router.delete("v1/session") { request, context -> Response in
      _ = try await sessionUser(request, context: context)
      context.sessions.clearSession()
      return Response(status: .noContent)
    }
    router.post("v1/session/password") { request, context -> SessionState in
      let (signedIn, session) = try await sessionUser(request, context: context)
      var user = signedIn
      let change = try await decodeBody(
        PasswordChange.self, request, context: context, what: "password change")
      let found: (OfficeUser, passwordHash: String)?
      do throws(CentralError) { found = try await store.signIn(email: user.email) } catch {
        throw Self.httpError(error)
      }
      guard let found, try await Passwords.verify(change.current, hash: found.passwordHash) else {
        throw HTTPError(.forbidden, message: "the current password is wrong")
      }
      if let weakness = Passwords.weakness(change.new) { throw HTTPError(.badRequest, message: weakness) }
      guard change.new != change.current else {
        throw HTTPError(.badRequest, message: "the new password is the current one")
      }
      let hash = try await Passwords.hash(change.new)
      do throws(CentralError) {
        try await store.setPassword(email: user.email, passwordHash: hash, mustChange: false)
      } catch {
        throw Self.httpError(error)
      }
      user.mustChangePassword = false
      return Self.state(user, session)
    }
  }
}
