-- Failed sign-ins in a row, per username and per client address, shared by every instance
-- (see app/src/rules/throttle.rs).
CREATE TABLE sign_in_failures (
    subject         TEXT   PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (last_failure_at);
