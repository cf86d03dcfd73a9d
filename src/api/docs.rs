//! The API described from its own code: `/v1/openapi.json` (OpenAPI 3.1,
//! from the handlers' `utoipa::path` annotations and the DTOs' schemas) and
//! `/v1/postman.json`, a Postman v2.1 collection built from that document.
use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{agents, keys, leads, me, properties};
use crate::domain::scopes::Scope;
use crate::models::reference::{ApiReference, Endpoint, EndpointParameter, EndpointResponse};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "keyward API",
        description = "Import and update leads, keep listings in sync, read agents and lead \
            analytics, and manage API keys. Authenticate with `Authorization: Bearer <token>`, \
            or with the pair `X-API-Key: kw_live_{id}` and `X-API-Secret: <secret>`. A test key \
            (`kw_test_…`) reads and writes test data only. Every error is \
            `{\"error\":{\"code\":…,\"message\":…}}`.",
    ),
    servers((url = "/", description = "The keyward server serving this document")),
    paths(
        me::me,
        leads::import, leads::list, leads::get, leads::update,
        properties::upsert, properties::list, properties::get, properties::delete,
        agents::list,
        leads::analytics,
        keys::list, keys::create, keys::delete,
    ),
    modifiers(&Security, &RequiredScopes),
    tags(
        (name = "Leads", description = "People interested in a property, imported by keys"),
        (name = "Properties", description = "Listings kept in sync by their external id"),
        (name = "Agents", description = "The agency's people"),
        (name = "Analytics", description = "Counts of what keys imported"),
        (name = "Keys", description = "The calling key, and key management (scope admin)"),
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
                    .description(Some("The whole token, as the dashboard showed it once"))
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
pub const REQUIRED_SCOPES: [(&str, Scope); 13] = [
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
];

struct RequiredScopes;

impl Modify for RequiredScopes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let id = operation.operation_id.as_deref().unwrap_or("");
                if let Some((_, scope)) = REQUIRED_SCOPES.iter().find(|(op, _)| *op == id) {
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

/// The document as JSON, built once.
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        doc.to_pretty_json().expect("the OpenAPI document serializes")
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

/// Postman v2.1: one folder per tag, one request per operation, bearer
/// auth from the `token` variable, `baseUrl` for the server.
pub fn postman_collection(doc: &Value, base_url: &str) -> Value {
    let mut folders: Vec<(String, Vec<Value>)> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(|n| (n.to_owned(), Vec::new())))
        .collect();
    let schemas = &doc["components"]["schemas"];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let tag = operation["tags"][0].as_str().unwrap_or("Other").to_owned();
            let request = postman_request(path, method, operation, schemas);
            match folders.iter_mut().find(|(name, _)| *name == tag) {
                Some((_, items)) => items.push(request),
                None => folders.push((tag, vec![request])),
            }
        }
    }
    json!({
        "info": {
            "name": doc["info"]["title"],
            "description": doc["info"]["description"],
            "version": doc["info"]["version"],
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "auth": {
            "type": "bearer",
            "bearer": [{ "key": "token", "value": "{{token}}", "type": "string" }],
        },
        "variable": [
            { "key": "baseUrl", "value": base_url, "type": "string" },
            { "key": "token", "value": "", "type": "string", "description": "Paste the token the dashboard showed once" },
        ],
        "item": folders
            .into_iter()
            .filter(|(_, items)| !items.is_empty())
            .map(|(name, items)| json!({ "name": name, "item": items }))
            .collect::<Vec<_>>(),
    })
}

fn postman_request(path: &str, method: &str, operation: &Value, schemas: &Value) -> Value {
    let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
    let of = |place: &str| {
        parameters
            .iter()
            .filter(move |p| p["in"] == place)
            .cloned()
            .collect::<Vec<_>>()
    };
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => format!(":{name}"),
            None => s.to_owned(),
        })
        .collect();
    let raw = format!("{{{{baseUrl}}}}/{}", segments.join("/"));
    let mut url = json!({
        "raw": raw,
        "host": ["{{baseUrl}}"],
        "path": segments,
    });
    let variables: Vec<Value> = of("path")
        .iter()
        .map(|p| json!({ "key": p["name"], "value": "", "description": p["description"] }))
        .collect();
    if !variables.is_empty() {
        url["variable"] = Value::Array(variables);
    }
    let query: Vec<Value> = of("query")
        .iter()
        .map(|p| json!({ "key": p["name"], "value": "", "disabled": true, "description": p["description"] }))
        .collect();
    if !query.is_empty() {
        url["query"] = Value::Array(query);
    }
    let name = operation["summary"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
    let mut request = json!({
        "method": method.to_uppercase(),
        "header": [],
        "url": url,
        "description": operation["description"].as_str().or(operation["summary"].as_str()).unwrap_or(""),
    });
    if let Some(schema) = operation["requestBody"]["content"]["application/json"]["schema"].as_object() {
        let body = sample(&Value::Object(schema.clone()), schemas, 0);
        request["header"] = json!([{ "key": "Content-Type", "value": "application/json" }]);
        request["body"] = json!({
            "mode": "raw",
            "raw": serde_json::to_string_pretty(&body).unwrap_or_default(),
            "options": { "raw": { "language": "json" } },
        });
    }
    json!({ "name": name, "request": request })
}

/// A plausible value of `schema`, to start a request body from.
pub fn sample(schema: &Value, schemas: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or("");
        return sample(&schemas[name], schemas, depth + 1);
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema["examples"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[combinator]
            .as_array()
            .and_then(|all| all.iter().find(|s| s["type"] != "null"))
        {
            return sample(first, schemas, depth + 1);
        }
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        // Only what a first request needs: the required fields and those with an example.
        Some("object") => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut object = Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                if required.contains(&name.as_str())
                    || property.get("example").is_some()
                    || property.get("examples").is_some()
                {
                    object.insert(name.clone(), sample(property, schemas, depth + 1));
                }
            }
            Value::Object(object)
        }
        Some("array") => json!([sample(&schema["items"], schemas, depth + 1)]),
        Some("integer") => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        Some("number") => json!(1.0),
        Some("boolean") => json!(false),
        Some("string") => json!(""),
        _ => Value::Null,
    }
}

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
            let example_path = path.replace(
                "{id}",
                match (method, path.as_str()) {
                    ("put", _) => "MLS-1042",
                    (_, p) if p.starts_with("/v1/keys") => "AbCdEf123456",
                    _ => "42",
                },
            );
            let mut curl = format!(
                "curl -X {} \"{base_url}{example_path}\" \\\n  -H \"Authorization: Bearer $KEYWARD_TOKEN\"",
                method.to_uppercase()
            );
            if let Some(body) = &body {
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
                id: operation["operationId"].as_str().unwrap_or("").to_owned(),
                tag: operation["tags"][0].as_str().unwrap_or("").to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: operation["summary"].as_str().unwrap_or("").to_owned(),
                description: operation["description"].as_str().unwrap_or("").to_owned(),
                scope: operation["x-required-scope"].as_str().map(str::to_owned),
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
