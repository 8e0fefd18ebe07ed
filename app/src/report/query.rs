//! What a System Users report shows, as it travels in the URL. Pure: parsed and printed the
//! same way by the page, the server function and the CSV export.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The example reports, one click each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Preset {
    /// Every user, every token.
    #[default]
    AllUsers,
    ActiveTokens,
    ExpiringWithin7Days,
    ExpiringWithin30Days,
    NeverExpiring,
    NeverUsed,
    /// Active tokens not used, or never used and created, 90 days ago or longer.
    UnusedFor90Days,
    /// Tokens deactivated for a while, not yet working again.
    Deactivated,
    Expired,
    ActiveTokensOfInactiveUsers,
}

impl Preset {
    pub const ALL: [Preset; 10] = [
        Self::AllUsers,
        Self::ActiveTokens,
        Self::ExpiringWithin7Days,
        Self::ExpiringWithin30Days,
        Self::NeverExpiring,
        Self::NeverUsed,
        Self::UnusedFor90Days,
        Self::Deactivated,
        Self::Expired,
        Self::ActiveTokensOfInactiveUsers,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::AllUsers => "all",
            Self::ActiveTokens => "active-tokens",
            Self::ExpiringWithin7Days => "expiring",
            Self::ExpiringWithin30Days => "expiring-30",
            Self::NeverExpiring => "never-expiring",
            Self::NeverUsed => "never-used",
            Self::UnusedFor90Days => "unused-90",
            Self::Deactivated => "deactivated",
            Self::Expired => "expired",
            Self::ActiveTokensOfInactiveUsers => "inactive-users",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::AllUsers => "All users",
            Self::ActiveTokens => "Active Tokens",
            Self::ExpiringWithin7Days => "Expiring within 7 days",
            Self::ExpiringWithin30Days => "Expiring within 30 days",
            Self::NeverExpiring => "Never expiring",
            Self::NeverUsed => "Never used",
            Self::UnusedFor90Days => "Unused for 90 days",
            Self::Deactivated => "Deactivated",
            Self::Expired => "Expired",
            Self::ActiveTokensOfInactiveUsers => "Active tokens of inactive users",
        }
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|preset| preset.slug() == slug)
    }
}

/// The Status filter, on top of a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    Active,
    Expired,
    ExpiredManually,
    ExpiredUnused,
    ReportedLeaked,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 5] = [
        Self::Active,
        Self::Expired,
        Self::ExpiredManually,
        Self::ExpiredUnused,
        Self::ReportedLeaked,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::ExpiredManually => "expired-manually",
            Self::ExpiredUnused => "expired-unused",
            Self::ReportedLeaked => "reported-leaked",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::ExpiredManually => "Expired manually",
            Self::ExpiredUnused => "Expired as unused",
            Self::ReportedLeaked => "Reported leaked",
        }
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.slug() == slug)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortColumn {
    Username,
    DisplayName,
    Email,
    Role,
    LoginActive,
    Current,
    ActiveTokens,
    Label,
    Hint,
    Created,
    Expires,
    LastUsed,
    LastUsedIp,
    Status,
}

impl SortColumn {
    pub const ALL: [SortColumn; 14] = [
        Self::Username,
        Self::DisplayName,
        Self::Email,
        Self::Role,
        Self::LoginActive,
        Self::Current,
        Self::ActiveTokens,
        Self::Label,
        Self::Hint,
        Self::Created,
        Self::Expires,
        Self::LastUsed,
        Self::LastUsedIp,
        Self::Status,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::DisplayName => "display-name",
            Self::Email => "email",
            Self::Role => "role",
            Self::LoginActive => "login-active",
            Self::Current => "current",
            Self::ActiveTokens => "active-tokens",
            Self::Label => "label",
            Self::Hint => "hint",
            Self::Created => "created",
            Self::Expires => "expires",
            Self::LastUsed => "last-used",
            Self::LastUsedIp => "last-used-ip",
            Self::Status => "status",
        }
    }

    /// Token columns order the subtables, and users by their tokens' values.
    pub fn is_token_column(self) -> bool {
        matches!(
            self,
            Self::Label
                | Self::Hint
                | Self::Created
                | Self::Expires
                | Self::LastUsed
                | Self::Status
        )
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|column| column.slug() == slug)
    }
}

pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];

/// The whole state of a report: everything the URL carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub preset: Preset,
    /// Matches username, token label, description or hint, ignoring case.
    pub search: String,
    pub status: Option<StatusFilter>,
    pub expires_from: Option<NaiveDate>,
    /// Inclusive: tokens expiring on this day are in.
    pub expires_to: Option<NaiveDate>,
    pub sort: SortColumn,
    pub descending: bool,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for ReportQuery {
    fn default() -> Self {
        Self {
            preset: Preset::AllUsers,
            search: String::new(),
            status: None,
            expires_from: None,
            expires_to: None,
            sort: SortColumn::Username,
            descending: false,
            page: 1,
            per_page: PAGE_SIZES[0],
        }
    }
}

impl ReportQuery {
    /// Reads URL parameters; anything unreadable falls back to the default for that part, so
    /// an edited or old bookmark still opens a report.
    pub fn from_params<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut query = Self::default();
        for (name, value) in params {
            let value = value.trim();
            match name {
                "preset" => query.preset = Preset::from_slug(value).unwrap_or_default(),
                "q" => query.search = value.chars().take(100).collect(),
                "status" => query.status = StatusFilter::from_slug(value),
                "from" => query.expires_from = value.parse().ok(),
                "to" => query.expires_to = value.parse().ok(),
                "sort" => query.sort = SortColumn::from_slug(value).unwrap_or(SortColumn::Username),
                "dir" => query.descending = value == "desc",
                "page" => query.page = value.parse().ok().filter(|p| *p >= 1).unwrap_or(1),
                "per" => {
                    query.per_page = value
                        .parse()
                        .ok()
                        .filter(|n| PAGE_SIZES.contains(n))
                        .unwrap_or(PAGE_SIZES[0])
                }
                _ => {}
            }
        }
        query
    }

    /// The URL parameters, leaving out defaults so links stay short.
    pub fn to_params(&self) -> BTreeMap<&'static str, String> {
        let default = Self::default();
        let mut params = BTreeMap::new();
        if self.preset != default.preset {
            params.insert("preset", self.preset.slug().to_owned());
        }
        if !self.search.is_empty() {
            params.insert("q", self.search.clone());
        }
        if let Some(status) = self.status {
            params.insert("status", status.slug().to_owned());
        }
        if let Some(from) = self.expires_from {
            params.insert("from", from.to_string());
        }
        if let Some(to) = self.expires_to {
            params.insert("to", to.to_string());
        }
        if self.sort != default.sort {
            params.insert("sort", self.sort.slug().to_owned());
        }
        if self.descending {
            params.insert("dir", "desc".to_owned());
        }
        if self.page != 1 {
            params.insert("page", self.page.to_string());
        }
        if self.per_page != default.per_page {
            params.insert("per", self.per_page.to_string());
        }
        params
    }

    /// `?a=b&…` (or empty), percent-encoded.
    pub fn to_query_string(&self) -> String {
        let params = self.to_params();
        if params.is_empty() {
            return String::new();
        }
        let pairs: Vec<String> = params
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect();
        format!("?{}", pairs.join("&"))
    }

    /// This report sorted by `column`: ascending first, descending on a second click.
    pub fn sorted_by(&self, column: SortColumn) -> Self {
        let descending = self.sort == column && !self.descending;
        Self {
            sort: column,
            descending,
            page: 1,
            ..self.clone()
        }
    }

    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page: page.max(1),
            ..self.clone()
        }
    }

    pub fn with_preset(preset: Preset) -> Self {
        Self {
            preset,
            ..Self::default()
        }
    }

    /// Whether any token condition narrows the report (and so hides users without a match).
    pub fn filters_tokens(&self) -> bool {
        self.preset != Preset::AllUsers
            || !self.search.is_empty()
            || self.status.is_some()
            || self.expires_from.is_some()
            || self.expires_to.is_some()
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ReportQuery {
        let pairs: Vec<(&str, &str)> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .collect();
        ReportQuery::from_params(pairs)
    }

    #[test]
    fn empty_url_is_the_default_report() {
        assert_eq!(ReportQuery::from_params([]), ReportQuery::default());
        assert_eq!(ReportQuery::default().to_query_string(), "");
    }

    #[test]
    fn every_part_round_trips_through_the_url() {
        let query = ReportQuery {
            preset: Preset::ExpiringWithin7Days,
            search: "ci bot".into(),
            status: Some(StatusFilter::ExpiredManually),
            expires_from: NaiveDate::from_ymd_opt(2026, 1, 2),
            expires_to: NaiveDate::from_ymd_opt(2026, 12, 31),
            sort: SortColumn::LastUsed,
            descending: true,
            page: 3,
            per_page: 100,
        };
        let params = query.to_params();
        let back = ReportQuery::from_params(params.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, query);
        assert!(query.to_query_string().contains("q=ci%20bot"));
    }

    #[test]
    fn every_preset_status_and_column_has_a_unique_slug() {
        for preset in Preset::ALL {
            assert_eq!(Preset::from_slug(preset.slug()), Some(preset));
        }
        for status in StatusFilter::ALL {
            assert_eq!(StatusFilter::from_slug(status.slug()), Some(status));
        }
        for column in SortColumn::ALL {
            assert_eq!(SortColumn::from_slug(column.slug()), Some(column));
        }
    }

    #[test]
    fn unreadable_parts_fall_back_to_defaults() {
        let query =
            parse("preset=nope&status=weird&from=2026-13-01&sort=password&page=0&per=7&dir=up");
        assert_eq!(query, ReportQuery::default());
        assert_eq!(parse("page=-3").page, 1);
        assert_eq!(parse("per=50").per_page, 50);
        assert_eq!(parse(&format!("q={}", "x".repeat(500))).search.len(), 100);
    }

    #[test]
    fn sorting_toggles_direction_and_returns_to_page_one() {
        let query = parse("page=4");
        let by_label = query.sorted_by(SortColumn::Label);
        assert_eq!(
            (by_label.sort, by_label.descending, by_label.page),
            (SortColumn::Label, false, 1)
        );
        assert!(by_label.sorted_by(SortColumn::Label).descending);
        assert!(
            !by_label
                .sorted_by(SortColumn::Label)
                .sorted_by(SortColumn::Label)
                .descending
        );
        assert!(!by_label.sorted_by(SortColumn::Email).descending);
    }

    #[test]
    fn only_token_conditions_hide_users() {
        assert!(!ReportQuery::default().filters_tokens());
        assert!(!parse("sort=email&page=2").filters_tokens());
        for query in [
            "preset=active-tokens",
            "q=x",
            "status=active",
            "from=2026-01-01",
            "to=2026-01-01",
        ] {
            assert!(parse(query).filters_tokens(), "{query}");
        }
        assert!(SortColumn::Expires.is_token_column());
        assert!(!SortColumn::ActiveTokens.is_token_column());
    }
}
