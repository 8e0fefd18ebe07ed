-- A rotated token's successor names it: the block and the report say which replaced which.
ALTER TABLE access_tokens ADD COLUMN replaces_token_id INTEGER REFERENCES access_tokens (id);
