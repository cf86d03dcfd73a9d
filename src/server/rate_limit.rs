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
        headers.insert(LIMIT.clone(), HeaderValue::from(quota));
        headers.insert(REMAINING.clone(), HeaderValue::from(remaining.min(quota)));
        headers.insert(RESET.clone(), HeaderValue::from(reset));
        // `{quota};w={seconds}`, written on the stack: at most 10 + 3 + 10 bytes.
        let mut policy = [0u8; 24];
        let written = {
            let mut cursor = std::io::Cursor::new(&mut policy[..]);
            std::io::Write::write_fmt(&mut cursor, format_args!("{quota};w={BURST_SECONDS}"))
                .expect("two u32 and four bytes fit");
            cursor.position() as usize
        };
        headers.insert(
            POLICY.clone(),
            HeaderValue::from_bytes(&policy[..written]).expect("digits are a header value"),
        );
    }
}

struct Bucket {
    per_second: u32,
    limiter: Limiter,
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
    pub fn check(&self, key_id: &str, per_second: u32) -> Decision {
        let Some(rate) = NonZeroU32::new(per_second) else {
            return Decision::Unlimited;
        };
        let burst = rate.saturating_mul(NonZeroU32::new(BURST_SECONDS).expect("not zero"));
        let bucket = match self.buckets.get(key_id) {
            Some(bucket) if bucket.per_second == per_second => bucket,
            _ => {
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
        };
        // Time for the bucket to refill completely from `remaining`.
        let refill = |remaining: u32| {
            let missing = burst.get().saturating_sub(remaining);
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
