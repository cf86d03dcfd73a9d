//! Invitation and password reset links, the pure parts: the token format
//! `kw_inv_{id}_{secret}{crc}` / `kw_pwr_{id}_{secret}{crc}` (prefixed and
//! checksummed like every keyward credential, so a mistyped link is refused
//! before any lookup and secret scanners know it; the database keeps
//! HMAC-SHA256(pepper, prefix ‖ secret) only) and how long each lives
//! (OWASP Forgot Password Cheat Sheet: single use, expiring, stored hashed).
use std::fmt;

use rand::{CryptoRng, RngCore};

use super::token::{
    new_secret, parse_after_prefix, Base62, KeyId, Pepper, SecretHash, TokenError, CRC_LEN, SECRET_LEN,
};

/// What a link is for, named by its prefix and stored in `account_tokens.purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// `kw_inv_…`: an invited person sets their password; 7 days.
    Invitation,
    /// `kw_pwr_…`: a person sets a new password; 24 hours.
    PasswordReset,
}

const PREFIX_LEN: usize = 7;

impl Purpose {
    pub const ALL: [Purpose; 2] = [Purpose::Invitation, Purpose::PasswordReset];

    pub const fn prefix(self) -> &'static str {
        match self {
            Purpose::Invitation => "kw_inv_",
            Purpose::PasswordReset => "kw_pwr_",
        }
    }

    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::PasswordReset => "password_reset",
        }
    }

    /// How long a link lives from when it is issued.
    pub fn lifetime(self) -> chrono::TimeDelta {
        match self {
            Purpose::Invitation => chrono::TimeDelta::days(7),
            Purpose::PasswordReset => chrono::TimeDelta::hours(24),
        }
    }

    /// The page the link opens.
    pub const fn path(self) -> &'static str {
        match self {
            Purpose::Invitation => "/invitation",
            Purpose::PasswordReset => "/reset-password",
        }
    }
}

/// A whole, well-formed, checksum-verified link token. Holds the secret,
/// so its `Debug` prints only the purpose and the id.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountToken {
    purpose: Purpose,
    id: KeyId,
    secret: Base62<{ SECRET_LEN + CRC_LEN }>,
}

impl AccountToken {
    /// A new token with a fresh id from a cryptographically secure generator.
    pub fn generate(purpose: Purpose, rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let id = KeyId::generate(rng);
        Self {
            purpose,
            secret: new_secret(purpose.prefix(), &id, rng),
            id,
        }
    }

    /// Parses a token of `purpose` without I/O: `Err(Malformed)` for
    /// anything else (another purpose's token included), `Err(BadChecksum)`
    /// for a mistyped or altered one.
    pub fn parse(purpose: Purpose, text: &str) -> Result<Self, TokenError> {
        if text.get(..PREFIX_LEN) != Some(purpose.prefix()) {
            return Err(TokenError::Malformed);
        }
        let (id, secret) = parse_after_prefix(text, PREFIX_LEN)?;
        Ok(Self { purpose, id, secret })
    }

    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// HMAC-SHA256(pepper, prefix ‖ secret): what the database keeps.
    pub fn hash(&self, pepper: &Pepper) -> SecretHash {
        pepper.hash_labelled(
            self.purpose.prefix().as_bytes(),
            &self.secret.as_str()[..SECRET_LEN],
        )
    }

    /// The whole token: shown once (in the link), never stored.
    pub fn expose(&self) -> String {
        format!(
            "{}{}_{}",
            self.purpose.prefix(),
            self.id.as_str(),
            self.secret.as_str()
        )
    }

    /// The link to open: `{origin}{path}?token={token}`.
    pub fn link(&self, origin: &str) -> String {
        format!("{origin}{}?token={}", self.purpose.path(), self.expose())
    }
}

impl fmt::Debug for AccountToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AccountToken({}{}_[redacted])",
            self.purpose.prefix(),
            self.id.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_hides_its_secret() {
        for purpose in Purpose::ALL {
            let token = AccountToken::generate(purpose, &mut rand::rngs::OsRng);
            let text = token.expose();
            assert!(text.starts_with(purpose.prefix()));
            assert_eq!(AccountToken::parse(purpose, &text), Ok(token.clone()));
            assert!(!format!("{token:?}").contains(&text[PREFIX_LEN + 13..]));
        }
    }

    #[test]
    fn another_purpose_or_a_typo_is_refused_before_any_lookup() {
        let invitation = AccountToken::generate(Purpose::Invitation, &mut rand::rngs::OsRng).expose();
        assert_eq!(
            AccountToken::parse(Purpose::PasswordReset, &invitation),
            Err(TokenError::Malformed)
        );
        let mut typo = invitation.clone().into_bytes();
        let at = PREFIX_LEN + 14;
        typo[at] = if typo[at] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();
        assert_eq!(
            AccountToken::parse(Purpose::Invitation, &typo),
            Err(TokenError::BadChecksum)
        );
        assert_eq!(
            AccountToken::parse(Purpose::Invitation, ""),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            AccountToken::parse(Purpose::Invitation, "kw_inv_é"),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn links_live_seven_days_and_one_day() {
        assert_eq!(Purpose::Invitation.lifetime(), chrono::TimeDelta::days(7));
        assert_eq!(Purpose::PasswordReset.lifetime(), chrono::TimeDelta::hours(24));
    }
}
