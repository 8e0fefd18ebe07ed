-- The unused-token policy: tokens unused for expire_unused_days are expired (NULL: off).
-- A token it expired keeps the days it allowed then, to say why it stopped working.
ALTER TABLE security_settings ADD COLUMN expire_unused_days BIGINT
    CHECK (expire_unused_days BETWEEN 1 AND 3650);
ALTER TABLE access_tokens ADD COLUMN expired_unused_days BIGINT;
