//! The demo keys' traffic: when their clients sent requests, counted and
//! written as the `/v1` usage recorder does.
use std::net::IpAddr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use rand::seq::SliceRandom;
use rand::Rng;
use sea_orm::DatabaseConnection;

use super::keys::Issued;
use crate::server::usage::UsageRecorder;

/// When the demo keys' clients send requests (UTC): a working day, with margins.
const BUSY_FROM_HOUR: i64 = 6;
const BUSY_HOURS: i64 = 16;

/// Counts every key's requests through the recorder `/v1` counts with, then
/// writes them as the server's flusher does. Returns the requests written.
pub(super) async fn record_usage(
    db: &DatabaseConnection,
    keys: &[Issued],
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> anyhow::Result<u64> {
    let usage = UsageRecorder::default();
    for key in keys {
        let Some((from, until)) = key.in_use(now) else {
            continue;
        };
        let ips = key
            .spec
            .ips
            .iter()
            .map(|ip| ip.parse())
            .collect::<Result<Vec<IpAddr>, _>>()?;
        for at in request_times(key.spec.weekday_requests, from, until, rng) {
            usage.record(&key.id, at, ips.choose(rng).copied());
        }
    }
    Ok(usage.flush(db).await?)
}

/// When a client sent its requests between `from` and `until`: each day in
/// working hours, a third as many at weekends, give or take a quarter.
fn request_times(
    weekday_requests: u32,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Vec<DateTime<Utc>> {
    let busy = TimeDelta::hours(BUSY_HOURS);
    let mut times = Vec::new();
    for day in from
        .date_naive()
        .iter_days()
        .take_while(|d| *d <= until.date_naive())
    {
        let opens = day.and_time(NaiveTime::MIN).and_utc() + TimeDelta::hours(BUSY_FROM_HOUR);
        let (start, end) = (opens.max(from), (opens + busy).min(until));
        if start >= end {
            continue;
        }
        // A day cut short (the key's first or last) gets its share of the day's requests.
        let share = (end - start).num_seconds() as f64 / busy.num_seconds() as f64;
        let count = (requests_on(day, weekday_requests, rng) * share).round() as u32;
        times.extend((0..count).map(|_| moment_between(start, end, rng)));
    }
    times
}

fn requests_on(day: NaiveDate, weekday_requests: u32, rng: &mut impl Rng) -> f64 {
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let usual = f64::from(weekday_requests) / if weekend { 3.0 } else { 1.0 };
    usual * rng.gen_range(0.75..1.25)
}

/// A moment in `[from, until)`, to the second.
pub(super) fn moment_between(from: DateTime<Utc>, until: DateTime<Utc>, rng: &mut impl Rng) -> DateTime<Utc> {
    let span = (until - from).num_seconds().max(1);
    from + TimeDelta::seconds(rng.gen_range(0..span))
}
