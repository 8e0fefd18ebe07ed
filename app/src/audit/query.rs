//! The Audit Log's filters, as its URL carries them, so that any view can be bookmarked or
//! linked to from the report.

use crate::rules::audit::{AuditAction, SubjectKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Events a page of the Audit Log shows.
pub const EVENTS_PER_PAGE: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// A username: events that user made, or about their things.
    pub user: String,
    pub action: Option<AuditAction>,
    /// Events about this kind of thing: tokens, users, sessions, invitations, security.
    #[serde(default)]
    pub subject: Option<SubjectKind>,
    /// Events about this token, or the rotation that made it.
    pub token: Option<i64>,
    /// The start of the client address the events came from: "10.1." finds 10.1.2.3.
    pub address: String,
    pub from: Option<NaiveDate>,
    /// Inclusive.
    pub to: Option<NaiveDate>,
    /// 1-based; newest events first.
    pub page: u32,
}

impl Default for AuditQuery {
    fn default() -> Self {
        Self {
            user: String::new(),
            action: None,
            subject: None,
            token: None,
            address: String::new(),
            from: None,
            to: None,
            page: 1,
        }
    }
}

impl AuditQuery {
    /// Reads a URL's query string; what cannot be read is left out, so an edited link still
    /// opens.
    pub fn from_query_string(query: &str) -> Self {
        let pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
        Self::from_params(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    /// Reads URL parameters, as the router hands them over.
    pub fn from_params<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut parsed = Self::default();
        for (name, value) in params {
            let value = value.trim();
            match name {
                "user" => parsed.user = value.chars().take(100).collect(),
                "action" => parsed.action = AuditAction::parse(value),
                "subject" => parsed.subject = SubjectKind::parse(value),
                "token" => parsed.token = value.parse().ok(),
                "address" => parsed.address = value.chars().take(64).collect(),
                "from" => parsed.from = value.parse().ok(),
                "to" => parsed.to = value.parse().ok(),
                "page" => parsed.page = value.parse().ok().filter(|p| *p >= 1).unwrap_or(1),
                _ => {}
            }
        }
        parsed
    }

    /// `?a=b&…`, leaving out what is not set; empty when nothing is.
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if !self.user.is_empty() {
            out.append_pair("user", &self.user);
        }
        if let Some(action) = self.action {
            out.append_pair("action", action.as_str());
        }
        if let Some(subject) = self.subject {
            out.append_pair("subject", subject.as_str());
        }
        if let Some(token) = self.token {
            out.append_pair("token", &token.to_string());
        }
        if !self.address.is_empty() {
            out.append_pair("address", &self.address);
        }
        if let Some(from) = self.from {
            out.append_pair("from", &from.to_string());
        }
        if let Some(to) = self.to {
            out.append_pair("to", &to.to_string());
        }
        if self.page > 1 {
            out.append_pair("page", &self.page.to_string());
        }
        let pairs = out.finish();
        if pairs.is_empty() {
            pairs
        } else {
            format!("?{pairs}")
        }
    }

    /// The same filters on page `page`.
    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let query = AuditQuery {
            user: "alice smith".into(),
            action: Some(AuditAction::TokenExpired),
            subject: Some(SubjectKind::Token),
            token: Some(42),
            address: "10.1.".into(),
            from: NaiveDate::from_ymd_opt(2026, 12, 1),
            to: NaiveDate::from_ymd_opt(2026, 12, 7),
            page: 3,
        };
        let url = query.to_query_string();
        assert_eq!(
            url,
            "?user=alice+smith&action=token.expired&subject=token&token=42&address=10.1.&from=2026-12-01&to=2026-12-07&page=3"
        );
        assert_eq!(AuditQuery::from_query_string(&url), query);
    }

    #[test]
    fn nothing_set_is_an_empty_string_and_bad_values_are_left_out() {
        let empty = AuditQuery::from_query_string("");
        assert_eq!(empty.page, 1);
        assert_eq!(empty.to_query_string(), "");
        let odd =
            AuditQuery::from_query_string("action=token.deleted&token=x&from=soon&page=0&zzz=1");
        assert_eq!(odd, AuditQuery::default());
    }
}
