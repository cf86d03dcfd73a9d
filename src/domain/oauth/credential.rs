//! The credentials of OAuth: the client id, client secrets, access tokens
//! and refresh tokens. The secret ones are `{prefix}{id}_{secret}{crc}` like
//! an API key (a 12-character id, 32 random base62 characters, their CRC32
//! in 6 base62 digits), so secret scanners recognise them and the parser
//! refuses garbage before any lookup; the database keeps
//! HMAC-SHA256(pepper, prefix ‖ secret) only.
use std::fmt;

use rand::{CryptoRng, RngCore};

use crate::domain::token::{
    new_secret, parse_after_prefix, Base62, KeyId, Pepper, SecretHash, TokenError, CRC_LEN, ID_LEN,
    SECRET_LEN,
};

/// What a secret credential is for, named by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// `kw_ocs_…`: a confidential client's secret (RFC 6749 §2.3.1).
    ClientSecret,
    /// `kw_oac_…`: an authorization code, single use, 60 seconds
    /// (RFC 6749 §4.1.2).
    AuthorizationCode,
    /// `kw_oat_…`: an access token, 1 hour (RFC 6749 §1.4).
    AccessToken,
    /// `kw_ort_…`: a refresh token, 30 days, rotated on every use
    /// (RFC 6749 §1.5, RFC 9700 §4.14.2).
    RefreshToken,
}

/// Every prefix is this long.
const PREFIX_LEN: usize = 7;
/// A whole credential: prefix, id, `_`, secret, checksum.
pub const CREDENTIAL_LEN: usize = PREFIX_LEN + ID_LEN + 1 + SECRET_LEN + CRC_LEN;

impl CredentialKind {
    pub const ALL: [CredentialKind; 4] = [
        CredentialKind::ClientSecret,
        CredentialKind::AuthorizationCode,
        CredentialKind::AccessToken,
        CredentialKind::RefreshToken,
    ];

    pub const fn prefix(self) -> &'static str {
        match self {
            CredentialKind::ClientSecret => "kw_ocs_",
            CredentialKind::AuthorizationCode => "kw_oac_",
            CredentialKind::AccessToken => "kw_oat_",
            CredentialKind::RefreshToken => "kw_ort_",
        }
    }

    fn of_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.prefix() == prefix)
    }
}

/// A whole, well-formed, checksum-verified OAuth credential. Holds the
/// secret, so its `Debug` prints only the kind and the id.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    kind: CredentialKind,
    id: KeyId,
    /// `{secret}{crc}`.
    secret: Base62<{ SECRET_LEN + CRC_LEN }>,
}

impl Credential {
    /// A new credential with a fresh id, from a cryptographically secure
    /// generator (the OS's).
    pub fn generate(kind: CredentialKind, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::with_id(kind, KeyId::generate(rng), rng)
    }

    /// A new secret under an existing id (a client secret's roll: the
    /// secret names its client).
    pub fn with_id(kind: CredentialKind, id: KeyId, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self {
            kind,
            secret: new_secret(kind.prefix(), &id, rng),
            id,
        }
    }

    /// Parses and checks a credential of any kind without I/O or allocation.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let kind = text
            .get(..PREFIX_LEN)
            .and_then(CredentialKind::of_prefix)
            .ok_or(TokenError::Malformed)?;
        let (id, secret) = parse_after_prefix(text, PREFIX_LEN)?;
        Ok(Self { kind, id, secret })
    }

    /// [`Credential::parse`], refusing a well-formed credential of another kind.
    pub fn parse_as(kind: CredentialKind, text: &str) -> Result<Self, TokenError> {
        Self::parse(text).and_then(|credential| {
            if credential.kind == kind {
                Ok(credential)
            } else {
                Err(TokenError::Malformed)
            }
        })
    }

    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// HMAC-SHA256(pepper, prefix ‖ secret): what the database keeps.
    pub fn hash(&self, pepper: &Pepper) -> SecretHash {
        pepper.hash_labelled(self.kind.prefix().as_bytes(), &self.secret.as_str()[..SECRET_LEN])
    }

    /// The whole credential: shown (or sent) once, never stored.
    pub fn expose(&self) -> String {
        format!(
            "{}{}_{}",
            self.kind.prefix(),
            self.id.as_str(),
            self.secret.as_str()
        )
    }

    /// The last four characters, kept so people can recognise a secret.
    pub fn last4(&self) -> String {
        self.secret.as_str()[SECRET_LEN + CRC_LEN - 4..].to_owned()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Credential({}{}_[redacted])",
            self.kind.prefix(),
            self.id.as_str()
        )
    }
}

/// A client's public identifier (RFC 6749 §2.2): `kw_app_{id}`, where `id`
/// is the 12-character id its secrets carry too.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientId(KeyId);

impl ClientId {
    const PREFIX: &'static str = "kw_app_";

    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self(KeyId::generate(rng))
    }

    /// The client id of an app whose id was drawn beforehand (the
    /// registration form's).
    pub fn from_id(id: KeyId) -> Self {
        Self(id)
    }

    /// `kw_app_` and 12 base62 characters; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        text.strip_prefix(Self::PREFIX).and_then(KeyId::parse).map(Self)
    }

    /// The id without its prefix (the stored key of the app's row).
    pub fn id(&self) -> &KeyId {
        &self.0
    }

    /// Whether `secret` is a client secret issued to this client.
    pub fn owns(&self, secret: &Credential) -> bool {
        secret.kind == CredentialKind::ClientSecret && secret.id == self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0.as_str())
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    #[test]
    fn each_kind_has_the_documented_shape_and_parses_back() {
        for kind in CredentialKind::ALL {
            let credential = Credential::generate(kind, &mut OsRng);
            let text = credential.expose();
            assert_eq!(text.len(), CREDENTIAL_LEN);
            assert!(text.starts_with(kind.prefix()), "{text}");
            assert_eq!(text.as_bytes()[PREFIX_LEN + ID_LEN], b'_');
            let parsed = Credential::parse(&text).unwrap();
            assert_eq!(parsed, credential);
            assert_eq!(parsed.kind(), kind);
            assert_eq!(Credential::parse_as(kind, &text).unwrap(), credential);
        }
    }

    #[test]
    fn a_credential_of_another_kind_is_refused_where_one_kind_is_wanted() {
        let access = Credential::generate(CredentialKind::AccessToken, &mut OsRng).expose();
        assert_eq!(
            Credential::parse_as(CredentialKind::RefreshToken, &access),
            Err(TokenError::Malformed)
        );
        // Swapping the prefix breaks the checksum: kinds cannot be forged
        // into each other by editing the text.
        let relabelled = access.replacen("kw_oat_", "kw_ort_", 1);
        assert_eq!(Credential::parse(&relabelled), Err(TokenError::BadChecksum));
    }

    #[test]
    fn keys_and_garbage_are_not_credentials() {
        let key =
            crate::domain::token::Token::generate(crate::domain::environment::Environment::Live, &mut OsRng);
        assert!(Credential::parse(&key.expose()).is_err());
        for text in ["", "kw_oat_", "kw_oat_short_x", &"a".repeat(CREDENTIAL_LEN)] {
            assert_eq!(Credential::parse(text), Err(TokenError::Malformed), "{text:?}");
        }
        let mut bad = Credential::generate(CredentialKind::AccessToken, &mut OsRng).expose();
        bad.replace_range(PREFIX_LEN + ID_LEN..PREFIX_LEN + ID_LEN + 1, "-");
        assert_eq!(Credential::parse(&bad), Err(TokenError::Malformed));
    }

    #[test]
    fn the_hash_depends_on_kind_secret_and_pepper_and_never_equals_a_keys() {
        let pepper = Pepper::generate(&mut OsRng);
        let other_pepper = Pepper::generate(&mut OsRng);
        let access = Credential::generate(CredentialKind::AccessToken, &mut OsRng);
        assert!(access.hash(&pepper).matches(&access.hash(&pepper)));
        assert!(!access.hash(&pepper).matches(&access.hash(&other_pepper)));
        // The same id and secret under another prefix hashes differently.
        let mut refresh = access.clone();
        refresh.kind = CredentialKind::RefreshToken;
        assert!(!access.hash(&pepper).matches(&refresh.hash(&pepper)));
        let again = Credential::with_id(CredentialKind::AccessToken, *access.id(), &mut OsRng);
        assert!(!access.hash(&pepper).matches(&again.hash(&pepper)));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let credential = Credential::generate(CredentialKind::RefreshToken, &mut OsRng);
        let debug = format!("{credential:?}");
        assert!(!debug.contains(&credential.expose()[PREFIX_LEN + ID_LEN + 1..]));
        assert!(debug.contains(credential.id().as_str()));
    }

    #[test]
    fn a_client_id_round_trips_and_owns_only_its_own_secrets() {
        let client = ClientId::generate(&mut OsRng);
        let text = client.to_string();
        assert!(text.starts_with("kw_app_") && text.len() == 7 + ID_LEN, "{text}");
        assert_eq!(ClientId::parse(&text), Some(client));
        for bad in [
            "",
            "kw_app_",
            "kw_app_short",
            "kw_live_abcdefghijkl",
            &format!("{text}x"),
        ] {
            assert_eq!(ClientId::parse(bad), None, "{bad:?}");
        }
        let secret = Credential::with_id(CredentialKind::ClientSecret, *client.id(), &mut OsRng);
        assert!(client.owns(&secret));
        let other = Credential::generate(CredentialKind::ClientSecret, &mut OsRng);
        assert!(!client.owns(&other));
        let token = Credential::with_id(CredentialKind::AccessToken, *client.id(), &mut OsRng);
        assert!(!client.owns(&token), "a token with the same id is not a secret");
    }

    proptest! {
        #[test]
        fn any_string_parses_to_itself_or_is_refused(text in ".{0,80}") {
            if let Ok(credential) = Credential::parse(&text) {
                prop_assert_eq!(credential.expose(), text);
            }
        }

        #[test]
        fn single_edits_to_real_credentials_are_caught(
            position in PREFIX_LEN..CREDENTIAL_LEN,
            replacement in "[0-9A-Za-z_]",
        ) {
            let text = Credential::generate(CredentialKind::AccessToken, &mut OsRng).expose();
            let mut edited = text.clone();
            edited.replace_range(position..position + 1, &replacement);
            prop_assume!(edited != text);
            prop_assert!(Credential::parse(&edited).is_err());
        }
    }
}
