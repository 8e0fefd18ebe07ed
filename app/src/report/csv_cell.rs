//! Spreadsheet formula injection: a cell that starts with `=`, `+`, `-` or `@` (or a tab or
//! carriage return, which some spreadsheets skip before reading a formula) is run as a
//! formula when the CSV is opened. A leading apostrophe makes it plain text.

pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for cell in ["=SUM(A1)", "+1", "-2+3", "@cmd", "\t=1", "\r=1"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
    }

    #[test]
    fn everything_else_is_untouched() {
        for cell in ["", "alice", "2026-11-23 10:00 UTC", "a=b", "1-2", "'quoted"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
