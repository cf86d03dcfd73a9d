//! The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3), read in the
//! order RFC 6749 §4.1.2.1 sets: first the client and its redirect URI —
//! while either is in doubt nothing is sent anywhere and the person sees an
//! error page — then everything else, whose errors go back to the app on
//! its redirect URI.
use sea_orm::ConnectionTrait;

use super::apps::{app_by_client_id, registered_uris};
use super::ServiceError;
use crate::domain::oauth::client_type::ClientType;
use crate::domain::oauth::pkce::CodeChallenge;
use crate::domain::oauth::scope::{self, ScopeRequestError};
use crate::domain::scopes::ScopeSet;
use crate::entities::oauth_app;

/// The longest `state` kept and sent back, in bytes.
pub const MAX_STATE: usize = 1024;

/// An authorization request every rule accepted.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub app: oauth_app::Model,
    /// The redirect URI the answer goes to: as the request sent it (it
    /// matched a registered one), or the app's only one when it sent none.
    pub redirect_uri: String,
    /// Whether the request named the redirect URI (the token request must
    /// then name it too, RFC 6749 §4.1.3).
    pub redirect_uri_sent: bool,
    pub state: Option<String>,
    pub scopes: ScopeSet,
    pub challenge: Option<CodeChallenge>,
}

/// Why an authorization request was refused.
#[derive(Debug)]
pub enum AuthorizeError {
    /// The client or its redirect URI is unknown or in doubt: shown to the
    /// person, never redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.1).
    Shown(String),
    /// Sent back to the app on its redirect URI (RFC 6749 §4.1.2.1).
    Redirected(ErrorRedirect),
    /// The database failed.
    Service(ServiceError),
}

impl From<sea_orm::DbErr> for AuthorizeError {
    fn from(err: sea_orm::DbErr) -> Self {
        AuthorizeError::Service(err.into())
    }
}

/// An error answer for the app: `error`, `error_description`, `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRedirect {
    pub redirect_uri: String,
    /// An RFC 6749 §4.1.2.1 error code.
    pub error: &'static str,
    pub description: String,
    pub state: Option<String>,
}

/// The request's parameters, each at most once (RFC 6749 §3.1: "Request and
/// response parameters MUST NOT be included more than once").
pub struct Params(Vec<(String, String)>);

impl Params {
    /// From a query string or a form body.
    pub fn parse(encoded: &str) -> Self {
        Self(form_urlencoded::parse(encoded.as_bytes()).into_owned().collect())
    }

    /// From name and value pairs already decoded (a JSON body).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The value of `name`; `Err` when it appears more than once. An empty
    /// value counts as absent (RFC 6749 §3.1).
    pub fn one(&self, name: &str) -> Result<Option<&str>, String> {
        let mut values = self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(format!("{name} was sent more than once"));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }
}

/// Reads an authorization request. The app may belong to any agency here:
/// whether the signed-in person may authorize it is checked after sign-in.
pub async fn read(
    db: &impl ConnectionTrait,
    params: &Params,
) -> Result<AuthorizationRequest, AuthorizeError> {
    let shown = |message: &str| AuthorizeError::Shown(message.to_owned());
    let client_id = params.one("client_id").map_err(AuthorizeError::Shown)?;
    let Some(client_id) = client_id else {
        return Err(shown(
            "The link that brought you here names no app (client_id is missing).",
        ));
    };
    let Some(app) = app_by_client_id(db, client_id).await? else {
        return Err(shown(
            "The link that brought you here names an app that is not registered here.",
        ));
    };
    let registered = registered_uris(&app).map_err(AuthorizeError::Service)?;
    let requested = params.one("redirect_uri").map_err(AuthorizeError::Shown)?;
    let (redirect_uri, redirect_uri_sent) = match requested {
        Some(uri) if registered.iter().any(|r| r.matches(uri)) => (uri.to_owned(), true),
        Some(_) => return Err(shown(
            "The app asked to send you back to an address it has not registered, so you were not sent there.",
        )),
        None if registered.len() == 1 => (registered[0].as_str().to_owned(), false),
        None => {
            return Err(shown(
                "The app did not say where to send you back (redirect_uri is missing).",
            ))
        }
    };

    // From here on, errors go back to the app.
    let state_param = params.one("state");
    let state = match &state_param {
        Ok(Some(state)) if state.len() <= MAX_STATE => Some((*state).to_owned()),
        _ => None,
    };
    let refuse = |error: &'static str, description: String| {
        AuthorizeError::Redirected(ErrorRedirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description,
            state: state.clone(),
        })
    };
    match state_param {
        Err(e) => return Err(refuse("invalid_request", e)),
        Ok(Some(s)) if s.len() > MAX_STATE => {
            return Err(refuse(
                "invalid_request",
                format!("state may be at most {MAX_STATE} bytes"),
            ))
        }
        Ok(_) => {}
    }
    let one = |name: &str| params.one(name).map_err(|e| refuse("invalid_request", e));
    match one("response_type")? {
        Some("code") => {}
        None => return Err(refuse("invalid_request", "response_type is missing".into())),
        Some(_) => {
            return Err(refuse(
                "unsupported_response_type",
                "only response_type=code is supported".into(),
            ))
        }
    }
    let registered_scopes = ScopeSet::parse(&app.scopes).map_err(|e| {
        AuthorizeError::Service(ServiceError::Corrupt(format!(
            "oauth_apps {} scopes: {e}",
            app.id
        )))
    })?;
    let scopes = scope::requested(one("scope")?, registered_scopes).map_err(|e| match e {
        ScopeRequestError::Unknown(_) | ScopeRequestError::NotRegistered(_) | ScopeRequestError::Empty => {
            refuse("invalid_scope", e.to_string())
        }
    })?;
    let challenge = CodeChallenge::from_request(one("code_challenge")?, one("code_challenge_method")?)
        .map_err(|e| refuse("invalid_request", e.to_string()))?;
    if challenge.is_none() && (app.client_type == ClientType::Public || app.require_pkce) {
        return Err(refuse(
            "invalid_request",
            "code_challenge is required (PKCE with S256, RFC 7636)".into(),
        ));
    }
    Ok(AuthorizationRequest {
        app,
        redirect_uri,
        redirect_uri_sent,
        state,
        scopes,
        challenge,
    })
}

/// `uri` with `pairs` added to its query (RFC 6749 §4.1.2: "retaining" the
/// query the URI already has).
pub fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(uri.len() + 64);
    out.push_str(uri);
    let mut separator = if uri.contains('?') {
        if uri.ends_with('?') || uri.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    for (name, value) in pairs {
        out.push_str(separator);
        out.extend(form_urlencoded::byte_serialize(name.as_bytes()));
        out.push('=');
        out.extend(form_urlencoded::byte_serialize(value.as_bytes()));
        separator = "&";
    }
    out
}

impl ErrorRedirect {
    /// Where the person's browser goes: the redirect URI with `error`,
    /// `error_description`, `state` and `iss` (RFC 9207).
    pub fn location(&self, issuer: &str) -> String {
        let mut pairs = vec![
            ("error", self.error),
            ("error_description", self.description.as_str()),
        ];
        if let Some(state) = &self.state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", issuer));
        with_query(&self.redirect_uri, &pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_sent_twice_is_refused_and_empty_is_absent() {
        let params = Params::parse("a=1&b=&c=x%20y&a=2");
        assert!(params.one("a").is_err());
        assert_eq!(params.one("b"), Ok(None));
        assert_eq!(params.one("c"), Ok(Some("x y")));
        assert_eq!(params.one("d"), Ok(None));
    }

    #[test]
    fn answers_keep_the_redirect_uris_query() {
        assert_eq!(
            with_query("https://a.example/cb", &[("code", "x y")]),
            "https://a.example/cb?code=x+y"
        );
        assert_eq!(
            with_query(
                "https://a.example/cb?tenant=1",
                &[("code", "c"), ("state", "s&t")]
            ),
            "https://a.example/cb?tenant=1&code=c&state=s%26t"
        );
        assert_eq!(
            with_query("https://a.example/cb?", &[("code", "c")]),
            "https://a.example/cb?code=c"
        );
    }

    #[test]
    fn an_error_redirect_carries_state_and_issuer() {
        let redirect = ErrorRedirect {
            redirect_uri: "https://a.example/cb".into(),
            error: "access_denied",
            description: "The person denied the request".into(),
            state: Some("xyz".into()),
        };
        assert_eq!(
            redirect.location("https://keys.example"),
            "https://a.example/cb?error=access_denied&error_description=The+person+denied+the+request&state=xyz&iss=https%3A%2F%2Fkeys.example"
        );
    }
}
