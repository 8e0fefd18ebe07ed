//! Whitelist Domains: the web sites whose pages may use a token from a browser.

use super::lists::distinct;
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
    let patterns = split_entries(text)
        .map(DomainPattern::parse)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(distinct(patterns, |pattern| pattern.as_str().to_owned()))
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

/// Entries typed into the Whitelist Domains form and `Origin` headers sent by anyone:
/// a clear answer and no panic, and a pattern that is accepted stays as it was written down.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn label() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    }

    /// A host name of at most the greatest length, in any letter case.
    fn host_name() -> impl Strategy<Value = String> {
        proptest::collection::vec(label(), 1..6)
            .prop_map(|labels| labels.join("."))
            .prop_filter("at most 253 characters", |name| name.len() <= MAX_NAME_LEN)
    }

    fn written_pattern() -> impl Strategy<Value = String> {
        (any::<bool>(), host_name(), "[ \t\n]{0,2}").prop_map(|(wildcard, name, pad)| {
            let star = if wildcard { "*." } else { "" };
            format!("{pad}{star}{name}{pad}")
        })
    }

    /// Text close enough to names to reach every rule, and anything at all.
    fn name_like_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[*a-zA-Z0-9._ -]{0,70}",
            "[a-z]{0,70}(\\.[a-z]{0,70}){0,5}",
        ]
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![",", " ", "\n", "\r\n", "\t", ", ", " ,\n"])
    }

    proptest! {
        #[test]
        fn any_text_is_a_pattern_or_names_itself(text in name_like_text()) {
            match DomainPattern::parse(&text) {
                Ok(pattern) => {
                    let normal = pattern.as_str();
                    prop_assert_eq!(normal, text.trim().to_ascii_lowercase());
                    prop_assert!(normal.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b"-.*".contains(&b)));
                    prop_assert_eq!(DomainPattern::parse(normal), Ok(pattern.clone()));
                }
                Err(error) => prop_assert_eq!(error, DomainError(text.trim().to_owned())),
            }
        }

        #[test]
        fn a_written_pattern_normalises_once_and_for_all(text in written_pattern()) {
            let pattern = DomainPattern::parse(&text).unwrap();
            prop_assert_eq!(pattern.as_str(), text.trim().to_ascii_lowercase());
            prop_assert_eq!(DomainPattern::parse(pattern.as_str()), Ok(pattern.clone()));
            prop_assert_eq!(DomainPattern::parse(&text.to_ascii_uppercase()), Ok(pattern));
        }

        #[test]
        fn a_name_matches_itself_and_a_wildcard_only_what_lies_below(
            name in host_name(),
            sub in label(),
        ) {
            let below = format!("{sub}.{name}");
            let further_below = format!("{sub}.{below}");
            let above = format!("{name}.{sub}");
            let shouting_with_root_dot = format!("{}.", name.to_ascii_uppercase());
            // A name that merely ends in the same letters is another site.
            let same_ending = format!("{sub}{name}");

            let exact = DomainPattern::parse(&name).unwrap();
            prop_assert!(exact.matches(&name));
            prop_assert!(exact.matches(&shouting_with_root_dot));
            prop_assert!(!exact.matches(&below));
            prop_assert!(!exact.matches(&above));

            let wildcard = DomainPattern::parse(&format!("*.{name}")).unwrap();
            prop_assert!(wildcard.matches(&below));
            prop_assert!(wildcard.matches(&further_below));
            prop_assert!(!wildcard.matches(&name));
            prop_assert!(!wildcard.matches(&same_ending));
        }

        #[test]
        fn any_host_is_matched_or_not_without_panicking(
            pattern in written_pattern(),
            host in any::<String>(),
        ) {
            let pattern = DomainPattern::parse(&pattern).unwrap();
            let _ = pattern.matches(&host);
        }

        #[test]
        fn a_character_outside_host_names_is_refused(
            name in host_name(),
            position in any::<prop::sample::Index>(),
            bad in any::<char>().prop_filter("not allowed in a host name", |c| {
                !c.is_ascii_alphanumeric() && !matches!(c, '-' | '.') && !c.is_whitespace()
            }),
        ) {
            let mut text = name.clone();
            text.insert(position.index(name.len() + 1), bad);
            prop_assert_eq!(DomainPattern::parse(&text), Err(DomainError(text.clone())));
        }

        #[test]
        fn broken_labels_are_refused(name in host_name(), label in label(), shape in 0..5usize) {
            let text = match shape {
                0 => format!("-{label}.{name}"),
                1 => format!("{label}-.{name}"),
                2 => format!("{label}..{name}"),
                3 => format!("{}.{name}", "a".repeat(MAX_LABEL_LEN + 1)),
                _ => format!("*.*.{name}"),
            };
            prop_assert_eq!(DomainPattern::parse(&text), Err(DomainError(text.clone())));
        }

        #[test]
        fn a_name_longer_than_the_limit_is_refused(
            labels in proptest::collection::vec(label(), 4..12)
        ) {
            let name = labels.join(".");
            prop_assert_eq!(DomainPattern::parse(&name).is_ok(), name.len() <= MAX_NAME_LEN);
        }

        #[test]
        fn any_list_text_parses_or_names_one_of_its_entries(text in any::<String>()) {
            match parse_domain_list(&text) {
                Ok(patterns) => {
                    let printed: Vec<&str> = patterns.iter().map(DomainPattern::as_str).collect();
                    prop_assert_eq!(parse_domain_list(&printed.join(" ")), Ok(patterns.clone()));
                }
                Err(DomainError(entry)) => {
                    prop_assert!(split_entries(&text).any(|typed| typed == entry));
                }
            }
        }

        #[test]
        fn a_printed_list_parses_back_without_duplicates(
            written in proptest::collection::vec(written_pattern(), 0..8),
            separators in proptest::collection::vec(separator(), 8),
        ) {
            let mut text = String::new();
            for (pattern, separator) in written.iter().zip(&separators) {
                text.push_str(pattern.trim());
                text.push_str(separator);
            }
            let mut expected: Vec<DomainPattern> = Vec::new();
            for pattern in &written {
                let pattern = DomainPattern::parse(pattern).unwrap();
                if !expected.contains(&pattern) {
                    expected.push(pattern);
                }
            }
            prop_assert_eq!(parse_domain_list(&text), Ok(expected));
        }

        #[test]
        fn any_origin_gives_a_host_from_inside_it_or_nothing(origin in any::<String>()) {
            if let Some(host) = origin_host(&origin) {
                prop_assert!(!host.is_empty() && !host.contains('/'));
                prop_assert!(origin.contains(host));
            }
            let _ = origin_allowed(&[DomainPattern::parse("*.example.com").unwrap()], &origin);
        }

        #[test]
        fn an_origin_gives_back_its_host(
            scheme in "https?",
            name in host_name(),
            port in proptest::option::of(any::<u16>()),
        ) {
            let port = port.map(|port| format!(":{port}")).unwrap_or_default();
            let origin = format!("{scheme}://{name}{port}");
            prop_assert_eq!(origin_host(&origin), Some(name.as_str()));
            let list = parse_domain_list(&name).unwrap();
            prop_assert!(origin_allowed(&list, &origin));
        }

        #[test]
        fn an_origin_gives_back_its_bracketed_address(
            address in any::<std::net::Ipv6Addr>(),
            port in any::<u16>(),
        ) {
            let host = address.to_string();
            let origin = format!("http://[{host}]:{port}");
            prop_assert_eq!(origin_host(&origin), Some(host.as_str()));
        }
    }
}
