//! The key format `kw_{live|test}_{id}_{secret}{crc}`: generating, parsing,
//! checksumming and hashing. Server-only: nothing here reaches the browser.
use super::environment::Environment;
use hmac::{Hmac, Mac};
use rand::{CryptoRng, Rng, RngCore};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const ID_LEN: usize = 12;
pub const SECRET_LEN: usize = 32;
pub const CRC_LEN: usize = 6;
/// `kw_live_` + id + `_` + secret + crc.
pub const TOKEN_LEN: usize = 8 + ID_LEN + 1 + SECRET_LEN + CRC_LEN;

pub fn random_base62(rng: &mut (impl RngCore + CryptoRng), len: usize) -> String {
    // `gen_range` rejects out-of-range draws, so every character is uniform.
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// CRC32 of `text` as 6 base62 digits (62^6 > 2^32), most significant first.
fn checksum(text: &str) -> [u8; CRC_LEN] {
    let mut value = crc32fast::hash(text.as_bytes()) as u64;
    let mut digits = [b'0'; CRC_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    digits
}

/// `{secret}{crc}`: a fresh secret, and the checksum of the whole credential
/// `{prefix}{id}_{secret}` it ends. Every credential format makes its secret so.
pub(in crate::domain) fn new_secret(
    prefix: &str,
    id: &KeyId,
    rng: &mut (impl RngCore + CryptoRng),
) -> Base62<{ SECRET_LEN + CRC_LEN }> {
    let secret = random_base62(rng, SECRET_LEN);
    let body = format!("{prefix}{}_{secret}", id.as_str());
    let mut text = [0u8; SECRET_LEN + CRC_LEN];
    text[..SECRET_LEN].copy_from_slice(secret.as_bytes());
    text[SECRET_LEN..].copy_from_slice(&checksum(&body));
    Base62(text)
}

/// What follows a credential's `prefix_len`-byte prefix, `{id}_{secret}{crc}`,
/// checked without I/O or allocation: `Err(Malformed)` unless `text` is ASCII
/// of exactly that shape, `Err(BadChecksum)` unless the checksum is that of
/// everything before it. Every credential format parses so.
pub(in crate::domain) fn parse_after_prefix(
    text: &str,
    prefix_len: usize,
) -> Result<(KeyId, Base62<{ SECRET_LEN + CRC_LEN }>), TokenError> {
    if text.len() != prefix_len + ID_LEN + 1 + SECRET_LEN + CRC_LEN || !text.is_ascii() {
        return Err(TokenError::Malformed);
    }
    let id = KeyId::parse(&text[prefix_len..prefix_len + ID_LEN]);
    let separator = &text[prefix_len + ID_LEN..prefix_len + ID_LEN + 1];
    let secret = Base62::parse(&text[prefix_len + ID_LEN + 1..]);
    let (Some(id), "_", Some(secret)) = (id, separator, secret) else {
        return Err(TokenError::Malformed);
    };
    let (body, crc) = text.split_at(text.len() - CRC_LEN);
    if !bool::from(checksum(body)[..].ct_eq(crc.as_bytes())) {
        return Err(TokenError::BadChecksum);
    }
    Ok((id, secret))
}

/// Base62 text of a fixed length, kept inline: parsing a token on every
/// request allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(in crate::domain) struct Base62<const N: usize>([u8; N]);

impl<const N: usize> Base62<N> {
    /// `text` when it is exactly `N` base62 characters.
    pub(in crate::domain) fn parse(text: &str) -> Option<Self> {
        let bytes: [u8; N] = text.as_bytes().try_into().ok()?;
        bytes.iter().all(u8::is_ascii_alphanumeric).then_some(Self(bytes))
    }

    pub(in crate::domain) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("base62 is ASCII")
    }
}

/// A key's public id: 12 base62 characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(Base62<ID_LEN>);

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("KeyId").field(&self.as_str()).finish()
    }
}

impl KeyId {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::parse(&random_base62(rng, ID_LEN)).expect("12 base62 characters")
    }

    pub fn parse(text: &str) -> Option<Self> {
        Base62::parse(text).map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A whole, well-formed, checksum-verified token. Holds the secret, so its
/// `Debug` prints only the public part.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    environment: Environment,
    id: KeyId,
    /// `{secret}{crc}`.
    secret: Base62<{ SECRET_LEN + CRC_LEN }>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a keyward token")]
    Malformed,
    #[error("token checksum does not match")]
    BadChecksum,
}

impl Token {
    /// A new token from a cryptographically secure generator (the OS's).
    pub fn generate(environment: Environment, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::with_id(environment, KeyId::generate(rng), rng)
    }

    /// A new secret for an existing key id (a key roll).
    pub fn with_id(environment: Environment, id: KeyId, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let secret = new_secret(&format!("kw_{}_", environment.as_str()), &id, rng);
        Self {
            environment,
            id,
            secret,
        }
    }

    /// Parses and checks a token without any I/O.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let environment = match text.get(..8) {
            Some("kw_live_") => Environment::Live,
            Some("kw_test_") => Environment::Test,
            _ => return Err(TokenError::Malformed),
        };
        let (id, secret) = parse_after_prefix(text, 8)?;
        Ok(Self {
            environment,
            id,
            secret,
        })
    }

    /// Parses the header pair `X-API-Key: kw_live_{id}` + `X-API-Secret: {secret}{crc}`.
    pub fn from_pair(api_key: &str, secret: &str) -> Result<Self, TokenError> {
        if api_key.len() != 8 + ID_LEN || secret.len() != SECRET_LEN + CRC_LEN {
            return Err(TokenError::Malformed);
        }
        Self::parse(&format!("{api_key}_{secret}"))
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// `kw_live_{id}`: public, shown in the table.
    pub fn api_key(&self) -> String {
        self.environment.public_key(self.id.as_str())
    }

    /// `{secret}{crc}`: shown once, never stored.
    pub fn expose_secret(&self) -> &str {
        self.secret.as_str()
    }

    /// The whole token: shown once, never stored.
    pub fn expose(&self) -> String {
        format!("{}_{}", self.api_key(), self.secret.as_str())
    }

    /// The last four characters, kept so people can recognise a key.
    pub fn last4(&self) -> String {
        self.secret.as_str()[SECRET_LEN + CRC_LEN - 4..].to_owned()
    }

    /// The 32 random characters that are hashed (the checksum is not secret).
    fn secret_part(&self) -> &str {
        &self.secret.as_str()[..SECRET_LEN]
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({}_[redacted])", self.api_key())
    }
}

/// The server's HMAC key: secret hashes are useless without it. Keeps the
/// HMAC already keyed, so hashing a secret costs no key schedule.
#[derive(Clone)]
pub struct Pepper(Vec<u8>, Hmac<Sha256>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the pepper must be at least {MIN} bytes", MIN = Pepper::MIN_LEN)]
pub struct PepperTooShort;

impl Pepper {
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: Vec<u8>) -> Result<Self, PepperTooShort> {
        if bytes.len() < Self::MIN_LEN {
            Err(PepperTooShort)
        } else {
            Ok(Self::keyed(bytes))
        }
    }

    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = vec![0; Self::MIN_LEN];
        rng.fill_bytes(&mut bytes);
        Self::keyed(bytes)
    }

    fn keyed(bytes: Vec<u8>) -> Self {
        let mac = Hmac::<Sha256>::new_from_slice(&bytes).expect("HMAC takes any key length");
        Self(bytes, mac)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// HMAC-SHA256(pepper, secret): what the database keeps.
    pub fn hash(&self, token: &Token) -> SecretHash {
        self.hash_text(token.secret_part())
    }

    fn hash_text(&self, secret: &str) -> SecretHash {
        self.hash_labelled(b"", secret)
    }

    /// HMAC-SHA256(pepper, label ‖ secret): credentials other than keys hash
    /// their prefix in front of the secret, so no hash of one kind can ever
    /// stand for another's.
    pub(in crate::domain) fn hash_labelled(&self, label: &[u8], secret: &str) -> SecretHash {
        let mut mac = self.1.clone();
        mac.update(label);
        mac.update(secret.as_bytes());
        SecretHash(mac.finalize().into_bytes().into())
    }

    /// Names this pepper without revealing it: 16 bytes of HMAC-SHA256(pepper,
    /// a fixed label), as 32 hex digits. A database keeps the fingerprint of
    /// the pepper its keys were made with, so a server given another one
    /// refuses to start instead of refusing every key.
    pub fn fingerprint(&self) -> String {
        let hash = self.hash_text("keyward pepper fingerprint v1");
        hash.0[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A hash of nothing in particular, for unknown ids: the same work as a real check.
    pub fn dummy_hash(&self) -> SecretHash {
        self.hash_text(&"0".repeat(SECRET_LEN))
    }
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper([redacted])")
    }
}

/// HMAC of a secret. Compared in constant time only.
#[derive(Clone)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn matches(&self, other: &SecretHash) -> bool {
        // The bytes' differences folded into one, then a single
        // constant-time test: no branch depends on the data. (subtle's slice
        // comparison puts an optimisation barrier on every byte, which made
        // it a fifth of a cached verification.)
        let diff = self.0.iter().zip(&other.0).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff.ct_eq(&0).into()
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    #[test]
    fn a_hash_matches_only_itself_whichever_byte_differs() {
        let hash = SecretHash(std::array::from_fn(|i| i as u8 * 7));
        assert!(hash.matches(&hash.clone()));
        for at in 0..32 {
            for flip in [1u8, 0x80, 0xff] {
                let mut other = hash.0;
                other[at] ^= flip;
                assert!(!hash.matches(&SecretHash(other)), "byte {at} ^ {flip}");
            }
        }
    }

    fn token() -> Token {
        Token::generate(Environment::Live, &mut OsRng)
    }

    #[test]
    fn a_token_has_the_documented_shape() {
        let token = token();
        let text = token.expose();
        assert_eq!(text.len(), TOKEN_LEN);
        assert!(text.starts_with("kw_live_"));
        let parts: Vec<&str> = text.split('_').collect();
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[2].len(), ID_LEN);
        assert_eq!(parts[3].len(), SECRET_LEN + CRC_LEN);
        assert_eq!(token.api_key(), format!("kw_live_{}", parts[2]));
        assert_eq!(text, format!("{}_{}", token.api_key(), token.expose_secret()));
        assert_eq!(token.last4(), &text[text.len() - 4..]);
        let test = Token::generate(Environment::Test, &mut OsRng);
        assert!(test.expose().starts_with("kw_test_"));
    }

    #[test]
    fn generated_tokens_parse_back() {
        for _ in 0..200 {
            let token = token();
            assert_eq!(Token::parse(&token.expose()), Ok(token.clone()));
            assert_eq!(
                Token::from_pair(&token.api_key(), token.expose_secret()),
                Ok(token)
            );
        }
    }

    #[test]
    fn two_tokens_differ() {
        assert_ne!(token().expose(), token().expose());
        assert_ne!(token().id(), token().id());
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let text = token().expose();
        let mut bytes = text.into_bytes();
        let i = 8 + ID_LEN + 5;
        bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
        let changed = String::from_utf8(bytes).unwrap();
        assert_eq!(Token::parse(&changed), Err(TokenError::BadChecksum));
    }

    #[test]
    fn changing_the_environment_fails_the_checksum() {
        let text = token().expose().replacen("kw_live_", "kw_test_", 1);
        assert_eq!(Token::parse(&text), Err(TokenError::BadChecksum));
    }

    #[test]
    fn malformed_text_is_refused() {
        let good = token().expose();
        for bad in [
            String::new(),
            "kw_live_".into(),
            good[..TOKEN_LEN - 1].into(),
            format!("{good}x"),
            good.replacen("kw_", "kx_", 1),
            good.replacen("_live_", "_prod_", 1),
            format!("{}-{}", &good[..20], &good[21..]),
            format!("{}é{}", &good[..30], &good[32..]),
            format!("{}+{}", &good[..30], &good[31..]),
        ] {
            assert!(Token::parse(&bad).is_err(), "{bad:?}");
        }
        assert_eq!(Token::from_pair("kw_live_x", "y"), Err(TokenError::Malformed));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token = token();
        let debug = format!("{token:?}");
        assert!(!debug.contains(token.expose_secret()));
        assert!(debug.contains(&token.api_key()));
        let pepper = Pepper::generate(&mut OsRng);
        assert_eq!(format!("{pepper:?}"), "Pepper([redacted])");
        assert_eq!(format!("{:?}", pepper.hash(&token)), "SecretHash([redacted])");
    }

    #[test]
    fn the_hash_depends_on_pepper_and_secret() {
        let token = token();
        let pepper = Pepper::generate(&mut OsRng);
        let hash = pepper.hash(&token);
        assert!(hash.matches(&pepper.hash(&token)));
        assert!(!hash.matches(&Pepper::generate(&mut OsRng).hash(&token)));
        assert!(!hash.matches(&pepper.hash(&self::token())));
        assert!(!hash.matches(&pepper.dummy_hash()));
        let stored = SecretHash::from_bytes(hash.as_bytes()).unwrap();
        assert!(stored.matches(&hash));
        assert!(SecretHash::from_bytes(&[0; 31]).is_none());
    }

    #[test]
    fn a_short_pepper_is_refused() {
        assert_eq!(Pepper::new(vec![1; 31]).unwrap_err(), PepperTooShort);
        assert!(Pepper::new(vec![1; 32]).is_ok());
    }

    #[test]
    fn a_roll_keeps_the_id_and_changes_the_secret() {
        let old = token();
        let new = Token::with_id(Environment::Live, *old.id(), &mut OsRng);
        assert_eq!(new.api_key(), old.api_key());
        assert_ne!(new.expose_secret(), old.expose_secret());
    }

    #[test]
    fn the_checksum_is_fixed_for_a_given_text() {
        // CRC32("kw_live_") = 0x2B4D1C5B, rendered in 6 base62 digits.
        let crc = crc32fast::hash(b"kw_live_") as u64;
        let digits = checksum("kw_live_");
        let value = digits.iter().fold(0u64, |acc, &b| {
            acc * 62 + ALPHABET.iter().position(|&a| a == b).unwrap() as u64
        });
        assert_eq!(value, crc);
        assert_eq!(digits.len(), CRC_LEN);
    }

    proptest! {
        /// Any string either parses to a token that prints back as the same
        /// string, or is refused cleanly (no panic).
        #[test]
        fn any_string_parses_to_itself_or_is_refused(text in ".{0,80}") {
            if let Ok(token) = Token::parse(&text) {
                prop_assert_eq!(token.expose(), text);
            }
        }

        /// Strings shaped like tokens but with random contents: refused unless
        /// the checksum happens to match, and then identical.
        #[test]
        fn token_shaped_strings_are_checked(
            env in prop::sample::select(vec!["live", "test", "prod"]),
            id in "[0-9A-Za-z_]{12}",
            secret in "[0-9A-Za-z]{38}",
        ) {
            let text = format!("kw_{env}_{id}_{secret}");
            match Token::parse(&text) {
                Ok(token) => prop_assert_eq!(token.expose(), text),
                Err(error) => prop_assert!(matches!(error, TokenError::Malformed | TokenError::BadChecksum)),
            }
        }

        /// One flipped character in a real token is always caught.
        #[test]
        fn single_edits_to_real_tokens_are_caught(position in 0usize..TOKEN_LEN, replacement in "[0-9A-Za-z_]") {
            let token = Token::generate(Environment::Test, &mut OsRng);
            let text = token.expose();
            let mut edited = text.clone();
            edited.replace_range(position..position + 1, &replacement);
            if edited != text {
                prop_assert!(Token::parse(&edited).is_err());
            }
        }
    }
}
