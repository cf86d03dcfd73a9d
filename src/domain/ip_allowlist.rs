//! IP addresses and CIDR ranges: a key's allowlist, and the proxies whose
//! `X-Forwarded-For` the server believes. IPv4 and IPv6, on `ipnet`; an
//! IPv4 client seen as an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is
//! that IPv4 address, and so is an entry written that way.
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use ipnet::IpNet;

/// The most entries one list may hold.
pub const MAX_ENTRIES: usize = 100;

/// One address (a range of one) or a CIDR range, with no host bits set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange(IpNet);

impl IpRange {
    /// `203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`, `::1`; IPv4-mapped IPv6
    /// (`::ffff:203.0.113.7`, `::ffff:203.0.113.0/120`) become the IPv4 they
    /// stand for, as clients do.
    ///
    /// `Err` names the entry and how to fix it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let example = "like 203.0.113.7, 10.0.0.0/24 or 2001:db8::/32";
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("“{text}” is not an IP address or CIDR range ({example})"))?;
        let bits = max_prefix(addr);
        let net = match prefix {
            None => IpNet::from(addr),
            Some(p) => p
                .parse::<u8>()
                .ok()
                .and_then(|p| IpNet::new(addr, p).ok())
                .ok_or_else(|| format!("“{text}”: the range after / must be 0 to {bits}"))?,
        };
        let network = net.trunc();
        if network != net {
            let (network, prefix) = (network.network(), network.prefix_len());
            return Err(format!(
                "“{text}” has bits set past its /{prefix}: did you mean {network}/{prefix}?"
            ));
        }
        Ok(Self(canonical_net(net)))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

/// An IPv4-mapped IPv6 range of at least /96 as the IPv4 range it is.
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).unwrap_or(net),
            None => net,
        },
        _ => net,
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// A list of ranges; empty means anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowlist(Vec<IpRange>);

impl IpAllowlist {
    /// Entries separated by new lines, commas or spaces; every bad entry is
    /// named, one message per line. Duplicates (also after canonicalising)
    /// are kept once.
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let mut ranges = Vec::new();
        let mut errors = Vec::new();
        for entry in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            match IpRange::parse(entry) {
                Ok(range) if !ranges.contains(&range) => ranges.push(range),
                Ok(_) => {}
                Err(message) => errors.push(message),
            }
        }
        if ranges.len() > MAX_ENTRIES {
            errors.push(format!("At most {MAX_ENTRIES} addresses and ranges"));
        }
        if errors.is_empty() {
            Ok(Self(ranges))
        } else {
            Err(errors)
        }
    }

    /// Anywhere, when empty.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|range| range.contains(ip))
    }

    /// Whether a range of the list holds `ip` (an empty list holds none).
    pub fn includes(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// As stored: one entry per line.
    pub fn to_text(&self) -> String {
        self.entries().join("\n")
    }
}

/// One hop of `X-Forwarded-For` as proxies write it: an address, an address
/// with a port (`203.0.113.9:4711`, `[2001:db8::1]:443`), or a bracketed IPv6
/// address. `None` for anything else (`unknown`, obfuscated names, garbage).
pub fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<Ipv6Addr>()
                .ok()
                .map(IpAddr::V6)
        })?;
    Some(ip.to_canonical())
}

/// The address a request came from: the socket's peer, unless the peer is
/// a trusted proxy; then the nearest hop of `X-Forwarded-For` that is not
/// itself a trusted proxy, read right to left (proxies append, so a client
/// cannot slip an address in front). `lines` are the header's field lines in
/// order: repeated lines are one list (RFC 9110 §5.3); a line that is not
/// text counts as one malformed hop, empty elements are skipped (§5.6.1).
///
/// `None` (unknown) when the walk reaches a malformed hop: a trusted proxy
/// appended everything to its right, so the client sent that hop, and the
/// proxy itself is not the client. Every allowlist refuses an unknown client.
pub fn client_address<'a>(
    peer: IpAddr,
    lines: impl IntoIterator<Item = Option<&'a str>>,
    trusted: &IpAllowlist,
) -> Option<IpAddr> {
    let peer = peer.to_canonical();
    if trusted.is_empty() || !trusted.allows(peer) {
        return Some(peer);
    }
    let mut hops: Vec<Option<IpAddr>> = Vec::new();
    for line in lines {
        match line {
            Some(line) => hops.extend(
                line.split(',')
                    .filter(|hop| !hop.trim().is_empty())
                    .map(parse_hop),
            ),
            None => hops.push(None),
        }
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop?;
        if !trusted.allows(client) {
            break;
        }
    }
    Some(client)
}

/// [`client_address`] for a request's headers and peer.
#[cfg(feature = "ssr")]
pub fn client_of(peer: IpAddr, headers: &axum::http::HeaderMap, trusted: &IpAllowlist) -> Option<IpAddr> {
    let lines = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().ok());
    client_address(peer, lines, trusted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_and_ranges_of_both_families() {
        let list = IpAllowlist::parse("203.0.113.7\n10.0.0.0/8, 2001:db8::/32 ::1").unwrap();
        assert_eq!(
            list.entries(),
            ["203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "::1"]
        );
        for allowed in [
            "203.0.113.7",
            "10.1.2.3",
            "2001:db8:ffff::1",
            "::1",
            "::ffff:10.9.9.9",
        ] {
            assert!(list.allows(ip(allowed)), "{allowed}");
        }
        for refused in [
            "203.0.113.8",
            "11.0.0.1",
            "2001:db9::1",
            "::2",
            "::ffff:203.0.113.8",
        ] {
            assert!(!list.allows(ip(refused)), "{refused}");
        }
        assert!(
            IpAllowlist::parse("  ").unwrap().allows(ip("198.51.100.1")),
            "empty: anywhere"
        );
        assert!(IpAllowlist::parse("0.0.0.0/0")
            .unwrap()
            .allows(ip("198.51.100.1")));
        assert!(!IpAllowlist::parse("0.0.0.0/0").unwrap().allows(ip("2001:db8::1")));
        assert_eq!(
            IpAllowlist::parse("10.0.0.1 10.0.0.1").unwrap().entries(),
            ["10.0.0.1"]
        );
    }

    #[test]
    fn every_bad_entry_is_named_with_how_to_fix_it() {
        let errors =
            IpAllowlist::parse("10.0.0.300, 10.0.0.5/24, 10.0.0.0/33, ::1/129, example.com").unwrap_err();
        assert_eq!(
            errors,
            [
                "“10.0.0.300” is not an IP address or CIDR range (like 203.0.113.7, 10.0.0.0/24 or 2001:db8::/32)",
                "“10.0.0.5/24” has bits set past its /24: did you mean 10.0.0.0/24?",
                "“10.0.0.0/33”: the range after / must be 0 to 32",
                "“::1/129”: the range after / must be 0 to 128",
                "“example.com” is not an IP address or CIDR range (like 203.0.113.7, 10.0.0.0/24 or 2001:db8::/32)",
            ]
        );
        let many = (0..=MAX_ENTRIES)
            .map(|n| format!("10.0.{}.{}", n / 256, n % 256))
            .collect::<Vec<_>>();
        assert!(IpAllowlist::parse(&many.join(",")).is_err());
    }

    fn walk(peer: &str, header: Option<&str>, trusted: &IpAllowlist) -> Option<IpAddr> {
        client_address(ip(peer), header.map(Some), trusted)
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = IpAllowlist::parse("10.0.0.0/8 fd00::/8").unwrap();
        let none = IpAllowlist::default();
        let client = Some(ip("198.51.100.20"));
        let header = Some("198.51.100.20");
        assert_eq!(walk("10.0.0.2", header, &trusted), client);
        assert_eq!(
            walk("203.0.113.9", header, &trusted),
            Some(ip("203.0.113.9")),
            "untrusted peer"
        );
        assert_eq!(
            walk("10.0.0.2", header, &none),
            Some(ip("10.0.0.2")),
            "no proxies trusted"
        );
        assert_eq!(walk("10.0.0.2", None, &trusted), Some(ip("10.0.0.2")));
        // A client cannot slip an address in front: the nearest untrusted hop wins.
        assert_eq!(
            walk("10.0.0.2", Some("1.2.3.4, 198.51.100.20, 10.0.0.3"), &trusted),
            client
        );
        assert_eq!(
            walk("fd00::1", Some("2001:db8::7"), &trusted),
            Some(ip("2001:db8::7"))
        );
        assert_eq!(
            walk("10.0.0.2", Some("10.0.0.4"), &trusted),
            Some(ip("10.0.0.4")),
            "all trusted: the farthest"
        );
    }

    #[test]
    fn a_malformed_hop_the_walk_reaches_makes_the_client_unknown_never_the_proxy() {
        let trusted = IpAllowlist::parse("127.0.0.1").unwrap();
        // The client sent "garbage"; the proxy appended 203.0.113.9.
        assert_eq!(
            walk("127.0.0.1", Some("garbage, 203.0.113.9"), &trusted),
            Some(ip("203.0.113.9"))
        );
        // The client sent only garbage, the proxy appended nothing it trusts.
        assert_eq!(walk("127.0.0.1", Some("garbage"), &trusted), None);
        assert_eq!(
            walk("127.0.0.1", Some("203.0.113.9, nonsense, 127.0.0.1"), &trusted),
            None
        );
        assert_eq!(walk("127.0.0.1", Some("unknown"), &trusted), None);
        assert_eq!(walk("127.0.0.1", Some("_hidden, 127.0.0.1"), &trusted), None);
        // Empty list elements are not hops.
        assert_eq!(
            walk("127.0.0.1", Some(" , 203.0.113.9,"), &trusted),
            Some(ip("203.0.113.9"))
        );
        // A line that is not text is one malformed hop.
        assert_eq!(client_address(ip("127.0.0.1"), [None], &trusted), None);
        assert_eq!(
            client_address(ip("127.0.0.1"), [None, Some("203.0.113.9")], &trusted),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn hops_with_a_port_are_addresses_with_a_port() {
        let trusted = IpAllowlist::parse("127.0.0.1").unwrap();
        assert_eq!(
            walk("127.0.0.1", Some("203.0.113.9:4711"), &trusted),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            walk("127.0.0.1", Some("[2001:db8::1]:443"), &trusted),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            walk("127.0.0.1", Some("[2001:db8::1]"), &trusted),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(
            walk("127.0.0.1", Some("::ffff:203.0.113.9"), &trusted),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(parse_hop("203.0.113.9:"), None);
        assert_eq!(parse_hop("[203.0.113.9]:80"), None);
        assert_eq!(
            parse_hop("2001:db8::1:443"),
            Some(ip("2001:db8::1:443")),
            "an IPv6 address, no port"
        );
    }

    #[test]
    fn repeated_header_lines_are_one_list() {
        let trusted = IpAllowlist::parse("127.0.0.1").unwrap();
        // A client sent the first line; the proxy added the second.
        let lines = [Some("127.0.0.5"), Some("203.0.113.9")];
        assert_eq!(
            client_address(ip("127.0.0.1"), lines, &trusted),
            Some(ip("203.0.113.9"))
        );
        let lines = [Some("198.51.100.1, 127.0.0.1"), Some("127.0.0.1")];
        assert_eq!(
            client_address(ip("127.0.0.1"), lines, &trusted),
            Some(ip("198.51.100.1"))
        );
    }

    #[test]
    fn ipv4_mapped_entries_are_their_ipv4_address() {
        let list = IpAllowlist::parse("::ffff:203.0.113.7 ::ffff:198.51.100.0/120").unwrap();
        assert_eq!(list.entries(), ["203.0.113.7", "198.51.100.0/24"]);
        assert!(list.allows(ip("203.0.113.7")));
        assert!(list.allows(ip("::ffff:203.0.113.7")));
        assert!(list.allows(ip("198.51.100.200")));
        assert!(!list.allows(ip("203.0.113.8")));
        assert_eq!(
            IpAllowlist::parse("203.0.113.7 ::ffff:203.0.113.7")
                .unwrap()
                .entries(),
            ["203.0.113.7"]
        );
        assert_eq!(
            IpAllowlist::parse("::ffff:203.0.113.7/120").unwrap_err(),
            ["“::ffff:203.0.113.7/120” has bits set past its /120: did you mean ::ffff:203.0.113.0/120?"]
        );
    }

    proptest! {
        #[test]
        fn a_range_contains_exactly_the_addresses_sharing_its_prefix(a: u32, b: u32, prefix in 0u8..=32) {
            let network = IpNet::new(IpAddr::V4(a.into()), prefix).unwrap().trunc();
            let range = IpRange::parse(&network.to_string()).unwrap();
            let shift = 32 - u32::from(prefix);
            let same = a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0);
            prop_assert_eq!(range.contains(IpAddr::V4(b.into())), same);
            prop_assert_eq!(IpRange::parse(&range.to_string()).unwrap(), range);
        }

        #[test]
        fn v6_ranges_round_trip(a: u128, prefix in 0u8..=128) {
            let network = IpNet::new(IpAddr::V6(a.into()), prefix).unwrap().trunc();
            let range = IpRange::parse(&network.to_string()).unwrap();
            prop_assert!(range.contains(IpAddr::V6(a.into())));
            prop_assert_eq!(IpRange::parse(&range.to_string()).unwrap(), range);
        }

        #[test]
        fn a_mapped_address_and_its_ipv4_are_one_entry(a: u32) {
            let v4 = std::net::Ipv4Addr::from(a);
            let mapped = IpRange::parse(&v4.to_ipv6_mapped().to_string()).unwrap();
            prop_assert_eq!(mapped, IpRange::parse(&v4.to_string()).unwrap());
            prop_assert!(mapped.contains(IpAddr::V4(v4)));
        }

        #[test]
        fn any_forwarded_for_header_gives_an_address_or_unknown_without_panicking(header in ".{0,80}") {
            prop_assume!(header.split(',').any(|hop| !hop.trim().is_empty()) && !header.contains("127."));
            let trusted = IpAllowlist::parse("127.0.0.1").unwrap();
            let client = client_address(ip("127.0.0.1"), [Some(header.as_str())], &trusted);
            prop_assert_ne!(client, Some(ip("127.0.0.1")), "never the proxy, when it sent a header: {}", header);
        }
    }
}
