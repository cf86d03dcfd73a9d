//! Parsed form fields: a value of these types carries the proof it is valid.
use std::fmt;

/// Why a field was refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("{0} is required")]
    Empty(&'static str),
    #[error("{0} must be at most {1} characters")]
    TooLong(&'static str, usize),
    #[error("{0} must be at least {1} characters")]
    TooShort(&'static str, usize),
    #[error("{0} cannot contain control characters")]
    ControlCharacter(&'static str),
    /// An invisible format character (Unicode category Cf: bidi controls
    /// such as U+202E, zero-width characters): names must read as they are.
    #[error("{0} cannot contain the invisible formatting character {1} (character {2}): it can make a name read differently from what it is")]
    InvisibleCharacter(&'static str, String, usize),
    #[error("Enter an email address like name@example.com")]
    InvalidEmail,
}

/// A trimmed, non-empty single line of at most `max` characters.
pub fn parse_line(label: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::Empty(label));
    }
    if value.chars().count() > max {
        return Err(FieldError::TooLong(label, max));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::ControlCharacter(label));
    }
    Ok(value.to_owned())
}

/// A name people read to decide what something is (a key, a person, an
/// agency, a workspace): a [`parse_line`] without invisible format
/// characters (category Cf), so `Portal\u{202E}gnp.exe` cannot pose as
/// `Portalexe.png`. `Err` names the character and its 1-based position.
pub fn parse_name(label: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = parse_line(label, raw, max)?;
    check_visible(label, &value)?;
    Ok(value)
}

/// `Err` naming the first invisible format character (category Cf) of
/// `text` and its 1-based position: for names, and for any text shown to
/// someone deciding on it (an app's description on the consent page).
pub fn check_visible(label: &'static str, text: &str) -> Result<(), FieldError> {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    match text
        .chars()
        .enumerate()
        .find(|(_, c)| c.general_category() == GeneralCategory::Format)
    {
        Some((at, c)) => Err(FieldError::InvisibleCharacter(
            label,
            format!("U+{:04X}", u32::from(c)),
            at + 1,
        )),
        None => Ok(()),
    }
}

/// A person's or an organisation's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 200;

    pub fn parse(label: &'static str, raw: &str) -> Result<Self, FieldError> {
        parse_name(label, raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A lower-cased email address; one account per address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = parse_line("Email", raw, Self::MAX)?.to_lowercase();
        let (local, domain) = value.split_once('@').ok_or(FieldError::InvalidEmail)?;
        let well_formed = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.chars().any(char::is_whitespace);
        if well_formed {
            Ok(Self(value))
        } else {
            Err(FieldError::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: long enough to resist guessing, short enough that hashing
/// it cannot be used to tie up the server.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 12;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let length = raw.chars().count();
        if length == 0 {
            return Err(FieldError::Empty("Password"));
        }
        if length < Self::MIN {
            return Err(FieldError::TooShort("Password", Self::MIN));
        }
        if length > Self::MAX {
            return Err(FieldError::TooLong("Password", Self::MAX));
        }
        if raw.chars().any(char::is_control) {
            return Err(FieldError::ControlCharacter("Password"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_trimmed() {
        assert_eq!(
            parse_line("Name", "  Acme Realty \t", 10),
            Err(FieldError::TooLong("Name", 10))
        );
        assert_eq!(parse_line("Name", "  Acme  ", 10), Ok("Acme".to_owned()));
    }

    #[test]
    fn blank_overlong_and_control_characters_are_refused() {
        assert_eq!(parse_line("Name", " \n ", 10), Err(FieldError::Empty("Name")));
        assert_eq!(
            parse_line("Name", &"x".repeat(11), 10),
            Err(FieldError::TooLong("Name", 10))
        );
        assert_eq!(
            parse_line("Name", "a\u{7}b", 10),
            Err(FieldError::ControlCharacter("Name"))
        );
        assert_eq!(
            DisplayName::parse("Name", "a\nb"),
            Err(FieldError::ControlCharacter("Name"))
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(parse_line("Name", &"é".repeat(10), 10).is_ok());
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "ana",
            "@example.com",
            "ana@example",
            "ana@.com",
            "ana@example.",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert_eq!(Email::parse(bad), Err(FieldError::InvalidEmail), "{bad}");
        }
        assert_eq!(Email::parse(""), Err(FieldError::Empty("Email")));
    }

    #[test]
    fn passwords_have_bounds_and_never_print() {
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            FieldError::TooShort("Password", 12)
        );
        assert_eq!(
            NewPassword::parse(&"p".repeat(129)).unwrap_err(),
            FieldError::TooLong("Password", 128)
        );
        assert_eq!(NewPassword::parse("").unwrap_err(), FieldError::Empty("Password"));
        assert_eq!(
            NewPassword::parse("correct horse\u{0}battery").unwrap_err(),
            FieldError::ControlCharacter("Password")
        );
        let password = NewPassword::parse("correct horse battery").unwrap();
        assert_eq!(password.expose(), "correct horse battery");
        assert_eq!(format!("{password:?}"), "NewPassword([redacted])");
    }

    #[test]
    fn messages_name_the_field() {
        assert_eq!(FieldError::Empty("Email").to_string(), "Email is required");
        assert_eq!(
            FieldError::TooLong("Agency name", 200).to_string(),
            "Agency name must be at most 200 characters"
        );
    }
}
