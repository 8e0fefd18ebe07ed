-- An optional description per token, up to 500 characters; empty when none was given.
ALTER TABLE access_tokens ADD COLUMN description TEXT NOT NULL DEFAULT '';
