//! Audit actions get one spelling, snake_case (`AuditAction` in the app):
//! the three spelled with spaces and the one with a hyphen are renamed, and
//! the agency's key limit says what it limits. The search text of those rows
//! gets the label people read ("key limit changed"), as new rows have.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// (old spelling, new spelling, the old text in `search_folded`, the label's).
const RENAMED: [(&str, &str, &str, &str); 5] = [
    ("auto-deleted", "auto_deleted", "auto-deleted", "auto-deleted"),
    (
        "rate limit changed",
        "rate_limit_changed",
        "rate limit changed",
        "rate limit changed",
    ),
    (
        "allowlist changed",
        "allowlist_changed",
        "allowlist changed",
        "ip allowlist changed",
    ),
    (
        "scopes changed",
        "scopes_changed",
        "scopes changed",
        "scopes changed",
    ),
    (
        "limit_changed",
        "key_limit_changed",
        "limit_changed",
        "key limit changed",
    ),
];

/// The other two whose search text held the spelling, not the label.
const RELABELLED: [(&str, &str, &str); 2] = [
    (
        "inactivity_changed",
        "inactivity_changed",
        "inactivity window changed",
    ),
    (
        "sandbox_reset_changed",
        "sandbox_reset_changed",
        "sandbox reset changed",
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn rename(manager: &SchemaManager<'_>, rows: &[(&str, &str, &str, &str)]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    for (from, to, folded_from, folded_to) in rows {
        db.execute(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => {
                    "UPDATE audit_events SET action = $1, search_folded = replace(search_folded, $2, $3) WHERE action = $4"
                }
                _ => "UPDATE audit_events SET action = ?, search_folded = replace(search_folded, ?, ?) WHERE action = ?",
            },
            [(*to).into(), (*folded_from).into(), (*folded_to).into(), (*from).into()],
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, &RENAMED).await?;
        let relabelled: Vec<_> = RELABELLED
            .iter()
            .map(|(a, from, to)| (*a, *a, *from, *to))
            .collect();
        rename(manager, &relabelled).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let back: Vec<_> = RENAMED
            .iter()
            .map(|(from, to, f_from, f_to)| (*to, *from, *f_to, *f_from))
            .collect();
        rename(manager, &back).await?;
        let relabelled: Vec<_> = RELABELLED
            .iter()
            .map(|(a, from, to)| (*a, *a, *to, *from))
            .collect();
        rename(manager, &relabelled).await
    }
}
