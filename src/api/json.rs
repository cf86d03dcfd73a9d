//! Request bodies: JSON only, within the size limit, with errors a client
//! can act on (the path of the field that did not fit, not a Rust type).
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON body: 415 without a JSON content type, 413 over the limit, 400
/// when it is not JSON, 422 naming the field when it is JSON of the wrong
/// shape.
pub struct ApiJson<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a request body, which is always a JSON object (serde would also
/// take an array for a struct, field by position: refused here).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
        return Err(ApiError::field("body", "The body must be a JSON object"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        // serde_json reports a value of the wrong kind where an enum is
        // expected (`"scopes": [[]]`) as a syntax error, though the body is
        // JSON: that is the field's fault, named like any other.
        let misfit = inner.is_syntax() && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok();
        if inner.is_data() || misfit {
            let message = inner.to_string();
            // serde names a missing field only in its message.
            let missing = message
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_owned());
            let field = match (path.as_str(), missing) {
                (".", Some(name)) => name,
                (".", None) => "body".to_owned(),
                (_, Some(name)) => format!("{path}.{name}"),
                _ => path,
            };
            ApiError::field(&field, message)
        } else {
            ApiError::BadJson(inner.to_string())
        }
    })?;
    deserializer
        .end()
        .map_err(|err| ApiError::BadJson(err.to_string()))?;
    Ok(value)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadJson("the body could not be read".into())
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Lead {
        email: String,
        budget: Option<u32>,
    }

    #[test]
    fn content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
    }

    #[test]
    fn syntax_errors_are_bad_json_and_shape_errors_name_the_field() {
        assert!(matches!(parse::<Lead>(b"{"), Err(ApiError::BadJson(_))));
        assert!(matches!(
            parse::<Lead>(br#"{"email":"a@b.test"} trailing"#),
            Err(ApiError::BadJson(_))
        ));
        match parse::<Lead>(br#"{"email":"a@b.test","budget":"lots"}"#) {
            Err(ApiError::Validation(issues)) => assert_eq!(issues[0].field, "budget"),
            other => panic!("{other:?}"),
        }
        for not_an_object in [&br#""just text""#[..], b"[\"a@b.test\", 3]", b" 7", b"null"] {
            match parse::<Lead>(not_an_object) {
                Err(ApiError::Validation(issues)) => assert_eq!(issues[0].field, "body"),
                other => panic!("{other:?}"),
            }
        }
        match parse::<Lead>(br#"{"budget": 3}"#) {
            Err(ApiError::Validation(issues)) => {
                assert_eq!(issues[0].field, "email", "a missing field is named");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_value_of_the_wrong_kind_where_an_enum_goes_names_the_field() {
        use crate::domain::scopes::Scope;
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Scoped {
            scopes: Vec<Scope>,
        }
        // serde_json calls these syntax errors; the body is JSON all the same.
        for body in [
            &br#"{"scopes": [[]]}"#[..],
            br#"{"scopes": [{}]}"#,
            br#"{"scopes": [3]}"#,
            br#"{"scopes": [null]}"#,
        ] {
            match parse::<Scoped>(body) {
                Err(ApiError::Validation(issues)) => {
                    assert_eq!(issues[0].field, "scopes[0]", "{}", String::from_utf8_lossy(body));
                }
                other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
            }
        }
        assert!(matches!(
            parse::<Scoped>(br#"{"scopes": [[}"#),
            Err(ApiError::BadJson(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_or_fail_cleanly(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse::<Lead>(&bytes);
        }
    }
}
