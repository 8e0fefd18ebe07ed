//! Whitelist Domains: the web sites whose pages may use a token from a browser.

use super::network::split_entries;
use serde::{Deserialize, Serialize};

/// A host name, or `*.` and a host name for any of its subdomains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainPattern(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("“{0}” is not a domain name such as app.example.com or *.example.com.")]
pub struct DomainError(pub String);

const MAX_NAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

impl DomainPattern {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let lowered = text.to_ascii_lowercase();
        let name = lowered.strip_prefix("*.").unwrap_or(&lowered);
        if is_host_name(name) {
            Ok(Self(lowered))
        } else {
            Err(DomainError(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a page served from `host` matches. `*.example.com` matches its subdomains at
    /// any depth, not `example.com` itself.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        match self.0.strip_prefix("*.") {
            Some(parent) => host
                .strip_suffix(parent)
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
            None => host == self.0,
        }
    }
}

fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL_LEN
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Entries separated by commas, spaces or line breaks; duplicates dropped, the first bad
/// entry named in the error.
pub fn parse_domain_list(text: &str) -> Result<Vec<DomainPattern>, DomainError> {
    let mut patterns: Vec<DomainPattern> = Vec::new();
    for entry in split_entries(text) {
        let pattern = DomainPattern::parse(entry)?;
        if !patterns.contains(&pattern) {
            patterns.push(pattern);
        }
    }
    Ok(patterns)
}

/// The host of an `Origin` header (`scheme://host[:port]`); `None` for `null` or junk.
pub fn origin_host(origin: &str) -> Option<&str> {
    let (_, rest) = origin.split_once("://")?;
    let host = if let Some(bracketed) = rest.strip_prefix('[') {
        bracketed.split_once(']')?.0
    } else {
        rest.split(':').next()?
    };
    (!host.is_empty() && !host.contains('/')).then_some(host)
}

/// An empty list allows every origin; otherwise the origin's host must match an entry.
pub fn origin_allowed(patterns: &[DomainPattern], origin: &str) -> bool {
    patterns.is_empty()
        || origin_host(origin).is_some_and(|host| patterns.iter().any(|p| p.matches(host)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> DomainPattern {
        DomainPattern::parse(text).unwrap()
    }

    #[test]
    fn exact_names_match_only_themselves_in_any_case() {
        let p = pattern("App.Example.com");
        assert_eq!(p.as_str(), "app.example.com");
        assert!(p.matches("app.example.com"));
        assert!(p.matches("APP.example.COM"));
        assert!(p.matches("app.example.com."));
        assert!(!p.matches("example.com"));
        assert!(!p.matches("evilapp.example.com"));
        assert!(!p.matches("app.example.com.evil.net"));
    }

    #[test]
    fn wildcards_match_subdomains_at_any_depth_but_not_the_parent() {
        let p = pattern("*.example.com");
        assert!(p.matches("a.example.com"));
        assert!(p.matches("a.b.example.com"));
        assert!(!p.matches("example.com"));
        assert!(!p.matches("badexample.com"));
        assert!(!p.matches(".example.com"));
        assert!(!p.matches("example.com.evil.net"));
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in [
            "",
            "*",
            "*.",
            "a..b",
            "-a.com",
            "a-.com",
            "exa mple.com",
            "https://a.com",
            "a.com/path",
            "*.*.a.com",
            "a*.com",
            "x_y.com",
        ] {
            assert_eq!(
                DomainPattern::parse(bad),
                Err(DomainError(bad.trim().to_owned())),
                "{bad:?}"
            );
        }
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(DomainPattern::parse(&long_label).is_err());
        assert!(DomainPattern::parse(&format!("{}.com", "a".repeat(63))).is_ok());
        assert!(DomainPattern::parse("localhost").is_ok());
        let error = parse_domain_list("a.com, bad_one, b.com").unwrap_err();
        assert!(error.to_string().contains("“bad_one”"), "{error}");
    }

    #[test]
    fn lists_split_and_drop_duplicates() {
        let list = parse_domain_list("a.com\n*.b.com, A.com").unwrap();
        assert_eq!(list, vec![pattern("a.com"), pattern("*.b.com")]);
    }

    #[test]
    fn origin_hosts() {
        assert_eq!(
            origin_host("https://app.example.com"),
            Some("app.example.com")
        );
        assert_eq!(origin_host("http://localhost:8080"), Some("localhost"));
        assert_eq!(origin_host("http://[::1]:8080"), Some("::1"));
        assert_eq!(origin_host("null"), None);
        assert_eq!(origin_host("https://"), None);
    }

    #[test]
    fn origins_against_a_list() {
        let list = parse_domain_list("app.example.com *.corp.example").unwrap();
        assert!(origin_allowed(&list, "https://app.example.com"));
        assert!(origin_allowed(&list, "https://app.example.com:8443"));
        assert!(origin_allowed(&list, "https://x.corp.example"));
        assert!(!origin_allowed(&list, "https://evil.example"));
        assert!(!origin_allowed(&list, "null"));
        assert!(origin_allowed(&[], "https://anything.example"));
    }
}
