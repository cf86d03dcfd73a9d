//! What the OAuth apps page, its dialogs and the command line exchange with
//! the server: the registration form as typed, and the one-time answer.
use serde::{Deserialize, Serialize};

/// The Register OAuth app form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAppForm {
    pub name: String,
    /// Empty, or an https URL people can visit to learn about the app.
    pub homepage: String,
    pub description: String,
    /// `confidential` or `public`.
    pub client_type: String,
    /// `live` or `test`.
    pub environment: String,
    pub scopes: Vec<String>,
    /// One redirect URI per line.
    pub redirect_uris: String,
    /// Confidential apps: whether they must use PKCE too (the default).
    pub require_pkce: bool,
}

/// An app just registered (or its secret just rolled): the only time the
/// client secret leaves the server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredApp {
    pub name: String,
    /// `kw_app_{id}`: public.
    pub client_id: String,
    /// `kw_ocs_…`, confidential apps only.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for RegisteredApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredApp")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}
