//! The one-time first-run setup token: printed by `keyward serve` while the
//! database has no user, dead once the first super manager exists.
use std::sync::Mutex;

use rand::distributions::Alphanumeric;
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Default)]
pub struct SetupToken {
    /// SHA-256 of the live token; `None` when no setup is possible.
    digest: Mutex<Option<[u8; 32]>>,
}

impl std::fmt::Debug for SetupToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SetupToken([redacted])")
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl SetupToken {
    /// Issues a fresh token (replacing any earlier one) and returns it.
    pub fn issue(&self) -> String {
        let token: String = rand::rngs::OsRng
            .sample_iter(&Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        *self.lock() = Some(digest(&token));
        token
    }

    pub fn matches(&self, candidate: &str) -> bool {
        match *self.lock() {
            Some(live) => bool::from(live.ct_eq(&digest(candidate))),
            None => false,
        }
    }

    /// Spends the token: it matches nothing afterwards.
    pub fn revoke(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<[u8; 32]>> {
        self.digest
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_matches_until_revoked() {
        let setup = SetupToken::default();
        assert!(!setup.matches(""));
        let token = setup.issue();
        assert_eq!(token.len(), 32);
        assert!(setup.matches(&token));
        assert!(!setup.matches("wrong"));
        setup.revoke();
        assert!(!setup.matches(&token));
    }

    #[test]
    fn a_new_token_replaces_the_old_one() {
        let setup = SetupToken::default();
        let first = setup.issue();
        let second = setup.issue();
        assert!(!setup.matches(&first));
        assert!(setup.matches(&second));
    }
}
