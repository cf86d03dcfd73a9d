//! When a delivery is tried: at once, then after each failure the next
//! delay of [`DELAYS`] with ±20% jitter (so endpoints that failed together do
//! not all come back together), about three days in all, Stripe's span.
//! A `Retry-After` on 429, 502, 503 or 504 may put the next attempt later
//! than scheduled (clamped to [`RETRY_AFTER_RANGE`]), never earlier: each
//! attempt counts, so a receiver asking for a few seconds again and again
//! would otherwise use up three days' attempts in a minute.
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

/// The delays before the 2nd to 10th attempts: 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h, 24 h (75 h 35 min 5 s in all).
pub const DELAYS: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(24 * 3600),
];

/// Attempts per message and endpoint: the first, and one after each delay.
pub const MAX_ATTEMPTS: u32 = DELAYS.len() as u32 + 1;

/// The share of a delay the jitter may add or take away.
pub const JITTER: f64 = 0.2;

/// A receiver's `Retry-After` is held between these.
pub const RETRY_AFTER_RANGE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(24 * 3600));

/// When attempt number `attempts + 1` is due, after `attempts` failed ones
/// (the last at `now`), or `None` when none is left. `retry_after`, a
/// receiver's answer, replaces the scheduled delay when it is longer (no
/// jitter: it asked for that moment).
pub fn next_attempt(
    attempts: u32,
    now: DateTime<Utc>,
    retry_after: Option<Duration>,
    rng: &mut impl Rng,
) -> Option<DateTime<Utc>> {
    let scheduled = *DELAYS.get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
    let delay = match retry_after {
        Some(asked) if asked.clamp(RETRY_AFTER_RANGE.0, RETRY_AFTER_RANGE.1) > scheduled => {
            asked.min(RETRY_AFTER_RANGE.1)
        }
        _ => scheduled.mul_f64(1.0 + rng.gen_range(-JITTER..=JITTER)),
    };
    Some(now + chrono::Duration::from_std(delay).ok()?)
}

/// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3), as a delay
/// from `now`; a date in the past is no delay.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    #[test]
    fn the_schedule_spans_about_three_days_in_ten_attempts() {
        let total: Duration = DELAYS.iter().sum();
        assert_eq!(total.as_secs(), 75 * 3600 + 35 * 60 + 5);
        assert_eq!(MAX_ATTEMPTS, 10);
    }

    #[test]
    fn each_delay_is_within_twenty_percent() {
        let now = Utc::now();
        for _ in 0..200 {
            for (n, base) in DELAYS.iter().enumerate() {
                let at = next_attempt(n as u32 + 1, now, None, &mut OsRng).unwrap();
                let got = (at - now).to_std().unwrap().as_secs_f64();
                let base = base.as_secs_f64();
                assert!(
                    got >= base * 0.8 - 0.001 && got <= base * 1.2 + 0.001,
                    "{got} vs {base}"
                );
            }
        }
        assert_eq!(next_attempt(MAX_ATTEMPTS, now, None, &mut OsRng), None);
        assert_eq!(next_attempt(0, now, None, &mut OsRng), None);
    }

    #[test]
    fn retry_after_puts_the_next_attempt_later_never_earlier() {
        let now = Utc::now();
        let at = |attempts, secs| {
            next_attempt(attempts, now, Some(Duration::from_secs(secs)), &mut OsRng).unwrap()
        };
        assert_eq!(at(1, 120) - now, chrono::Duration::seconds(120));
        assert_eq!(at(1, 10_000_000) - now, chrono::Duration::hours(24));
        // Shorter than scheduled (5 min ±20% after the 2nd): the schedule.
        for asked in [0, 3, 200] {
            let delay = (at(2, asked) - now).num_seconds();
            assert!((240..=360).contains(&delay), "{asked} s asked: {delay} s");
        }
        // Ten "Retry-After: 3" answers still span the whole schedule.
        let mut when = now;
        for attempts in 1..MAX_ATTEMPTS {
            when = next_attempt(attempts, when, Some(Duration::from_secs(3)), &mut OsRng).unwrap();
        }
        assert!(when - now > chrono::Duration::hours(60), "{}", when - now);
        // Not after the last attempt, whatever the receiver asks.
        assert_eq!(
            next_attempt(MAX_ATTEMPTS, now, Some(Duration::from_secs(5)), &mut OsRng),
            None
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after("Thu, 03 Dec 2026 10:02:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Thu, 03 Dec 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
