//! `/v1/postman.json`: a Postman v2.1 collection of the `/v1` requests, built
//! from the OpenAPI document, with sample bodies drawn from its schemas.

use serde_json::{json, Map, Value};

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
    // The /v1 requests, which take the token; the OAuth endpoints are for
    // an app's code (or Postman's own OAuth 2.0 authorization helper).
    let v1 = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(path, _)| path.starts_with("/v1/"));
    for (path, item) in v1 {
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
