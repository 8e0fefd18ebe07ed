-- Two-factor sign-in (TOTP, RFC 6238). A row with no confirmed_at is a set-up that waits
-- for its first code. last_used_step keeps a code from being used twice.
CREATE TABLE two_factor (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret         TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    confirmed_at   BIGINT,
    last_used_step BIGINT
);

-- Single-use codes for when the phone is lost; only their hashes are kept.
CREATE TABLE recovery_codes (
    user_id   BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BYTEA   NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Someone who gave the right password and still owes a code: the hash of the secret in
-- their browser's sign-in cookie, for a few minutes.
CREATE TABLE sign_in_challenges (
    secret_hash BYTEA   PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);

-- How a session's sign-in was confirmed, for Recent Authentications.
ALTER TABLE sessions ADD COLUMN second_factor TEXT
    CHECK (second_factor IN ('authenticator', 'recovery_code'));

-- Who must use two-factor sign-in.
ALTER TABLE security_settings ADD COLUMN two_factor_required TEXT NOT NULL DEFAULT 'nobody'
    CHECK (two_factor_required IN ('nobody', 'admins', 'everyone'));
