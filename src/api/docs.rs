//! The API described from its own code: `/v1/openapi.json` (OpenAPI 3.1,
//! from the handlers' `utoipa::path` annotations and the DTOs' schemas) and
//! `/v1/postman.json`, a Postman v2.1 collection built from that document.
//!
//! [`postman`] builds the collection; [`reference`] the dashboard's API
//! reference page, from the same document.
mod postman;
mod reference;

pub use postman::{postman_collection, sample};
pub use reference::reference;

use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, AuthorizationCode, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

use super::{agents, keys, leads, me, properties, session_tokens, webhooks};
use crate::domain::oauth::scope::grantable;
use crate::domain::oauth::scope::may_be_granted;
use crate::domain::scopes::Scope;
use crate::domain::webhook_event::EventType;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "keyward API",
        description = "Import and update leads, keep listings in sync, read agents and lead \
            analytics, and manage API keys. Authenticate with `Authorization: Bearer <token>`, \
            or with the pair `X-API-Key: kw_live_{id}` and `X-API-Secret: <secret>`. A test key \
            (`kw_test_…`) reads and writes test data only. Every error is \
            `{\"error\":{\"code\":…,\"message\":…}}`. An app registered under Developer \
            Settings › OAuth apps acts for a person with an OAuth 2.0 access token (`kw_oat_…`) \
            instead; the OAuth endpoints answer RFC 6749 errors `{\"error\":…,\"error_description\":…}`. \
            A browser page uses a session token (`kw_sess_live_…`, at most 24 hours) that its \
            backend mints from a key with `POST /v1/session_tokens`; `/v1` answers such pages with \
            CORS for the token's exact origins, and never answers a request made with a key with \
            CORS headers (a key belongs in a backend).",
    ),
    servers((url = "/", description = "The keyward server serving this document")),
    paths(
        me::me,
        leads::import, leads::list, leads::get, leads::update,
        properties::upsert, properties::list, properties::get, properties::delete,
        agents::list,
        leads::analytics,
        keys::list, keys::create, keys::delete,
        session_tokens::create, session_tokens::revoke_current, session_tokens::revoke,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::test, webhooks::rotate_secret, webhooks::deliveries, webhooks::resend, webhooks::recover,
        crate::oauth::authorize::authorize_get,
        crate::oauth::authorize::authorize_post,
        crate::oauth::token::token,
        crate::oauth::revocation::revoke,
        crate::oauth::revocation::introspect,
        crate::oauth::metadata::metadata,
    ),
    components(schemas(
        crate::server::webhooks::events::KeyEventData,
        crate::server::services::properties::DeletedProperty,
        WebhookTestData,
    )),
    modifiers(&Security, &RequiredScopes),
    tags(
        (name = "Leads", description = "People interested in a property, imported by keys"),
        (name = "Properties", description = "Listings kept in sync by their external id"),
        (name = "Agents", description = "The agency's people"),
        (name = "Analytics", description = "Counts of what keys imported"),
        (name = "Keys", description = "The calling key, and key management (scope admin)"),
        (name = "Session tokens", description = "Short-lived tokens a key's backend mints for a browser \
            page: at most 24 hours, never more scopes than the key (never admin or webhooks), counted \
            on the key and held to its rate limit, usable from their allowed origins through CORS, \
            revoked one by one or with the key"),
        (name = "Webhooks", description = "Endpoints that receive the agency's events as they happen, \
            signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 \
            HMAC-SHA256>) and retried for about 3 days; their delivery log, test events, resending and \
            secret rotation (scope webhooks). The event payloads are under `webhooks`"),
        (name = "OAuth 2.0", description = "Apps acting for a person: the authorization code grant \
            with PKCE, rotating refresh tokens, revocation and introspection. An access token works \
            on /v1 like a key, as the person, with the scopes granted"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kw_{live|test}_{id}_{secret}")
                    .description(Some(
                        "The key's whole token, as the dashboard showed it once; or a session token \
                         (kw_sess_{live|test}_{id}_{secret}) a backend minted for a browser page",
                    ))
                    .build(),
            ),
        );
        let scopes = Scopes::from_iter(grantable().map(|s| (s.as_str(), s.description())));
        let flow =
            AuthorizationCode::with_refresh_url("/oauth/authorize", "/oauth/token", scopes, "/oauth/token");
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::AuthorizationCode(flow)],
                "An app's access token (kw_oat_…), as Authorization: Bearer; PKCE S256 is required",
            )),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "The app's client id and secret (RFC 6749 §2.3.1); or client_id and \
                         client_secret in the body instead",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "The key's public half, kw_live_{id}; send with X-API-Secret",
            ))),
        );
        components.add_security_scheme(
            "api_secret",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Secret",
                "The secret the dashboard showed once; send with X-API-Key",
            ))),
        );
    }
}

/// The scope each operation needs (absent: any key), published as
/// `x-required-scope`; the scope-matrix test reads it back and checks it.
pub const REQUIRED_SCOPES: [(&str, Scope); 23] = [
    ("importLead", Scope::WriteLeads),
    ("listLeads", Scope::ReadLeads),
    ("getLead", Scope::ReadLeads),
    ("updateLead", Scope::WriteLeads),
    ("upsertProperty", Scope::WriteProperties),
    ("listProperties", Scope::ReadProperties),
    ("getProperty", Scope::ReadProperties),
    ("deleteProperty", Scope::WriteProperties),
    ("listAgents", Scope::ReadAgents),
    ("leadAnalytics", Scope::ReadAnalytics),
    ("listKeys", Scope::Admin),
    ("createKey", Scope::Admin),
    ("deleteKey", Scope::Admin),
    ("listWebhookEndpoints", Scope::Webhooks),
    ("createWebhookEndpoint", Scope::Webhooks),
    ("getWebhookEndpoint", Scope::Webhooks),
    ("updateWebhookEndpoint", Scope::Webhooks),
    ("deleteWebhookEndpoint", Scope::Webhooks),
    ("testWebhookEndpoint", Scope::Webhooks),
    ("rotateWebhookSecret", Scope::Webhooks),
    ("listWebhookDeliveries", Scope::Webhooks),
    ("resendWebhookMessage", Scope::Webhooks),
    ("recoverWebhookMessages", Scope::Webhooks),
];

struct RequiredScopes;

impl Modify for RequiredScopes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let id = operation.operation_id.as_deref().unwrap_or("");
                let scope = REQUIRED_SCOPES.iter().find(|(op, _)| *op == id).map(|(_, s)| *s);
                // A /v1 operation (it takes a key) also takes an app's access
                // token when its scope may be granted to apps; session tokens
                // are minted by keys and revoked by keys and themselves only.
                let keyed = path.starts_with("/v1/")
                    && !path.starts_with("/v1/session_tokens")
                    && operation.security.as_ref().is_some_and(|s| !s.is_empty());
                if keyed && scope.is_none_or(may_be_granted) {
                    let needs: Vec<&str> = scope.map(Scope::as_str).into_iter().collect();
                    operation
                        .security
                        .get_or_insert_with(Vec::new)
                        .push(SecurityRequirement::new("oauth2", needs));
                }
                if let Some(scope) = scope {
                    let extension = utoipa::openapi::extensions::ExtensionsBuilder::new()
                        .add("x-required-scope", scope.as_str())
                        .build();
                    operation
                        .extensions
                        .get_or_insert_with(Default::default)
                        .merge(extension);
                }
            }
        }
    }
}

/// The `data` of a `webhook.test` event.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct WebhookTestData {
    /// The endpoint the test was sent to.
    endpoint_id: String,
    /// A sentence for people reading their logs.
    message: String,
    /// Who asked for it, as the audit log names them.
    requested_by: String,
}

/// The schema each event's `data` follows.
fn event_data_schema(event: EventType) -> &'static str {
    match event {
        EventType::LeadCreated | EventType::LeadUpdated => "Lead",
        EventType::PropertyCreated | EventType::PropertyUpdated => "Property",
        EventType::PropertyDeleted => "DeletedProperty",
        EventType::WebhookTest => "WebhookTestData",
        _ => "KeyEventData",
    }
}

/// The OpenAPI 3.1 `webhooks` object: one entry per event type, the
/// request keyward sends (Standard Webhooks headers, the JSON envelope) and
/// what the receiver answers.
fn webhooks_section() -> Value {
    let header = |name: &str, description: &str, example: &str| {
        serde_json::json!({
            "name": name, "in": "header", "required": true, "description": description,
            "schema": {"type": "string"}, "example": example,
        })
    };
    let parameters = serde_json::json!([
        header("webhook-id", "The message's id: the same on every attempt (deduplicate on it)", "msg_2hJ8kQ4bX7nP0sL3vT6wY9zC"),
        header("webhook-timestamp", "Unix seconds when this attempt was signed; refuse it more than 5 minutes off", "1764766800"),
        header("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`: one per secret in use (two for 24 hours after a rotation); any one matching verifies", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    ]);
    let mut hooks = serde_json::Map::new();
    for event in EventType::ALL {
        let body = serde_json::json!({
            "type": "object",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "const": event.as_str()},
                "timestamp": {"type": "string", "format": "date-time", "description": "When the event happened (UTC)"},
                "data": {"$ref": format!("#/components/schemas/{}", event_data_schema(event))},
            },
        });
        hooks.insert(
            event.as_str().to_owned(),
            serde_json::json!({"post": {
                "operationId": format!("webhook_{}", event.as_str().replace('.', "_")),
                "summary": event.description(),
                "tags": ["Webhooks"],
                "parameters": parameters,
                "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
                "responses": {
                    "2XX": {"description": "Received: any 2xx within 15 s"},
                    "410": {"description": "Gone: keyward disables the endpoint"},
                    "429": {"description": "Later: a Retry-After (seconds or a date) is honoured, within 1 s to 24 h (so are 502, 503 and 504)"},
                },
            }}),
        );
    }
    Value::Object(hooks)
}

/// `webhook.test` is sent on demand and never subscribed to (a 422): the
/// request bodies that subscribe name `SubscribableEventType`, the event
/// types without it, so clients generated from the document cannot send it.
fn subscribable_event_types(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let mut subscribable = schemas["EventType"].clone();
    if let Some(names) = subscribable["enum"].as_array_mut() {
        names.retain(|name| name != EventType::WebhookTest.as_str());
    }
    subscribable["description"] =
        "An event type an endpoint can subscribe to (every type but `webhook.test`).".into();
    schemas["SubscribableEventType"] = subscribable;
    fn point(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if map.get("$ref").and_then(Value::as_str) == Some("#/components/schemas/EventType") {
                    map.insert("$ref".into(), "#/components/schemas/SubscribableEventType".into());
                }
                map.values_mut().for_each(point);
            }
            Value::Array(items) => items.iter_mut().for_each(point),
            _ => {}
        }
    }
    for body in ["NewWebhookEndpoint", "WebhookEndpointChanges"] {
        point(&mut schemas[body]["properties"]["event_types"]);
    }
}

/// The document as JSON, built once.
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        let mut doc = serde_json::to_value(&doc).expect("the OpenAPI document serializes");
        doc["webhooks"] = webhooks_section();
        subscribable_event_types(&mut doc);
        serde_json::to_string_pretty(&doc).expect("the OpenAPI document serializes")
    })
}

fn json_response(body: String) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub async fn openapi() -> Response {
    json_response(openapi_json().to_owned())
}

/// The collection's base URL defaults to the address the client used.
pub async fn postman(headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:3000");
    let doc: Value = serde_json::from_str(openapi_json()).expect("our own JSON parses");
    json_response(postman_collection(&doc, &format!("http://{host}")).to_string())
}
