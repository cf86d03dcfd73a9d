//! Server functions of the Developer Settings page: the table, the create
//! dialog, rename, revoke, remove and the key limit.
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::models::keys::{KeyPage, KeyQuery, KeySettings, NewKeyForm, RevealedKey};
use crate::models::AppError;

#[cfg(feature = "ssr")]
use super::backend;

/// One page of the key table as `query` asks.
#[server(input = Json, endpoint = "list_keys")]
pub async fn list_keys(query: KeyQuery) -> Result<KeyPage, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::key_list::list(&state.db, &caller, query, chrono::Utc::now())
                .await
                .map_err(backend::internal)
        }
        .await,
    )
}

/// The limit, the viewer's rights and the create dialog's choices.
#[server(endpoint = "get_key_settings")]
pub async fn get_key_settings() -> Result<KeySettings, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::key_list::settings(&state.db, &caller, chrono::Utc::now())
                .await
                .map_err(backend::internal)
        }
        .await,
    )
}

/// Creates a key; the answer is the only time its secret is shown.
#[server(input = Json, endpoint = "create_key")]
pub async fn create_key(form: NewKeyForm) -> Result<RevealedKey, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let now = chrono::Utc::now();
            let request = crate::server::services::keys::KeyRequest::from_form(&form, None, now)
                .map_err(AppError::Invalid)?;
            let key = crate::server::services::keys::create(
                &state.db,
                &state.keys,
                &state.pepper,
                &caller,
                request,
                now,
            )
            .await?;
            backend::no_store();
            Ok(key)
        }
        .await,
    )
}

#[server(endpoint = "rename_key")]
pub async fn rename_key(id: String, name: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::keys::rename(
                &state.db,
                &state.keys,
                &caller,
                &id,
                &name,
                chrono::Utc::now(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "revoke_key")]
pub async fn revoke_key(id: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::keys::revoke(&state.db, &state.keys, &caller, &id, chrono::Utc::now())
                .await?;
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "remove_key")]
pub async fn remove_key(id: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::keys::remove(&state.db, &state.keys, &caller, &id, chrono::Utc::now())
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Sets how many requests per second a key may make (0 = unlimited).
#[server(endpoint = "set_key_rate_limit")]
pub async fn set_key_rate_limit(id: String, rate_limit: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let per_second = crate::server::services::keys::parse_rate_limit(&rate_limit)
                .map_err(|message| AppError::field("rate_limit", message))?;
            crate::server::services::keys::set_rate_limit(
                &state.db,
                &state.keys,
                &caller,
                &id,
                per_second,
                chrono::Utc::now(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Sets the most active keys per workspace and agency-wide (super managers).
#[server(endpoint = "set_key_limit")]
pub async fn set_key_limit(max_active_keys: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let max = max_active_keys
                .trim()
                .parse::<i32>()
                .map_err(|_| AppError::field("max_active_keys", "Enter a number from 1 to 1000"))?;
            let changes = crate::server::services::agency_settings::AgencyChanges {
                max_active_keys: Some(max),
                ..Default::default()
            };
            crate::server::services::agency_settings::change(&state.db, &caller, changes, chrono::Utc::now())
                .await?;
            Ok(())
        }
        .await,
    )
}

/// Sets the weekly sandbox reset (super managers): `day` is `off` or 0
/// (Sunday) … 6, `hour` 0–23 (UTC).
#[server(endpoint = "set_sandbox_reset")]
pub async fn set_sandbox_reset(day: String, hour: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            use crate::server::services::agency_settings::{self, AgencyChanges, SandboxReset};
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let day =
                match day.trim() {
                    "off" => None,
                    text => Some(text.parse::<i16>().map_err(|_| {
                        AppError::field("sandbox_reset_day", "Choose a day of the week, or Off")
                    })?),
                };
            let hour = hour
                .trim()
                .parse::<i16>()
                .map_err(|_| AppError::field("sandbox_reset_hour", "Choose an hour from 00:00 to 23:00"))?;
            let changes = AgencyChanges {
                sandbox_reset: Some(SandboxReset { day, hour }),
                ..Default::default()
            };
            agency_settings::change(&state.db, &caller, changes, chrono::Utc::now()).await?;
            Ok(())
        }
        .await,
    )
}

/// Issues a new secret for the key (same id and settings); the old one keeps
/// working for `grace` (`now`, `1h`, `24h` or `7d`). The answer is the only
/// time the new secret is shown.
#[server(endpoint = "roll_key")]
pub async fn roll_key(id: String, grace: String) -> Result<RevealedKey, AppError> {
    backend::respond(
        async move {
            use crate::server::services::keys::{self, Grace};
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let grace = Grace::parse(&grace)
                .ok_or_else(|| AppError::field("grace", "Choose how long the old secret keeps working"))?;
            let key = keys::roll(
                &state.db,
                &state.keys,
                &state.pepper,
                &caller,
                &id,
                grace,
                chrono::Utc::now(),
            )
            .await?;
            backend::no_store();
            Ok(key)
        }
        .await,
    )
}

/// Replaces the addresses and CIDR ranges a key may be used from (empty: anywhere).
#[server(endpoint = "set_key_allowlist")]
pub async fn set_key_allowlist(id: String, ip_allowlist: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::keys::set_allowlist(
                &state.db,
                &state.keys,
                &caller,
                &id,
                &ip_allowlist,
                chrono::Utc::now(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}

/// Sets how many days a key may go unused before it is deleted (super managers).
#[server(endpoint = "set_inactivity_days")]
pub async fn set_inactivity_days(inactivity_days: String) -> Result<(), AppError> {
    backend::respond(
        async move {
            use crate::server::services::agency_settings::{self, AgencyChanges, INACTIVITY_DAYS};
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let message = format!(
                "Enter a number of days from {} to {}",
                INACTIVITY_DAYS.start(),
                INACTIVITY_DAYS.end()
            );
            let days = inactivity_days
                .trim()
                .parse::<i32>()
                .map_err(|_| AppError::field("inactivity_days", message))?;
            let changes = AgencyChanges {
                inactivity_days: Some(days),
                ..Default::default()
            };
            agency_settings::change(&state.db, &caller, changes, chrono::Utc::now()).await?;
            Ok(())
        }
        .await,
    )
}

/// Replaces the scopes of a key (at least one).
#[server(input = Json, endpoint = "set_key_scopes")]
pub async fn set_key_scopes(id: String, scopes: Vec<String>) -> Result<(), AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            crate::server::services::keys::set_scopes(
                &state.db,
                &state.keys,
                &caller,
                &id,
                &scopes,
                chrono::Utc::now(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}
