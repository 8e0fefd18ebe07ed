-- A token expired because someone reported its secret leaked (POST /api/v1/tokens/revoke,
-- or a secret-scanning alert) says so, in its block and the report.
ALTER TABLE access_tokens ADD COLUMN expired_leaked BOOLEAN NOT NULL DEFAULT FALSE;
