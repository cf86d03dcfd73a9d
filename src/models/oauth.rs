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

/// What the consent page shows (`/oauth/authorize`, rendered by the server
/// for one authorization request): either an error that stops here, or the
/// app, the person, what it asks for and the form that answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    /// The request cannot go on (an unknown app, an unregistered redirect
    /// URI): shown, never redirected.
    pub error: Option<String>,
    pub app_name: String,
    /// Empty, or the app's https homepage.
    pub app_homepage: String,
    pub app_description: String,
    /// `Live` or `Test`.
    pub environment: String,
    pub user_name: String,
    pub user_email: String,
    pub agency_name: String,
    /// Each scope asked for: its name and what it allows, in plain words.
    pub scopes: Vec<(String, String)>,
    /// Where the app's tokens may reach: (value, label); the value is empty
    /// for the whole agency, else a workspace id.
    pub reaches: Vec<(String, String)>,
    pub selected_reach: String,
    /// Why the chosen reach was refused.
    pub reach_error: Option<String>,
    /// The request's parameters and the form's CSRF token, posted back as
    /// they came.
    pub hidden: Vec<(String, String)>,
    /// The person approved this app before (for fewer scopes, or another
    /// workspace).
    pub approved_before: bool,
}
