-- Resource servers that do not sit behind a forward-auth gateway ask about tokens with
-- RFC 7662 introspection; only an admin's token may hold the permission to.
INSERT INTO permissions (name, description, admin_only, builtin) VALUES
    ('tokens:introspect', 'Ask Tessera whether any token is active (POST /api/v1/introspect).', 1, 1);
