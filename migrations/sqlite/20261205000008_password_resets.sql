-- A session can now end because its user's password was changed or reset. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with its rows.
CREATE TABLE sessions_rebuilt (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash BLOB    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    ip          TEXT,
    user_agent  TEXT,
    end_reason  TEXT CHECK (end_reason IN ('signed_out', 'deactivated', 'password_changed')),
    device      TEXT
);
INSERT INTO sessions_rebuilt (id, user_id, secret_hash, created_at, expires_at, ended_at, ip,
                              user_agent, end_reason, device)
SELECT id, user_id, secret_hash, created_at, expires_at, ended_at, ip, user_agent, end_reason,
       device
FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_rebuilt RENAME TO sessions;
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
CREATE INDEX sessions_by_created ON sessions (created_at);

-- Single-use links an admin makes for a user to set a new password; only the hash of the
-- link's secret is kept. A user has at most one.
CREATE TABLE password_resets (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash BLOB    NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
