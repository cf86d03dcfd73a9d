//! The name a person gives a key.
use super::fields::{parse_line, FieldError};

/// Trimmed, 1–64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub const MAX: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_line("Key name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(KeyName::parse("  Zillow sync ").unwrap().as_str(), "Zillow sync");
        assert_eq!(KeyName::parse("   "), Err(FieldError::Empty("Key name")));
        assert!(KeyName::parse(&"k".repeat(64)).is_ok());
        assert_eq!(
            KeyName::parse(&"k".repeat(65)),
            Err(FieldError::TooLong("Key name", 64))
        );
        assert_eq!(
            KeyName::parse("tab\there"),
            Err(FieldError::ControlCharacter("Key name"))
        );
    }
}
