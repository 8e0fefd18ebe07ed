//! Whether a valid token may be used from where a request comes from: the company allowlist,
//! the token's Whitelist IPs and its Whitelist Domains.

use super::domain::{origin_allowed, DomainPattern};
use super::network::{allowlist_admits, net_contains, parse_ip_entry, AllowlistEntry};
use ipnet::IpNet;
use std::net::IpAddr;

/// Why a token was refused. Logged on the server; the client only ever hears
/// `invalid_token`, so nobody can probe which rule they are up against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    OutsideCompanyAllowlist,
    IpNotWhitelisted,
    OriginNotWhitelisted,
}

/// Where a request comes from.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestOrigin<'a> {
    pub ip: Option<IpAddr>,
    /// The browser's `Origin` header; absent for scripts and servers.
    pub origin: Option<&'a str>,
}

/// A token's whitelists, read once from the entries stored for it. A whitelist whose
/// entries no longer read keeps matching nothing: a damaged entry must never widen it.
#[derive(Debug, Clone, Default)]
pub struct Whitelists {
    /// `None`: any address.
    ips: Option<Vec<IpNet>>,
    /// `None`: any web page.
    domains: Option<Vec<DomainPattern>>,
}

impl Whitelists {
    pub fn read(ip_whitelist: &[String], domain_whitelist: &[String]) -> Self {
        let ips = (!ip_whitelist.is_empty()).then(|| {
            let entries = ip_whitelist
                .iter()
                .filter_map(|entry| parse_ip_entry(entry).ok());
            entries.collect()
        });
        let domains = (!domain_whitelist.is_empty()).then(|| {
            let entries = domain_whitelist
                .iter()
                .filter_map(|entry| DomainPattern::parse(entry).ok());
            entries.collect()
        });
        Self { ips, domains }
    }
}

pub fn check_use(
    company_allowlist: &[AllowlistEntry],
    whitelists: &Whitelists,
    from: RequestOrigin<'_>,
) -> Result<(), Refusal> {
    if !allowlist_admits(company_allowlist, from.ip) {
        return Err(Refusal::OutsideCompanyAllowlist);
    }
    if let Some(nets) = &whitelists.ips {
        let inside = from
            .ip
            .is_some_and(|ip| nets.iter().any(|net| net_contains(net, ip)));
        if !inside {
            return Err(Refusal::IpNotWhitelisted);
        }
    }
    if let (Some(patterns), Some(origin)) = (&whitelists.domains, from.origin) {
        // `origin_allowed` lets an empty list allow everything; here it is a damaged one.
        if patterns.is_empty() || !origin_allowed(patterns, origin) {
            return Err(Refusal::OriginNotWhitelisted);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        company: &[AllowlistEntry],
        ips: &[String],
        domains: &[String],
        from: RequestOrigin<'_>,
    ) -> Result<(), Refusal> {
        check_use(company, &Whitelists::read(ips, domains), from)
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn from<'a>(address: &str, origin: Option<&'a str>) -> RequestOrigin<'a> {
        RequestOrigin {
            ip: ip(address),
            origin,
        }
    }

    #[test]
    fn no_rules_allow_everything() {
        assert_eq!(check(&[], &[], &[], RequestOrigin::default()), Ok(()));
        assert_eq!(
            check(
                &[],
                &[],
                &[],
                from("198.51.100.1", Some("https://x.example"))
            ),
            Ok(())
        );
    }

    #[test]
    fn company_allowlist_comes_first() {
        let company = [AllowlistEntry::parse("10.0.0.0", 8).unwrap()];
        assert_eq!(check(&company, &[], &[], from("10.1.1.1", None)), Ok(()));
        assert_eq!(
            check(
                &company,
                &list(&["198.51.100.1"]),
                &[],
                from("198.51.100.1", None)
            ),
            Err(Refusal::OutsideCompanyAllowlist)
        );
    }

    #[test]
    fn ip_whitelist_refuses_other_and_unknown_addresses() {
        let ips = list(&["203.0.113.0/24", "2001:db8::1"]);
        assert_eq!(check(&[], &ips, &[], from("203.0.113.77", None)), Ok(()));
        assert_eq!(
            check(&[], &ips, &[], from("::ffff:203.0.113.77", None)),
            Ok(())
        );
        assert_eq!(check(&[], &ips, &[], from("2001:db8::1", None)), Ok(()));
        assert_eq!(
            check(&[], &ips, &[], from("203.0.114.1", None)),
            Err(Refusal::IpNotWhitelisted)
        );
        assert_eq!(
            check(&[], &ips, &[], RequestOrigin::default()),
            Err(Refusal::IpNotWhitelisted)
        );
    }

    #[test]
    fn damaged_entries_match_nothing() {
        assert_eq!(
            check(&[], &list(&["garbage"]), &[], from("203.0.113.1", None)),
            Err(Refusal::IpNotWhitelisted)
        );
        assert_eq!(
            check(
                &[],
                &[],
                &list(&["bad_domain"]),
                from("203.0.113.1", Some("https://a.example"))
            ),
            Err(Refusal::OriginNotWhitelisted)
        );
    }

    #[test]
    fn domain_whitelist_applies_to_browsers_only() {
        let domains = list(&["app.example.com", "*.corp.example"]);
        assert_eq!(
            check(&[], &[], &domains, from("198.51.100.1", None)),
            Ok(())
        );
        assert_eq!(
            check(
                &[],
                &[],
                &domains,
                from("198.51.100.1", Some("https://app.example.com"))
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &[],
                &[],
                &domains,
                from("198.51.100.1", Some("https://a.corp.example:8443"))
            ),
            Ok(())
        );
        for origin in ["https://evil.example", "null", "https://corp.example"] {
            assert_eq!(
                check(&[], &[], &domains, from("198.51.100.1", Some(origin))),
                Err(Refusal::OriginNotWhitelisted),
                "{origin}"
            );
        }
    }
}
