//! Small pieces the feature pages share.

mod broken_link;
pub mod browser;
mod confirm_modal;
mod copy_field;
mod counting;
mod data_table;
mod forbidden;
mod load_error;
mod modal;
mod outcome;
mod password_input;
mod sparkline;
mod time;

pub use broken_link::BrokenLink;
pub use confirm_modal::ConfirmModal;
pub use copy_field::CopyField;
pub use counting::{counted, grouped_digits};
pub use data_table::DataTable;
pub use forbidden::Forbidden;
pub use load_error::LoadError;
pub use modal::Modal;
pub use outcome::{FormErrors, Outcome};
pub use password_input::PasswordInput;
pub use sparkline::Sparkline;
pub use time::{format_utc, relative_wording, MaybeTime, Time, ZONE_COOKIE};
