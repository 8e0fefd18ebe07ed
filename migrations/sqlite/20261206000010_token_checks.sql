-- Token checks per token per UTC day, counted in memory and written with the batched
-- last-use writes. token_id 0 counts the secrets that named no token.
CREATE TABLE token_checks (
    token_id  INTEGER NOT NULL,
    day       INTEGER NOT NULL,
    succeeded INTEGER NOT NULL DEFAULT 0,
    refused   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (token_id, day)
);
CREATE INDEX token_checks_by_day ON token_checks (day);
