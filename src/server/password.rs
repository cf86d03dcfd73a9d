//! Password hashing: argon2id with OWASP parameters (m = 19 MiB, t = 2, p = 1),
//! always off the async runtime, and never more at once than the machine
//! has cores: each takes 19 MiB and a core, so a flood of sign-ins queues
//! (costing nothing while it waits) instead of exhausting memory.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use tokio::sync::Semaphore;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Longest password we will hash; longer input is refused without work.
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A real hash of a throwaway password, verified against when the email is
/// unknown so that both answers cost the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("keyward-dummy-password").expect("hashing a constant works"))
}

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// How many hashes may run at once: the machine's cores.
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(concurrency()))
}

/// The bound on hashes running at once.
pub fn concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The most hashes that ever ran at once in this process.
pub fn peak_running() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Runs `work` (one argon2 computation) on the blocking pool once a permit
/// is free.
async fn with_permit<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let _permit = permits().acquire().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        let out = work();
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        out
    })
    .await?)
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    let hashed = with_permit(move || hash_blocking(&password)).await?;
    hashed.map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
}

/// Verifies `password` against `stored`, or against a dummy hash when there
/// is no stored hash (unknown user): `false` then, after the same work.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    with_permit(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// Warms the dummy hash so the first unknown-email sign-in is not faster.
pub async fn warm_up() {
    let _ = tokio::task::spawn_blocking(dummy_hash).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(stored.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(stored)).await);
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify("keyward-dummy-password".into(), None).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        let attempts = (0..concurrency() * 4)
            .map(|_| tokio::spawn(verify("wrong horse battery".into(), Some(stored.clone()))))
            .collect::<Vec<_>>();
        for attempt in attempts {
            assert!(!attempt.await.unwrap());
        }
        assert!(
            peak_running() <= concurrency(),
            "{} > {}",
            peak_running(),
            concurrency()
        );
    }

    #[tokio::test]
    async fn an_overlong_password_is_refused_without_hashing() {
        let stored = hash("x".repeat(10)).await.unwrap();
        assert!(!verify("x".repeat(MAX_PASSWORD_BYTES + 1), Some(stored)).await);
    }
}
