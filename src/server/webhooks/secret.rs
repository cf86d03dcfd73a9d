//! Signing secrets: `whsec_` + base64 of 24 to 64 random bytes (the
//! Standard Webhooks format, so the stock verifier libraries take them as
//! they are), and the box they are kept in: XChaCha20-Poly1305 under a key
//! derived from the pepper with HKDF-SHA256 (RFC 5869), the endpoint's id as
//! associated data, so a sealed secret copied to another row does not open.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::{CryptoRng, RngCore};
use sha2::Sha256;

use crate::domain::token::Pepper;

/// The prefix of a signing secret.
pub const PREFIX: &str = "whsec_";
/// Bytes of secret generated for new endpoints and rotations.
pub const GENERATED_LEN: usize = 32;
/// Bytes a secret given by the caller may have.
pub const LEN_RANGE: std::ops::RangeInclusive<usize> = 24..=64;

/// A signing secret's bytes. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

impl SigningSecret {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = vec![0; GENERATED_LEN];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads `whsec_<base64>` (standard alphabet, padded) of 24 to 64 bytes.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let encoded = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or("a signing secret starts with whsec_")?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| "a signing secret is whsec_ followed by base64")?;
        if !LEN_RANGE.contains(&bytes.len()) {
            return Err("a signing secret holds 24 to 64 bytes");
        }
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// `whsec_<base64>`: shown once at creation and rotation, and on demand.
    pub fn reveal(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

/// Seals and opens signing secrets at rest.
#[derive(Clone)]
pub struct SecretBox(XChaCha20Poly1305);

/// A sealed secret that does not open: another pepper, another row, or a
/// damaged value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a webhook signing secret does not open with this server's pepper")]
pub struct Unopenable;

const NONCE_LEN: usize = 24;
const HKDF_INFO: &[u8] = b"keyward webhook signing secrets v1";

impl SecretBox {
    pub fn new(pepper: &Pepper) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, pepper.as_bytes())
            .expand(HKDF_INFO, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self(XChaCha20Poly1305::new(&key.into()))
    }

    /// nonce ‖ ciphertext ‖ tag, bound to `endpoint_id`.
    pub fn seal(
        &self,
        rng: &mut (impl RngCore + CryptoRng),
        endpoint_id: &str,
        secret: &SigningSecret,
    ) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: endpoint_id.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any secret this size");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, endpoint_id: &str, sealed: &[u8]) -> Result<SigningSecret, Unopenable> {
        if sealed.len() <= NONCE_LEN {
            return Err(Unopenable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.0
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: endpoint_id.as_bytes(),
                },
            )
            .map(SigningSecret)
            .map_err(|_| Unopenable)
    }
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    fn pepper(byte: u8) -> Pepper {
        Pepper::new(vec![byte; 32]).unwrap()
    }

    #[test]
    fn secrets_round_trip_in_the_standard_format() {
        let secret = SigningSecret::generate(&mut OsRng);
        let text = secret.reveal();
        assert!(text.starts_with("whsec_"));
        assert_eq!(SigningSecret::parse(&text), Ok(secret));
        assert!(!format!("{:?}", SigningSecret::parse(&text).unwrap()).contains(&text[6..]));
    }

    #[test]
    fn given_secrets_must_hold_24_to_64_bytes_of_base64() {
        let of = |n: usize| format!("whsec_{}", STANDARD.encode(vec![7u8; n]));
        assert!(SigningSecret::parse(&of(23)).is_err());
        assert!(SigningSecret::parse(&of(24)).is_ok());
        assert!(SigningSecret::parse(&of(64)).is_ok());
        assert!(SigningSecret::parse(&of(65)).is_err());
        assert!(SigningSecret::parse("whsec_not base64!").is_err());
        assert!(SigningSecret::parse(&of(32)[6..]).is_err());
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_endpoint_and_pepper() {
        let secret = SigningSecret::generate(&mut OsRng);
        let sealed = SecretBox::new(&pepper(1)).seal(&mut OsRng, "ep_a", &secret);
        assert!(!sealed
            .windows(secret.as_bytes().len())
            .any(|w| w == secret.as_bytes()));
        assert_eq!(SecretBox::new(&pepper(1)).open("ep_a", &sealed), Ok(secret));
        assert_eq!(SecretBox::new(&pepper(1)).open("ep_b", &sealed), Err(Unopenable));
        assert_eq!(SecretBox::new(&pepper(2)).open("ep_a", &sealed), Err(Unopenable));
        assert_eq!(
            SecretBox::new(&pepper(1)).open("ep_a", &sealed[..10]),
            Err(Unopenable)
        );
    }
}
