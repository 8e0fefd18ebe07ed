-- The System Users report sorts users case-insensitively, and asks of every user whether
-- they hold a token in some state or matching a search. This index answers those questions
-- on its own, without reading token rows.
CREATE INDEX users_by_lower_username ON users (LOWER(username));
CREATE INDEX users_by_lower_display_name ON users (LOWER(display_name));
CREATE INDEX users_by_lower_email ON users (LOWER(email));
CREATE INDEX access_tokens_report ON access_tokens (user_id, expired_at, expires_at, label, hint);
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
