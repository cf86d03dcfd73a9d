//! `/v1/openapi.json` and `/v1/postman.json`: public, JSON, and describing
//! every route the router serves (the schema checks run in scripts/contract.sh).
use serde_json::Value;

use crate::helpers::spawn_app;
use crate::on_both_engines;

const OPERATIONS: [(&str, &str); 27] = [
    ("get", "/v1/me"),
    ("post", "/v1/leads"),
    ("get", "/v1/leads"),
    ("get", "/v1/leads/{id}"),
    ("patch", "/v1/leads/{id}"),
    ("put", "/v1/properties/{id}"),
    ("get", "/v1/properties"),
    ("get", "/v1/properties/{id}"),
    ("delete", "/v1/properties/{id}"),
    ("get", "/v1/agents"),
    ("get", "/v1/analytics/leads"),
    ("get", "/v1/keys"),
    ("post", "/v1/keys"),
    ("delete", "/v1/keys/{id}"),
    ("post", "/v1/session_tokens"),
    ("delete", "/v1/session_tokens/current"),
    ("delete", "/v1/session_tokens/{id}"),
    ("get", "/v1/webhooks"),
    ("post", "/v1/webhooks"),
    ("get", "/v1/webhooks/{id}"),
    ("patch", "/v1/webhooks/{id}"),
    ("delete", "/v1/webhooks/{id}"),
    ("post", "/v1/webhooks/{id}/test"),
    ("post", "/v1/webhooks/{id}/rotate_secret"),
    ("get", "/v1/webhooks/{id}/deliveries"),
    ("post", "/v1/webhooks/{id}/messages/{message_id}/resend"),
    ("post", "/v1/webhooks/{id}/recover"),
];

/// The OAuth endpoints, documented beside `/v1` (they take no key).
const OAUTH_OPERATIONS: [(&str, &str); 6] = [
    ("get", "/oauth/authorize"),
    ("post", "/oauth/authorize"),
    ("post", "/oauth/token"),
    ("post", "/oauth/revoke"),
    ("post", "/oauth/introspect"),
    ("get", "/.well-known/oauth-authorization-server"),
];

on_both_engines! {
    async fn the_documents_describe_every_operation_and_need_no_key(engine) {
        let app = spawn_app(engine).await;
        let response = reqwest::get(app.url("/v1/openapi.json")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented: Vec<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
            .collect();
        documented.sort();
        let mut expected: Vec<(String, String)> =
            OPERATIONS.iter().chain(&OAUTH_OPERATIONS).map(|(m, p)| (m.to_string(), p.to_string())).collect();
        expected.sort();
        assert_eq!(documented, expected);
        for (method, path) in OPERATIONS {
            let operation = &doc["paths"][path][method];
            let security = operation["security"].as_array().unwrap();
            // Key management (admin) is never granted to apps, and session
            // tokens are a key's business: no access token.
            let takes_access_tokens = !path.starts_with("/v1/keys") && !path.starts_with("/v1/session_tokens");
            // A session token revokes itself with the bearer only.
            let key_forms = if path == "/v1/session_tokens/current" { 1 } else { 2 };
            assert_eq!(security.len(), key_forms + usize::from(takes_access_tokens), "{method} {path}: bearer, the header pair, an app's token");
            if takes_access_tokens {
                let needs = operation["x-required-scope"].as_str().map(|s| vec![s]).unwrap_or_default();
                assert_eq!(security[2]["oauth2"], serde_json::json!(needs), "{method} {path}");
            }
            assert!(operation["responses"]["401"].is_object(), "{method} {path} documents 401");
        }
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert_eq!(schemes.keys().collect::<Vec<_>>(), ["api_key", "api_secret", "bearer", "client_basic", "oauth2"]);
        let flow = &schemes["oauth2"]["flows"]["authorizationCode"];
        assert_eq!((flow["authorizationUrl"].as_str(), flow["tokenUrl"].as_str()), (Some("/oauth/authorize"), Some("/oauth/token")));
        assert!(flow["scopes"].get("read:leads").is_some() && flow["scopes"].get("admin").is_none(), "{flow}");
        let required: Vec<&str> = doc["paths"]["/oauth/authorize"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["required"] == true)
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(required, ["client_id", "response_type"], "redirect_uri may be left out for an app with one");
        let token = &doc["paths"]["/oauth/token"]["post"];
        let kinds: Vec<&String> = token["requestBody"]["content"].as_object().unwrap().keys().collect();
        assert_eq!(kinds, ["application/json", "application/x-www-form-urlencoded"]);
        let answer = &token["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(answer, "#/components/schemas/TokenAnswer");
        let fields: Vec<&String> = doc["components"]["schemas"]["TokenAnswer"]["properties"].as_object().unwrap().keys().collect();
        assert_eq!(fields, ["access_token", "expires_in", "refresh_token", "scope", "token_type"]);

        // The webhooks keyward sends (OpenAPI 3.1 `webhooks`): one per
        // event type, with the Standard Webhooks headers and its data's schema.
        let hooks = doc["webhooks"].as_object().unwrap();
        let names: Vec<&str> = hooks.keys().map(String::as_str).collect();
        let all: Vec<&str> = keyward::domain::webhook_event::EventType::ALL.iter().map(|e| e.as_str()).collect();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        let created = &hooks["lead.created"]["post"];
        let headers: Vec<&str> = created["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(headers, ["webhook-id", "webhook-timestamp", "webhook-signature"]);
        let body = &created["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(body["properties"]["data"]["$ref"], "#/components/schemas/Lead");
        assert_eq!(hooks["key.revoked"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["data"]["$ref"], "#/components/schemas/KeyEventData");
        for schema in ["Lead", "Property", "DeletedProperty", "KeyEventData", "WebhookTestData"] {
            assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
        }
        // What an endpoint can subscribe to: every type but `webhook.test`
        // (sent on demand; subscribing to it is a 422).
        let subscribable: Vec<&str> = all.iter().copied().filter(|e| *e != "webhook.test").collect();
        assert_eq!(doc["components"]["schemas"]["SubscribableEventType"]["enum"], serde_json::json!(subscribable));
        for body in ["NewWebhookEndpoint", "WebhookEndpointChanges"] {
            let field = doc["components"]["schemas"][body]["properties"]["event_types"].to_string();
            assert!(field.contains("#/components/schemas/SubscribableEventType") && !field.contains("schemas/EventType\""), "{body}: {field}");
        }

        let postman: Value = reqwest::get(app.url("/v1/postman.json")).await.unwrap().json().await.unwrap();
        assert_eq!(postman["info"]["schema"], "https://schema.getpostman.com/json/collection/v2.1.0/collection.json");
        let requests: Vec<&Value> = postman["item"].as_array().unwrap().iter().flat_map(|f| f["item"].as_array().unwrap()).collect();
        assert_eq!(requests.len(), OPERATIONS.len());
        let base = postman["variable"].as_array().unwrap().iter().find(|v| v["key"] == "baseUrl").unwrap();
        assert_eq!(base["value"], app.url(""));
        assert!(postman["variable"].as_array().unwrap().iter().any(|v| v["key"] == "token"));
        let import = requests.iter().find(|r| r["request"]["method"] == "POST" && r["request"]["url"]["raw"] == "{{baseUrl}}/v1/leads").unwrap();
        let body: Value = serde_json::from_str(import["request"]["body"]["raw"].as_str().unwrap()).unwrap();
        assert!(body.get("first_name").is_some() && body.get("external_id").is_some(), "{body}");
    }
}

on_both_engines! {
    async fn the_api_reference_page_lists_every_endpoint_with_its_scope_and_a_curl_example(engine) {
        let w = crate::keys::world(engine).await;
        let ada = w.app.signed_in("ada@acme.test").await;
        let (status, reference) = w.app.call_form(&ada, "get_api_reference", &[]).await;
        assert_eq!(status, 200, "{reference}");
        let endpoints = reference["endpoints"].as_array().unwrap();
        assert_eq!(endpoints.len(), OPERATIONS.len() + OAUTH_OPERATIONS.len());
        let token = endpoints.iter().find(|e| e["id"] == "oauthToken").unwrap();
        assert!(token["authentication"].as_str().unwrap().contains("HTTP Basic"), "{token}");
        let curl = token["curl"].as_str().unwrap();
        assert!(curl.contains("-u \"$CLIENT_ID:$CLIENT_SECRET\"") && curl.contains("-d \"code_verifier=$CODE_VERIFIER\""), "{curl}");
        assert!(!curl.contains("Bearer"), "{curl}");
        assert_eq!(reference["base_url"], w.app.url(""));
        let import = endpoints.iter().find(|e| e["id"] == "importLead").unwrap();
        assert_eq!((import["method"].as_str(), import["path"].as_str(), import["scope"].as_str()), (Some("POST"), Some("/v1/leads"), Some("write:leads")));
        let curl = import["curl"].as_str().unwrap();
        assert!(curl.starts_with(&format!("curl -X POST \"{}/v1/leads\"", w.app.url(""))), "{curl}");
        assert!(curl.contains("Authorization: Bearer $KEYWARD_TOKEN") && curl.contains("\"first_name\":\"Ana\""), "{curl}");
        assert_eq!(endpoints[0]["tag"], "Leads", "in the document's tag order");
        let me = endpoints.iter().find(|e| e["id"] == "getMe").unwrap();
        assert_eq!(me["scope"], serde_json::Value::Null);
        assert_eq!(w.app.call_form(&crate::helpers::client(), "get_api_reference", &[]).await.0, 401);
    }
}
