//! The guard against requests to internal addresses (server-side request
//! forgery, OWASP SSRF Prevention Cheat Sheet): a webhook URL may name only
//! a public address, unless the operator allowed its network with
//! `KEYWARD_WEBHOOK_ALLOW_NETS`. Checked when an endpoint is saved and again
//! for every connection (DNS answers change: the resolver handed to the HTTP
//! client drops refused addresses, and IP literals are checked before
//! sending). Redirects are never followed (see `dispatch`).
//!
//! The URL parser is the WHATWG one (`url`), which reads the decimal, octal
//! and hexadecimal spellings of IPv4 (`http://2130706433/`,
//! `http://0177.0.0.1/`, `http://0x7f.1/`) as the address they stand for, so
//! every spelling meets the same check. IPv6 forms that embed an IPv4
//! address (mapped `::ffff:a.b.c.d`, translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
//! are judged by the IPv4 address inside.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ipnet::IpNet;
use url::{Host, Url};

use crate::domain::ip_allowlist::IpAllowlist;

/// The longest URL an endpoint may have.
pub const MAX_URL_LEN: usize = 2048;
/// How long saving an endpoint waits for DNS before taking the name as it is.
const RESOLVE_AT_SAVE: Duration = Duration::from_secs(2);

/// Ranges that are never a webhook receiver on the public internet, with the
/// word the refusal uses (IANA special-purpose address registries).
static SPECIAL: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    [
        ("0.0.0.0/8", "an unspecified (\"this network\") address"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("127.0.0.0/8", "a loopback address"),
        (
            "169.254.0.0/16",
            "a link-local address (cloud metadata lives there)",
        ),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a 6to4 relay address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/128", "an unspecified address"),
        ("::1/128", "a loopback address"),
        ("::/96", "an IPv4-compatible address"),
        ("64:ff9b:1::/48", "a local NAT64 address"),
        ("100::/64", "a discard address"),
        ("2001::/23", "an IETF protocol address"),
        ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a unique local (private) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local address"),
        ("ff00::/8", "a multicast address"),
    ]
    .into_iter()
    .map(|(net, why)| (net.parse().expect("a valid range"), why))
    .collect()
});

/// The IPv4 address an IPv6 address stands for, when it embeds one in a
/// way that reaches it: IPv4-mapped, IPv4-translated (`::ffff:0:0/96`,
/// RFC 2765 §2.1), NAT64 (RFC 6052) or 6to4 (RFC 3056).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let [a, b, c, d] = ip.octets()[12..16] else {
        return None;
    };
    if s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0 {
        return Some(Ipv4Addr::new(a, b, c, d));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return Some(Ipv4Addr::new(a, b, c, d));
    }
    if s[0] == 0x2002 {
        let [_, _, a, b, c, d, ..] = ip.octets();
        return Some(Ipv4Addr::new(a, b, c, d));
    }
    None
}

/// Why an address is refused, or `None` for a public one.
pub fn special_use(ip: IpAddr) -> Option<&'static str> {
    if let IpAddr::V6(v6) = ip {
        if let Some(v4) = embedded_v4(v6) {
            return special_use(IpAddr::V4(v4));
        }
    }
    SPECIAL
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, why)| *why)
}

/// A URL or address the guard refuses; the message says why and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Url(String),
    #[error("the address {ip} is {why}: webhooks go to public addresses only (an operator can allow a network with KEYWARD_WEBHOOK_ALLOW_NETS)")]
    Address { ip: IpAddr, why: &'static str },
    #[error("plain http is allowed only for addresses in KEYWARD_WEBHOOK_ALLOW_NETS: use https")]
    PlainHttp,
}

/// What may be reached: public addresses over https, and the operator's
/// allowed networks over https or http.
#[derive(Debug, Clone, Default)]
pub struct TargetGuard {
    allowed: IpAllowlist,
}

impl TargetGuard {
    pub fn new(allowed: IpAllowlist) -> Self {
        Self { allowed }
    }

    /// Whether a connection to `ip` may be made, for a URL of scheme
    /// `https` (`plain_http` false) or `http`.
    pub fn permits(&self, ip: IpAddr, plain_http: bool) -> Result<(), Refusal> {
        let ip = ip.to_canonical();
        if self.allowed.includes(ip) {
            return Ok(());
        }
        if let Some(why) = special_use(ip) {
            return Err(Refusal::Address { ip, why });
        }
        if plain_http {
            return Err(Refusal::PlainHttp);
        }
        Ok(())
    }

    /// The URL's form, and its address when it names one: absolute `https`
    /// (or `http`), a host, no user name or password, at most 2048 bytes.
    pub fn parse(&self, text: &str) -> Result<Url, Refusal> {
        let text = text.trim();
        let bad = |why: &str| Err(Refusal::Url(why.to_owned()));
        if text.is_empty() {
            return bad("enter the URL that receives the events, like https://crm.example/hooks/keyward");
        }
        if text.len() > MAX_URL_LEN {
            return bad("a URL of at most 2048 characters");
        }
        let Ok(url) = Url::parse(text) else {
            return bad("not a URL: write it like https://crm.example/hooks/keyward");
        };
        if !matches!(url.scheme(), "https" | "http") {
            return bad("the URL must start with https://");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return bad("no user name or password in the URL: the signature proves who is sending");
        }
        if url.fragment().is_some() {
            return bad("a URL without #fragment: it is never sent");
        }
        if url.port() == Some(0) {
            return bad("port 0 cannot be connected to: leave the port out, or name the receiver's");
        }
        let plain_http = url.scheme() == "http";
        match url.host() {
            None => return bad("the URL needs a host"),
            Some(Host::Ipv4(ip)) => self.permits(IpAddr::V4(ip), plain_http)?,
            Some(Host::Ipv6(ip)) => self.permits(IpAddr::V6(ip), plain_http)?,
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.');
                if name == "localhost" || name.ends_with(".localhost") {
                    // Always loopback (RFC 6761 §6.3), whatever DNS says.
                    self.permits(IpAddr::V4(Ipv4Addr::LOCALHOST), plain_http)?;
                }
            }
        }
        Ok(url)
    }

    /// [`parse`](Self::parse), then, for a host name, its addresses as DNS
    /// gives them now: any refused one refuses the URL. A name that does not
    /// resolve within 2 s is taken as it is (its deliveries will say so).
    pub async fn check(&self, text: &str) -> Result<Url, Refusal> {
        let url = self.parse(text)?;
        if let Some(Host::Domain(name)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            let plain_http = url.scheme() == "http";
            let lookup = tokio::net::lookup_host((name.to_owned(), port));
            if let Ok(Ok(addrs)) = tokio::time::timeout(RESOLVE_AT_SAVE, lookup).await {
                for addr in addrs {
                    self.permits(addr.ip(), plain_http)?;
                }
            }
        }
        Ok(url)
    }

    /// The resolver the delivery client connects through: it drops every
    /// address the guard refuses, and fails when none is left.
    pub fn resolver(&self, plain_http: bool) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver {
            guard: self.clone(),
            plain_http,
        })
    }
}

/// Connection-time half of the guard (see the module docs).
#[derive(Debug)]
pub struct GuardedResolver {
    guard: TargetGuard,
    plain_http: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        let plain_http = self.plain_http;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusal = None;
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match guard.permits(addr.ip(), plain_http) {
                    Ok(()) => true,
                    Err(why) => {
                        refusal.get_or_insert(why);
                        false
                    }
                })
                .collect();
            if kept.is_empty() {
                let refusal = refusal.unwrap_or(Refusal::Url(format!("{host} has no address")));
                return Err(Box::new(refusal) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(allowed: &str) -> TargetGuard {
        TargetGuard::new(IpAllowlist::parse(allowed).unwrap())
    }

    /// Every form the issue lists, spelled as attackers spell them.
    #[test]
    fn internal_targets_are_refused_in_every_spelling() {
        let g = guard("");
        for url in [
            "https://127.0.0.1/",
            "https://127.1.2.3/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://0x7f.0.0.1/",
            "https://0x7f000001/",
            "https://127.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://[::ffff:169.254.169.254]/",
            "https://[::ffff:0:7f00:1]/",
            "https://[::ffff:0:169.254.169.254]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2002:a9fe:a9fe::]/",
            "https://[::]/",
            "https://0.0.0.0/",
            "https://0/",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://172.31.255.255/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://2852039166/",
            "https://100.64.0.1/",
            "https://100.127.255.254/",
            "https://224.0.0.1/",
            "https://239.255.255.250/",
            "https://[ff02::1]/",
            "https://[fe80::1]/",
            "https://[fc00::1]/",
            "https://[fd12:3456::1]/",
            "https://255.255.255.255/",
            "https://localhost/",
            "https://api.localhost/",
            "https://localhost./",
        ] {
            match g.parse(url) {
                Err(Refusal::Address { .. }) => {}
                other => panic!("{url} should be refused for its address, got {other:?}"),
            }
        }
    }

    #[test]
    fn public_addresses_and_names_pass_over_https_only() {
        let g = guard("");
        assert!(g.parse("https://93.184.215.14/hooks").is_ok());
        assert!(g.parse("https://[2606:4700::1111]/").is_ok());
        assert!(g.parse("https://crm.example/hooks/keyward?x=1").is_ok());
        assert!(
            g.parse("https://100.128.0.1/").is_ok(),
            "just past the CGNAT range"
        );
        assert_eq!(g.parse("http://93.184.215.14/"), Err(Refusal::PlainHttp));
        // Port 0 connects nowhere.
        assert!(matches!(
            g.parse("https://93.184.215.14:0/"),
            Err(Refusal::Url(_))
        ));
        assert!(matches!(g.parse("https://crm.example:0/"), Err(Refusal::Url(_))));
    }

    #[test]
    fn allowed_networks_open_loopback_also_over_http() {
        let g = guard("127.0.0.1/32");
        assert!(g.parse("http://127.0.0.1:8080/hook").is_ok());
        assert!(g.parse("http://[::ffff:127.0.0.1]:8080/hook").is_ok());
        assert!(g.parse("http://localhost:8080/hook").is_ok());
        assert!(matches!(
            g.parse("http://127.0.0.2/"),
            Err(Refusal::Address { .. })
        ));
        assert!(matches!(g.parse("http://[::1]/"), Err(Refusal::Address { .. })));
    }

    #[test]
    fn malformed_urls_say_what_to_write() {
        let g = guard("");
        for url in [
            "",
            "crm.example/hook",
            "ftp://crm.example/",
            "https://user:pw@crm.example/",
            "https://crm.example/#x",
        ] {
            assert!(matches!(g.parse(url), Err(Refusal::Url(_))), "{url}");
        }
        let long = format!("https://crm.example/{}", "a".repeat(2100));
        assert!(matches!(g.parse(&long), Err(Refusal::Url(_))));
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses() {
        use reqwest::dns::Resolve;
        let refused = guard("")
            .resolver(false)
            .resolve("localhost".parse().unwrap())
            .await;
        let err = refused.err().expect("localhost resolves to loopback only");
        assert!(err.downcast_ref::<Refusal>().is_some(), "{err}");
        let allowed = guard("127.0.0.1/32, ::1")
            .resolver(true)
            .resolve("localhost".parse().unwrap())
            .await;
        assert!(allowed.unwrap().next().is_some());
    }
}
