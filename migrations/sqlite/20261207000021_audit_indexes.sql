-- The Audit Log's filters at a million events: by user (as actor or as owner of the subject)
-- and by action, each newest first.
CREATE INDEX audit_events_by_actor ON audit_events (actor_user_id, at);
CREATE INDEX audit_events_by_owner ON audit_events (subject_owner_id, at);
CREATE INDEX audit_events_by_action ON audit_events (action, at);
