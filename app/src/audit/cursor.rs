//! Where a walk through the trail stopped (the CSV export, the API): the last event given.
//! The trail is read newest first, by time then id, so the next part starts just below it
//! however many events arrive meanwhile.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCursor {
    pub at: DateTime<Utc>,
    pub id: i64,
}

impl AuditCursor {
    /// As the API hands it out: opaque to callers, "1733562000.42" inside.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.timestamp(), self.id)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (seconds, id) = text.trim().split_once('.')?;
        Some(Self {
            at: DateTime::from_timestamp(seconds.parse().ok()?, 0)?,
            id: id.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_nonsense_is_refused() {
        let cursor = AuditCursor {
            at: DateTime::from_timestamp(1_796_600_000, 0).unwrap(),
            id: 42,
        };
        assert_eq!(cursor.encode(), "1796600000.42");
        assert_eq!(AuditCursor::decode("1796600000.42"), Some(cursor));
        for bad in ["", "42", "x.1", "1.x", "1.2.3", "99999999999999999999.1"] {
            assert_eq!(AuditCursor::decode(bad), None, "{bad}");
        }
    }
}
