-- A token's permissions, one row each, in place of the space-separated `scopes` column:
-- removing a permission from the catalogue now removes it from every token by cascade.
-- `position` keeps the order the token was given them in. Names that are no longer in the
-- catalogue are not carried over; no check counted them any more.
CREATE TABLE token_permissions (
    token_id   BIGINT  NOT NULL REFERENCES access_tokens (id) ON DELETE CASCADE,
    permission TEXT    NOT NULL REFERENCES permissions (name) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (token_id, permission)
);
CREATE INDEX token_permissions_by_permission ON token_permissions (permission);

INSERT INTO token_permissions (token_id, permission, position)
SELECT t.id, granted.permission, MIN(granted.position) - 1
FROM access_tokens t
CROSS JOIN LATERAL unnest(string_to_array(trim(t.scopes), ' '))
    WITH ORDINALITY AS granted (permission, position)
WHERE granted.permission IN (SELECT name FROM permissions)
GROUP BY t.id, granted.permission;

ALTER TABLE access_tokens DROP COLUMN scopes;
