-- Permissions (scopes) tokens may hold, their whitelists, and the company security policy.

CREATE TABLE permissions (
    name        TEXT    PRIMARY KEY,
    description TEXT    NOT NULL,
    admin_only  BOOLEAN NOT NULL DEFAULT FALSE,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO permissions (name, description, admin_only, builtin) VALUES
    ('profile:read', 'See who the token belongs to (GET /api/v1/me).', FALSE, TRUE),
    ('tokens:read',  'List your personal access tokens, without their secrets.', FALSE, TRUE),
    ('tokens:write', 'Create and expire your personal access tokens.', FALSE, TRUE),
    ('reports:read', 'Download the System Users report.', TRUE, TRUE);

-- Space-separated lists, as OAuth writes scopes. Tokens made before permissions existed
-- could only call /api/v1/me, so that is what they keep.
ALTER TABLE access_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'profile:read';
ALTER TABLE access_tokens ADD COLUMN ip_whitelist TEXT NOT NULL DEFAULT '';
ALTER TABLE access_tokens ADD COLUMN domain_whitelist TEXT NOT NULL DEFAULT '';

-- One row: NULL max_token_days is no maximum.
CREATE TABLE security_settings (
    id             BIGINT PRIMARY KEY CHECK (id = 1),
    max_token_days BIGINT CHECK (max_token_days BETWEEN 1 AND 3650)
);
INSERT INTO security_settings (id, max_token_days) VALUES (1, NULL);

CREATE TABLE ip_allowlist (
    position BIGINT  PRIMARY KEY,
    address  TEXT    NOT NULL,
    bits     BIGINT  NOT NULL CHECK (bits BETWEEN 0 AND 128)
);
