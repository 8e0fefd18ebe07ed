//! A token made with another token (through the API) keeps that token's limits: it expires
//! no later, and is used from nowhere the parent may not be. It may narrow them, never
//! widen them; a whitelist it leaves empty is the parent's.

use super::domain::DomainPattern;
use super::network::{entry_text, net_contains};
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WideningError {
    #[error("The token you create with expires {0}; a token made with it cannot outlive it.")]
    OutlivesParent(String),
    #[error("“{0}” is outside the IP whitelist of the token you create with.")]
    IpOutsideParent(String),
    #[error("“{0}” is outside the domain whitelist of the token you create with.")]
    DomainOutsideParent(String),
}

/// The child's expiry (`None`: never), if it is no later than the parent's.
pub fn expiry_within(
    child: Option<DateTime<Utc>>,
    parent: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, WideningError> {
    match (child, parent) {
        (_, None) => Ok(child),
        (Some(at), Some(limit)) if at <= limit => Ok(child),
        (_, Some(limit)) => Err(WideningError::OutlivesParent(
            limit.format("%Y-%m-%d %H:%M UTC").to_string(),
        )),
    }
}

/// The child's IP whitelist: the parent's when the child names none, else the child's if
/// every range lies inside one of the parent's. An empty parent whitelist allows all.
pub fn ips_within(child: Vec<IpNet>, parent: &[IpNet]) -> Result<Vec<IpNet>, WideningError> {
    if child.is_empty() {
        return Ok(parent.to_vec());
    }
    if parent.is_empty() {
        return Ok(child);
    }
    match child
        .iter()
        .find(|net| !parent.iter().any(|p| net_within(net, p)))
    {
        Some(outside) => Err(WideningError::IpOutsideParent(entry_text(outside))),
        None => Ok(child),
    }
}

/// A range lies inside another when its first and last addresses do (ranges are blocks).
fn net_within(inner: &IpNet, outer: &IpNet) -> bool {
    net_contains(outer, inner.network()) && net_contains(outer, inner.broadcast())
}

/// The child's domain whitelist, by the same rule as `ips_within`.
pub fn domains_within(
    child: Vec<DomainPattern>,
    parent: &[DomainPattern],
) -> Result<Vec<DomainPattern>, WideningError> {
    if child.is_empty() {
        return Ok(parent.to_vec());
    }
    if parent.is_empty() {
        return Ok(child);
    }
    let covered = |pattern: &DomainPattern| parent.iter().any(|p| pattern_within(pattern, p));
    match child.iter().find(|pattern| !covered(pattern)) {
        Some(outside) => Err(WideningError::DomainOutsideParent(
            outside.as_str().to_owned(),
        )),
        None => Ok(child),
    }
}

/// Whether every host `inner` matches, `outer` matches too.
fn pattern_within(inner: &DomainPattern, outer: &DomainPattern) -> bool {
    match inner.as_str().strip_prefix("*.") {
        // The subdomains of `base` lie inside `outer` when `base`'s own do: `*.base` itself,
        // or a wildcard over a parent of `base`.
        Some(base) => inner == outer || (outer.as_str().starts_with("*.") && outer.matches(base)),
        None => outer.matches(inner.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> Option<DateTime<Utc>> {
        Some(Utc.with_ymd_and_hms(2026, 12, day, 9, 0, 0).unwrap())
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn domains(list: &[&str]) -> Vec<DomainPattern> {
        list.iter()
            .map(|d| DomainPattern::parse(d).unwrap())
            .collect()
    }

    #[test]
    fn expiry_is_no_later_than_the_parents() {
        assert_eq!(expiry_within(at(5), at(9)), Ok(at(5)));
        assert_eq!(expiry_within(at(9), at(9)), Ok(at(9)));
        assert_eq!(expiry_within(at(5), None), Ok(at(5)));
        assert_eq!(expiry_within(None, None), Ok(None));
        let refused = Err(WideningError::OutlivesParent("2026-12-09 09:00 UTC".into()));
        assert_eq!(expiry_within(at(10), at(9)), refused);
        assert_eq!(
            expiry_within(None, at(9)),
            refused,
            "never expiring outlives anything"
        );
    }

    #[test]
    fn an_empty_ip_whitelist_inherits_the_parents() {
        let parent = nets(&["10.0.0.0/8"]);
        assert_eq!(ips_within(Vec::new(), &parent), Ok(parent.clone()));
        assert_eq!(ips_within(Vec::new(), &[]), Ok(Vec::new()));
    }

    #[test]
    fn ip_ranges_may_narrow_but_not_widen() {
        let parent = nets(&["10.0.0.0/8", "2001:db8::/32"]);
        for inside in [
            &["10.1.2.0/24"][..],
            &["10.0.0.0/8"],
            &["10.9.9.9/32", "2001:db8:1::/48"],
        ] {
            assert_eq!(
                ips_within(nets(inside), &parent),
                Ok(nets(inside)),
                "{inside:?}"
            );
        }
        for (outside, named) in [
            (&["0.0.0.0/0"][..], "0.0.0.0/0"),
            (&["10.0.0.0/7"], "10.0.0.0/7"),
            (&["10.1.0.0/16", "192.0.2.1/32"], "192.0.2.1"),
            (&["2001:db9::/32"], "2001:db9::/32"),
        ] {
            assert_eq!(
                ips_within(nets(outside), &parent),
                Err(WideningError::IpOutsideParent(named.into())),
                "{outside:?}"
            );
        }
        // Without a parent whitelist, anything the child names is a narrowing.
        assert_eq!(
            ips_within(nets(&["0.0.0.0/0"]), &[]),
            Ok(nets(&["0.0.0.0/0"]))
        );
    }

    #[test]
    fn ipv4_mapped_addresses_count_as_ipv4() {
        let parent = nets(&["192.0.2.0/24"]);
        let mapped = nets(&["::ffff:192.0.2.7/128"]);
        assert_eq!(ips_within(mapped.clone(), &parent), Ok(mapped));
    }

    #[test]
    fn an_empty_domain_whitelist_inherits_the_parents() {
        let parent = domains(&["*.example.com"]);
        assert_eq!(domains_within(Vec::new(), &parent), Ok(parent.clone()));
    }

    #[test]
    fn domains_may_narrow_but_not_widen() {
        let parent = domains(&["*.example.com", "app.example.org"]);
        for inside in [
            &["app.example.com"][..],
            &["*.example.com"],
            &["*.eu.example.com", "deep.eu.example.com"],
            &["app.example.org"],
        ] {
            assert_eq!(
                domains_within(domains(inside), &parent),
                Ok(domains(inside)),
                "{inside:?}"
            );
        }
        for outside in [
            "example.com",
            "*.org",
            "*.example.org",
            "other.example.org",
            "evil.com",
        ] {
            assert_eq!(
                domains_within(domains(&[outside]), &parent),
                Err(WideningError::DomainOutsideParent(outside.into())),
                "{outside}"
            );
        }
    }
}
