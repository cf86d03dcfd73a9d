//! Leads, properties, agents and lead analytics as `/v1` and the dashboard
//! exchange them. Request bodies refuse unknown fields, so a typo is a 422
//! naming it rather than a value silently dropped.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::crm::{LeadStatus, PropertyStatus};
use crate::domain::environment::Environment;

/// The key that wrote a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SourceKey {
    /// The key's public id; kept after the key is removed, as a record of
    /// where the data came from.
    pub id: String,
    pub name: String,
}

/// A lead: someone interested, imported by a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: i64,
    pub workspace_id: i64,
    pub environment: Environment,
    /// The id in the client's own system, unique per key and environment.
    pub external_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// Where the lead came from, in the client's words (a portal, a campaign).
    pub source: String,
    pub status: LeadStatus,
    pub notes: String,
    /// The key that imported it: the only key that may update it.
    pub source_key: Option<SourceKey>,
    /// The user the importing key acted as.
    pub acting_user_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new lead. At least one of the names, the email or the phone is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    /// Required for an agency-wide key when the agency has several
    /// workspaces; a workspace key writes to its own workspace.
    #[serde(default)]
    pub workspace_id: Option<i64>,
    /// Makes the import idempotent: the same key sending the same
    /// `external_id` again gets the lead it created (200), not a new one.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    #[cfg_attr(feature = "ssr", schema(example = "zillow-58213"))]
    pub external_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    #[cfg_attr(feature = "ssr", schema(example = "Ana"))]
    pub first_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    #[cfg_attr(feature = "ssr", schema(example = "Lima"))]
    pub last_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 254))]
    #[cfg_attr(feature = "ssr", schema(example = "ana.lima@example.com"))]
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 40))]
    #[cfg_attr(feature = "ssr", schema(example = "+1 555 010 2030"))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    #[cfg_attr(feature = "ssr", schema(example = "Zillow"))]
    pub source: Option<String>,
    #[serde(default)]
    pub status: Option<LeadStatus>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 10000))]
    #[cfg_attr(feature = "ssr", schema(example = "Asked about the garden flat"))]
    pub notes: Option<String>,
}

/// Changes to a lead: only the fields sent change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadChanges {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = "contacted"))]
    pub status: Option<LeadStatus>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(example = "Viewing booked for Saturday"))]
    pub notes: Option<String>,
}

/// Which leads a list returns (all filters optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct LeadFilter {
    /// Text in the name, email or phone, ignoring case.
    pub q: Option<String>,
    pub status: Option<LeadStatus>,
    /// Exactly this source.
    pub source: Option<String>,
    pub workspace_id: Option<i64>,
    /// Only leads imported by this key (its public id).
    pub source_key_id: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1–100 (default 25).
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

/// One page of leads, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadList {
    pub data: Vec<Lead>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A listing, kept in sync by its `external_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Property {
    pub id: i64,
    pub workspace_id: i64,
    pub environment: Environment,
    pub external_id: String,
    pub title: String,
    pub address: String,
    pub city: String,
    /// Asking price in cents of the agency's currency.
    pub price_cents: Option<i64>,
    pub bedrooms: Option<i32>,
    pub status: PropertyStatus,
    /// The key that wrote it last.
    pub source_key: Option<SourceKey>,
    pub acting_user_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A whole listing: `PUT` replaces every field (absent ones become empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PropertyInput {
    /// As for leads: required for an agency-wide key in an agency with
    /// several workspaces.
    #[serde(default)]
    pub workspace_id: Option<i64>,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 300))]
    #[cfg_attr(feature = "ssr", schema(example = "Two-bed garden flat"))]
    pub title: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 300))]
    #[cfg_attr(feature = "ssr", schema(example = "14 Elm Street"))]
    pub address: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    #[cfg_attr(feature = "ssr", schema(example = "Springfield"))]
    pub city: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 100_000_000_000_i64))]
    #[cfg_attr(feature = "ssr", schema(example = 25000000))]
    pub price_cents: Option<i64>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 1000))]
    #[cfg_attr(feature = "ssr", schema(example = 2))]
    pub bedrooms: Option<i32>,
    #[serde(default)]
    pub status: Option<PropertyStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PropertyFilter {
    /// Text in the title, address or city, ignoring case.
    pub q: Option<String>,
    pub status: Option<PropertyStatus>,
    pub workspace_id: Option<i64>,
    pub cursor: Option<String>,
    /// Rows per page, 1–100 (default 25).
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PropertyList {
    pub data: Vec<Property>,
    pub next_cursor: Option<String>,
}

/// A person of the agency whom leads can be assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Agent {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// `super_manager`, `manager` or `agent`.
    pub role: String,
    /// The workspaces they are a member of (super managers reach all).
    pub workspace_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AgentList {
    pub data: Vec<Agent>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// First day (UTC, `YYYY-MM-DD`), default 29 days before `to`.
    #[cfg_attr(feature = "ssr", param(format = Date))]
    pub from: Option<String>,
    /// Last day (UTC, `YYYY-MM-DD`), default today; at most 366 days after `from`.
    #[cfg_attr(feature = "ssr", param(format = Date))]
    pub to: Option<String>,
    pub workspace_id: Option<i64>,
}

/// Leads created per day and per source in a range of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadAnalytics {
    pub from: String,
    pub to: String,
    pub total: i64,
    /// Every day of the range, oldest first, zeros included.
    pub by_day: Vec<DayCount>,
    /// Sources by count, largest first; leads without a source count as "".
    pub by_source: Vec<SourceCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayCount {
    pub date: String,
    pub leads: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SourceCount {
    pub source: String,
    pub leads: i64,
}
