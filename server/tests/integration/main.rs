//! Integration tests: the real router on real databases (SQLite files, and PostgreSQL under
//! `with-postgres.sh`). One test binary for them all, so the server links once, not once per file.

mod common;

mod addresses;
mod audit_events;
mod audit_export;
mod audit_people;
mod bearer;
mod bootstrap;
mod bulk_expiry;
mod bundle;
mod cli;
mod content_policy;
mod dashboard;
mod deactivation;
mod demo;
mod deployment_nginx;
mod descriptions;
mod disuse;
mod expiry_notices;
mod forward_auth;
mod gateway_nginx;
mod instances;
mod introspect;
mod invitations;
mod leaks;
mod migrations;
mod openapi;
mod passwords;
mod permissions;
mod plain_forms;
mod readiness;
mod recent_authentications;
mod report;
mod rotation;
mod routes;
mod security;
mod sessions;
mod streaming;
mod throttling;
mod token_api;
mod token_cache;
mod token_lookup;
mod tokens;
mod two_factor;
mod whitelists;
