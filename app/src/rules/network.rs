//! Addresses and ranges: token IP whitelists, the company allowlist's checking bits, and
//! which address a request really comes from behind trusted proxies.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is how a dual-stack socket reports an IPv4 peer;
/// it is the IPv4 address, and must match IPv4 entries.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.addr().to_ipv4_mapped() {
            Some(v4) => IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96)
                .map(|n| n.trunc())
                .unwrap_or(net),
            None => net,
        },
        other => other,
    }
}

/// Whether `ip` lies in `net`, with IPv4-mapped IPv6 on either side treated as IPv4.
pub fn net_contains(net: &IpNet, ip: IpAddr) -> bool {
    canonical_net(*net).contains(&canonical(ip))
}

pub fn any_contains(nets: &[IpNet], ip: IpAddr) -> bool {
    nets.iter().any(|net| net_contains(net, ip))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum NetworkError {
    #[error("“{0}” is not an IP address or a CIDR range such as 192.0.2.0/24.")]
    NotAnAddressOrRange(String),
    #[error("“{0}” is not an IP address.")]
    NotAnAddress(String),
    #[error("For an IPv4 address the checking bits are 8, 16, 24 or 32, not {0}.")]
    Ipv4Bits(u8),
    #[error("For an IPv6 address the checking bits are 0 to 128, not {0}.")]
    Ipv6Bits(u8),
}

/// One Whitelist IPs entry: an address (a range of one) or a CIDR range.
pub fn parse_ip_entry(text: &str) -> Result<IpNet, NetworkError> {
    let text = text.trim();
    let parsed = match text.parse::<IpNet>() {
        Ok(net) => Ok(net.trunc()),
        Err(_) => text.parse::<IpAddr>().map(IpNet::from),
    };
    parsed
        .map(canonical_net)
        .map_err(|_| NetworkError::NotAnAddressOrRange(text.to_owned()))
}

/// How an entry is written back: a range of one is just its address.
pub fn entry_text(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// Entries separated by commas, spaces or line breaks, as typed in the form. Duplicates are
/// dropped; the first bad entry is named in the error.
pub fn parse_ip_list(text: &str) -> Result<Vec<IpNet>, NetworkError> {
    let mut nets: Vec<IpNet> = Vec::new();
    for entry in split_entries(text) {
        let net = parse_ip_entry(entry)?;
        if !nets.contains(&net) {
            nets.push(net);
        }
    }
    Ok(nets)
}

pub(crate) fn split_entries(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
}

/// One entry of the company IP allowlist: an address and how many of its leading bits a
/// client's address must share with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistEntry {
    pub address: IpAddr,
    pub bits: u8,
}

/// The checking bits an IPv4 entry may have: whole dotted parts, as the seed describes.
pub const IPV4_CHECKING_BITS: [u8; 4] = [8, 16, 24, 32];

impl AllowlistEntry {
    pub fn parse(address: &str, bits: u8) -> Result<Self, NetworkError> {
        let address = address.trim();
        let ip = address
            .parse::<IpAddr>()
            .map(canonical)
            .map_err(|_| NetworkError::NotAnAddress(address.to_owned()))?;
        match ip {
            IpAddr::V4(_) if !IPV4_CHECKING_BITS.contains(&bits) => {
                Err(NetworkError::Ipv4Bits(bits))
            }
            IpAddr::V6(_) if bits > 128 => Err(NetworkError::Ipv6Bits(bits)),
            _ => Ok(Self { address: ip, bits }),
        }
    }

    pub fn net(&self) -> IpNet {
        IpNet::new(self.address, self.bits)
            .map(|net| net.trunc())
            .unwrap_or_else(|_| IpNet::from(self.address))
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        net_contains(&self.net(), ip)
    }
}

/// An empty allowlist allows everyone; otherwise the address must be inside some entry.
/// An unknown address is outside every entry.
pub fn allowlist_admits(entries: &[AllowlistEntry], ip: Option<IpAddr>) -> bool {
    entries.is_empty() || ip.is_some_and(|ip| entries.iter().any(|entry| entry.allows(ip)))
}

/// The client's address. The socket peer is the client unless it is a trusted proxy; then
/// `X-Forwarded-For` is read right to left, skipping trusted proxies, and the first address
/// that is not one is the client. Entries further left were written by whoever sent the
/// request and prove nothing. `None` when a trusted hop forwarded something unreadable.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = canonical(peer);
    if !any_contains(trusted, peer) {
        return Some(peer);
    }
    let mut client = peer;
    let hops = forwarded_for
        .iter()
        .flat_map(|header| header.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let ip = parse_forwarded_hop(hop)?;
        client = ip;
        if !any_contains(trusted, ip) {
            break;
        }
    }
    Some(client)
}

/// An `X-Forwarded-For` element: an address, possibly `[v6]:port` or `v4:port`.
fn parse_forwarded_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<std::net::SocketAddr>()
        .ok()
        .map(|socket| canonical(socket.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn net(text: &str) -> IpNet {
        parse_ip_entry(text).unwrap()
    }

    #[test]
    fn single_addresses_are_ranges_of_one() {
        assert!(net_contains(&net("192.0.2.10"), ip("192.0.2.10")));
        assert!(!net_contains(&net("192.0.2.10"), ip("192.0.2.11")));
        assert!(net_contains(&net("2001:db8::1"), ip("2001:db8::1")));
        assert!(!net_contains(&net("2001:db8::1"), ip("2001:db8::2")));
    }

    #[test]
    fn cidr_ranges_v4_including_the_edges() {
        let range = net("10.1.0.0/16");
        assert!(net_contains(&range, ip("10.1.0.0")));
        assert!(net_contains(&range, ip("10.1.255.255")));
        assert!(!net_contains(&range, ip("10.2.0.0")));
        assert!(!net_contains(&range, ip("10.0.255.255")));
        let everything = net("0.0.0.0/0");
        for address in ["0.0.0.0", "255.255.255.255", "192.0.2.1"] {
            assert!(net_contains(&everything, ip(address)), "{address}");
        }
        assert!(!net_contains(&everything, ip("2001:db8::1")));
        let one = net("192.0.2.7/32");
        assert!(net_contains(&one, ip("192.0.2.7")));
        assert!(!net_contains(&one, ip("192.0.2.6")));
    }

    #[test]
    fn host_bits_in_a_range_are_ignored() {
        assert_eq!(net("10.1.2.3/16"), net("10.1.0.0/16"));
    }

    #[test]
    fn cidr_ranges_v6_including_the_edges() {
        let range = net("2001:db8:abcd::/48");
        assert!(net_contains(&range, ip("2001:db8:abcd:ffff::1")));
        assert!(!net_contains(&range, ip("2001:db8:abce::1")));
        assert!(net_contains(&net("::/0"), ip("2001:db8::1")));
        assert!(net_contains(&net("2001:db8::5/128"), ip("2001:db8::5")));
        assert!(!net_contains(&net("2001:db8::5/128"), ip("2001:db8::6")));
    }

    #[test]
    fn ipv4_mapped_ipv6_is_ipv4_on_both_sides() {
        assert!(net_contains(&net("192.0.2.0/24"), ip("::ffff:192.0.2.9")));
        assert!(!net_contains(&net("192.0.2.0/24"), ip("::ffff:192.0.3.9")));
        assert_eq!(net("::ffff:192.0.2.0/120"), net("192.0.2.0/24"));
        assert!(net_contains(&net("::ffff:192.0.2.9"), ip("192.0.2.9")));
        assert_eq!(canonical(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        assert_eq!(canonical(ip("::1")), ip("::1"));
    }

    #[test]
    fn entries_are_written_back_without_a_full_length_prefix() {
        assert_eq!(entry_text(&net("192.0.2.1")), "192.0.2.1");
        assert_eq!(entry_text(&net("192.0.2.1/32")), "192.0.2.1");
        assert_eq!(entry_text(&net("2001:db8::1")), "2001:db8::1");
        assert_eq!(entry_text(&net("10.1.2.3/16")), "10.1.0.0/16");
        assert_eq!(entry_text(&net("::ffff:192.0.2.0/120")), "192.0.2.0/24");
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in [
            "300.1.1.1",
            "10.0.0.0/33",
            "example.com",
            "2001:db8::/129",
            "1.2.3",
        ] {
            assert_eq!(
                parse_ip_entry(bad),
                Err(NetworkError::NotAnAddressOrRange(bad.to_owned())),
                "{bad}"
            );
        }
        let error = parse_ip_list("10.0.0.1, nope, 10.0.0.2").unwrap_err();
        assert!(error.to_string().contains("“nope”"), "{error}");
    }

    #[test]
    fn lists_split_on_commas_spaces_and_lines_and_drop_duplicates() {
        let list = parse_ip_list("10.0.0.1,10.0.0.2\n 192.0.2.0/24  10.0.0.1\r\n").unwrap();
        assert_eq!(
            list,
            vec![net("10.0.0.1"), net("10.0.0.2"), net("192.0.2.0/24")]
        );
        assert_eq!(parse_ip_list("  \n ").unwrap(), vec![]);
    }

    #[test]
    fn checking_bits_for_ipv4_are_whole_parts() {
        for bits in IPV4_CHECKING_BITS {
            assert!(AllowlistEntry::parse("192.0.2.1", bits).is_ok());
        }
        for bits in [0, 7, 12, 31, 33] {
            assert_eq!(
                AllowlistEntry::parse("192.0.2.1", bits),
                Err(NetworkError::Ipv4Bits(bits))
            );
        }
        assert_eq!(
            AllowlistEntry::parse("10.0.0.0/8", 8),
            Err(NetworkError::NotAnAddress("10.0.0.0/8".into()))
        );
    }

    #[test]
    fn checking_bits_match_leading_bits() {
        let entry = |a: &str, bits| AllowlistEntry::parse(a, bits).unwrap();
        assert!(entry("192.168.7.1", 8).allows(ip("192.1.1.1")));
        assert!(!entry("192.168.7.1", 8).allows(ip("193.168.7.1")));
        assert!(entry("192.168.7.1", 16).allows(ip("192.168.200.3")));
        assert!(!entry("192.168.7.1", 16).allows(ip("192.169.7.1")));
        assert!(entry("192.168.7.1", 24).allows(ip("192.168.7.254")));
        assert!(!entry("192.168.7.1", 24).allows(ip("192.168.8.1")));
        assert!(entry("192.168.7.1", 32).allows(ip("192.168.7.1")));
        assert!(!entry("192.168.7.1", 32).allows(ip("192.168.7.2")));
        assert!(entry("192.168.7.1", 24).allows(ip("::ffff:192.168.7.9")));
    }

    #[test]
    fn checking_bits_for_ipv6_are_a_prefix_length() {
        let entry = AllowlistEntry::parse("2001:db8:1::", 48).unwrap();
        assert!(entry.allows(ip("2001:db8:1:2::3")));
        assert!(!entry.allows(ip("2001:db8:2::1")));
        assert!(!entry.allows(ip("192.0.2.1")));
        assert!(AllowlistEntry::parse("::", 0)
            .unwrap()
            .allows(ip("2001:db8::1")));
        assert_eq!(
            AllowlistEntry::parse("2001:db8::", 129),
            Err(NetworkError::Ipv6Bits(129))
        );
        // A mapped address is an IPv4 entry, with IPv4's bits.
        assert_eq!(
            AllowlistEntry::parse("::ffff:10.0.0.1", 96),
            Err(NetworkError::Ipv4Bits(96))
        );
    }

    #[test]
    fn empty_allowlist_admits_everyone_even_unknown() {
        assert!(allowlist_admits(&[], None));
        assert!(allowlist_admits(&[], Some(ip("198.51.100.1"))));
        let list = [AllowlistEntry::parse("10.0.0.0", 8).unwrap()];
        assert!(allowlist_admits(&list, Some(ip("10.9.9.9"))));
        assert!(!allowlist_admits(&list, Some(ip("11.0.0.1"))));
        assert!(!allowlist_admits(&list, None));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = [net("10.0.0.0/8")];
        assert_eq!(
            client_address(ip("198.51.100.7"), &["10.0.0.9"], &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(ip("198.51.100.7"), &[], &[]),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn a_trusted_peer_forwards_right_to_left() {
        let trusted = [net("10.0.0.0/8")];
        // The client sent a spoofed entry; our proxies appended the real address and then
        // their own.
        let header = ["1.1.1.1, 203.0.113.5, 10.0.0.3"];
        assert_eq!(
            client_address(ip("10.0.0.2"), &header, &trusted),
            Some(ip("203.0.113.5"))
        );
        // Several headers are one list, in order.
        let split = ["1.1.1.1", "203.0.113.5, 10.0.0.3"];
        assert_eq!(
            client_address(ip("10.0.0.2"), &split, &trusted),
            Some(ip("203.0.113.5"))
        );
    }

    #[test]
    fn a_trusted_peer_without_forwarding_is_the_client() {
        let trusted = [net("127.0.0.1/32")];
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &trusted),
            Some(ip("127.0.0.1"))
        );
        // All hops trusted: the leftmost is as far as anyone vouches.
        assert_eq!(
            client_address(ip("127.0.0.1"), &["127.0.0.1"], &trusted),
            Some(ip("127.0.0.1"))
        );
    }

    #[test]
    fn forwarded_hops_with_ports_and_mapped_addresses() {
        let trusted = [net("::1")];
        assert_eq!(
            client_address(ip("::1"), &["[2001:db8::7]:5000"], &trusted),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(
            client_address(ip("::1"), &["192.0.2.1:443"], &trusted),
            Some(ip("192.0.2.1"))
        );
        assert_eq!(
            client_address(
                ip("::ffff:127.0.0.1"),
                &["::ffff:192.0.2.1"],
                &[net("127.0.0.1")]
            ),
            Some(ip("192.0.2.1"))
        );
    }

    #[test]
    fn garbage_from_a_trusted_hop_is_no_address() {
        let trusted = [net("10.0.0.0/8")];
        assert_eq!(client_address(ip("10.0.0.2"), &["unknown"], &trusted), None);
        // Garbage left of the real client is never read.
        assert_eq!(
            client_address(ip("10.0.0.2"), &["garbage, 203.0.113.5"], &trusted),
            Some(ip("203.0.113.5"))
        );
    }
}
