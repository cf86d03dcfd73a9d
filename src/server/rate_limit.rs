//! Per-key rate limits (GCRA, from governor): N requests a second with
//! bursts of 2N, per instance. The answer carries the `RateLimit-*` headers
//! of the IETF draft (draft-ietf-httpapi-ratelimit-headers) describing one
//! policy: a quota of 2N requests per 2-second window, refilled continuously
//! (N a second). So `RateLimit-Limit` is 2N, `RateLimit-Remaining` (≤ the
//! limit) what may be sent at once now, `RateLimit-Reset` the seconds until
//! the whole quota is back, and `RateLimit-Policy: 2N;w=2`. 429 adds
//! `Retry-After`.
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::server::key_cache::KeyRecord;

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// The burst, in seconds of the sustained rate: a key limited to N a second
/// may send 2N at once.
pub const BURST_SECONDS: u32 = 2;

/// What the limiter decided for one request (`limit`: requests a second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Unlimited,
    Allowed {
        limit: u32,
        remaining: u32,
        reset_secs: u64,
    },
    Refused {
        limit: u32,
        retry_after_secs: u64,
        reset_secs: u64,
    },
}

impl Decision {
    pub fn is_refused(self) -> bool {
        matches!(self, Decision::Refused { .. })
    }

    /// `RateLimit-Limit` (the quota: 2 × the rate), `RateLimit-Remaining`
    /// (never above the limit), `RateLimit-Reset` (seconds) and
    /// `RateLimit-Policy` (`quota;w=window seconds`).
    pub fn write_headers(self, headers: &mut HeaderMap) {
        let (limit, remaining, reset) = match self {
            Decision::Unlimited => return,
            Decision::Allowed {
                limit,
                remaining,
                reset_secs,
            } => (limit, remaining, reset_secs),
            Decision::Refused {
                limit, reset_secs, ..
            } => (limit, 0, reset_secs),
        };
        static LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
        static REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
        static RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
        static POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
        let quota = limit.saturating_mul(BURST_SECONDS);
        let (limit, policy) = quota_values(quota);
        headers.insert(LIMIT.clone(), limit);
        headers.insert(REMAINING.clone(), number(u64::from(remaining.min(quota))));
        headers.insert(RESET.clone(), number(reset));
        headers.insert(POLICY.clone(), policy);
    }
}

/// Header values of the numbers below 1,000, made once: the remaining
/// requests of a modest limit and every reset are served without
/// allocating.
static SMALL_NUMBERS: std::sync::LazyLock<Vec<HeaderValue>> = std::sync::LazyLock::new(|| {
    (0..1000u32)
        .map(|n| HeaderValue::from_static(Box::leak(n.to_string().into_boxed_str())))
        .collect()
});

/// `n` as a header value.
fn number(n: u64) -> HeaderValue {
    match SMALL_NUMBERS.get(n as usize) {
        Some(value) => value.clone(),
        None => {
            // Written on the stack, then copied once (`From<u64>` allocates twice).
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            let mut rest = n;
            loop {
                at -= 1;
                digits[at] = b'0' + (rest % 10) as u8;
                rest /= 10;
                if rest == 0 {
                    break;
                }
            }
            HeaderValue::from_bytes(&digits[at..]).expect("digits are a header value")
        }
    }
}

/// `RateLimit-Limit` and `RateLimit-Policy` for `quota`. Both depend on the
/// quota only, so each thread keeps the last pair it made: a key's requests
/// share them instead of writing them again.
fn quota_values(quota: u32) -> (HeaderValue, HeaderValue) {
    use std::cell::RefCell;
    thread_local! {
        static LAST: RefCell<Option<(u32, HeaderValue, HeaderValue)>> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((q, limit, policy)) if *q == quota => (limit.clone(), policy.clone()),
            _ => {
                let limit = number(u64::from(quota));
                let policy = HeaderValue::from_str(&format!("{quota};w={BURST_SECONDS}"))
                    .expect("digits are a header value");
                *last = Some((quota, limit.clone(), policy.clone()));
                (limit, policy)
            }
        }
    })
}

/// One key's bucket at one limit.
pub struct Bucket {
    per_second: u32,
    limiter: Limiter,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("per_second", &self.per_second)
            .finish_non_exhaustive()
    }
}

/// One bucket per key, created on its first request; a key's new limit
/// starts a new bucket. Idle buckets are dropped after ten minutes.
pub struct RateLimits {
    buckets: moka::sync::Cache<String, Arc<Bucket>>,
    clock: DefaultClock,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            buckets: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            clock: DefaultClock::default(),
        }
    }
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("buckets", &self.buckets.entry_count())
            .finish()
    }
}

fn ceil_secs(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

impl RateLimits {
    /// Takes one request from the key's bucket (`per_second` 0: unlimited).
    /// Tests only: requests go through [`check_key`](Self::check_key).
    #[cfg(test)]
    pub fn check(&self, key_id: &str, per_second: u32) -> Decision {
        if per_second == 0 {
            return Decision::Unlimited;
        }
        self.take(&self.bucket(key_id, per_second))
    }

    /// Takes one request from a verified key's bucket: the bucket is kept on the
    /// cached record from its first request on, so later requests skip the
    /// lookup. A record lives a minute at most (and is dropped at once when
    /// the key changes), so a new limit reaches the bucket as fast as any
    /// other change reaches verification; each reload looks the bucket up,
    /// which keeps it from idling out while the key is in use.
    pub fn check_key(&self, key: &KeyRecord) -> Decision {
        if key.rate_limit == 0 {
            return Decision::Unlimited;
        }
        self.take(key.bucket.get_or_init(|| self.bucket(&key.id, key.rate_limit)))
    }

    /// The key's bucket at this limit (not 0), made on first use; a new
    /// limit gets a new, full bucket.
    fn bucket(&self, key_id: &str, per_second: u32) -> Arc<Bucket> {
        match self.buckets.get(key_id) {
            Some(bucket) if bucket.per_second == per_second => bucket,
            _ => {
                let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
                let burst = rate.saturating_mul(NonZeroU32::new(BURST_SECONDS).expect("not zero"));
                let bucket = Arc::new(Bucket {
                    per_second,
                    limiter: RateLimiter::direct_with_clock(
                        Quota::per_second(rate).allow_burst(burst),
                        self.clock.clone(),
                    )
                    .with_middleware::<StateInformationMiddleware>(),
                });
                self.buckets.insert(key_id.to_owned(), bucket.clone());
                bucket
            }
        }
    }

    /// Takes one request from `bucket`.
    fn take(&self, bucket: &Bucket) -> Decision {
        let per_second = bucket.per_second;
        let burst = per_second.saturating_mul(BURST_SECONDS);
        // Time for the bucket to refill completely from `remaining`.
        let refill = |remaining: u32| {
            let missing = burst.saturating_sub(remaining);
            ceil_secs(Duration::from_secs_f64(
                f64::from(missing) / f64::from(per_second),
            ))
        };
        match bucket.limiter.check() {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision::Allowed {
                    limit: per_second,
                    remaining,
                    reset_secs: refill(remaining),
                }
            }
            Err(not_until) => Decision::Refused {
                limit: per_second,
                retry_after_secs: ceil_secs(not_until.wait_time_from(self.clock.now())).max(1),
                reset_secs: refill(0),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_numbers_are_their_decimal_text_whether_kept_or_made() {
        for n in [0u64, 7, 999, 1000, 2_000_000, u64::from(u32::MAX)] {
            assert_eq!(number(n), n.to_string().as_str());
        }
        for quota in [4u32, 4, 10, 2_000_000, 4] {
            let (limit, policy) = quota_values(quota);
            assert_eq!(limit, quota.to_string().as_str());
            assert_eq!(policy, format!("{quota};w=2").as_str());
        }
    }

    #[test]
    fn a_burst_of_twice_the_rate_then_refusal_with_a_wait() {
        let limits = RateLimits::default();
        let mut allowed = 0;
        let mut refused = None;
        for _ in 0..30 {
            match limits.check("abc", 5) {
                Decision::Allowed { .. } => allowed += 1,
                decision @ Decision::Refused { .. } => {
                    refused = Some(decision);
                    break;
                }
                Decision::Unlimited => unreachable!(),
            }
        }
        assert_eq!(allowed, 10, "a burst of 2 × 5");
        assert_eq!(
            refused,
            Some(Decision::Refused {
                limit: 5,
                retry_after_secs: 1,
                reset_secs: 2
            })
        );
        // Another key has its own bucket; a new limit starts a new one.
        assert!(matches!(
            limits.check("xyz", 5),
            Decision::Allowed { remaining: 9, .. }
        ));
        assert!(matches!(
            limits.check("abc", 6),
            Decision::Allowed { remaining: 11, .. }
        ));
        assert_eq!(limits.check("abc", 0), Decision::Unlimited);
    }

    #[test]
    fn remaining_never_exceeds_the_limit_from_the_first_request_to_refusal() {
        let limits = RateLimits::default();
        for rate in [1, 5, 100] {
            let id = format!("key-{rate}");
            loop {
                let decision = limits.check(&id, rate);
                let mut headers = HeaderMap::new();
                decision.write_headers(&mut headers);
                let number = |name: &str| headers[name].to_str().unwrap().parse::<u64>().unwrap();
                assert!(
                    number("ratelimit-remaining") <= number("ratelimit-limit"),
                    "{decision:?}"
                );
                assert_eq!(number("ratelimit-limit"), u64::from(rate) * 2);
                if decision.is_refused() {
                    assert_eq!(number("ratelimit-remaining"), 0);
                    break;
                }
            }
        }
    }

    #[test]
    fn headers() {
        let mut headers = HeaderMap::new();
        Decision::Allowed {
            limit: 100,
            remaining: 199,
            reset_secs: 1,
        }
        .write_headers(&mut headers);
        assert_eq!(
            headers["ratelimit-limit"], "200",
            "the quota of a 2-second window"
        );
        assert_eq!(headers["ratelimit-remaining"], "199");
        assert_eq!(headers["ratelimit-reset"], "1");
        assert_eq!(headers["ratelimit-policy"], "200;w=2");
        let mut none = HeaderMap::new();
        Decision::Unlimited.write_headers(&mut none);
        assert!(none.is_empty());
    }
}
