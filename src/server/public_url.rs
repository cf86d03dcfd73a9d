//! `KEYWARD_PUBLIC_URL`: the address people reach the dashboard at, such as
//! `https://keys.example.com` behind a TLS proxy. It decides the session
//! cookie's `Secure` flag, the one origin whose state-changing requests the
//! dashboard accepts, HSTS, and the scheme and host of the API reference's
//! curl examples.
use std::fmt;

/// An origin (RFC 6454): scheme, host and port, without path or query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(url::Url);

impl PublicUrl {
    /// `https://keys.example.com` or `http://127.0.0.1:3000`; a trailing `/`
    /// is fine. `Err` says what to fix (another scheme, a path, a query,
    /// user info).
    pub fn parse(text: &str) -> Result<Self, String> {
        let example = "like https://keys.example.com";
        let url = url::Url::parse(text.trim()).map_err(|e| format!("{e}: expected a URL {example}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("the scheme must be http or https, {example}"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("a host is needed, {example}"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("a public URL holds no user name or password".into());
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "keyward is served at the root: no path, query or fragment, {example}"
            ));
        }
        Ok(Self(url))
    }

    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    /// `https://keys.example.com` (the default port left out), as browsers
    /// send it in `Origin`.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_with_a_scheme_a_host_and_perhaps_a_port() {
        let url = PublicUrl::parse("https://Keys.Example.com/").unwrap();
        assert_eq!(url.origin(), "https://keys.example.com");
        assert!(url.is_https());
        assert_eq!(
            PublicUrl::parse("https://keys.example.com:443").unwrap().origin(),
            "https://keys.example.com"
        );
        assert_eq!(
            PublicUrl::parse("http://127.0.0.1:3000").unwrap().origin(),
            "http://127.0.0.1:3000"
        );
        assert!(!PublicUrl::parse("http://127.0.0.1:3000").unwrap().is_https());
        for bad in [
            "keys.example.com",
            "ftp://keys.example.com",
            "https://keys.example.com/keyward",
            "https://a:b@keys.example.com",
            "https://keys.example.com/?x=1",
            "",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
