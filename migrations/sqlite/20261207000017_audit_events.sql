-- The audit trail: one row per event, written in the transaction of the change it describes.
-- No foreign keys, so that history outlives what it is about. Rows are never changed; the
-- retention job deletes old ones.
CREATE TABLE audit_events (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    actor_kind       TEXT    NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
    actor_user_id    INTEGER,
    actor_token_id   INTEGER,
    action           TEXT    NOT NULL,
    subject_kind     TEXT    NOT NULL,
    subject_id       INTEGER,
    -- The user the subject belongs to (a token's owner), so people can see their own trail.
    subject_owner_id INTEGER,
    -- Another thing the event concerns: the token a rotation made.
    related_id       INTEGER,
    client_ip        TEXT,
    user_agent       TEXT,
    detail           TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_time ON audit_events (at, id);
CREATE INDEX audit_events_by_subject ON audit_events (subject_kind, subject_id, at);
CREATE INDEX audit_events_by_related ON audit_events (related_id) WHERE related_id IS NOT NULL;
CREATE TRIGGER audit_events_are_never_changed BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are never changed');
END;
