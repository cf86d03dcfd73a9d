//! IP addresses and CIDR ranges: a key's allowlist, and the proxies whose
//! `X-Forwarded-For` the server believes. IPv4 and IPv6; an IPv4 client
//! seen as an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) matches its
//! IPv4 entries.
use std::fmt;
use std::net::IpAddr;

/// The most entries one list may hold.
pub const MAX_ENTRIES: usize = 100;

/// One address (a range of one) or a CIDR range, with no host bits set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// `203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`, `::1`.
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
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("“{text}”: the range after / must be 0 to {bits}"))?,
        };
        let network = mask(addr, prefix);
        if network != addr {
            return Err(format!(
                "“{text}” has bits set past its /{prefix}: did you mean {network}/{prefix}?"
            ));
        }
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        ip.is_ipv4() == self.network.is_ipv4() && mask(ip, self.prefix) == self.network
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    if addr.is_ipv4() {
        32
    } else {
        128
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((bits & mask).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((bits & mask).into())
        }
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == max_prefix(self.network) {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// A list of ranges; empty means anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpAllowlist(Vec<IpRange>);

impl IpAllowlist {
    /// Entries separated by new lines, commas or spaces; every bad entry is
    /// named, one message per line.
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

/// The address a request came from: the socket's peer, unless the peer is
/// a trusted proxy; then the nearest address in `X-Forwarded-For` that is
/// not itself a trusted proxy (read right to left, as proxies append).
/// A malformed header is not believed: the peer is the client.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &IpAllowlist) -> IpAddr {
    let peer = peer.to_canonical();
    if trusted.is_empty() || !trusted.allows(peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let mut hops = Vec::new();
    for hop in header.split(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => hops.push(ip.to_canonical()),
            Err(_) => return peer,
        }
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !trusted.allows(hop) {
            break;
        }
    }
    client
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

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = IpAllowlist::parse("10.0.0.0/8 fd00::/8").unwrap();
        let none = IpAllowlist::default();
        let client = ip("198.51.100.20");
        let proxy = ip("10.0.0.2");
        let header = Some("198.51.100.20");
        assert_eq!(client_address(proxy, header, &trusted), client);
        assert_eq!(
            client_address(ip("203.0.113.9"), header, &trusted),
            ip("203.0.113.9"),
            "untrusted peer"
        );
        assert_eq!(client_address(proxy, header, &none), proxy, "no proxies trusted");
        assert_eq!(client_address(proxy, None, &trusted), proxy);
        assert_eq!(client_address(proxy, Some("nonsense, 10.0.0.3"), &trusted), proxy);
        // A client cannot slip an address in front: the nearest untrusted hop wins.
        assert_eq!(
            client_address(proxy, Some("1.2.3.4, 198.51.100.20, 10.0.0.3"), &trusted),
            client
        );
        assert_eq!(
            client_address(ip("fd00::1"), Some("2001:db8::7"), &trusted),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_address(proxy, Some("10.0.0.4"), &trusted),
            ip("10.0.0.4"),
            "all trusted: the farthest"
        );
    }

    proptest! {
        #[test]
        fn a_range_contains_exactly_the_addresses_sharing_its_prefix(a: u32, b: u32, prefix in 0u8..=32) {
            let network = mask(IpAddr::V4(a.into()), prefix);
            let range = IpRange::parse(&format!("{network}/{prefix}")).unwrap();
            let shift = 32 - u32::from(prefix);
            let same = a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0);
            prop_assert_eq!(range.contains(IpAddr::V4(b.into())), same);
            prop_assert_eq!(IpRange::parse(&range.to_string()).unwrap(), range);
        }

        #[test]
        fn v6_ranges_round_trip(a: u128, prefix in 0u8..=128) {
            let network = mask(IpAddr::V6(a.into()), prefix);
            let range = IpRange::parse(&format!("{network}/{prefix}")).unwrap();
            prop_assert!(range.contains(IpAddr::V6(a.into())));
            prop_assert_eq!(IpRange::parse(&range.to_string()).unwrap(), range);
        }
    }
}
