-- crackmon central store on PostgreSQL: migration 0010.
-- The office's accounts (SQLite: "central v14 office accounts"): users who sign in, their
-- sessions, and API tokens for integrations. Secrets are kept only as a bcrypt hash
-- (passwords) or a SHA-256 (tokens, session ids).
CREATE TABLE office_user (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES org(id),
  email TEXT NOT NULL UNIQUE CHECK (email <> ''),
  role TEXT NOT NULL CHECK (role IN ('viewer', 'engineer', 'admin')),
  password_hash TEXT NOT NULL,
  -- Set while the password is one the user did not choose.
  must_change_password INTEGER NOT NULL CHECK (must_change_password IN (0, 1)),
  created_at TEXT NOT NULL,
  disabled_at TEXT
);
CREATE TABLE api_token (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES org(id),
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'engineer', 'admin')),
  token_sha256 TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
-- A signed-in user's session, by the SHA-256 of its cookie; the value is the server's (JSON).
-- expires_at: Unix seconds.
CREATE TABLE office_session (
  key_sha256 TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  expires_at DOUBLE PRECISION
);
