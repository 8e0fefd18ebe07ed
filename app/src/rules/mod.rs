//! Pure rules: no I/O, no clock, no globals. Everything here compiles for the browser and
//! the server alike, so the form can check input before a round trip and the server can
//! check it again with the very same code.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod deactivation;
pub mod disuse;
pub mod domain;
pub mod expiry;
pub mod expiry_notice;
pub mod inheritance;
pub mod invitation;
pub mod label;
pub mod lists;
pub mod network;
pub mod password;
pub mod permission;
pub mod rotation;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod token;
pub mod two_factor;
pub mod username;
