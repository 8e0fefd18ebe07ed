-- The audit trail: one row per event, written in the transaction of the change it describes.
-- No foreign keys, so that history outlives what it is about. Rows are never changed; the
-- retention job deletes old ones.
CREATE TABLE audit_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               BIGINT NOT NULL,
    actor_kind       TEXT   NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
    actor_user_id    BIGINT,
    actor_token_id   BIGINT,
    action           TEXT   NOT NULL,
    subject_kind     TEXT   NOT NULL,
    subject_id       BIGINT,
    -- The user the subject belongs to (a token's owner), so people can see their own trail.
    subject_owner_id BIGINT,
    -- Another thing the event concerns: the token a rotation made.
    related_id       BIGINT,
    client_ip        TEXT,
    user_agent       TEXT,
    detail           TEXT   NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_time ON audit_events (at, id);
CREATE INDEX audit_events_by_subject ON audit_events (subject_kind, subject_id, at);
CREATE INDEX audit_events_by_related ON audit_events (related_id) WHERE related_id IS NOT NULL;
CREATE FUNCTION audit_events_are_never_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are never changed';
END;
$$;
CREATE TRIGGER audit_events_are_never_changed BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_are_never_changed();
