import Foundation
import GRDB
import PostgresNIO
import Store

/// The office's accounts on PostgreSQL: the same tables and rules as on SQLite
/// (`OfficeAccounts`).
extension PostgresCentralStore {
  private func requireOrg(_ org: String, _ connection: PostgresConnection) async throws {
    guard try await !rows("SELECT 1 FROM org WHERE id = \(org)", connection).isEmpty else {
      throw CentralError.unknownOrg(org)
    }
  }

  public func addUser(org: String, email: String, role: OfficeRole, passwordHash: String, mustChange: Bool)
    async throws(CentralError) -> OfficeUser
  {
    let email = try OfficeUser.checkedEmail(email)
    let id = OfficeAccountsSQL.newUserId()
    try await transaction { connection in
      try await self.requireOrg(org, connection)
      let inserted = try await self.rows(
        """
        INSERT INTO office_user (id, org_id, email, role, password_hash, must_change_password, created_at)
        VALUES (\(id), \(org), \(email), \(role.rawValue), \(passwordHash), \(mustChange ? 1 : 0), \(Timestamp.now()))
        ON CONFLICT (email) DO NOTHING RETURNING id
        """, connection)
      if inserted.isEmpty { throw CentralError.userExists(email) }
    }
    guard let user = try await user(id: id) else { throw OfficeAccountsSQL.unknownUser(email) }
    return user
  }

  public func users() async throws(CentralError) -> [OfficeUser] {
    try await read { connection in
      try await self.rows(
        "SELECT \(unescaped: OfficeAccountsSQL.userColumns) FROM office_user ORDER BY org_id, email COLLATE \"C\"",
        connection
      ).map { try OfficeUser(row: $0) }
    }
  }

  public func user(id: String) async throws(CentralError) -> OfficeUser? {
    try await read { connection in
      try await self.rows(
        "SELECT \(unescaped: OfficeAccountsSQL.userColumns) FROM office_user WHERE id = \(id)", connection
      ).first.map { try OfficeUser(row: $0) }
    }
  }

  public func signIn(email: String) async throws(CentralError) -> (OfficeUser, passwordHash: String)? {
    let email = email.trimmingCharacters(in: .whitespaces).lowercased()
    return try await read { connection in
      try await self.rows(
        """
        SELECT \(unescaped: OfficeAccountsSQL.userColumns), password_hash FROM office_user WHERE email = \(email)
        """, connection
      ).first.map { (try OfficeUser(row: $0), $0["password_hash"] as String) }
    }
  }

  /// One UPDATE of the user with `email`; `unknownAccount` when there is none.
  private func updateUser(_ email: String, _ query: (String) -> PostgresQuery) async throws(CentralError) {
    let email = email.trimmingCharacters(in: .whitespaces).lowercased()
    let changed = try await transaction { connection in try await self.rows(query(email), connection).count }
    if changed == 0 { throw OfficeAccountsSQL.unknownUser(email) }
  }

  public func setPassword(email: String, passwordHash: String, mustChange: Bool) async throws(CentralError) {
    try await updateUser(email) {
      """
      UPDATE office_user SET password_hash = \(passwordHash), must_change_password = \(mustChange ? 1 : 0)
      WHERE email = \($0) RETURNING id
      """
    }
  }

  public func setRole(email: String, role: OfficeRole) async throws(CentralError) {
    try await updateUser(email) {
      "UPDATE office_user SET role = \(role.rawValue) WHERE email = \($0) RETURNING id"
    }
  }

  public func disableUser(email: String) async throws(CentralError) {
    try await updateUser(email) {
      """
      UPDATE office_user SET disabled_at = COALESCE(disabled_at, \(Timestamp.now())) WHERE email = \($0)
      RETURNING id
      """
    }
  }

  public func addApiToken(org: String, name: String, role: OfficeRole) async throws(CentralError)
    -> (ApiToken, token: String)
  {
    let token = OfficeAccountsSQL.newToken()
    let id = OfficeAccountsSQL.newTokenId()
    let made = try await transaction { connection in
      try await self.requireOrg(org, connection)
      return try await self.rows(
        """
        INSERT INTO api_token (id, org_id, name, role, token_sha256, created_at)
        VALUES (\(id), \(org), \(name), \(role.rawValue), \(DeviceToken.hash(token)), \(Timestamp.now()))
        RETURNING \(unescaped: OfficeAccountsSQL.tokenColumns)
        """, connection
      ).first.map { try ApiToken(row: $0) }
    }
    guard let made else { throw OfficeAccountsSQL.unknownToken(id) }
    return (made, token)
  }

  public func apiTokens() async throws(CentralError) -> [ApiToken] {
    try await read { connection in
      try await self.rows(
        "SELECT \(unescaped: OfficeAccountsSQL.tokenColumns) FROM api_token ORDER BY org_id, created_at",
        connection
      ).map { try ApiToken(row: $0) }
    }
  }

  public func revokeApiToken(_ id: String) async throws(CentralError) {
    let known = try await transaction { connection in
      try await self.rows(
        "UPDATE api_token SET revoked_at = COALESCE(revoked_at, \(Timestamp.now())) WHERE id = \(id) RETURNING id",
        connection
      ).count
    }
    if known == 0 { throw OfficeAccountsSQL.unknownToken(id) }
  }

  public func authenticate(apiToken: String) async throws(CentralError) -> ApiToken {
    let found = try await read { connection in
      try await self.rows(
        """
        SELECT \(unescaped: OfficeAccountsSQL.tokenColumns) FROM api_token
        WHERE token_sha256 = \(DeviceToken.hash(apiToken)) AND revoked_at IS NULL
        """, connection
      ).first.map { try ApiToken(row: $0) }
    }
    guard let found else { throw .unauthorized }
    return found
  }

  public func putSession(keyHash: String, value: Data, expiresAt: Double?, create: Bool)
    async throws(CentralError) -> Bool
  {
    let now = Date().timeIntervalSince1970
    let json = String(decoding: value, as: UTF8.self)
    return try await transaction { connection in
      // Expired sessions go as new ones come: the table holds live ones and a day's worth.
      try await connection.query(
        "DELETE FROM office_session WHERE expires_at < \(now - 86_400)", logger: self.logger)
      let query: PostgresQuery =
        create
        ? """
        INSERT INTO office_session (key_sha256, value_json, expires_at) VALUES (\(keyHash), \(json), \(expiresAt))
        ON CONFLICT (key_sha256) DO NOTHING RETURNING key_sha256
        """
        : """
        INSERT INTO office_session (key_sha256, value_json, expires_at) VALUES (\(keyHash), \(json), \(expiresAt))
        ON CONFLICT (key_sha256) DO UPDATE
        SET value_json = excluded.value_json,
            expires_at = COALESCE(excluded.expires_at, office_session.expires_at)
        RETURNING key_sha256
        """
      return try await !self.rows(query, connection).isEmpty
    }
  }

  public func session(keyHash: String) async throws(CentralError) -> (value: Data, expiresAt: Double?)? {
    let now = Date().timeIntervalSince1970
    let found: (String, Double?)? = try await read { connection in
      try await self.rows(
        """
        SELECT value_json, expires_at FROM office_session
        WHERE key_sha256 = \(keyHash) AND (expires_at IS NULL OR expires_at > \(now))
        """, connection
      ).first.map { ($0["value_json"] as String, $0["expires_at"] as Double?) }
    }
    return found.map { (Data($0.0.utf8), $0.1) }
  }

  public func removeSession(keyHash: String) async throws(CentralError) {
    try await transaction { connection in
      try await connection.query(
        "DELETE FROM office_session WHERE key_sha256 = \(keyHash)", logger: self.logger)
    }
  }
}
