//! When a key's lifecycle notices fall due, when an idle key is deleted,
//! and when an agency's weekly sandbox reset is: the calendar arithmetic of
//! the maintenance jobs, with no I/O.
use chrono::{DateTime, Datelike, TimeDelta, Timelike, Utc};

/// Days before an idle key's deletion that its notices go out.
pub const INACTIVITY_NOTICE_DAYS: [u32; 3] = [15, 7, 1];
/// Days before a key's expiry that its notices go out.
pub const EXPIRY_NOTICE_DAYS: [u32; 2] = [7, 1];

/// When a key idle since `last_activity` (its last use, or its creation
/// when never used) is deleted, for an agency whose window is `window_days`.
pub fn inactivity_deadline(last_activity: DateTime<Utc>, window_days: u32) -> DateTime<Utc> {
    last_activity + TimeDelta::days(i64::from(window_days))
}

/// The notice due at `now` for something that happens at `deadline`: the
/// nearest of `days` (largest first) whose moment has come, or `None`
/// before the first or once the deadline has passed. A job that ran late
/// sends only the nearest notice, never a burst of stale ones.
pub fn due_notice(now: DateTime<Utc>, deadline: DateTime<Utc>, days: &[u32]) -> Option<u32> {
    if now >= deadline {
        return None;
    }
    days.iter()
        .copied()
        .filter(|d| now >= deadline - TimeDelta::days(i64::from(*d)))
        .min()
}

/// The most recent weekly slot at or before `now`: weekday `day`
/// (0 = Sunday … 6 = Saturday) at `hour`:00 UTC. `None` for a day or hour
/// out of range.
pub fn weekly_slot(now: DateTime<Utc>, day: i16, hour: i16) -> Option<DateTime<Utc>> {
    if !(0..=6).contains(&day) || !(0..=23).contains(&hour) {
        return None;
    }
    let today = i64::from(now.weekday().num_days_from_sunday());
    let back = (today - i64::from(day)).rem_euclid(7);
    let date = now.date_naive() - TimeDelta::days(back);
    let slot = date.and_hms_opt(u32::try_from(hour).ok()?, 0, 0)?.and_utc();
    Some(if slot > now {
        slot - TimeDelta::days(7)
    } else {
        slot
    })
}

/// The names of the weekdays, Sunday first (the index is the stored day).
pub const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// "Sunday at 03:00 UTC", or "Off".
pub fn describe_weekly(day: Option<i16>, hour: i16) -> String {
    match day.and_then(|d| WEEKDAYS.get(usize::try_from(d).ok()?)) {
        Some(name) => format!("{name} at {hour:02}:00 UTC"),
        None => "Off".to_owned(),
    }
}

/// Whole days from `now` until `deadline`, rounded up ("in 1 day" for 3 hours).
pub fn days_until(now: DateTime<Utc>, deadline: DateTime<Utc>) -> i64 {
    let secs = (deadline - now).num_seconds();
    if secs <= 0 {
        0
    } else {
        (secs + 86_399) / 86_400
    }
}

/// `at` as the notices print it: "Monday 23 November 2026, 14:05 UTC".
pub fn format_moment(at: DateTime<Utc>) -> String {
    format!(
        "{} {} {} {}, {:02}:{:02} UTC",
        WEEKDAYS[at.weekday().num_days_from_sunday() as usize],
        at.day(),
        MONTHS[at.month0() as usize],
        at.year(),
        at.hour(),
        at.minute()
    )
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn each_notice_falls_due_on_its_day_and_none_after_the_deadline() {
        let deadline = at("2027-02-21T10:00:00Z");
        let day = TimeDelta::days(1);
        let cases = [
            (deadline - day * 16, None),
            (deadline - day * 15 - TimeDelta::seconds(1), None),
            (deadline - day * 15, Some(15)),
            (deadline - day * 8, Some(15)),
            (deadline - day * 7, Some(7)),
            (deadline - day * 2, Some(7)),
            (deadline - day, Some(1)),
            (deadline - TimeDelta::seconds(1), Some(1)),
            (deadline, None),
            (deadline + day, None),
        ];
        for (now, due) in cases {
            assert_eq!(due_notice(now, deadline, &INACTIVITY_NOTICE_DAYS), due, "{now}");
        }
        assert_eq!(
            due_notice(deadline - day * 3, deadline, &EXPIRY_NOTICE_DAYS),
            Some(7)
        );
        assert_eq!(
            due_notice(deadline - day * 8, deadline, &EXPIRY_NOTICE_DAYS),
            None
        );
    }

    #[test]
    fn the_deadline_is_the_window_after_the_last_activity() {
        assert_eq!(
            inactivity_deadline(at("2026-11-23T12:00:00Z"), 90),
            at("2027-02-21T12:00:00Z")
        );
    }

    #[test]
    fn weekly_slots_are_the_latest_at_or_before_now() {
        // 2026-11-23 is a Monday.
        let monday = at("2026-11-23T16:00:00Z");
        assert_eq!(weekly_slot(monday, 0, 3), Some(at("2026-11-22T03:00:00Z")));
        assert_eq!(weekly_slot(monday, 1, 3), Some(at("2026-11-23T03:00:00Z")));
        assert_eq!(weekly_slot(monday, 1, 16), Some(at("2026-11-23T16:00:00Z")));
        assert_eq!(weekly_slot(monday, 1, 17), Some(at("2026-11-16T17:00:00Z")));
        assert_eq!(weekly_slot(monday, 2, 0), Some(at("2026-11-17T00:00:00Z")));
        assert_eq!(weekly_slot(monday, 6, 23), Some(at("2026-11-21T23:00:00Z")));
        assert_eq!(weekly_slot(monday, 7, 3), None);
        assert_eq!(weekly_slot(monday, 1, 24), None);
        assert_eq!(weekly_slot(monday, -1, 3), None);
    }

    #[test]
    fn descriptions_and_days_read_as_people_count() {
        assert_eq!(describe_weekly(Some(0), 3), "Sunday at 03:00 UTC");
        assert_eq!(describe_weekly(None, 3), "Off");
        assert_eq!(describe_weekly(Some(9), 3), "Off");
        let now = at("2026-11-23T16:00:00Z");
        assert_eq!(days_until(now, now + TimeDelta::hours(3)), 1);
        assert_eq!(days_until(now, now + TimeDelta::days(7)), 7);
        assert_eq!(days_until(now, now - TimeDelta::days(1)), 0);
        assert_eq!(format_moment(now), "Monday 23 November 2026, 16:00 UTC");
    }

    proptest! {
        #[test]
        fn a_slot_is_on_its_weekday_and_hour_within_the_past_week(
            secs in 0i64..4_000_000_000, day in 0i16..7, hour in 0i16..24
        ) {
            let now = DateTime::from_timestamp(secs, 0).unwrap();
            let slot = weekly_slot(now, day, hour).unwrap();
            prop_assert!(slot <= now);
            prop_assert!(now - slot < TimeDelta::days(7));
            prop_assert_eq!(slot.weekday().num_days_from_sunday() as i16, day);
            prop_assert_eq!(slot.hour() as i16, hour);
            prop_assert_eq!((slot.minute(), slot.second()), (0, 0));
        }

        #[test]
        fn at_most_one_notice_is_due_and_it_is_the_nearest(
            before in 0i64..(20 * 86_400), extra in 0i64..86_400
        ) {
            let deadline = at("2027-01-01T00:00:00Z");
            let now = deadline - TimeDelta::seconds(before) + TimeDelta::seconds(extra.min(before));
            match due_notice(now, deadline, &INACTIVITY_NOTICE_DAYS) {
                None => prop_assert!(now >= deadline || deadline - now > TimeDelta::days(15)),
                Some(d) => {
                    prop_assert!(deadline - now <= TimeDelta::days(i64::from(d)));
                    let nearer = INACTIVITY_NOTICE_DAYS.iter().filter(|n| **n < d);
                    for n in nearer {
                        prop_assert!(deadline - now > TimeDelta::days(i64::from(*n)));
                    }
                }
            }
        }
    }
}
