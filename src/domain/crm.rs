//! Rules for what keys write: lead and property fields, their statuses,
//! and the opaque cursors of `/v1` lists.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::fields::{parse_line, Email, FieldError};

/// Where a lead is in the sales process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
// Stored as its spelling; an unknown one fails the row's load (a 500).
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum LeadStatus {
    #[default]
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "new"))]
    New,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "contacted"))]
    Contacted,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "qualified"))]
    Qualified,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "won"))]
    Won,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "lost"))]
    Lost,
}

/// Where a listing is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
// Stored as its spelling; an unknown one fails the row's load (a 500).
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum PropertyStatus {
    #[default]
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "active"))]
    Active,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "under_offer"))]
    UnderOffer,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "sold"))]
    Sold,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "withdrawn"))]
    Withdrawn,
}

macro_rules! spelled {
    ($type:ident { $($variant:ident => $text:literal, $label:literal;)+ }) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$($type::$variant),+];

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($type::$variant => $text),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($type::$variant => $label),+ }
            }
        }

        impl FromStr for $type {
            type Err = UnknownStatus;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($type::$variant),)+
                    _ => Err(UnknownStatus(
                        [$($text),+].join(", "),
                    )),
                }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled!(LeadStatus {
    New => "new", "New";
    Contacted => "contacted", "Contacted";
    Qualified => "qualified", "Qualified";
    Won => "won", "Won";
    Lost => "lost", "Lost";
});

spelled!(PropertyStatus {
    Active => "active", "Active";
    UnderOffer => "under_offer", "Under offer";
    Sold => "sold", "Sold";
    Withdrawn => "withdrawn", "Withdrawn";
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected one of {0}")]
pub struct UnknownStatus(pub String);

/// Longest text of each field, as the schema stores it.
pub mod max {
    pub const NAME: usize = 200;
    pub const PHONE: usize = 40;
    pub const SOURCE: usize = 200;
    pub const NOTES: usize = 10_000;
    pub const EXTERNAL_ID: usize = 200;
    pub const TITLE: usize = 300;
    pub const ADDRESS: usize = 300;
    pub const CITY: usize = 200;
    /// A thousand million in the currency's major unit.
    pub const PRICE_CENTS: i64 = 100_000_000_000;
    pub const BEDROOMS: i32 = 1_000;
}

/// A trimmed single line that may be empty.
pub fn optional_line(label: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        parse_line(label, raw, max)
    }
}

/// An email address, or nothing.
pub fn optional_email(raw: &str) -> Result<String, FieldError> {
    if raw.trim().is_empty() {
        Ok(String::new())
    } else {
        Email::parse(raw).map(|e| e.as_str().to_owned())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("Phone must be at most {0} characters")]
    TooLong(usize),
    #[error("Phone may hold digits, spaces and + - ( ) . only, with at least one digit")]
    Invalid,
}

/// A phone number as people write them: digits with the usual separators.
pub fn optional_phone(raw: &str) -> Result<String, PhoneError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    if value.chars().count() > max::PHONE {
        return Err(PhoneError::TooLong(max::PHONE));
    }
    let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
    if value.chars().all(allowed) && value.chars().any(|c| c.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(PhoneError::Invalid)
    }
}

/// Free text: line breaks and tabs allowed, other control characters not.
pub fn notes(raw: &str) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.chars().count() > max::NOTES {
        return Err(FieldError::TooLong("Notes", max::NOTES));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(FieldError::ControlCharacter("Notes"));
    }
    Ok(value.to_owned())
}

/// The id a client's own system gives a record: 1–200 characters, no
/// control characters, kept exactly as sent (not trimmed: it is a key).
pub fn external_id(raw: &str) -> Result<String, FieldError> {
    if raw.is_empty() || raw.trim().is_empty() {
        return Err(FieldError::Empty("External id"));
    }
    if raw.chars().count() > max::EXTERNAL_ID {
        return Err(FieldError::TooLong("External id", max::EXTERNAL_ID));
    }
    if raw.chars().any(char::is_control) {
        return Err(FieldError::ControlCharacter("External id"));
    }
    Ok(raw.to_owned())
}

/// The position after the last row of a page, handed out opaque so clients
/// do not build their own: `c` and the row id in base 36.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("This cursor is not one a list returned: start again without a cursor")]
pub struct BadCursor;

impl Cursor {
    pub fn encode(self) -> String {
        let mut n = self.0.max(0) as u64;
        let mut digits = Vec::new();
        loop {
            digits.push(std::char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
            n /= 36;
            if n == 0 {
                break;
            }
        }
        digits.push('c');
        digits.iter().rev().collect()
    }

    pub fn decode(text: &str) -> Result<Self, BadCursor> {
        let digits = text.strip_prefix('c').ok_or(BadCursor)?;
        if digits.is_empty() || digits.len() > 13 || digits.starts_with('0') && digits.len() > 1 {
            return Err(BadCursor);
        }
        if !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        {
            return Err(BadCursor);
        }
        i64::from_str_radix(digits, 36).map(Cursor).map_err(|_| BadCursor)
    }
}

/// Page size of `/v1` lists: 25 unless asked, at most 100.
pub fn page_limit(asked: Option<u32>) -> Result<u64, &'static str> {
    match asked {
        None => Ok(25),
        Some(n @ 1..=100) => Ok(u64::from(n)),
        Some(_) => Err("limit must be between 1 and 100"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn statuses_round_trip_and_list_the_choices() {
        for status in LeadStatus::ALL {
            assert_eq!(status.as_str().parse::<LeadStatus>(), Ok(*status));
        }
        for status in PropertyStatus::ALL {
            assert_eq!(status.as_str().parse::<PropertyStatus>(), Ok(*status));
        }
        assert_eq!(
            "open".parse::<LeadStatus>().unwrap_err().to_string(),
            "expected one of new, contacted, qualified, won, lost"
        );
        assert_eq!(PropertyStatus::UnderOffer.label(), "Under offer");
        assert_eq!(LeadStatus::default(), LeadStatus::New);
    }

    #[test]
    fn optional_fields_may_be_blank_but_not_wrong() {
        assert_eq!(optional_line("Source", "  ", 5), Ok(String::new()));
        assert_eq!(optional_line("Source", " Zillow ", 10), Ok("Zillow".into()));
        assert_eq!(
            optional_line("Source", "abcdef", 5),
            Err(FieldError::TooLong("Source", 5))
        );
        assert_eq!(optional_email(""), Ok(String::new()));
        assert_eq!(optional_email(" Ana@Example.com"), Ok("ana@example.com".into()));
        assert_eq!(optional_email("ana"), Err(FieldError::InvalidEmail));
    }

    #[test]
    fn phones_are_digits_with_separators() {
        assert_eq!(
            optional_phone(" +1 (555) 010-2030 "),
            Ok("+1 (555) 010-2030".into())
        );
        assert_eq!(optional_phone(""), Ok(String::new()));
        assert_eq!(optional_phone("call me"), Err(PhoneError::Invalid));
        assert_eq!(optional_phone("+-()"), Err(PhoneError::Invalid));
        assert_eq!(optional_phone(&"1".repeat(41)), Err(PhoneError::TooLong(40)));
    }

    #[test]
    fn notes_keep_line_breaks_and_refuse_other_controls() {
        assert_eq!(notes(" one\ntwo\tthree "), Ok("one\ntwo\tthree".into()));
        assert_eq!(notes("bell\u{7}"), Err(FieldError::ControlCharacter("Notes")));
        assert_eq!(
            notes(&"n".repeat(10_001)),
            Err(FieldError::TooLong("Notes", 10_000))
        );
    }

    #[test]
    fn external_ids_are_kept_exactly() {
        assert_eq!(external_id(" MLS 42 "), Ok(" MLS 42 ".into()));
        assert_eq!(external_id(""), Err(FieldError::Empty("External id")));
        assert_eq!(external_id("  "), Err(FieldError::Empty("External id")));
        assert_eq!(
            external_id("a\nb"),
            Err(FieldError::ControlCharacter("External id"))
        );
        assert!(external_id(&"x".repeat(200)).is_ok());
        assert_eq!(
            external_id(&"x".repeat(201)),
            Err(FieldError::TooLong("External id", 200))
        );
    }

    #[test]
    fn limits_default_and_bound() {
        assert_eq!(page_limit(None), Ok(25));
        assert_eq!(page_limit(Some(1)), Ok(1));
        assert_eq!(page_limit(Some(100)), Ok(100));
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(101)).is_err());
    }

    #[test]
    fn cursors_refuse_what_they_did_not_make() {
        assert_eq!(Cursor(0).encode(), "c0");
        assert_eq!(Cursor(35).encode(), "cz");
        assert_eq!(Cursor(36).encode(), "c10");
        for bad in ["", "c", "10", "cZ", "c-1", "c00", "c01", "czzzzzzzzzzzzzz", "c 1"] {
            assert_eq!(Cursor::decode(bad), Err(BadCursor), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn any_cursor_round_trips(id in 0i64..i64::MAX) {
            prop_assert_eq!(Cursor::decode(&Cursor(id).encode()), Ok(Cursor(id)));
        }

        #[test]
        fn any_text_decodes_or_is_refused(text in ".{0,20}") {
            if let Ok(cursor) = Cursor::decode(&text) {
                prop_assert_eq!(cursor.encode(), text);
            }
        }
    }
}
