//! The name a person gives a key.
use super::fields::{parse_name, FieldError};

/// Trimmed, 1–64 characters, no control or invisible format characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub const MAX: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_name("Key name", raw, Self::MAX).map(Self)
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

    #[test]
    fn invisible_format_characters_are_refused_by_position() {
        let err = KeyName::parse("Portal\u{202E}gnp.exe").unwrap_err();
        assert_eq!(
            err,
            FieldError::InvisibleCharacter("Key name", "U+202E".into(), 7)
        );
        assert_eq!(
            err.to_string(),
            "Key name cannot contain the invisible formatting character U+202E (character 7): \
             it can make a name read differently from what it is"
        );
        for (text, code) in [
            ("a\u{200B}b", "U+200B"),
            ("\u{2066}x", "U+2066"),
            ("x\u{FEFF}", "U+FEFF"),
            ("x\u{200D}y", "U+200D"),
            ("x\u{00AD}y", "U+00AD"),
            ("x\u{061C}y", "U+061C"),
            ("tag\u{E0041}", "U+E0041"),
        ] {
            assert!(
                matches!(KeyName::parse(text), Err(FieldError::InvisibleCharacter(_, c, _)) if c == code),
                "{text:?}"
            );
        }
        // Letters of every script, accents and emoji stay welcome.
        for ok in ["Émile Portal", "Ζήτα", "زيلو", "東京 sync", "🏠 listings"] {
            assert!(KeyName::parse(ok).is_ok(), "{ok}");
        }
    }
}
