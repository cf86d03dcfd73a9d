//! The API reference page: every `/v1` operation as the dashboard shows it,
//! built on the server from the OpenAPI document.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    /// This server, as the browser reached it.
    pub base_url: String,
    pub version: String,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The OpenAPI operation id, also the section's anchor.
    pub id: String,
    pub tag: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// The scope a key needs; `None`: any key.
    pub scope: Option<String>,
    /// For an endpoint that takes no key (the OAuth endpoints): how the
    /// caller authenticates, shown instead of the scope.
    pub authentication: Option<String>,
    pub parameters: Vec<EndpointParameter>,
    pub curl: String,
    pub responses: Vec<EndpointResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointParameter {
    pub name: String,
    /// `path` or `query`.
    pub place: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointResponse {
    pub status: String,
    pub description: String,
}
