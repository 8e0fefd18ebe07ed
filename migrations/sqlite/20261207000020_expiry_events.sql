-- A token that reaches its expiry gets one "expired by time" event: the hourly job marks it
-- here as it writes the event, so each is written once whichever instance runs the job.
-- Tokens that expired before the audit trail began are marked already.
ALTER TABLE access_tokens ADD COLUMN expiry_recorded INTEGER NOT NULL DEFAULT 0
    CHECK (expiry_recorded IN (0, 1));
UPDATE access_tokens SET expiry_recorded = 1
 WHERE expired_at IS NOT NULL OR expires_at <= CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX access_tokens_awaiting_expiry_event ON access_tokens (expires_at)
 WHERE expiry_recorded = 0 AND expired_at IS NULL AND expires_at IS NOT NULL;
