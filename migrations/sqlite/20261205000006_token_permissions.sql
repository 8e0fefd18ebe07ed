-- A token's permissions, one row each, in place of the space-separated `scopes` column:
-- removing a permission from the catalogue now removes it from every token by cascade.
-- `position` keeps the order the token was given them in. Names that are no longer in the
-- catalogue are not carried over; no check counted them any more.
CREATE TABLE token_permissions (
    token_id   INTEGER NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    permission TEXT    NOT NULL REFERENCES permissions (name) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (token_id, permission)
);
CREATE INDEX token_permissions_by_permission ON token_permissions (permission);

WITH RECURSIVE split (token_id, position, permission, rest) AS (
    SELECT id, -1, '', trim(scopes) || ' ' FROM access_tokens
    UNION ALL
    SELECT token_id, position + 1, substr(rest, 1, instr(rest, ' ') - 1),
           ltrim(substr(rest, instr(rest, ' ') + 1))
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO token_permissions (token_id, permission, position)
SELECT token_id, permission, position FROM split
WHERE permission IN (SELECT name FROM permissions)
ORDER BY token_id, position;

ALTER TABLE access_tokens DROP COLUMN scopes;
