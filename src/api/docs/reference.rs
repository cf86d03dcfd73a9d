//! The dashboard's API reference page, built from the OpenAPI document.

use serde_json::Value;

use super::{openapi_json, sample};
use crate::models::reference::{ApiReference, Endpoint, EndpointParameter, EndpointResponse};

/// The dashboard's API reference, from the same document: every operation
/// with its scope, parameters, answers and a curl example against `base_url`.
pub fn reference(base_url: &str) -> ApiReference {
    let doc: Value = serde_json::from_str(openapi_json()).expect("our own JSON parses");
    let schemas = &doc["components"]["schemas"];
    let mut endpoints = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let parameters: Vec<EndpointParameter> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| EndpointParameter {
                    name: p["name"].as_str().unwrap_or("").to_owned(),
                    place: p["in"].as_str().unwrap_or("").to_owned(),
                    description: p["description"].as_str().unwrap_or("").to_owned(),
                })
                .collect();
            let body = operation["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|schema| sample(&Value::Object(schema.clone()), schemas, 0));
            let example_path = path
                .replace(
                    "{id}",
                    match (method, path.as_str()) {
                        ("put", _) => "MLS-1042",
                        (_, p)
                            if p.starts_with("/v1/keys")
                                || p.starts_with("/v1/session_tokens")
                                || p.starts_with("/v1/webhooks") =>
                        {
                            "AbCdEf123456"
                        }
                        _ => "42",
                    },
                )
                .replace("{message_id}", "msg_2hJ8kQ4bX7nP0sL3vT6wY9zC");
            let id = operation["operationId"].as_str().unwrap_or("");
            let oauth = oauth_example(id, base_url);
            let mut curl = match &oauth {
                Some((example, _)) => example.clone(),
                None => format!(
                    "curl -X {} \"{base_url}{example_path}\" \\\n  -H \"Authorization: Bearer ${}\"",
                    method.to_uppercase(),
                    // Only a session token revokes itself.
                    if id == "revokeCurrentSessionToken" {
                        "SESSION_TOKEN"
                    } else {
                        "KEYWARD_TOKEN"
                    }
                ),
            };
            if let (Some(body), None) = (&body, &oauth) {
                let json = serde_json::to_string(body)
                    .unwrap_or_default()
                    .replace('\'', "'\\''");
                curl.push_str(&format!(
                    " \\\n  -H \"Content-Type: application/json\" \\\n  -d '{json}'"
                ));
            }
            let responses = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| EndpointResponse {
                    status: status.clone(),
                    description: r["description"].as_str().unwrap_or("").to_owned(),
                })
                .collect();
            endpoints.push(Endpoint {
                id: id.to_owned(),
                tag: operation["tags"][0].as_str().unwrap_or("").to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: operation["summary"].as_str().unwrap_or("").to_owned(),
                description: operation["description"].as_str().unwrap_or("").to_owned(),
                scope: operation["x-required-scope"].as_str().map(str::to_owned),
                authentication: oauth.map(|(_, auth)| auth.to_owned()),
                parameters,
                curl,
                responses,
            });
        }
    }
    let order: Vec<String> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    endpoints.sort_by_key(|e| {
        (
            order.iter().position(|t| *t == e.tag).unwrap_or(usize::MAX),
            e.path.clone(),
            method_rank(&e.method),
        )
    });
    ApiReference {
        base_url: base_url.to_owned(),
        version: doc["info"]["version"].as_str().unwrap_or("").to_owned(),
        endpoints,
    }
}

fn method_rank(method: &str) -> usize {
    ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .iter()
        .position(|m| *m == method)
        .unwrap_or(9)
}

const CLIENT_AUTH: &str =
    "The app's client id and secret, with HTTP Basic (or client_id and client_secret in \
    the body); a public app sends its client_id only.";

/// The example and the authentication of an OAuth endpoint (they take
/// form bodies and the client's credentials, not a key); `None` for `/v1`.
fn oauth_example(operation_id: &str, base: &str) -> Option<(String, &'static str)> {
    let post = |path: &str, fields: &[&str]| {
        let mut curl = format!("curl -X POST \"{base}{path}\" \\\n  -u \"$CLIENT_ID:$CLIENT_SECRET\"");
        for field in fields {
            curl.push_str(&format!(" \\\n  -d \"{field}\""));
        }
        curl
    };
    Some(match operation_id {
        "oauthAuthorize" => (
            format!(
                "# Open in the person's browser (the redirect URI must be registered exactly):\n\
                 {base}/oauth/authorize?response_type=code&client_id=$CLIENT_ID\
                 &redirect_uri=https%3A%2F%2Fapp.example%2Fcallback&scope=read%3Aleads\
                 &state=$STATE&code_challenge=$CODE_CHALLENGE&code_challenge_method=S256"
            ),
            "The person signs in to keyward and approves the app.",
        ),
        "oauthConsent" => (
            "# Sent by the person's browser from the consent page (Approve or Deny).".to_owned(),
            "The person's session and the consent page's CSRF token.",
        ),
        "oauthToken" => (
            post(
                "/oauth/token",
                &[
                    "grant_type=authorization_code",
                    "code=$CODE",
                    "redirect_uri=https://app.example/callback",
                    "code_verifier=$CODE_VERIFIER",
                ],
            ),
            CLIENT_AUTH,
        ),
        "oauthRevoke" => (post("/oauth/revoke", &["token=$REFRESH_TOKEN"]), CLIENT_AUTH),
        "oauthIntrospect" => (post("/oauth/introspect", &["token=$ACCESS_TOKEN"]), CLIENT_AUTH),
        "oauthMetadata" => (
            format!("curl \"{base}/.well-known/oauth-authorization-server\""),
            "None: the document is public.",
        ),
        _ => return None,
    })
}
