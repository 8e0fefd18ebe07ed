-- The expiry reminders sent for each token: the row is the claim, so each goes out once
-- whichever instance runs the job. Owners may turn the e-mails off.
CREATE TABLE token_notices (
    token_id BIGINT NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    kind     TEXT   NOT NULL,
    sent_at  BIGINT NOT NULL,
    PRIMARY KEY (token_id, kind)
);
ALTER TABLE users ADD COLUMN expiry_emails BOOLEAN NOT NULL DEFAULT TRUE;
