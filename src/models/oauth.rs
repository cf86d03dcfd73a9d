//! What the OAuth apps page, its dialogs and the command line exchange with
//! the server: the registration form as typed, and the one-time answer.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The register form's name in a `FormFlash`.
pub const REGISTER_FORM: &str = "register-app";
/// The roll form's name in a `FormFlash`.
pub const ROLL_FORM: &str = "roll-secret";

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
    /// Drawn with the form (12 base62 characters), the app's id to be: the
    /// same form sent twice registers one app. Empty: a new id.
    #[serde(default)]
    pub form_id: String,
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
    /// Each scope asked for that the person may lend: its name and what it
    /// allows, in plain words.
    pub scopes: Vec<(String, String)>,
    /// Scopes asked for that the person's role does not let them lend (an
    /// agent's, beyond `read:`): shown, never granted.
    pub withheld: Vec<(String, String)>,
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

/// One registered app, as the OAuth apps table lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRow {
    /// `kw_app_{id}`: public, and the app's address in the dashboard.
    pub client_id: String,
    pub name: String,
    /// `Confidential` or `Public`.
    pub client_type: String,
    /// `Live` or `Test`.
    pub environment: String,
    /// The scopes it may ask for, in the canonical order.
    pub scopes: Vec<String>,
    /// How many people have authorized it.
    pub people: u64,
    pub created_at: DateTime<Utc>,
    /// The last request any of its tokens made on `/v1`.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// One app's page: everything registered, its secret's state, and the
/// people who authorized it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppDetail {
    pub row: AppRow,
    /// Empty, or an https URL.
    pub homepage: String,
    pub description: String,
    pub redirect_uris: Vec<String>,
    /// Confidential apps: PKCE required too.
    pub require_pkce: bool,
    /// Confidential apps: the current secret's last four characters.
    pub secret_last4: Option<String>,
    /// A rolled secret's predecessor still works until then.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Who registered it ("command line" when nobody signed in).
    pub created_by: String,
    pub grants: Vec<GrantRow>,
}

/// One grant: what a person approved for an app (Authorized apps, and an
/// app's page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRow {
    /// Its id (12 characters): the revoke form names it.
    pub id: String,
    pub app_name: String,
    pub app_client_id: String,
    pub person_name: String,
    pub person_email: String,
    /// The scopes approved (the app's tokens get at most these, and at
    /// most what the person's role allows).
    pub scopes: Vec<String>,
    /// "All workspaces" or the workspace's name.
    pub reach: String,
    /// First approved.
    pub approved_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Requests its tokens made on `/v1`.
    pub requests: i64,
    /// Whether any refresh token of it is still alive (the app can still
    /// act).
    pub active: bool,
    /// The viewer's own grant.
    pub own: bool,
}

/// The Authorized apps page: the viewer's grants and, for super managers,
/// everyone else's in the agency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizedApps {
    pub own: Vec<GrantRow>,
    /// `None` unless the viewer is a super manager.
    pub others: Option<Vec<GrantRow>>,
}

/// Why the dashboard shows a confirmation after a form post redirected
/// back (`?done=…`): fixed texts only, never user input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OAuthNotice {
    AppDeleted,
    GrantRevoked,
}

impl OAuthNotice {
    pub fn param(self) -> &'static str {
        match self {
            OAuthNotice::AppDeleted => "app-deleted",
            OAuthNotice::GrantRevoked => "grant-revoked",
        }
    }

    pub fn from_param(text: &str) -> Option<Self> {
        [OAuthNotice::AppDeleted, OAuthNotice::GrantRevoked]
            .into_iter()
            .find(|n| n.param() == text)
    }

    pub fn text(self) -> &'static str {
        match self {
            OAuthNotice::AppDeleted => "App deleted. Every token it held stopped working.",
            OAuthNotice::GrantRevoked => "Access revoked. The app's tokens stopped working.",
        }
    }
}
