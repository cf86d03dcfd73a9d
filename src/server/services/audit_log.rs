//! Reading the audit log: the Audit log page (filters, search, pages) and
//! a key's own page (its metadata, 30 days of requests, its trail).
//!
//! Super managers read every event of their agency; anyone else reads the
//! events of the keys they can see now. A key's page is [`key_detail`].

use chrono::DateTime;
use sea_orm::sea_query::{Alias, Expr, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::audit::SYSTEM_LABEL;
use super::key_list::{folded_contains, matching_ids, visible};
use super::keys::Caller;
use crate::domain::audit_action::AuditAction;
use crate::domain::role::Role;
use crate::entities::{api_key, audit_event};
use crate::models::audit::{AuditPage, AuditQuery, AuditRow, Choice, AUDIT_PER_PAGE};
use crate::models::query::PageNumber;

mod key_detail;

pub use key_detail::{key_detail, CHART_DAYS};

/// How the command line is named as an actor.
const COMMAND_LINE: &str = "command line";

fn reads_everything(caller: &Caller) -> bool {
    caller
        .actor
        .as_ref()
        .is_none_or(|actor| actor.role == Role::SuperManager)
}

/// The events `caller` may read.
fn readable(caller: &Caller) -> Condition {
    let agency = Condition::all().add(audit_event::Column::AgencyId.eq(caller.agency_id));
    if reads_everything(caller) {
        return agency;
    }
    let keys = Query::select()
        .column(api_key::Column::Id)
        .from(api_key::Entity)
        .cond_where(visible(caller))
        .to_owned();
    agency.add(audit_event::Column::KeyId.in_subquery(keys))
}

fn row(event: audit_event::Model) -> AuditRow {
    let details = serde_json::from_str(&event.details).unwrap_or(serde_json::Value::Null);
    AuditRow {
        id: event.id,
        at: event.created_at,
        actor: event.actor_label,
        details: describe(event.action, &details),
        action: event.action,
        key_id: event.key_id,
        key_name: event.key_name,
        ip: event.ip,
    }
}

fn actor_filter(actor: &str) -> Option<Condition> {
    let nobody = || {
        Condition::all()
            .add(audit_event::Column::ActorUserId.is_null())
            .add(audit_event::Column::ActorKeyId.is_null())
    };
    match actor.split_once(':') {
        Some(("user", id)) => {
            Some(Condition::all().add(audit_event::Column::ActorUserId.eq(id.parse::<i64>().ok()?)))
        }
        Some(("key", id)) => Some(Condition::all().add(audit_event::Column::ActorKeyId.eq(id))),
        None if actor == "system" => Some(nobody().add(audit_event::Column::ActorLabel.eq(SYSTEM_LABEL))),
        None if actor == "cli" => Some(nobody().add(audit_event::Column::ActorLabel.eq(COMMAND_LINE))),
        _ => None,
    }
}

/// One page of the log as `query` asks, newest first.
pub async fn list(db: &impl ConnectionTrait, caller: &Caller, query: AuditQuery) -> Result<AuditPage, DbErr> {
    let mut filter = readable(caller);
    if !query.key.is_empty() {
        filter = filter.add(audit_event::Column::KeyId.eq(query.key.as_str()));
    }
    if !query.actor.is_empty() {
        // An actor filter that names nobody matches nothing.
        filter = filter
            .add(actor_filter(&query.actor).unwrap_or_else(|| Condition::all().add(Expr::val(1).eq(0))));
    }
    if let Some(action) = query.action {
        filter = filter.add(audit_event::Column::Action.eq(action));
    }
    if let Some(kind) = query.kind {
        filter = filter.add(audit_event::Column::Action.is_in(kind.actions()));
    }
    if !query.q.is_empty() {
        filter = filter.add(folded_contains(audit_event::Column::SearchFolded, &query.q));
    }
    // A search reads its matches' ids first: one pass over the search
    // index (SQLite's covering `(agency_id, search_folded)`, PostgreSQL's
    // trigrams) that also counts them, then only those rows are read and
    // sorted. Walking the log newest first instead read every row for a
    // rare match (24 ms at 20,000 events on SQLite, issue 12). A common
    // match stops the pass early and walks the log, which it fills fast.
    let matches: Option<Vec<i64>> = if query.q.is_empty() {
        None
    } else {
        let matching = audit_event::Entity::find().filter(filter.clone());
        matching_ids(db, matching, audit_event::Column::Id).await?
    };
    let total = match &matches {
        Some(ids) => ids.len() as u64,
        None => {
            audit_event::Entity::find()
                .filter(filter.clone())
                .count(db)
                .await?
        }
    };
    let pages = total.div_ceil(AUDIT_PER_PAGE).max(1);
    let page = query.page.get().min(pages);
    let rows = match matches {
        Some(ids) => audit_event::Entity::find().filter(audit_event::Column::Id.is_in(ids)),
        None => audit_event::Entity::find().filter(filter),
    }
    .order_by_desc(audit_event::Column::CreatedAt)
    .order_by_desc(audit_event::Column::Id)
    .offset((page - 1) * AUDIT_PER_PAGE)
    .limit(AUDIT_PER_PAGE)
    .all(db)
    .await?
    .into_iter()
    .map(row)
    .collect();
    let (keys, actors) = choices(db, caller, &query).await?;
    Ok(AuditPage {
        rows,
        total,
        pages,
        query: AuditQuery {
            page: PageNumber::clamped(page),
            ..query
        },
        keys,
        actors,
    })
}

/// How many keys and actors the filters offer: those with the latest events.
const CHOICES: u64 = 50;

/// The latest events the filters' choices are drawn from. A log of any
/// length costs the same: without the bound, grouping every event of the
/// agency made up most of the page's time (21 ms at 20,000 events on
/// PostgreSQL, issue 12). Whenever these events name 50 keys (or people),
/// the choices are exactly the 50 with the latest events; a key or person
/// whose latest event is older is found by search, or from its own page
/// (which links to the log filtered by it: the filtered key is always
/// offered).
const CHOICES_WINDOW: u64 = 2_000;

/// Runs a grouped query over the latest [`CHOICES_WINDOW`] readable events
/// (`recent`), newest group first, at most [`CHOICES`] groups.
async fn latest_groups(
    db: &impl ConnectionTrait,
    caller: &Caller,
    columns: &[audit_event::Column],
    only: Option<Condition>,
) -> Result<Vec<sea_orm::QueryResult>, DbErr> {
    let mut recent = Query::select();
    recent
        .columns([audit_event::Column::Id])
        .columns(columns.iter().copied())
        .from(audit_event::Entity)
        .cond_where(readable(caller));
    if let Some(only) = only {
        recent.cond_where(only);
    }
    // The page's own order, which its index serves: by id alone, SQLite
    // sorted every event of the agency first (14 ms at 20,000).
    recent
        .order_by(audit_event::Column::CreatedAt, Order::Desc)
        .order_by(audit_event::Column::Id, Order::Desc)
        .limit(CHOICES_WINDOW);
    let mut grouped = Query::select();
    grouped
        .columns(columns.iter().copied())
        .expr_as(Expr::col(audit_event::Column::Id).max(), Alias::new("latest"))
        .from_subquery(recent, Alias::new("recent"))
        .group_by_columns(columns.iter().copied())
        .order_by(Alias::new("latest"), Order::Desc)
        .limit(CHOICES);
    let statement = db.get_database_backend().build(&grouped);
    db.query_all(statement).await
}

/// The keys and actors with the latest readable events, for the filters
/// (each key under its latest name), plus the key the query names.
async fn choices(
    db: &impl ConnectionTrait,
    caller: &Caller,
    query: &AuditQuery,
) -> Result<(Vec<Choice>, Vec<Choice>), DbErr> {
    let latest = Expr::col(audit_event::Column::Id).max();
    let key_rows = latest_groups(
        db,
        caller,
        &[audit_event::Column::KeyId],
        Some(Condition::all().add(audit_event::Column::KeyId.is_not_null())),
    )
    .await?;
    let mut key_events = Vec::with_capacity(key_rows.len());
    for row in key_rows {
        let key: Option<String> = row.try_get("", "key_id")?;
        let id: i64 = row.try_get("", "latest")?;
        key_events.push((key, id));
    }
    let mut wanted: Vec<i64> = key_events.iter().map(|(_, id)| *id).collect();
    // The chosen key stays a choice however old its events.
    if !query.key.is_empty()
        && !key_events
            .iter()
            .any(|(k, _)| k.as_deref() == Some(query.key.as_str()))
    {
        let chosen: Option<i64> = audit_event::Entity::find()
            .select_only()
            .column_as(latest, "latest")
            .filter(readable(caller).add(audit_event::Column::KeyId.eq(query.key.as_str())))
            .into_tuple()
            .one(db)
            .await?
            .flatten();
        wanted.extend(chosen);
    }
    let mut keys: Vec<Choice> = audit_event::Entity::find()
        .select_only()
        .columns([audit_event::Column::KeyId, audit_event::Column::KeyName])
        .filter(audit_event::Column::Id.is_in(wanted))
        .into_tuple::<(Option<String>, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, name)| {
            let id = id?;
            Some(Choice {
                label: name.unwrap_or_else(|| id.clone()),
                value: id,
            })
        })
        .collect();
    let actor_rows = latest_groups(
        db,
        caller,
        &[
            audit_event::Column::ActorUserId,
            audit_event::Column::ActorKeyId,
            audit_event::Column::ActorLabel,
        ],
        None,
    )
    .await?;
    let mut actors = Vec::with_capacity(actor_rows.len());
    for row in actor_rows {
        let user: Option<i64> = row.try_get("", "actor_user_id")?;
        let key: Option<String> = row.try_get("", "actor_key_id")?;
        let label: String = row.try_get("", "actor_label")?;
        actors.push(Choice {
            value: match (user, key) {
                (Some(user), _) => format!("user:{user}"),
                (None, Some(key)) => format!("key:{key}"),
                (None, None) if label == SYSTEM_LABEL => "system".to_owned(),
                (None, None) => "cli".to_owned(),
            },
            label,
        });
    }
    // A user renamed between events appears once, under a name they had.
    actors.sort_by(|a, b| a.value.cmp(&b.value));
    actors.dedup_by(|a, b| a.value == b.value);
    keys.sort_by_key(|c| c.label.to_lowercase());
    actors.sort_by_key(|c| c.label.to_lowercase());
    Ok((keys, actors))
}

/// Turns an event's stored details (a JSON object) into a line for people.
/// An object's entries by name, whatever order serde_json keeps them in.
fn sorted(
    object: &serde_json::Map<String, serde_json::Value>,
) -> impl Iterator<Item = (&String, &serde_json::Value)> {
    let mut entries: Vec<_> = object.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries.into_iter()
}

pub fn describe(action: AuditAction, details: &serde_json::Value) -> String {
    use serde_json::Value;
    fn text(v: &Value) -> String {
        match v {
            // Moments (expiry, a roll's grace) as people read them, in UTC.
            Value::String(s) => match DateTime::parse_from_rfc3339(s) {
                Ok(at) => at.to_utc().format("%b %-d, %Y, %H:%M UTC").to_string(),
                Err(_) => s.clone(),
            },
            Value::Null => "none".to_owned(),
            Value::Array(items) if items.is_empty() => "anywhere".to_owned(),
            Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
            // A key reassigned: "Import to Sam Super".
            Value::Object(o) if o.contains_key("key") && o.contains_key("to") => {
                format!("{} to {}", text(&o["key"]), text(&o["to"]))
            }
            Value::Object(o) => sorted(o)
                .filter(|(_, v)| !matches!(v, Value::Null) && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(name, value)| format!("{} {}", name.replace('_', " "), text(value)))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        }
    }
    let get = |name: &str| details.get(name).filter(|v| !v.is_null());
    // Whom or which workspace the event is about: named first.
    let subject = ["person", "workspace"]
        .into_iter()
        .find_map(|name| get(name)?.get("name")?.as_str().map(|n| format!("{n}: ")))
        .unwrap_or_default();
    if let (Some(from), Some(to)) = (get("from"), get("to")) {
        let unit = action.unit();
        let (from, to) = match (from, to) {
            (Value::Array(f), Value::Array(t)) if f.is_empty() || t.is_empty() => {
                let none = |v: &Vec<Value>| {
                    if v.is_empty() {
                        "none".to_owned()
                    } else {
                        text(&Value::Array(v.clone()))
                    }
                };
                if action == AuditAction::WorkspacesChanged {
                    (none(f), none(t))
                } else {
                    (text(from), text(to))
                }
            }
            _ => (text(from), text(to)),
        };
        return format!("{subject}from {from}{unit} to {to}{unit}");
    }
    let Some(object) = details.as_object() else {
        return String::new();
    };
    let rest = sorted(object)
        .filter(|(name, v)| {
            !v.is_null() && !["person", "workspace", "from_id", "to_id"].contains(&name.as_str())
        })
        .map(|(name, value)| format!("{}: {}", name.replace('_', " "), text(value)))
        .collect::<Vec<_>>()
        .join("; ");
    match (subject.is_empty(), rest.is_empty()) {
        (true, _) => rest,
        (false, true) => subject.trim_end_matches(": ").to_owned(),
        (false, false) => format!("{subject}{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_read_as_sentences() {
        assert_eq!(
            describe(AuditAction::Renamed, &json!({"from": "A", "to": "B"})),
            "from A to B"
        );
        assert_eq!(
            describe(AuditAction::RateLimitChanged, &json!({"from": 100, "to": 5})),
            "from 100 requests/s to 5 requests/s"
        );
        assert_eq!(
            describe(
                AuditAction::AllowlistChanged,
                &json!({"from": [], "to": ["10.0.0.0/8", "::1"]})
            ),
            "from anywhere to 10.0.0.0/8, ::1"
        );
        assert_eq!(
            describe(
                AuditAction::Rolled,
                &json!({"grace": "1 hour", "old_secret_valid_until": null})
            ),
            "grace: 1 hour"
        );
        let rolled = json!({"grace": "7 days", "old_secret_valid_until": "2026-11-30T17:54:55.366720372Z"});
        assert_eq!(
            describe(AuditAction::Rolled, &rolled),
            "grace: 7 days; old secret valid until: Nov 30, 2026, 17:54 UTC"
        );
        assert_eq!(describe(AuditAction::Revoked, &json!({})), "");
    }

    #[test]
    fn people_and_workspace_events_name_whom_they_are_about() {
        let person = json!({"id": 4, "name": "Max Manager", "email": "max@acme.test"});
        assert_eq!(
            describe(
                AuditAction::RoleChanged,
                &json!({"person": person, "from": "Manager", "to": "Agent"})
            ),
            "Max Manager: from Manager to Agent"
        );
        assert_eq!(
            describe(
                AuditAction::WorkspacesChanged,
                &json!({"person": person, "from": [], "to": ["Downtown", "Uptown"]})
            ),
            "Max Manager: from none to Downtown, Uptown"
        );
        assert_eq!(
            describe(AuditAction::PersonEnabled, &json!({"person": person})),
            "Max Manager"
        );
        let disabled = json!({
            "person": person,
            "keys": {"reassigned": [{"key": "Import", "to": "Sam Super"}], "revoked": ["Old"], "left": []},
            "sessions_ended": 2,
            "oauth_grants_revoked": 0,
        });
        assert_eq!(
            describe(AuditAction::PersonDisabled, &disabled),
            "Max Manager: keys: reassigned Import to Sam Super, revoked Old; oauth grants revoked: 0; sessions ended: 2"
        );
        assert_eq!(
            describe(
                AuditAction::KeyReassigned,
                &json!({"from": "Max Manager", "to": "Sam Super", "from_id": 4, "to_id": 1})
            ),
            "from Max Manager to Sam Super"
        );
        assert_eq!(
            describe(
                AuditAction::WorkspaceArchived,
                &json!({"workspace": {"id": 2, "name": "Uptown"}, "keys": 3})
            ),
            "Uptown: keys: 3"
        );
    }
}
