//! Server functions of the OAuth pages.
use leptos::prelude::*;

use crate::models::oauth::ConsentView;
use crate::models::AppError;

/// The consent page's content, which `/oauth/authorize` put on the request
/// it renders; `None` when the page was opened directly.
#[server]
pub async fn get_consent_view() -> Result<Option<ConsentView>, AppError> {
    Ok(crate::server::request::extension::<ConsentView>())
}
