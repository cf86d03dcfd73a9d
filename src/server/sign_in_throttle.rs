//! Throttling of failed sign-ins, per account (the email as typed, known or
//! not, so the answer tells nothing about which accounts exist) and per
//! client address (OWASP's Authentication Cheat Sheet: protect against
//! automated attacks). Failures are counted with governor's GCRA; a key
//! that runs out is refused, without hashing anything, until its next
//! attempt is due. Successful sign-ins cost nothing. Per instance.
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Failures an account may have in a row: the last of them blocks it for
/// about [`ACCOUNT_PERIOD`] (no password is checked meanwhile); afterwards
/// one attempt a period.
pub const ACCOUNT_FAILURES: u32 = 5;
pub const ACCOUNT_PERIOD: Duration = Duration::from_secs(60);
/// Failures one address may have, across accounts (the last blocks it), and
/// its pace after.
pub const ADDRESS_FAILURES: u32 = 20;
pub const ADDRESS_PERIOD: Duration = Duration::from_secs(15);

pub struct SignInThrottle {
    accounts: DefaultKeyedRateLimiter<String>,
    addresses: DefaultKeyedRateLimiter<IpAddr>,
    /// Until when an account or address is refused outright.
    blocked: moka::sync::Cache<Blocked, Instant>,
    clock: DefaultClock,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Blocked {
    Account(String),
    Address(IpAddr),
}

impl std::fmt::Debug for SignInThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInThrottle")
            .field("blocked", &self.blocked.entry_count())
            .finish()
    }
}

impl Default for SignInThrottle {
    fn default() -> Self {
        // A burst one short of the allowance: the failure that uses it up
        // is the one the limiter refuses, and that blocks.
        let quota = |failures: u32, period: Duration| {
            Quota::with_period(period)
                .expect("a period is not zero")
                .allow_burst(NonZeroU32::new(failures - 1).expect("at least two failures"))
        };
        Self {
            accounts: RateLimiter::keyed(quota(ACCOUNT_FAILURES, ACCOUNT_PERIOD)),
            addresses: RateLimiter::keyed(quota(ADDRESS_FAILURES, ADDRESS_PERIOD)),
            blocked: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ACCOUNT_PERIOD.max(ADDRESS_PERIOD) * 2)
                .build(),
            clock: DefaultClock::default(),
        }
    }
}

/// The account key: the email as typed, trimmed and lower-cased.
fn account(email: &str) -> String {
    email.trim().to_lowercase().chars().take(254).collect()
}

fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

impl SignInThrottle {
    /// Seconds to wait before `email` may be tried from `ip` again, or
    /// `None` when an attempt may go ahead.
    pub fn wait(&self, email: &str, ip: Option<IpAddr>) -> Option<u64> {
        let now = Instant::now();
        let mut keys = vec![Blocked::Account(account(email))];
        keys.extend(ip.map(Blocked::Address));
        keys.into_iter()
            .filter_map(|key| self.blocked.get(&key))
            .filter(|until| *until > now)
            .map(|until| ceil_secs(until - now).max(1))
            .max()
    }

    /// Counts a failed attempt; `Some(seconds)` when it used up the
    /// account's or the address's allowance (and blocks them that long).
    pub fn failed(&self, email: &str, ip: Option<IpAddr>) -> Option<u64> {
        let account = account(email);
        let mut waits = Vec::new();
        if let Err(not_until) = self.accounts.check_key(&account) {
            waits.push((
                Blocked::Account(account),
                not_until.wait_time_from(self.clock.now()),
            ));
        }
        if let Some(ip) = ip {
            if let Err(not_until) = self.addresses.check_key(&ip) {
                waits.push((Blocked::Address(ip), not_until.wait_time_from(self.clock.now())));
            }
        }
        let now = Instant::now();
        waits
            .into_iter()
            .map(|(key, wait)| {
                self.blocked.insert(key, now + wait);
                ceil_secs(wait).max(1)
            })
            .max()
    }

    /// Forgets limiter state of keys idle long enough to be full again.
    pub fn prune(&self) {
        self.accounts.retain_recent();
        self.addresses.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_in_a_row_blocks_an_account_for_about_a_minute() {
        let throttle = SignInThrottle::default();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for n in 1..ACCOUNT_FAILURES {
            assert_eq!(throttle.wait("Ana@acme.test", Some(ip)), None, "attempt {n}");
            assert_eq!(throttle.failed("ana@acme.test ", Some(ip)), None, "failure {n}");
        }
        assert_eq!(
            throttle.wait("ana@acme.test", Some(ip)),
            None,
            "the fifth attempt may go ahead"
        );
        let wait = throttle
            .failed("ana@acme.test", Some(ip))
            .expect("the fifth failure blocks");
        assert!((50..=60).contains(&wait), "{wait}");
        let blocked = throttle
            .wait("ANA@acme.test", Some(ip))
            .expect("blocked, whatever the case");
        assert!((50..=60).contains(&blocked), "{blocked}");
        // Another account from another address is not affected.
        assert_eq!(
            throttle.wait("bo@acme.test", Some("198.51.100.1".parse().unwrap())),
            None
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_throttled_too() {
        let throttle = SignInThrottle::default();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for n in 1..ADDRESS_FAILURES {
            assert_eq!(throttle.failed(&format!("user{n}@acme.test"), Some(ip)), None);
        }
        assert!(
            throttle.failed("another@acme.test", Some(ip)).is_some(),
            "the 20th failure blocks"
        );
        assert!(
            throttle.wait("fresh@acme.test", Some(ip)).is_some(),
            "the address waits"
        );
        assert_eq!(
            throttle.wait("fresh@acme.test", Some("198.51.100.1".parse().unwrap())),
            None
        );
    }
}
