//! What leads and properties share: which records a caller reaches, the
//! stamp on what a key writes, the workspace a write lands in, and errors.
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::crm::{page_limit, Cursor};
use crate::domain::environment::Environment;
use crate::entities::workspace;
use crate::models::FieldIssue;
use crate::server::key_cache::KeyRecord;

/// The records a caller can see and change: one agency, one environment,
/// and either every workspace or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub agency_id: i64,
    /// `None`: every workspace of the agency (an agency-wide key).
    pub workspace_id: Option<i64>,
    pub environment: Environment,
}

impl Reach {
    pub fn of_key(key: &KeyRecord) -> Self {
        Self {
            agency_id: key.agency_id,
            workspace_id: key.workspace.as_ref().map(|(id, _)| *id),
            environment: key.environment,
        }
    }

    /// The rows of `agency`, `workspace` and `environment` columns this reach covers.
    pub fn condition(
        &self,
        agency: impl ColumnTrait,
        workspace: impl ColumnTrait,
        environment: impl ColumnTrait,
    ) -> Condition {
        let mut condition = Condition::all()
            .add(agency.eq(self.agency_id))
            .add(environment.eq(self.environment.as_str()));
        if let Some(id) = self.workspace_id {
            condition = condition.add(workspace.eq(id));
        }
        condition
    }
}

/// Who wrote a record: the key and the user it acts as.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    pub key_id: &'a str,
    pub key_name: &'a str,
    pub acting_user_id: i64,
}

impl<'a> Stamp<'a> {
    pub fn of_key(key: &'a KeyRecord) -> Self {
        Self {
            key_id: &key.id,
            key_name: &key.name,
            acting_user_id: key.acting_as.id,
        }
    }
}

pub use super::error::ServiceError;

/// Collects refused fields, then answers all of them at once.
#[derive(Debug, Default)]
pub struct Issues(Vec<FieldIssue>);

impl Issues {
    pub fn add(&mut self, field: &str, message: impl ToString) {
        self.0.push(FieldIssue {
            field: field.into(),
            message: message.to_string(),
        });
    }

    /// `Ok(value)` if it passed, else the issue is noted and `None` returned.
    pub fn check<T, E: ToString>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.add(field, e)).ok()
    }

    pub fn finish(self) -> Result<(), ServiceError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(self.0))
        }
    }
}

/// The workspace a write lands in: a workspace key's own; for an
/// agency-wide key the one it names (which must be the agency's), or the
/// only one when the agency has just one.
pub async fn target_workspace(
    db: &impl ConnectionTrait,
    reach: &Reach,
    asked: Option<i64>,
) -> Result<i64, ServiceError> {
    match (reach.workspace_id, asked) {
        (Some(own), None) => Ok(own),
        (Some(own), Some(asked)) if asked == own => Ok(own),
        (Some(own), Some(_)) => Err(ServiceError::field(
            "workspace_id",
            format!("This key writes to workspace {own} only: leave workspace_id out or send {own}"),
        )),
        (None, Some(asked)) => {
            let found = workspace::Entity::find_by_id(asked)
                .filter(workspace::Column::AgencyId.eq(reach.agency_id))
                .one(db)
                .await?;
            found.map(|w| w.id).ok_or_else(|| {
                ServiceError::field(
                    "workspace_id",
                    format!("There is no workspace {asked} in this agency"),
                )
            })
        }
        (None, None) => {
            let all: Vec<i64> = workspace::Entity::find()
                .filter(workspace::Column::AgencyId.eq(reach.agency_id))
                .order_by_asc(workspace::Column::Id)
                .all(db)
                .await?
                .into_iter()
                .map(|w| w.id)
                .collect();
            match all.as_slice() {
                [only] => Ok(*only),
                _ => Err(ServiceError::field(
                    "workspace_id",
                    format!(
                        "An agency-wide key must name the workspace: send workspace_id (one of {})",
                        all.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
                    ),
                )),
            }
        }
    }
}

/// The page size and the id to continue below, from a list's query.
pub fn paging(cursor: Option<&str>, limit: Option<u32>) -> Result<(u64, Option<i64>), ServiceError> {
    let mut issues = Issues::default();
    let limit = issues.check("limit", page_limit(limit));
    let after = match cursor {
        None | Some("") => Some(None),
        Some(text) => issues.check("cursor", Cursor::decode(text)).map(|c| Some(c.0)),
    };
    issues.finish()?;
    Ok((limit.unwrap_or(25), after.flatten()))
}

/// `rows` fetched with one more than `limit`: the page, and the cursor of
/// the next page when the extra row shows there is one.
pub fn page_of<T>(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|row| Cursor(id(row)).encode())
    } else {
        None
    };
    (rows, next)
}
