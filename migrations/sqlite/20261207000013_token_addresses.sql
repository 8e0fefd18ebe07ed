-- The last few client addresses each token was used from, each with its latest use there;
-- written with the batched last-use writes, pruned to the newest five per token.
CREATE TABLE token_addresses (
    token_id     INTEGER NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    ip           TEXT NOT NULL,
    last_used_at INTEGER NOT NULL,
    PRIMARY KEY (token_id, ip)
);
