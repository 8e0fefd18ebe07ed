-- Admins' scripts read the audit trail through GET /api/v1/audit, with a permission only an
-- admin's token may hold; and admins choose how long events are kept (a year by default).
INSERT INTO permissions (name, description, admin_only, builtin) VALUES
    ('audit:read', 'Read the audit trail (GET /api/v1/audit).', 1, 1);
ALTER TABLE security_settings ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 365
    CHECK (audit_retention_days BETWEEN 30 AND 3650);
