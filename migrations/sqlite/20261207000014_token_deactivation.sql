-- A token deactivated for a while is refused until deactivated_until, or until its owner or
-- an admin reactivates it; deactivated_by is who deactivated it.
ALTER TABLE access_tokens ADD COLUMN deactivated_until INTEGER;
ALTER TABLE access_tokens ADD COLUMN deactivated_by INTEGER REFERENCES users (id);
