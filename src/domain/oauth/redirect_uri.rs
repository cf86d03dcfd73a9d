//! Redirect URIs: registered whole and matched by exact string comparison
//! (RFC 9700 §4.1.3, OAuth 2.1 §2.3.1), with the one exception RFC 8252
//! §7.3 makes for native apps: on a loopback address any port matches,
//! since the app learns its port only when it starts listening.
use std::fmt;

/// A redirect URI as a super manager registered it (checked by
/// [`RedirectUri::register`]).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUri(String);

/// Why a redirect URI cannot be registered; the text is shown next to the
/// field and in the CLI's and API's errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriError {
    #[error("enter a redirect URI")]
    Empty,
    #[error("a redirect URI may be at most {} characters", RedirectUri::MAX_LEN)]
    TooLong,
    #[error("a redirect URI may not contain spaces, control characters or backslashes")]
    BadCharacter,
    #[error("not an absolute URL: write it whole, like https://app.example/callback")]
    NotAUrl,
    #[error("a redirect URI may not have a fragment (#…) (RFC 6749 §3.1.2)")]
    Fragment,
    #[error("a redirect URI may not carry a user name or password (…@host)")]
    Userinfo,
    #[error("wildcards are not allowed: register each redirect URI exactly")]
    Wildcard,
    #[error("use http://127.0.0.1 or http://[::1] instead of localhost (RFC 8252 §8.3)")]
    Localhost,
    #[error("a redirect URI must use https (http only on http://127.0.0.1 or http://[::1], RFC 8252 §7.3)")]
    Scheme,
    /// Not written the way browsers will use it (so it would never match
    /// exactly, or would lead somewhere else than it reads): the form they use.
    #[error("write it the way browsers use it: {0} (a lower-case host in ASCII, no \".\" or \"..\" segments, no default port, other characters percent-encoded)")]
    NotCanonical(String),
}

/// The loopback forms that may use plain http, as they must be written.
const LOOPBACK: [&str; 2] = ["http://127.0.0.1", "http://[::1]"];

/// Splits a loopback URI into its loopback origin without the port and
/// what follows the port (the path and query). `None` unless `text` is
/// exactly `http://127.0.0.1` or `http://[::1]`, an optional `:port`
/// (1–65535), then nothing, a path or a query.
fn split_loopback(text: &str) -> Option<(&'static str, &str)> {
    let host = LOOPBACK.into_iter().find(|prefix| text.starts_with(prefix))?;
    let after = &text[host.len()..];
    let rest = match after.strip_prefix(':') {
        Some(port) => {
            let digits = port.bytes().take_while(u8::is_ascii_digit).count();
            let number: u32 = port[..digits].parse().ok()?;
            if digits > 5 || !(1..=65535).contains(&number) {
                return None;
            }
            &port[digits..]
        }
        None => after,
    };
    (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')).then_some((host, rest))
}

impl RedirectUri {
    pub const MAX_LEN: usize = 2000;

    /// Checks a redirect URI for registration: absolute; `https`, or `http`
    /// on a loopback address written as an IP literal; no fragment, user
    /// information or wildcard; at most [`RedirectUri::MAX_LEN`] characters.
    /// Kept exactly as written: matching compares strings.
    pub fn register(text: &str) -> Result<Self, RedirectUriError> {
        use RedirectUriError as E;
        if text.is_empty() {
            return Err(E::Empty);
        }
        if text.len() > Self::MAX_LEN {
            return Err(E::TooLong);
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(E::BadCharacter);
        }
        if text.contains('*') {
            return Err(E::Wildcard);
        }
        let url = url::Url::parse(text).map_err(|_| E::NotAUrl)?;
        if text.contains('#') {
            return Err(E::Fragment);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(E::Userinfo);
        }
        // Browsers send people to the URL as parsed (`https:///cb` goes to
        // `https://cb/`, `/a/../cb` to `/cb`, `ök` to `xn--k-0ga`), and the
        // redirect's Location header must be ASCII: only that form is
        // registered, save the `/` of an empty path, which may be left out.
        let canonical = url.as_str();
        let bare_origin =
            url.path() == "/" && url.query().is_none() && canonical.strip_suffix('/') == Some(text);
        let checked = url.scheme() == "https" || split_loopback(text).is_some();
        if checked && canonical != text && !bare_origin {
            return Err(E::NotCanonical(canonical.to_owned()));
        }
        match url.scheme() {
            "https" if url.host_str().is_some_and(|host| !host.is_empty()) => {}
            "http" if split_loopback(text).is_some() => {}
            "http"
                if url
                    .host_str()
                    .is_some_and(|h| h.eq_ignore_ascii_case("localhost")) =>
            {
                return Err(E::Localhost)
            }
            _ => return Err(E::Scheme),
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a loopback redirect (any port matches).
    pub fn is_loopback(&self) -> bool {
        split_loopback(&self.0).is_some()
    }

    /// Whether an authorization request's `redirect_uri` names this one:
    /// the same string, byte for byte; for a loopback URI the same string
    /// with any port (RFC 8252 §7.3). No normalisation of any kind: case,
    /// a trailing slash, an added query or an encoded character all differ.
    pub fn matches(&self, requested: &str) -> bool {
        match split_loopback(&self.0) {
            Some((host, rest)) => split_loopback(requested) == Some((host, rest)),
            None => self.0 == requested,
        }
    }
}

impl TryFrom<String> for RedirectUri {
    type Error = RedirectUriError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::register(&text)
    }
}

impl From<RedirectUri> for String {
    fn from(uri: RedirectUri) -> Self {
        uri.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedirectUri({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use RedirectUriError as E;

    fn uri(text: &str) -> RedirectUri {
        RedirectUri::register(text).unwrap()
    }

    #[test]
    fn https_and_loopback_uris_register_as_written() {
        for text in [
            "https://app.example/callback",
            "https://app.example",
            "https://app.example:8443/cb?tenant=1",
            "https://[2001:db8::1]/cb",
            "http://127.0.0.1/cb",
            "http://127.0.0.1:8080/cb",
            "http://[::1]:9/cb",
            "http://127.0.0.1",
        ] {
            assert_eq!(uri(text).as_str(), text);
        }
    }

    #[test]
    fn what_may_not_be_registered_says_why() {
        let long = format!("https://app.example/{}", "a".repeat(RedirectUri::MAX_LEN));
        for (text, error) in [
            ("", E::Empty),
            (long.as_str(), E::TooLong),
            (" https://app.example/cb", E::BadCharacter),
            ("https://app.example/c b", E::BadCharacter),
            ("https://app.example\\@evil.example/", E::BadCharacter),
            ("/callback", E::NotAUrl),
            ("app.example/callback", E::NotAUrl),
            ("https://app.example/cb#top", E::Fragment),
            ("https://app.example/cb#", E::Fragment),
            ("https://good.example@evil.example/cb", E::Userinfo),
            ("https://user:pass@app.example/cb", E::Userinfo),
            ("https://*.app.example/cb", E::Wildcard),
            ("https://app.example/*", E::Wildcard),
            ("http://localhost:3000/cb", E::Localhost),
            ("http://app.example/cb", E::Scheme),
            ("http://127.0.0.1.evil.example/cb", E::Scheme),
            ("http://127.0.0.2/cb", E::Scheme),
            ("http://[0:0:0:0:0:0:0:1]/cb", E::Scheme),
            ("HTTP://127.0.0.1/cb", E::Scheme),
            ("ftp://app.example/cb", E::Scheme),
            ("javascript:alert(1)", E::Scheme),
            ("com.example.app:/callback", E::Scheme),
            ("https:///cb", E::NotCanonical("https://cb/".into())),
            (
                "https://ok.example/a/../cb",
                E::NotCanonical("https://ok.example/cb".into()),
            ),
            (
                "https://ok.example/./cb",
                E::NotCanonical("https://ok.example/cb".into()),
            ),
            (
                "https://ök.example/cb",
                E::NotCanonical("https://xn--k-0ga.example/cb".into()),
            ),
            (
                "https://ok.example/\u{202E}cb",
                E::NotCanonical("https://ok.example/%E2%80%AEcb".into()),
            ),
            (
                "https://ok.example/caf\u{e9}",
                E::NotCanonical("https://ok.example/caf%C3%A9".into()),
            ),
            (
                "https://OK.example/cb",
                E::NotCanonical("https://ok.example/cb".into()),
            ),
            (
                "https://ok.example:443/cb",
                E::NotCanonical("https://ok.example/cb".into()),
            ),
            (
                "http://127.0.0.1:8080/a/../cb",
                E::NotCanonical("http://127.0.0.1:8080/cb".into()),
            ),
        ] {
            assert_eq!(RedirectUri::register(text), Err(error), "{text:?}");
        }
    }

    #[test]
    fn only_the_exact_string_matches() {
        let registered = uri("https://app.example/callback");
        assert!(registered.matches("https://app.example/callback"));
        for requested in [
            "https://app.example/callback/",
            "https://app.example/Callback",
            "https://APP.example/callback",
            "https://app.example/callback?x=1",
            "https://app.example/callback#",
            "https://app.example/callback#x",
            "https://app.example:443/callback",
            "https://app.example/%63allback",
            "https://app.example.evil.example/callback",
            "https://app-example/callback",
            "https://good.example@app.example/callback",
            "https://app.example@evil.example/callback",
            "http://app.example/callback",
            "https://app.example/callback ",
            "",
        ] {
            assert!(!registered.matches(requested), "{requested:?}");
        }
    }

    #[test]
    fn a_loopback_uri_matches_any_port_and_nothing_else() {
        let registered = uri("http://127.0.0.1:8080/cb");
        for requested in [
            "http://127.0.0.1/cb",
            "http://127.0.0.1:1/cb",
            "http://127.0.0.1:65535/cb",
        ] {
            assert!(registered.matches(requested), "{requested}");
        }
        for requested in [
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:65536/cb",
            "http://127.0.0.1:/cb",
            "http://127.0.0.1:8080/cb/",
            "http://127.0.0.1:8080/cb?x",
            "http://127.0.0.1:8080@evil.example/cb",
            "http://127.0.0.1.evil.example/cb",
            "http://[::1]:8080/cb",
            "https://127.0.0.1:8080/cb",
            "http://localhost:8080/cb",
        ] {
            assert!(!registered.matches(requested), "{requested}");
        }
        assert!(uri("http://[::1]/cb").matches("http://[::1]:4000/cb"));
        assert!(uri("http://[::1]/cb").is_loopback());
        assert!(!uri("https://127.0.0.1/cb").is_loopback());
        assert!(!uri("https://127.0.0.1/cb").matches("https://127.0.0.1:8443/cb"));
    }

    #[test]
    fn it_deserialises_only_through_registration() {
        let ok: RedirectUri = serde_json::from_str("\"https://app.example/cb\"").unwrap();
        assert_eq!(ok.as_str(), "https://app.example/cb");
        assert!(serde_json::from_str::<RedirectUri>("\"http://app.example/cb\"").is_err());
    }

    proptest! {
        #[test]
        fn a_registered_uri_matches_itself_and_no_other_string(
            path in "[a-z0-9/._~-]{0,20}",
            other in ".{0,40}",
        ) {
            let text = format!("https://app.example/{path}");
            // ("." and ".." segments are refused: not the form browsers use.)
            let Ok(registered) = RedirectUri::register(&text) else {
                prop_assume!(false);
                unreachable!()
            };
            prop_assert!(registered.matches(&text));
            prop_assert_eq!(registered.matches(&other), other == text);
        }
    }
}
