//! Who is signed in, what a refused form left behind, and whether a setup
//! link is alive.
use leptos::prelude::*;

use crate::models::{AppError, CurrentUser, FormFlash};

#[server]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    Ok(crate::server::request::extension::<CurrentUser>())
}

/// The errors and typed values of the last refused post of `form`, once.
#[server]
pub async fn get_form_flash(form: String) -> Result<Option<FormFlash>, AppError> {
    Ok(crate::server::request::extension::<FormFlash>().filter(|flash| flash.form == form))
}

/// Whether `token` is the live first-run setup token (the page is a 404 otherwise).
#[server]
pub async fn check_setup_token(token: String) -> Result<bool, AppError> {
    use crate::server::state::AppState;
    let state = use_context::<AppState>().ok_or(AppError::Internal)?;
    let valid = state.setup.matches(&token);
    if !valid {
        crate::server::request::set_status(axum::http::StatusCode::NOT_FOUND);
    }
    Ok(valid)
}
