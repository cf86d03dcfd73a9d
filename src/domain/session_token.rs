//! Session tokens for browser apps, the pure parts: the format
//! `kw_sess_{live|test}_{id}_{secret}{crc}` (prefixed and checksummed like a
//! key, so secret scanners know it and garbage is refused before any
//! lookup; the database keeps HMAC-SHA256(pepper, `kw_sess_` ‖ secret)
//! only), their lifetime, and the exact origins a browser may use one from
//! (the Fetch standard's serialisation of an origin, which is what a
//! browser sends in `Origin`).
use std::fmt;

use super::environment::Environment;
use super::token::{
    new_secret, parse_after_prefix, Base62, KeyId, Pepper, SecretHash, TokenError, CRC_LEN, ID_LEN,
    SECRET_LEN,
};
use rand::{CryptoRng, RngCore};

/// `kw_sess_` + `live_` or `test_`.
const PREFIX_LEN: usize = 13;
/// A whole session token: prefix, id, `_`, secret, checksum (64 characters).
pub const SESSION_TOKEN_LEN: usize = PREFIX_LEN + ID_LEN + 1 + SECRET_LEN + CRC_LEN;
/// What every session token starts with, whatever its environment.
pub const SESSION_PREFIX: &str = "kw_sess_";

/// A whole, well-formed, checksum-verified session token. Holds the
/// secret, so its `Debug` prints only the environment and the id.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken {
    environment: Environment,
    id: KeyId,
    /// `{secret}{crc}`.
    secret: Base62<{ SECRET_LEN + CRC_LEN }>,
}

impl SessionToken {
    /// A new token with a fresh id, from a cryptographically secure
    /// generator (the OS's).
    pub fn generate(environment: Environment, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let id = KeyId::generate(rng);
        Self {
            environment,
            secret: new_secret(prefix(environment), &id, rng),
            id,
        }
    }

    /// Parses and checks a session token without I/O or allocation:
    /// `Err(Malformed)` for anything not shaped like one, `Err(BadChecksum)`
    /// for a mistyped or altered one.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let environment = match text.get(..PREFIX_LEN) {
            Some("kw_sess_live_") => Environment::Live,
            Some("kw_sess_test_") => Environment::Test,
            _ => return Err(TokenError::Malformed),
        };
        let (id, secret) = parse_after_prefix(text, PREFIX_LEN)?;
        Ok(Self {
            environment,
            id,
            secret,
        })
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// HMAC-SHA256(pepper, `kw_sess_` ‖ secret): what the database keeps.
    pub fn hash(&self, pepper: &Pepper) -> SecretHash {
        pepper.hash_labelled(SESSION_PREFIX.as_bytes(), &self.secret.as_str()[..SECRET_LEN])
    }

    /// The whole token: shown once, never stored.
    pub fn expose(&self) -> String {
        format!(
            "{}{}_{}",
            prefix(self.environment),
            self.id.as_str(),
            self.secret.as_str()
        )
    }
}

fn prefix(environment: Environment) -> &'static str {
    match environment {
        Environment::Live => "kw_sess_live_",
        Environment::Test => "kw_sess_test_",
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SessionToken({}{}_[redacted])",
            prefix(self.environment),
            self.id.as_str()
        )
    }
}

/// The longest a session token lives, and its default: 24 hours, in seconds.
pub const MAX_TTL_SECS: i64 = 86_400;

/// How long a new session token lives: `requested` seconds, 1 to
/// [`MAX_TTL_SECS`] (the default when absent). The error is the message
/// shown for the `ttl` field.
pub fn ttl(requested: Option<i64>) -> Result<chrono::TimeDelta, String> {
    match requested.unwrap_or(MAX_TTL_SECS) {
        secs @ 1..=MAX_TTL_SECS => Ok(chrono::TimeDelta::seconds(secs)),
        _ => Err(format!(
            "ttl is in seconds, from 1 to {MAX_TTL_SECS} (24 hours, the default)"
        )),
    }
}

/// The most origins one session token may name.
pub const MAX_ORIGINS: usize = 10;

/// An origin a browser page may use a session token from, as the browser
/// sends it in `Origin` (RFC 6454 §6.2): `scheme://host[:port]`, a lower-case
/// ASCII host, no default port, nothing after. `https`, or `http` for
/// `localhost` and loopback addresses (pages in development).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin(String);

/// Why an origin is refused; the text is shown for `allowed_origins`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    #[error("enter an origin like https://www.agency.example")]
    Empty,
    #[error("{0:?} is not an origin: write scheme and host, like https://www.agency.example")]
    NotAnOrigin(String),
    #[error("{0:?}: an origin is scheme, host and port only, with no path, query or trailing slash")]
    HasPath(String),
    #[error("{0:?}: wildcards are not allowed; name each origin exactly")]
    Wildcard(String),
    #[error("{0:?}: an origin must use https (http only for localhost and loopback addresses)")]
    Scheme(String),
    #[error("{given:?}: write it as browsers send it: {canonical}")]
    NotCanonical { given: String, canonical: String },
}

impl Origin {
    /// Checks one origin as written; kept exactly, since a browser's
    /// `Origin` header is compared byte for byte.
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(OriginError::Empty);
        }
        if text.contains('*') {
            return Err(OriginError::Wildcard(text.to_owned()));
        }
        if text.len() > 300 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(OriginError::NotAnOrigin(text.to_owned()));
        }
        let url = url::Url::parse(text).map_err(|_| OriginError::NotAnOrigin(text.to_owned()))?;
        let host = match url.host() {
            Some(host) if url.username().is_empty() && url.password().is_none() => host,
            _ => return Err(OriginError::NotAnOrigin(text.to_owned())),
        };
        let loopback = match host {
            url::Host::Domain(name) => name == "localhost",
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(OriginError::Scheme(text.to_owned())),
            _ => return Err(OriginError::NotAnOrigin(text.to_owned())),
        }
        let canonical = url.origin().ascii_serialization();
        let after = &url.as_str()[canonical.len()..];
        if !(after.is_empty() || after == "/")
            || text.ends_with('/')
            || text.contains('?')
            || text.contains('#')
        {
            return Err(OriginError::HasPath(text.to_owned()));
        }
        if canonical != text {
            return Err(OriginError::NotCanonical {
                given: text.to_owned(),
                canonical,
            });
        }
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Origin({})", self.0)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The origins of one session token: 1 to [`MAX_ORIGINS`], each checked,
/// duplicates dropped, sorted.
pub fn allowed_origins<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Origin>, String> {
    if texts.is_empty() {
        return Err("name at least one origin, like https://www.agency.example".into());
    }
    if texts.len() > MAX_ORIGINS {
        return Err(format!("at most {MAX_ORIGINS} origins"));
    }
    let mut origins = texts
        .iter()
        .map(|text| Origin::parse(text.as_ref()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| err.to_string())?;
    origins.sort();
    origins.dedup();
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    #[test]
    fn a_session_token_has_the_documented_shape_and_parses_back() {
        for environment in [Environment::Live, Environment::Test] {
            let token = SessionToken::generate(environment, &mut OsRng);
            let text = token.expose();
            assert_eq!(text.len(), SESSION_TOKEN_LEN);
            assert!(text.starts_with(&format!("kw_sess_{}_", environment.as_str())));
            assert_eq!(SessionToken::parse(&text), Ok(token.clone()));
            assert!(!format!("{token:?}").contains(&text[PREFIX_LEN + ID_LEN + 1..]));
        }
    }

    #[test]
    fn keys_and_altered_tokens_are_not_session_tokens() {
        let token = SessionToken::generate(Environment::Live, &mut OsRng).expose();
        let key = crate::domain::token::Token::generate(Environment::Live, &mut OsRng).expose();
        assert_eq!(SessionToken::parse(&key), Err(TokenError::Malformed));
        let mut altered = token.clone().into_bytes();
        altered[PREFIX_LEN + ID_LEN + 3] = if altered[PREFIX_LEN + ID_LEN + 3] == b'a' {
            b'b'
        } else {
            b'a'
        };
        assert_eq!(
            SessionToken::parse(std::str::from_utf8(&altered).unwrap()),
            Err(TokenError::BadChecksum)
        );
        let other_env = token.replacen("kw_sess_live_", "kw_sess_test_", 1);
        assert_eq!(SessionToken::parse(&other_env), Err(TokenError::BadChecksum));
        assert_eq!(SessionToken::parse(&token[1..]), Err(TokenError::Malformed));
    }

    #[test]
    fn a_session_token_hash_never_equals_a_key_hash_of_the_same_secret() {
        let pepper = Pepper::generate(&mut OsRng);
        let token = SessionToken::generate(Environment::Live, &mut OsRng);
        let secret = &token.secret.as_str()[..SECRET_LEN];
        assert!(!token.hash(&pepper).matches(&pepper.hash_labelled(b"", secret)));
        assert!(token
            .hash(&pepper)
            .matches(&pepper.hash_labelled(b"kw_sess_", secret)));
    }

    #[test]
    fn ttl_defaults_to_a_day_and_never_exceeds_it() {
        assert_eq!(ttl(None), Ok(chrono::TimeDelta::seconds(86_400)));
        assert_eq!(ttl(Some(600)), Ok(chrono::TimeDelta::seconds(600)));
        for bad in [0, -1, 86_401, i64::MAX] {
            assert!(ttl(Some(bad)).unwrap_err().contains("86400"), "{bad}");
        }
    }

    #[test]
    fn origins_are_kept_as_browsers_send_them() {
        for good in [
            "https://www.agency.example",
            "https://agency.example:8443",
            "http://localhost:3000",
            "http://127.0.0.2:8080",
            "http://[::1]:5173",
            "https://xn--gnstig-3ya.example",
        ] {
            assert_eq!(Origin::parse(good).unwrap().as_str(), good);
        }
        for (bad, says) in [
            ("", "enter an origin"),
            ("https://*.agency.example", "wildcards"),
            ("*", "wildcards"),
            ("null", "not an origin"),
            ("www.agency.example", "not an origin"),
            ("https://agency.example/", "no path"),
            ("https://agency.example/widget", "no path"),
            ("https://agency.example?x=1", "no path"),
            ("http://agency.example", "must use https"),
            ("ftp://agency.example", "not an origin"),
            ("https://user@agency.example", "not an origin"),
            ("https://Agency.Example", "https://agency.example"),
            ("https://agency.example:443", "https://agency.example"),
            ("https://günstig.example", "https://xn--gnstig-3ya.example"),
        ] {
            let err = Origin::parse(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_token_names_one_to_ten_distinct_origins() {
        assert!(allowed_origins::<&str>(&[]).is_err());
        let eleven: Vec<String> = (0..11).map(|i| format!("https://a{i}.example")).collect();
        assert!(allowed_origins(&eleven).unwrap_err().contains("at most 10"));
        let twice =
            allowed_origins(&["https://b.example", "https://a.example", "https://b.example"]).unwrap();
        assert_eq!(
            twice.iter().map(Origin::as_str).collect::<Vec<_>>(),
            ["https://a.example", "https://b.example"]
        );
    }

    proptest! {
        #[test]
        fn parsing_any_text_never_panics(text in ".{0,80}") {
            let _ = SessionToken::parse(&text);
            let _ = Origin::parse(&text);
        }
    }
}
