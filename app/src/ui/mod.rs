//! Small pieces the feature pages share.

mod broken_link;
pub mod browser;
mod confirm_modal;
mod copy_field;
mod data_table;
mod forbidden;
mod load_error;
mod modal;
mod outcome;
mod password_input;

pub use broken_link::BrokenLink;
pub use confirm_modal::ConfirmModal;
pub use copy_field::CopyField;
pub use data_table::DataTable;
pub use forbidden::Forbidden;
pub use load_error::LoadError;
pub use modal::Modal;
pub use outcome::{FormErrors, Outcome};
pub use password_input::PasswordInput;

use chrono::{DateTime, Utc};

/// Times are shown in UTC so the server-rendered page and the hydrated one always agree.
pub fn format_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn format_optional(at: Option<DateTime<Utc>>, none: &'static str) -> String {
    at.map(format_time).unwrap_or_else(|| none.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_minutes_in_utc() {
        let at = Utc.with_ymd_and_hms(2026, 12, 23, 9, 5, 59).unwrap();
        assert_eq!(format_time(at), "2026-12-23 09:05 UTC");
        assert_eq!(format_optional(None, "Never"), "Never");
    }
}
