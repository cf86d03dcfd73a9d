//! How the OAuth endpoints are described in `/v1/openapi.json`: the
//! parameters the token, revocation and introspection endpoints read and
//! the introspection answer, as schemas. The handlers read their bodies as
//! form fields or a flat JSON object ([`super::body::params`]), so these
//! types describe them; the contract run (schemathesis) sends what they
//! describe and checks the answers against the documented schemas.
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

/// `POST /oauth/token` (RFC 6749 §4.1.3, §6). Which fields are needed
/// depends on `grant_type`; the client authenticates with HTTP Basic or
/// with `client_id` (and, for a confidential client, `client_secret`) here,
/// never both.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    #[schema(example = "authorization_code")]
    pub grant_type: String,
    /// The code the redirect carried (`authorization_code`).
    pub code: Option<String>,
    /// The redirect URI of the authorization request, exactly
    /// (`authorization_code`).
    pub redirect_uri: Option<String>,
    /// The PKCE verifier whose S256 challenge the authorization request sent
    /// (RFC 7636 §4.5), 43–128 characters.
    pub code_verifier: Option<String>,
    /// The refresh token (`refresh_token`); used once, a new one is issued.
    pub refresh_token: Option<String>,
    /// Space-separated scopes, at most those granted (`refresh_token`:
    /// narrows the new pair).
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// `POST /oauth/revoke` (RFC 7009 §2.1) and `POST /oauth/introspect`
/// (RFC 7662 §2.1): a token of the calling client's.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct TokenParameter {
    /// An access token (`kw_oat_…`) or refresh token (`kw_ort_…`).
    pub token: String,
    /// `access_token` or `refresh_token`; a hint only, the token's prefix decides.
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// RFC 7662 §2.2: `{"active": false}` for a token that is not live or not
/// the caller's; for a live one, the rest too.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct IntrospectionAnswer {
    pub active: bool,
    /// Space-separated scopes.
    pub scope: Option<String>,
    /// The app's client id, `kw_app_…`.
    pub client_id: Option<String>,
    /// The email of the person the token acts for.
    pub username: Option<String>,
    /// `access_token` or `refresh_token`.
    pub token_type: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: Option<i64>,
    /// Issued at, seconds since the epoch.
    pub iat: Option<i64>,
    /// The person's id, as text.
    pub sub: Option<String>,
    /// This server (RFC 8414 issuer).
    pub iss: Option<String>,
}

/// The query of `GET /oauth/authorize` (RFC 6749 §4.1.1, RFC 7636 §4.3).
#[derive(Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuthorizationQuery {
    /// The app's client id, `kw_app_…`.
    pub client_id: String,
    /// One of the app's registered redirect URIs, exactly; may be left out
    /// when the app has only one.
    pub redirect_uri: Option<String>,
    /// `code`.
    pub response_type: String,
    /// Space-separated scopes, among those the app was registered with.
    pub scope: Option<String>,
    /// Returned unchanged on the redirect; use it against CSRF.
    pub state: Option<String>,
    /// BASE64URL(SHA-256(verifier)), 43 characters; required for public
    /// clients and, unless the app was registered otherwise, for
    /// confidential ones.
    pub code_challenge: Option<String>,
    /// `S256` (`plain` is refused).
    pub code_challenge_method: Option<String>,
}

/// The consent form's post to `/oauth/authorize` (sent by the person's
/// browser from the consent page, never by an app): the authorization
/// request again, the form's CSRF token and the decision.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ConsentForm {
    #[serde(flatten)]
    pub request: AuthorizationQuery,
    /// The consent page's token: bound to the person and the request, one hour.
    pub csrf: String,
    /// `approve` or `deny`.
    pub decision: String,
    /// The workspace the app may reach (a workspace id; empty: the whole
    /// agency, for a super manager).
    pub workspace: Option<String>,
}
