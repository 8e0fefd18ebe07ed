-- Permissions (scopes) tokens may hold, their whitelists, and the company security policy.

CREATE TABLE permissions (
    name        TEXT    PRIMARY KEY,
    description TEXT    NOT NULL,
    admin_only  INTEGER NOT NULL DEFAULT 0 CHECK (admin_only IN (0, 1)),
    builtin     INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1))
);
INSERT INTO permissions (name, description, admin_only, builtin) VALUES
    ('profile:read', 'See who the token belongs to (GET /api/v1/me).', 0, 1),
    ('tokens:read',  'List your personal access tokens, without their secrets.', 0, 1),
    ('tokens:write', 'Create and expire your personal access tokens.', 0, 1),
    ('reports:read', 'Download the System Users report.', 1, 1);

-- Space-separated lists, as OAuth writes scopes. Tokens made before permissions existed
-- could only call /api/v1/me, so that is what they keep.
ALTER TABLE access_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'profile:read';
ALTER TABLE access_tokens ADD COLUMN ip_whitelist TEXT NOT NULL DEFAULT '';
ALTER TABLE access_tokens ADD COLUMN domain_whitelist TEXT NOT NULL DEFAULT '';

-- One row: NULL max_token_days is no maximum.
CREATE TABLE security_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    max_token_days INTEGER CHECK (max_token_days BETWEEN 1 AND 3650)
);
INSERT INTO security_settings (id, max_token_days) VALUES (1, NULL);

CREATE TABLE ip_allowlist (
    position INTEGER PRIMARY KEY,
    address  TEXT    NOT NULL,
    bits     INTEGER NOT NULL CHECK (bits BETWEEN 0 AND 128)
);
