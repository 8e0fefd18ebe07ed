//! The audit trail: who did what, when and from where. The store writes each event in the
//! transaction of the change it describes; this module says who is acting.

#[cfg(feature = "ssr")]
mod actor;

#[cfg(feature = "ssr")]
pub use actor::{Actor, Via};
