//! What a client sends to the token, revocation and introspection
//! endpoints: a form body (RFC 6749 §4.1.3, what every stock client sends)
//! or a flat JSON object of strings (the seed products' form), and its
//! credentials, by HTTP Basic or in the body (RFC 6749 §2.3.1).
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::server::services::oauth::authorize::Params;

/// Why a request could not even be read: an `invalid_request`, or for
/// broken credentials `invalid_client`.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    InvalidRequest(String),
    InvalidClient(String),
}

/// The raw body of a token, revocation or introspection request. Refused
/// as RFC 6749 §5.2 JSON (axum's own answers are plain text): 413
/// `invalid_request` over [`super::BODY_LIMIT`], 400 when it cannot be read.
pub struct OAuthBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for OAuthBody {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        Bytes::from_request(req, state)
            .await
            .map(OAuthBody)
            .map_err(|rejection| {
                let status = rejection.status();
                let why = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    format!("the body is over {} KiB", super::BODY_LIMIT / 1024)
                } else {
                    "the body could not be read".to_owned()
                };
                let status = if status.is_client_error() {
                    status
                } else {
                    StatusCode::BAD_REQUEST
                };
                super::token::error_answer(status, "invalid_request", &why)
            })
    }
}

/// The body's parameters, by its content type.
pub fn params(headers: &HeaderMap, body: &[u8]) -> Result<Params, BodyError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(body)
                .map_err(|_| BodyError::InvalidRequest("the body is not UTF-8".into()))?;
            Ok(Params::parse(text))
        }
        "application/json" => {
            let value: serde_json::Value = serde_json::from_slice(body)
                .map_err(|e| BodyError::InvalidRequest(format!("the body is not JSON: {e}")))?;
            let serde_json::Value::Object(object) = value else {
                return Err(BodyError::InvalidRequest(
                    "the JSON body must be an object".into(),
                ));
            };
            let mut pairs = Vec::with_capacity(object.len());
            for (name, value) in object {
                match value {
                    serde_json::Value::String(text) => pairs.push((name, text)),
                    serde_json::Value::Null => {}
                    _ => return Err(BodyError::InvalidRequest(format!("{name} must be a string"))),
                }
            }
            Ok(Params::from_pairs(pairs))
        }
        "" => Err(BodyError::InvalidRequest(
            "send the parameters as application/x-www-form-urlencoded (or application/json)".into(),
        )),
        other => Err(BodyError::InvalidRequest(format!(
            "{other} is not accepted: send application/x-www-form-urlencoded (or application/json)"
        ))),
    }
}

/// The client's id and secret, if it sent any.
#[derive(Debug, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client_id: String,
    pub secret: Option<String>,
    /// Sent with HTTP Basic (a refusal then answers `WWW-Authenticate`).
    pub basic: bool,
}

/// The client's credentials: HTTP Basic (each half form-urlencoded,
/// RFC 6749 §2.3.1) or `client_id` / `client_secret` in the body; both at
/// once is refused (§2.3: "MUST NOT use more than one").
pub fn client_credentials(
    headers: &HeaderMap,
    params: &Params,
) -> Result<Option<ClientCredentials>, BodyError> {
    let invalid = |why: &str| BodyError::InvalidRequest(why.to_owned());
    let body_id = params.one("client_id").map_err(|e| invalid(&e))?;
    let body_secret = params.one("client_secret").map_err(|e| invalid(&e))?;
    let basic = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let broken =
                || BodyError::InvalidClient("the Authorization header is not valid HTTP Basic".into());
            let text = value.to_str().map_err(|_| broken())?;
            let (scheme, encoded) = text.split_once(' ').ok_or_else(broken)?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return Err(BodyError::InvalidClient(
                    "authenticate the client with HTTP Basic or in the body".into(),
                ));
            }
            let decoded = STANDARD.decode(encoded.trim()).map_err(|_| broken())?;
            let decoded = String::from_utf8(decoded).map_err(|_| broken())?;
            let (id, secret) = decoded.split_once(':').ok_or_else(broken)?;
            let unescape = |part: &str| -> String {
                form_urlencoded::parse(format!("x={part}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some(ClientCredentials {
                client_id: unescape(id),
                secret: Some(unescape(secret)).filter(|s| !s.is_empty()),
                basic: true,
            })
        }
    };
    match (basic, body_id) {
        (Some(_), _) if body_secret.is_some() => Err(invalid(
            "the client authenticated twice (HTTP Basic and client_secret): use one",
        )),
        (Some(basic), Some(id)) if id != basic.client_id => Err(invalid(
            "client_id in the body is not the one in the Authorization header",
        )),
        (Some(basic), _) => Ok(Some(basic)),
        (None, Some(id)) => Ok(Some(ClientCredentials {
            client_id: id.to_owned(),
            secret: body_secret.map(str::to_owned),
            basic: false,
        })),
        (None, None) if body_secret.is_some() => Err(invalid("client_secret was sent without client_id")),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

    #[test]
    fn form_and_json_bodies_read_alike() {
        let form = params(&headers(&[FORM]), b"grant_type=refresh_token&refresh_token=a%2Bb").unwrap();
        assert_eq!(form.one("refresh_token"), Ok(Some("a+b")));
        let json = params(
            &headers(&[("content-type", "application/json; charset=utf-8")]),
            br#"{"grant_type":"refresh_token","refresh_token":"a+b","scope":null}"#,
        )
        .unwrap();
        assert_eq!(json.one("refresh_token"), Ok(Some("a+b")));
        assert_eq!(json.one("scope"), Ok(None));
    }

    #[test]
    fn other_bodies_are_invalid_requests() {
        for (content_type, body) in [
            ("application/json", &b"[1]"[..]),
            ("application/json", b"{\"code\": 5}"),
            ("application/json", b"{"),
            ("text/plain", b"code=x"),
            ("application/x-www-form-urlencoded", b"\xff"),
        ] {
            let refused = params(&headers(&[("content-type", content_type)]), body);
            assert!(
                matches!(refused, Err(BodyError::InvalidRequest(_))),
                "{content_type} {body:?}"
            );
        }
        assert!(matches!(
            params(&HeaderMap::new(), b"code=x"),
            Err(BodyError::InvalidRequest(_))
        ));
    }

    #[test]
    fn credentials_come_from_basic_or_the_body_not_both() {
        let body = |text: &str| Params::parse(text);
        // RFC 6749 §2.3.1: each half form-urlencoded before base64.
        let basic = format!("Basic {}", STANDARD.encode("kw_app_1:s%2Bx"));
        let from_basic = client_credentials(&headers(&[("authorization", &basic)]), &body(""))
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                from_basic.client_id.as_str(),
                from_basic.secret.as_deref(),
                from_basic.basic
            ),
            ("kw_app_1", Some("s+x"), true)
        );
        let from_body = client_credentials(&HeaderMap::new(), &body("client_id=kw_app_1&client_secret=s"))
            .unwrap()
            .unwrap();
        assert_eq!((from_body.secret.as_deref(), from_body.basic), (Some("s"), false));
        let public = client_credentials(&HeaderMap::new(), &body("client_id=kw_app_1"))
            .unwrap()
            .unwrap();
        assert_eq!(public.secret, None);
        assert_eq!(client_credentials(&HeaderMap::new(), &body("")), Ok(None));

        let twice = client_credentials(&headers(&[("authorization", &basic)]), &body("client_secret=s"));
        assert!(matches!(twice, Err(BodyError::InvalidRequest(_))));
        let other_id = client_credentials(
            &headers(&[("authorization", &basic)]),
            &body("client_id=kw_app_2"),
        );
        assert!(matches!(other_id, Err(BodyError::InvalidRequest(_))));
        for header in [
            "Bearer x",
            "Basic !!!",
            "Basic",
            &format!("Basic {}", STANDARD.encode("no-colon")),
        ] {
            let refused = client_credentials(&headers(&[("authorization", header)]), &body(""));
            assert!(matches!(refused, Err(BodyError::InvalidClient(_))), "{header}");
        }
    }
}
