//! Addresses and ranges: token IP whitelists, the company allowlist's checking bits, and
//! which address a request really comes from behind trusted proxies.

use super::lists::distinct;
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

/// One Whitelist IPs entry: an address (a range of one) or a CIDR range. A range's address
/// is read as a lone one is: `ipnet` alone would take `010.0.0.0/8`, whose leading zero
/// some tools read as octal.
pub fn parse_ip_entry(text: &str) -> Result<IpNet, NetworkError> {
    let text = text.trim();
    let address = text.split_once('/').map_or(text, |(address, _)| address);
    let parsed = match (text.parse::<IpNet>(), address.parse::<IpAddr>()) {
        (Ok(net), Ok(_)) => Ok(net.trunc()),
        _ => text.parse::<IpAddr>().map(IpNet::from),
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
    let nets = split_entries(text)
        .map(parse_ip_entry)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(distinct(nets, |net| *net))
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
            "010.0.0.0/8",
            "10.0.0.01/32",
            "::ffff:01.2.3.4/128",
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

/// Entries typed into forms and addresses forwarded by proxies: whatever the text, a clear
/// answer and no panic; whatever is accepted reads back as itself.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// Addresses of both families, IPv4-mapped IPv6 included, which canonical() rewrites.
    fn any_address() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<Ipv4Addr>().prop_map(IpAddr::V4),
            any::<Ipv6Addr>().prop_map(IpAddr::V6),
            any::<Ipv4Addr>().prop_map(|v4| IpAddr::V6(v4.to_ipv6_mapped())),
        ]
    }

    fn any_net() -> impl Strategy<Value = IpNet> {
        any_address().prop_flat_map(|address| {
            let max: u8 = match address {
                IpAddr::V4(_) => 32,
                IpAddr::V6(_) => 128,
            };
            (0..=max).prop_map(move |bits| IpNet::new(address, bits).unwrap())
        })
    }

    /// Text that looks like addresses and ranges often enough to reach every branch.
    fn address_like_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[0-9a-fA-F:./%,\\[\\] ]{0,48}",
            (any_address(), any::<u16>()).prop_map(|(ip, n)| format!("{ip}/{n}")),
        ]
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![",", " ", "\n", "\r\n", "\t", ", ", " ,\n"])
    }

    /// How a proxy may write one hop: bare, with a port, padded with spaces.
    fn hop_text(ip: IpAddr) -> impl Strategy<Value = String> {
        (any::<u16>(), 0..3usize, " {0,2}", " {0,2}").prop_map(move |(port, shape, l, r)| {
            let hop = match (shape, ip) {
                (1, IpAddr::V4(v4)) => format!("{v4}:{port}"),
                (1, IpAddr::V6(v6)) | (2, IpAddr::V6(v6)) => format!("[{v6}]:{port}"),
                _ => ip.to_string(),
            };
            format!("{l}{hop}{r}")
        })
    }

    fn hops() -> impl Strategy<Value = Vec<(IpAddr, String)>> {
        proptest::collection::vec(
            any_address().prop_flat_map(|ip| (Just(ip), hop_text(ip))),
            0..6,
        )
    }

    /// Right to left past trusted hops, written out plainly.
    fn expected_client(peer: IpAddr, hops: &[IpAddr], trusted: &[IpNet]) -> IpAddr {
        let mut client = canonical(peer);
        if !any_contains(trusted, client) {
            return client;
        }
        for hop in hops.iter().rev() {
            client = canonical(*hop);
            if !any_contains(trusted, client) {
                break;
            }
        }
        client
    }

    proptest! {
        #[test]
        fn any_entry_text_is_a_range_or_names_itself(text in address_like_text()) {
            match parse_ip_entry(&text) {
                Ok(net) => {
                    prop_assert_eq!(net, net.trunc());
                    prop_assert_eq!(parse_ip_entry(&entry_text(&net)), Ok(net));
                }
                Err(error) => prop_assert_eq!(
                    error,
                    NetworkError::NotAnAddressOrRange(text.trim().to_owned())
                ),
            }
        }

        #[test]
        fn a_printed_entry_parses_back_to_the_same_entry(net in any_net(), pad in "[ \t\n]{0,2}") {
            let parsed = parse_ip_entry(&format!("{pad}{net}{pad}")).unwrap();
            prop_assert_eq!(parsed, canonical_net(net.trunc()));
            prop_assert_eq!(parse_ip_entry(&entry_text(&parsed)), Ok(parsed));
            // A mapped address under an IPv6 range shorter than the mapped block is an IPv4
            // client, and IPv6 ranges such as ::/0 hold IPv6 clients only.
            let same_family = canonical(net.addr()).is_ipv4() == matches!(parsed, IpNet::V4(_));
            prop_assert_eq!(net_contains(&parsed, net.addr()), same_family);
        }

        #[test]
        fn a_prefix_beyond_the_address_is_refused(address in any_address(), extra in 1..=200u16) {
            let max = match address {
                IpAddr::V4(_) => 32,
                IpAddr::V6(_) => 128,
            };
            let text = format!("{address}/{}", max + extra);
            prop_assert_eq!(
                parse_ip_entry(&text),
                Err(NetworkError::NotAnAddressOrRange(text))
            );
        }

        #[test]
        fn any_list_text_parses_or_names_one_of_its_entries(text in any::<String>()) {
            match parse_ip_list(&text) {
                Ok(nets) => {
                    let printed: Vec<String> = nets.iter().map(entry_text).collect();
                    prop_assert_eq!(parse_ip_list(&printed.join(", ")), Ok(nets));
                }
                Err(NetworkError::NotAnAddressOrRange(entry)) => {
                    prop_assert!(split_entries(&text).any(|typed| typed == entry));
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn a_printed_list_parses_back_without_duplicates(
            nets in proptest::collection::vec(any_net(), 0..8),
            separators in proptest::collection::vec(separator(), 8),
        ) {
            let mut text = String::new();
            for (net, separator) in nets.iter().zip(&separators) {
                text.push_str(&net.to_string());
                text.push_str(separator);
            }
            let mut expected: Vec<IpNet> = Vec::new();
            for net in &nets {
                let net = canonical_net(net.trunc());
                if !expected.contains(&net) {
                    expected.push(net);
                }
            }
            prop_assert_eq!(parse_ip_list(&text), Ok(expected));
        }

        #[test]
        fn any_allowlist_address_and_bits_give_an_entry_or_a_reason(
            text in address_like_text(),
            bits in any::<u8>(),
        ) {
            match AllowlistEntry::parse(&text, bits) {
                Ok(entry) => {
                    prop_assert_eq!(entry.bits, bits);
                    prop_assert_eq!(entry.net().prefix_len(), bits);
                    prop_assert!(entry.allows(entry.address));
                }
                Err(NetworkError::NotAnAddress(named)) => {
                    prop_assert_eq!(named, text.trim());
                    prop_assert!(text.trim().parse::<IpAddr>().is_err());
                }
                Err(NetworkError::Ipv4Bits(named)) => {
                    prop_assert_eq!(named, bits);
                    prop_assert!(!IPV4_CHECKING_BITS.contains(&bits));
                }
                Err(NetworkError::Ipv6Bits(named)) => {
                    prop_assert_eq!(named, bits);
                    prop_assert!(bits > 128);
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn a_printed_allowlist_entry_parses_back_to_itself(
            address in any_address(),
            bits in any::<u8>(),
        ) {
            let address = canonical(address);
            let valid = match address {
                IpAddr::V4(_) => IPV4_CHECKING_BITS.contains(&bits),
                IpAddr::V6(_) => bits <= 128,
            };
            let parsed = AllowlistEntry::parse(&address.to_string(), bits);
            if valid {
                prop_assert_eq!(parsed, Ok(AllowlistEntry { address, bits }));
            } else {
                prop_assert!(parsed.is_err());
            }
        }

        #[test]
        fn any_forwarded_text_gives_the_peer_a_hop_or_nothing(
            peer in any_address(),
            headers in proptest::collection::vec(address_like_text(), 0..4),
            trusted in proptest::collection::vec(any_net(), 0..3),
        ) {
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            if let Some(client) = client_address(peer, &headers, &trusted) {
                let mut named = headers
                    .iter()
                    .flat_map(|header| header.split(','))
                    .filter_map(|hop| parse_forwarded_hop(hop.trim()));
                prop_assert!(client == canonical(peer) || named.any(|hop| hop == client));
            }
        }

        #[test]
        fn an_untrusted_peer_is_the_client_whatever_it_forwards(
            (peer, trusted) in (any_address(), proptest::collection::vec(any_net(), 0..3))
                .prop_filter("the peer is not trusted", |(peer, trusted)| {
                    !any_contains(trusted, *peer)
                }),
            headers in proptest::collection::vec(any::<String>(), 0..4),
        ) {
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            prop_assert_eq!(client_address(peer, &headers, &trusted), Some(canonical(peer)));
        }

        #[test]
        fn forwarded_hops_are_read_right_to_left_past_trusted_proxies(
            peer in any_address(),
            hops in hops(),
            trusted in proptest::collection::vec(any_net(), 0..3),
            split_at in 0..6usize,
        ) {
            let addresses: Vec<IpAddr> = hops.iter().map(|(ip, _)| *ip).collect();
            let texts: Vec<&str> = hops.iter().map(|(_, text)| text.as_str()).collect();
            // One header or two: several headers are one list, in order.
            let split_at = split_at.min(texts.len());
            let (left, right) = texts.split_at(split_at);
            let headers: Vec<String> = [left.join(","), right.join(",")]
                .into_iter()
                .filter(|header| !header.is_empty())
                .collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            prop_assert_eq!(
                client_address(peer, &headers, &trusted),
                Some(expected_client(peer, &addresses, &trusted))
            );
        }

        #[test]
        fn garbage_left_of_the_client_is_never_read(
            (proxy, client) in (any_address(), any_address())
                .prop_filter("the client is not the proxy", |(proxy, client)| {
                    canonical(*proxy) != canonical(*client)
                }),
            garbage in "[^,]{0,20}",
        ) {
            let trusted = [IpNet::from(canonical(proxy))];
            let header = format!("{garbage}, {client}");
            prop_assert_eq!(
                client_address(proxy, &[&header], &trusted),
                Some(canonical(client))
            );
        }

        #[test]
        fn garbage_from_a_trusted_hop_is_no_address(
            proxy in any_address(),
            garbage in "[^,]{0,20}".prop_filter("not an address", |garbage| {
                parse_forwarded_hop(garbage.trim()).is_none()
            }),
        ) {
            let trusted = [IpNet::from(canonical(proxy))];
            prop_assert_eq!(client_address(proxy, &[&garbage], &trusted), None);
        }

        #[test]
        fn a_hop_with_or_without_a_port_is_its_address(
            (ip, text) in any_address().prop_flat_map(|ip| (Just(ip), hop_text(ip)))
        ) {
            prop_assert_eq!(parse_forwarded_hop(text.trim()), Some(canonical(ip)));
        }
    }
}
