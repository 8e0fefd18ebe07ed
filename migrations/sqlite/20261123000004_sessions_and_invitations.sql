-- Recent Authentications: why a session ended, and the browser in words.
ALTER TABLE sessions ADD COLUMN end_reason TEXT CHECK (end_reason IN ('signed_out', 'deactivated'));
ALTER TABLE sessions ADD COLUMN device TEXT;
-- Until now signing out was the only way a session ended early.
UPDATE sessions SET end_reason = 'signed_out' WHERE ended_at IS NOT NULL;
-- The daily purge of sessions older than 30 days.
CREATE INDEX sessions_by_created ON sessions (created_at);

-- One account per e-mail address, whatever its case; users without one are exempt.
CREATE UNIQUE INDEX users_by_email ON users (lower(email)) WHERE email <> '';

CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    email            TEXT    NOT NULL,
    display_name     TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    secret_hash      BLOB    NOT NULL UNIQUE,
    invited_by       INTEGER NOT NULL REFERENCES users (id),
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    accepted_at      INTEGER,
    accepted_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at       INTEGER
);
CREATE INDEX invitations_by_email ON invitations (lower(email));
CREATE INDEX invitations_by_created ON invitations (created_at);
