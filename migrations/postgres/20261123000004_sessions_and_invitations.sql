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
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            TEXT    NOT NULL,
    display_name     TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    secret_hash      BYTEA   NOT NULL UNIQUE,
    invited_by       BIGINT  NOT NULL REFERENCES users (id),
    created_at       BIGINT  NOT NULL,
    sent_at          BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL,
    accepted_at      BIGINT,
    accepted_user_id BIGINT  REFERENCES users (id) ON DELETE SET NULL,
    revoked_at       BIGINT
);
CREATE INDEX invitations_by_email ON invitations (lower(email));
CREATE INDEX invitations_by_created ON invitations (created_at);
