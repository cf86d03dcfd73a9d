//! How long a new key stays valid, and when that ends.
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// The choices of the Validity period field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validity {
    OneWeek,
    OneMonth,
    ThreeMonths,
    OneYear,
    Never,
    /// Valid through this day (UTC): it expires when the next day begins.
    Custom(NaiveDate),
}

/// The preset choices, in the order the interface offers them.
pub const PRESETS: [(&str, &str); 5] = [
    ("1w", "1 week"),
    ("1m", "1 month"),
    ("3m", "3 months"),
    ("1y", "1 year"),
    ("never", "Never expires"),
];

/// The farthest a custom date may lie ahead.
pub const MAX_CUSTOM_YEARS: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidityError {
    #[error("Choose a validity period")]
    Unknown,
    #[error("Enter a date")]
    MissingDate,
    #[error("Enter a date like 2027-01-31")]
    BadDate,
    #[error("Choose a date after today")]
    NotInFuture,
    #[error("Choose a date at most {MAX_CUSTOM_YEARS} years ahead")]
    TooFar,
}

impl Validity {
    /// From the form's choice (`1w`, `1m`, `3m`, `1y`, `never`, `custom`)
    /// and, for `custom`, its date (`YYYY-MM-DD`), checked against `now`;
    /// the browser checks with it as the person picks, without chrono's
    /// parsers in the wasm.
    pub fn parse(choice: &str, custom_date: &str, now: DateTime<Utc>) -> Result<Self, ValidityError> {
        let validity = match choice.trim() {
            "1w" => Validity::OneWeek,
            "1m" => Validity::OneMonth,
            "3m" => Validity::ThreeMonths,
            "1y" => Validity::OneYear,
            "never" => Validity::Never,
            "custom" => {
                let text = custom_date.trim();
                if text.is_empty() {
                    return Err(ValidityError::MissingDate);
                }
                Validity::Custom(calendar_date(text).ok_or(ValidityError::BadDate)?)
            }
            _ => return Err(ValidityError::Unknown),
        };
        validity.expires_at(now).map(|_| validity)
    }

    /// When a key created at `now` stops working; `None` for never.
    pub fn expires_at(self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, ValidityError> {
        let at = match self {
            Validity::OneWeek => now.checked_add_days(Days::new(7)),
            Validity::OneMonth => now.checked_add_months(Months::new(1)),
            Validity::ThreeMonths => now.checked_add_months(Months::new(3)),
            Validity::OneYear => now.checked_add_months(Months::new(12)),
            Validity::Never => return Ok(None),
            Validity::Custom(date) => {
                let today = now.date_naive();
                if date <= today {
                    return Err(ValidityError::NotInFuture);
                }
                let limit = today
                    .checked_add_months(Months::new(12 * MAX_CUSTOM_YEARS))
                    .ok_or(ValidityError::TooFar)?;
                if date > limit {
                    return Err(ValidityError::TooFar);
                }
                date.succ_opt()
                    .map(|next| next.and_time(NaiveTime::MIN).and_utc())
            }
        };
        at.map(Some).ok_or(ValidityError::TooFar)
    }

    /// The form's spelling of this choice.
    pub fn choice(self) -> &'static str {
        match self {
            Validity::OneWeek => "1w",
            Validity::OneMonth => "1m",
            Validity::ThreeMonths => "3m",
            Validity::OneYear => "1y",
            Validity::Never => "never",
            Validity::Custom(_) => "custom",
        }
    }
}

/// The largest date the custom date picker offers, as `YYYY-MM-DD`.
pub fn max_custom_date(now: DateTime<Utc>) -> String {
    let today = now.date_naive();
    let limit = today
        .checked_add_months(Months::new(12 * MAX_CUSTOM_YEARS))
        .unwrap_or(today);
    format!("{:04}-{:02}-{:02}", limit.year(), limit.month(), limit.day())
}

/// The first date the custom date picker offers (tomorrow), as `YYYY-MM-DD`.
pub fn min_custom_date(now: DateTime<Utc>) -> String {
    let tomorrow = now.date_naive().succ_opt().unwrap_or(now.date_naive());
    tomorrow.format("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD` (what a date input sends) as a date: a four-digit year,
/// a one- or two-digit month and day; `None` for anything else or a day the
/// calendar lacks (`2027-02-30`).
pub fn calendar_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())?
    };
    if parts.next().is_some() {
        return None;
    }
    let year = i32::try_from(digits(year, 4..=4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(month, 1..=2)?, digits(day, 1..=2)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 30, 0).unwrap()
    }

    #[test]
    fn calendar_dates_read_as_a_date_input_writes_them() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(calendar_date("2027-02-28"), date(2027, 2, 28));
        assert_eq!(calendar_date("2027-2-8"), date(2027, 2, 8));
        assert_eq!(calendar_date("2028-02-29"), date(2028, 2, 29));
        for bad in [
            "",
            "2027-02-30",
            "2027-13-01",
            "27-02-01",
            "2027-02",
            "2027-02-01-01",
            "2027-+2-01",
            "2027-02-1x",
            "２０２７-02-01",
            "2027-002-01",
            " 2027-02-01",
        ] {
            assert_eq!(calendar_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn presets_add_calendar_time() {
        let now = at(2026, 1, 31, 10);
        let expiry = |v: Validity| v.expires_at(now).unwrap().unwrap();
        assert_eq!(expiry(Validity::OneWeek), at(2026, 2, 7, 10));
        // A month after 31 January is the last day of February.
        assert_eq!(expiry(Validity::OneMonth), at(2026, 2, 28, 10));
        assert_eq!(expiry(Validity::ThreeMonths), at(2026, 4, 30, 10));
        assert_eq!(expiry(Validity::OneYear), at(2027, 1, 31, 10));
        assert_eq!(Validity::Never.expires_at(now), Ok(None));
    }

    #[test]
    fn a_leap_day_year_later_is_the_last_of_february() {
        let now = at(2028, 2, 29, 8);
        assert_eq!(
            Validity::OneYear.expires_at(now).unwrap(),
            Some(at(2029, 2, 28, 8))
        );
    }

    #[test]
    fn months_end_on_the_same_day_or_the_last_day_of_a_shorter_month() {
        let expiry = |v: Validity, now| v.expires_at(now).unwrap().unwrap();
        // Nov 30 + 3 months: there is no Feb 30, so Feb 28 (never March 2).
        assert_eq!(
            expiry(Validity::ThreeMonths, at(2026, 11, 30, 17)),
            at(2027, 2, 28, 17)
        );
        // ... and Feb 29 in a leap year.
        assert_eq!(
            expiry(Validity::ThreeMonths, at(2027, 11, 30, 17)),
            at(2028, 2, 29, 17)
        );
        assert_eq!(expiry(Validity::OneMonth, at(2026, 1, 31, 0)), at(2026, 2, 28, 0));
        assert_eq!(expiry(Validity::OneMonth, at(2028, 1, 31, 0)), at(2028, 2, 29, 0));
        assert_eq!(
            expiry(Validity::OneMonth, at(2026, 3, 31, 23)),
            at(2026, 4, 30, 23)
        );
        assert_eq!(
            expiry(Validity::OneMonth, at(2026, 12, 31, 23)),
            at(2027, 1, 31, 23)
        );
        assert_eq!(expiry(Validity::OneYear, at(2028, 2, 29, 0)), at(2029, 2, 28, 0));
        assert_eq!(
            expiry(Validity::OneWeek, at(2026, 12, 28, 23)),
            at(2027, 1, 4, 23)
        );
    }

    #[test]
    fn every_day_of_a_leap_year_adds_months_within_the_target_month() {
        let mut day = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
        while day.year() == 2028 {
            let now = day.and_hms_opt(23, 59, 0).unwrap().and_utc();
            for (validity, months) in [
                (Validity::OneMonth, 1),
                (Validity::ThreeMonths, 3),
                (Validity::OneYear, 12),
            ] {
                let end = validity.expires_at(now).unwrap().unwrap();
                let target = day
                    .with_day(1)
                    .unwrap()
                    .checked_add_months(Months::new(months))
                    .unwrap();
                assert_eq!(
                    (end.year(), end.month()),
                    (target.year(), target.month()),
                    "{day} + {months}"
                );
                let last = target
                    .checked_add_months(Months::new(1))
                    .unwrap()
                    .pred_opt()
                    .unwrap()
                    .day();
                assert_eq!(end.day(), day.day().min(last), "{day} + {months}");
                assert_eq!(end.time(), now.time());
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn a_custom_date_is_valid_through_that_day() {
        let now = at(2026, 11, 23, 12);
        let validity = Validity::parse("custom", "2026-12-01", now).unwrap();
        assert_eq!(
            validity.expires_at(now).unwrap(),
            Some(Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap())
        );
        assert_eq!(validity.choice(), "custom");
    }

    #[test]
    fn a_custom_date_must_be_ahead_but_not_too_far() {
        let now = at(2026, 11, 23, 12);
        let parse = |d: &str| Validity::parse("custom", d, now);
        assert_eq!(parse("2026-11-23"), Err(ValidityError::NotInFuture));
        assert_eq!(parse("2020-01-01"), Err(ValidityError::NotInFuture));
        assert!(parse("2026-11-24").is_ok());
        assert!(parse("2031-11-23").is_ok());
        assert_eq!(parse("2031-11-24"), Err(ValidityError::TooFar));
        assert_eq!(parse("9999-12-31"), Err(ValidityError::TooFar));
        assert_eq!(parse(""), Err(ValidityError::MissingDate));
        assert_eq!(parse("23/11/2027"), Err(ValidityError::BadDate));
        assert_eq!(parse("2027-02-30"), Err(ValidityError::BadDate));
        assert_eq!(max_custom_date(now), "2031-11-23");
        assert_eq!(min_custom_date(now), "2026-11-24");
    }

    #[test]
    fn choices_round_trip() {
        let now = at(2026, 11, 23, 12);
        for (choice, label) in PRESETS {
            let validity = Validity::parse(choice, "", now).unwrap();
            assert_eq!(validity.choice(), choice, "{label}");
        }
        assert_eq!(Validity::parse("2w", "", now), Err(ValidityError::Unknown));
    }
}
