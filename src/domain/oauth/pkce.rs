//! PKCE, Proof Key for Code Exchange (RFC 7636): the challenge an
//! authorization request carries and the verifier that later redeems its
//! code. Only `S256` is accepted: `plain` offers no protection when the
//! request leaks, and RFC 9700 §2.1.1 and OAuth 2.1 §4.1.1 say not to use it.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// An `S256` code challenge: BASE64URL(SHA256(verifier)) without padding,
/// always 43 characters (RFC 7636 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

/// Why an authorization request's PKCE parameters were refused. Each is an
/// `invalid_request` (RFC 7636 §4.4.1) with this text as its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code_challenge is required (PKCE, RFC 7636)")]
    Missing,
    #[error("code_challenge_method must be S256 (plain is not accepted)")]
    UnsupportedMethod,
    #[error("code_challenge must be 43 characters of base64url (the S256 of the verifier)")]
    MalformedChallenge,
    #[error("code_challenge_method was sent without a code_challenge")]
    MethodWithoutChallenge,
}

impl CodeChallenge {
    /// Reads `code_challenge` and `code_challenge_method` as an
    /// authorization request sends them. `Ok(None)` when neither was sent
    /// (a confidential client that opted out; whether that is allowed is the
    /// caller's rule). A challenge without a method would mean `plain`
    /// (RFC 7636 §4.3) and is refused like `plain` itself.
    pub fn from_request(challenge: Option<&str>, method: Option<&str>) -> Result<Option<Self>, PkceError> {
        match (challenge, method) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(PkceError::MethodWithoutChallenge),
            (Some(challenge), Some("S256")) => Self::parse(challenge).map(Some),
            (Some(_), _) => Err(PkceError::UnsupportedMethod),
        }
    }

    /// A stored challenge (43 base64url characters).
    pub fn parse(challenge: &str) -> Result<Self, PkceError> {
        let well_formed = challenge.len() == 43
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if well_formed {
            Ok(Self(challenge.to_owned()))
        } else {
            Err(PkceError::MalformedChallenge)
        }
    }

    /// The challenge of `verifier` (what a client computes).
    pub fn of_verifier(verifier: &str) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `verifier` is a well-formed code verifier (43–128 characters
    /// of `[A-Za-z0-9-._~]`, RFC 7636 §4.1) whose S256 is this challenge.
    /// Compared in constant time.
    pub fn is_met_by(&self, verifier: &str) -> bool {
        is_well_formed_verifier(verifier)
            && bool::from(Self::of_verifier(verifier).0.as_bytes().ct_eq(self.0.as_bytes()))
    }
}

/// RFC 7636 §4.1: `code-verifier = 43*128unreserved`.
pub fn is_well_formed_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_7636_appendix_b_vector() {
        assert_eq!(CodeChallenge::of_verifier(VERIFIER).as_str(), CHALLENGE);
        let challenge = CodeChallenge::from_request(Some(CHALLENGE), Some("S256"))
            .unwrap()
            .unwrap();
        assert!(challenge.is_met_by(VERIFIER));
    }

    #[test]
    fn a_wrong_or_malformed_verifier_fails() {
        let challenge = CodeChallenge::parse(CHALLENGE).unwrap();
        let mut wrong = VERIFIER.to_owned();
        wrong.replace_range(0..1, "e");
        assert!(!challenge.is_met_by(&wrong));
        assert!(!challenge.is_met_by(""));
        // The challenge itself is not a verifier of itself.
        assert!(!challenge.is_met_by(CHALLENGE));
        // Too short, too long, or outside the unreserved set, even if the
        // hash happened to match.
        for verifier in ["a".repeat(42), "a".repeat(129), format!("{}+", &VERIFIER[..43])] {
            assert!(!is_well_formed_verifier(&verifier), "{verifier}");
            let own = CodeChallenge::of_verifier(&verifier);
            assert!(!own.is_met_by(&verifier), "{verifier}");
        }
        for verifier in ["a".repeat(43), "~".repeat(128)] {
            assert!(CodeChallenge::of_verifier(&verifier).is_met_by(&verifier));
        }
    }

    #[test]
    fn plain_and_a_missing_method_are_refused() {
        assert_eq!(
            CodeChallenge::from_request(Some(VERIFIER), Some("plain")),
            Err(PkceError::UnsupportedMethod)
        );
        assert_eq!(
            CodeChallenge::from_request(Some(CHALLENGE), None),
            Err(PkceError::UnsupportedMethod),
            "no method means plain (RFC 7636 §4.3)"
        );
        assert_eq!(
            CodeChallenge::from_request(Some(CHALLENGE), Some("s256")),
            Err(PkceError::UnsupportedMethod),
            "method names are case-sensitive"
        );
        assert_eq!(
            CodeChallenge::from_request(None, Some("S256")),
            Err(PkceError::MethodWithoutChallenge)
        );
        assert_eq!(CodeChallenge::from_request(None, None), Ok(None));
    }

    #[test]
    fn a_malformed_challenge_is_refused() {
        for challenge in [
            "",
            "short",
            &format!("{CHALLENGE}A"),
            &CHALLENGE.replace('-', "+"),
        ] {
            assert_eq!(
                CodeChallenge::from_request(Some(challenge), Some("S256")),
                Err(PkceError::MalformedChallenge),
                "{challenge}"
            );
        }
    }
}
