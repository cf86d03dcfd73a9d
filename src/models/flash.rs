//! What a refused form post leaves for the page it redirects back to.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field errors and the values that were typed (never passwords), kept in
/// the session for exactly one page view after a failed post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFlash {
    /// Which form it belongs to (`login`, `setup`).
    pub form: String,
    /// Field name → message; `form` holds a message for the whole form.
    pub errors: BTreeMap<String, String>,
    pub values: BTreeMap<String, String>,
}

impl FormFlash {
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }

    pub fn value(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }
}
