import Foundation
import GRDB

/// What an office user or an integration's API token may do in its organisation. Each role
/// may do all that the roles before it may.
public enum OfficeRole: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
  /// Reads assets, maps, tracks, reports and photos.
  case viewer
  /// Also reviews cracks: confirms, rejects, sets severities.
  case engineer
  /// Also manages the organisation's users, tokens and webhooks.
  case admin

  public func includes(_ needed: OfficeRole) -> Bool {
    Self.allCases.firstIndex(of: self)! >= Self.allCases.firstIndex(of: needed)!
  }
}

/// A person of the office who signs in with an email and a password.
public struct OfficeUser: Codable, Sendable, Equatable, FetchableRecord {
  public var id: String
  public var orgId: String
  /// Lowercase; one account per address across the store (sign-in names no organisation).
  public var email: String
  public var role: OfficeRole
  /// Set for a password the user did not choose (one `admin user add` printed): until they
  /// choose their own, a session may do nothing else.
  public var mustChangePassword: Bool
  public var createdAt: String
  public var disabledAt: String?

  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

  /// Trims and lowercases an address, and refuses what cannot be one.
  public static func checkedEmail(_ text: String) throws(CentralError) -> String {
    let email = text.trimmingCharacters(in: .whitespaces).lowercased()
    let parts = email.split(separator: "@", omittingEmptySubsequences: false)
    guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
      !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
      email.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F })
    else {
      throw .badEntry(seq: 0, reason: "\"\(text)\" is not an email address")
    }
    return email
  }
}

/// A bearer token for an integration (a CMMS, a script): it acts for its organisation with a
/// role, like a user, and is kept only as a SHA-256, like a device token.
public struct ApiToken: Codable, Sendable, Equatable, FetchableRecord {
  public var id: String
  public var orgId: String
  public var name: String
  public var role: OfficeRole
  public var createdAt: String
  public var revokedAt: String?

  public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  /// What tells an API token from a device token (`cmt_`) at a glance, in logs and configs.
  public static let prefix = "cma_"
}

/// The office side's accounts in the central store: users, API tokens and the sessions of
/// signed-in users. Passwords arrive already hashed (the server's `Passwords`, bcrypt): the
/// store never sees one.
public protocol OfficeAccounts {
  /// `userExists` when the address has an account (in any organisation).
  func addUser(org: String, email: String, role: OfficeRole, passwordHash: String, mustChange: Bool)
    async throws(CentralError) -> OfficeUser
  func users() async throws(CentralError) -> [OfficeUser]
  /// A user by id, disabled or not; nil when there is none.
  func user(id: String) async throws(CentralError) -> OfficeUser?
  /// For sign-in: the account with this address and its password hash, disabled or not.
  func signIn(email: String) async throws(CentralError) -> (OfficeUser, passwordHash: String)?
  func setPassword(email: String, passwordHash: String, mustChange: Bool) async throws(CentralError)
  func setRole(email: String, role: OfficeRole) async throws(CentralError)
  /// Disabled users cannot sign in, and their sessions end (each request reads the user).
  func disableUser(email: String) async throws(CentralError)

  /// Makes a token; only its hash is kept.
  func addApiToken(org: String, name: String, role: OfficeRole) async throws(CentralError)
    -> (ApiToken, token: String)
  func apiTokens() async throws(CentralError) -> [ApiToken]
  func revokeApiToken(_ id: String) async throws(CentralError)
  /// `unauthorized` for an unknown or revoked token.
  func authenticate(apiToken: String) async throws(CentralError) -> ApiToken

  /// Session storage, by the SHA-256 of the session id (a copy of the table gives no way in):
  /// `create` refuses a key that is there (false); `expiresAt` is Unix seconds, nil for no
  /// expiry, and on an update nil keeps the one there.
  func putSession(keyHash: String, value: Data, expiresAt: Double?, create: Bool) async throws(CentralError)
    -> Bool
  /// The session's value and expiry; nil when there is none or it has expired.
  func session(keyHash: String) async throws(CentralError) -> (value: Data, expiresAt: Double?)?
  func removeSession(keyHash: String) async throws(CentralError)
}

/// The accounts' SQL, the same on SQLite as on PostgreSQL.
public enum OfficeAccountsSQL {
  public static let userColumns = "id, org_id, email, role, must_change_password, created_at, disabled_at"
  public static let tokenColumns = "id, org_id, name, role, created_at, revoked_at"

  public static func newUserId() -> String { "usr_" + shortId() }
  public static func newTokenId() -> String { "tok_" + shortId() }
  /// 48 random bits as hex: ids to name accounts by, not secrets.
  static func shortId() -> String {
    String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
  }
  public static func newToken() -> String { ApiToken.prefix + DeviceToken.make().dropFirst(4) }

  public static func unknownUser(_ email: String) -> CentralError {
    .unknownAccount("no user \"\(email)\"; list them with `crackmon admin user list`")
  }

  public static func unknownToken(_ id: String) -> CentralError {
    .unknownAccount("no API token \"\(id)\"; list them with `crackmon admin token list`")
  }
}

extension SQLiteCentralStore {
  private func requireOrg(_ org: String, _ db: Database) throws {
    guard try Row.fetchOne(db, sql: "SELECT 1 FROM org WHERE id = ?", arguments: [org]) != nil else {
      throw CentralError.unknownOrg(org)
    }
  }

  public func addUser(org: String, email: String, role: OfficeRole, passwordHash: String, mustChange: Bool)
    throws(CentralError) -> OfficeUser
  {
    let email = try OfficeUser.checkedEmail(email)
    let id = OfficeAccountsSQL.newUserId()
    try wrap {
      try pool.write { db in
        try requireOrg(org, db)
        guard
          try Row.fetchOne(db, sql: "SELECT 1 FROM office_user WHERE email = ?", arguments: [email]) == nil
        else { throw CentralError.userExists(email) }
        try db.execute(
          sql: """
            INSERT INTO office_user (id, org_id, email, role, password_hash, must_change_password, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, org, email, role, passwordHash, mustChange, Timestamp.now()])
      }
    }
    guard let user = try user(id: id) else { throw OfficeAccountsSQL.unknownUser(email) }
    return user
  }

  public func users() throws(CentralError) -> [OfficeUser] {
    try wrap {
      try pool.read { db in
        try OfficeUser.fetchAll(
          db, sql: "SELECT \(OfficeAccountsSQL.userColumns) FROM office_user ORDER BY org_id, email")
      }
    }
  }

  public func user(id: String) throws(CentralError) -> OfficeUser? {
    try wrap {
      try pool.read { db in
        try OfficeUser.fetchOne(
          db, sql: "SELECT \(OfficeAccountsSQL.userColumns) FROM office_user WHERE id = ?", arguments: [id])
      }
    }
  }

  public func signIn(email: String) throws(CentralError) -> (OfficeUser, passwordHash: String)? {
    let email = email.trimmingCharacters(in: .whitespaces).lowercased()
    return try wrap {
      try pool.read { db in
        try Row.fetchOne(
          db, sql: "SELECT \(OfficeAccountsSQL.userColumns), password_hash FROM office_user WHERE email = ?",
          arguments: [email]
        ).map { (try OfficeUser(row: $0), $0["password_hash"]) }
      }
    }
  }

  /// One UPDATE of the user with `email`; `unknownAccount` when there is none.
  private func updateUser(_ email: String, _ assignments: String, _ arguments: StatementArguments)
    throws(CentralError)
  {
    let email = email.trimmingCharacters(in: .whitespaces).lowercased()
    let changed = try wrap {
      try pool.write { db in
        try db.execute(
          sql: "UPDATE office_user SET \(assignments) WHERE email = ?", arguments: arguments + [email])
        return db.changesCount
      }
    }
    if changed == 0 { throw OfficeAccountsSQL.unknownUser(email) }
  }

  public func setPassword(email: String, passwordHash: String, mustChange: Bool) throws(CentralError) {
    try updateUser(email, "password_hash = ?, must_change_password = ?", [passwordHash, mustChange])
  }

  public func setRole(email: String, role: OfficeRole) throws(CentralError) {
    try updateUser(email, "role = ?", [role])
  }

  public func disableUser(email: String) throws(CentralError) {
    try updateUser(email, "disabled_at = COALESCE(disabled_at, ?)", [Timestamp.now()])
  }

  public func addApiToken(org: String, name: String, role: OfficeRole) throws(CentralError)
    -> (ApiToken, token: String)
  {
    let token = OfficeAccountsSQL.newToken()
    let id = OfficeAccountsSQL.newTokenId()
    let made = try wrap {
      try pool.write { db in
        try requireOrg(org, db)
        try db.execute(
          sql: """
            INSERT INTO api_token (id, org_id, name, role, token_sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [id, org, name, role, DeviceToken.hash(token), Timestamp.now()])
        return try ApiToken.fetchOne(
          db, sql: "SELECT \(OfficeAccountsSQL.tokenColumns) FROM api_token WHERE id = ?", arguments: [id])
      }
    }
    guard let made else { throw OfficeAccountsSQL.unknownToken(id) }
    return (made, token)
  }

  public func apiTokens() throws(CentralError) -> [ApiToken] {
    try wrap {
      try pool.read { db in
        try ApiToken.fetchAll(
          db, sql: "SELECT \(OfficeAccountsSQL.tokenColumns) FROM api_token ORDER BY org_id, created_at")
      }
    }
  }

  public func revokeApiToken(_ id: String) throws(CentralError) {
    let known = try wrap {
      try pool.write { db in
        try db.execute(
          sql: "UPDATE api_token SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
          arguments: [Timestamp.now(), id])
        return db.changesCount
      }
    }
    if known == 0 { throw OfficeAccountsSQL.unknownToken(id) }
  }

  public func authenticate(apiToken: String) throws(CentralError) -> ApiToken {
    let found = try wrap {
      try pool.read { db in
        try ApiToken.fetchOne(
          db,
          sql: """
            SELECT \(OfficeAccountsSQL.tokenColumns) FROM api_token WHERE token_sha256 = ? AND revoked_at IS NULL
            """, arguments: [DeviceToken.hash(apiToken)])
      }
    }
    guard let found else { throw .unauthorized }
    return found
  }

  public func putSession(keyHash: String, value: Data, expiresAt: Double?, create: Bool) throws(CentralError)
    -> Bool
  {
    let now = Date().timeIntervalSince1970
    let json = String(decoding: value, as: UTF8.self)
    return try wrap {
      try pool.write { db in
        // Expired sessions go as new ones come: the table holds live ones and a day's worth.
        try db.execute(sql: "DELETE FROM office_session WHERE expires_at < ?", arguments: [now - 86_400])
        if create {
          try db.execute(
            sql: """
              INSERT INTO office_session (key_sha256, value_json, expires_at) VALUES (?, ?, ?)
              ON CONFLICT (key_sha256) DO NOTHING
              """, arguments: [keyHash, json, expiresAt])
        } else {
          try db.execute(
            sql: """
              INSERT INTO office_session (key_sha256, value_json, expires_at) VALUES (?, ?, ?)
              ON CONFLICT (key_sha256) DO UPDATE
              SET value_json = excluded.value_json, expires_at = COALESCE(excluded.expires_at, expires_at)
              """, arguments: [keyHash, json, expiresAt])
        }
        return db.changesCount > 0
      }
    }
  }

  public func session(keyHash: String) throws(CentralError) -> (value: Data, expiresAt: Double?)? {
    let now = Date().timeIntervalSince1970
    return try wrap {
      try pool.read { db in
        try Row.fetchOne(
          db,
          sql: """
            SELECT value_json, expires_at FROM office_session
            WHERE key_sha256 = ? AND (expires_at IS NULL OR expires_at > ?)
            """, arguments: [keyHash, now]
        ).map { (Data(($0["value_json"] as String).utf8), $0["expires_at"]) }
      }
    }
  }

  public func removeSession(keyHash: String) throws(CentralError) {
    try wrap {
      try pool.write { db in
        try db.execute(sql: "DELETE FROM office_session WHERE key_sha256 = ?", arguments: [keyHash])
      }
    }
  }
}
