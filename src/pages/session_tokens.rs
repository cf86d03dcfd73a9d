//! A key's live session tokens on its page (label, origins, scopes,
//! created, expires, last used, requests), each with Revoke, and Revoke
//! all; both ask first on a page of their own
//! (`…/keys/{id}/session-tokens/{token}/revoke`,
//! `…/keys/{id}/session-tokens/revoke`) whose form posts work without
//! JavaScript.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::keys::key_path;
use crate::components::local_time::{LocalNumber, LocalTime};
use crate::components::query::use_query;
use crate::models::audit::KeyDetail;
use crate::models::keys::{SessionTokenNotice, SessionTokenRow};
use crate::server_fns::audit::get_key_detail;
use crate::server_fns::session::get_form_flash;

/// The form whose refusal the confirmation pages show.
pub const REVOKE_FORM: &str = "revoke-session-tokens";

/// Where Revoke for one token asks first, and posts.
pub fn revoke_path(key_id: &str, token_id: &str) -> String {
    format!("{}/session-tokens/{token_id}/revoke", key_path(key_id))
}

/// Where Revoke all asks first, and posts.
pub fn revoke_all_path(key_id: &str) -> String {
    format!("{}/session-tokens/revoke", key_path(key_id))
}

/// The notice after a revocation, from `?done=`.
#[component]
pub fn SessionTokenDone() -> impl IntoView {
    let query = use_query();
    let notice = query.with_untracked(|q| q.get("done").and_then(|d| SessionTokenNotice::from_param(&d)));
    notice.map(|n| view! { <p class="notice success" role="status">{n.text()}</p> })
}

/// The key page's section.
#[component]
pub fn SessionTokenList(
    key_id: String,
    tokens: Vec<SessionTokenRow>,
    live: u64,
    can_manage: bool,
) -> impl IntoView {
    let intro = view! {
        <p class="field-hint">
            "Short-lived tokens this key's backend minted for browser pages (at most 24 hours each). "
            <a href="/admin/profile/developer-settings/api-reference#session-tokens">"How session tokens work"</a>
        </p>
    };
    if tokens.is_empty() {
        return view! {
            <section aria-labelledby="session-tokens-heading">
                <h2 id="session-tokens-heading">"Session tokens"</h2>
                {intro}
                <div class="empty-state" role="status"><p>"No live session tokens."</p></div>
            </section>
        }
        .into_any();
    }
    let shown = tokens.len() as u64;
    let rows = tokens
        .into_iter()
        .map(|token| {
            let name = token.name();
            let origins = token
                .origins
                .iter()
                .map(|o| view! { <li><code>{o.clone()}</code></li> })
                .collect::<Vec<_>>();
            let scopes = token
                .scopes
                .iter()
                .enumerate()
                .map(|(n, s)| view! { {(n > 0).then_some(" ")}<span class="scope">{s.as_str()}</span> })
                .collect::<Vec<_>>();
            let revoke = can_manage.then(|| {
                view! {
                    <a class="button secondary small" href=revoke_path(&key_id, &token.id)
                        aria-label=format!("Revoke session token {name}")>"Revoke"</a>
                }
            });
            view! {
                <tr>
                    <th scope="row" class="key-name">{name.clone()}</th>
                    <td><ul class="plain-list">{origins}</ul></td>
                    <td class="scopes">{scopes}</td>
                    <td class="date"><LocalTime at=token.created_at with_time=true/></td>
                    <td class="date"><LocalTime at=token.expires_at with_time=true/></td>
                    <td class="date">{match token.last_used_at {
                        Some(at) => view! { <LocalTime at with_time=true/> }.into_any(),
                        None => "Never".into_any(),
                    }}</td>
                    <td class="number"><LocalNumber n=token.usage_count/></td>
                    <td>{revoke}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let count = if live == 1 {
        "1 live session token".to_owned()
    } else if shown < live {
        format!("{live} live session tokens; the newest {shown} are listed")
    } else {
        format!("{live} live session tokens")
    };
    let revoke_all = can_manage.then(|| {
        view! { <a class="button danger small" href=revoke_all_path(&key_id)>"Revoke all"</a> }
    });
    view! {
        <section aria-labelledby="session-tokens-heading">
            <h2 id="session-tokens-heading">"Session tokens"</h2>
            {intro}
            <p class="button-row"><span>{count}</span>{revoke_all}</p>
            <div class="table-scroll records-scroll" role="region" aria-label="Live session tokens table" tabindex="0">
                <table class="keys">
                    <caption class="visually-hidden">"Live session tokens"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Label"</th>
                            <th scope="col">"Allowed origins"</th>
                            <th scope="col">"Scopes"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col" class="number">"Requests"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// The key of the page's URL, with its live tokens, for the confirmation pages.
fn key_detail() -> (String, Resource<Result<KeyDetail, crate::models::AppError>>) {
    let params = use_params_map();
    let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
    let detail = Resource::new_blocking(move || id.clone(), get_key_detail);
    (params.with_untracked(|p| p.get("id").unwrap_or_default()), detail)
}

/// What a refused post said, over the confirmation.
fn refusal() -> impl IntoView {
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(REVOKE_FORM.into()));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                flash.await.ok().flatten().and_then(|f| f.errors.get("form").cloned()).map(|message| {
                    view! { <p class="form-error" role="alert">{message}</p> }
                })
            })}
        </Suspense>
    }
}

/// A page that cannot confirm: the key or the token is gone, or not the
/// viewer's to revoke.
fn cannot(title: &'static str, message: String, back: String) -> AnyView {
    #[cfg(feature = "ssr")]
    crate::server::request::set_status(axum::http::StatusCode::NOT_FOUND);
    view! {
        <Title text=title/>
        <Breadcrumb depth=2/>
        <h1>{title}</h1>
        <p class="form-error" role="alert">{message}</p>
        <p><a href=back>"Back to the key"</a></p>
    }
    .into_any()
}

/// `…/keys/{id}/session-tokens/{token}/revoke`: asks before revoking one token.
#[component]
pub fn RevokeSessionTokenPage() -> impl IntoView {
    let (key_id, detail) = key_detail();
    let token_id = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    view! {
        <Suspense>
            {move || {
                let (key_id, token_id) = (key_id.clone(), token_id.clone());
                Suspend::new(async move {
                    let detail = detail.await.ok();
                    let found = detail.as_ref().and_then(|d| {
                        d.session_tokens.iter().find(|t| t.id == token_id).map(|t| (d, t.clone()))
                    });
                    match found {
                        Some((detail, token)) if detail.row.can_manage => {
                            let name = token.name();
                            let title = format!("Revoke session token {name}?");
                            let origins = token.origins.join(", ");
                            view! {
                                <Title text=title.clone()/>
                                <Breadcrumb depth=2 between=(detail.row.name.clone(), key_path(&key_id))
                                    current=("Revoke session token".to_owned(), revoke_path(&key_id, &token.id))/>
                                <h1>{title}</h1>
                                {refusal()}
                                <p>{format!(
                                    "Pages on {origins} using it stop working at once, on every server. The key {} and its other session tokens keep working.",
                                    detail.row.name
                                )}</p>
                                <form method="post" action=revoke_path(&key_id, &token.id) class="button-row">
                                    <button type="submit" class="button danger">"Revoke session token"</button>
                                    <a class="button secondary" href=key_path(&key_id)>"Cancel"</a>
                                </form>
                            }
                            .into_any()
                        }
                        _ => cannot(
                            "Revoke session token",
                            "This session token was revoked already, has expired, or is not yours to revoke.".into(),
                            key_path(&key_id),
                        ),
                    }
                })
            }}
        </Suspense>
    }
}

/// `…/keys/{id}/session-tokens/revoke`: asks before revoking every live token.
#[component]
pub fn RevokeAllSessionTokensPage() -> impl IntoView {
    let (key_id, detail) = key_detail();
    view! {
        <Suspense>
            {move || {
                let key_id = key_id.clone();
                Suspend::new(async move {
                    match detail.await.ok() {
                        Some(detail) if detail.row.can_manage && detail.row.live_session_tokens > 0 => {
                            let live = detail.row.live_session_tokens;
                            let title = format!("Revoke all session tokens of {}?", detail.row.name);
                            let what = if live == 1 {
                                "Its 1 live session token stops".to_owned()
                            } else {
                                format!("All {live} of its live session tokens stop")
                            };
                            view! {
                                <Title text=title.clone()/>
                                <Breadcrumb depth=2 between=(detail.row.name.clone(), key_path(&key_id))
                                    current=("Revoke all session tokens".to_owned(), revoke_all_path(&key_id))/>
                                <h1>{title}</h1>
                                {refusal()}
                                <p>{format!(
                                    "{what} working at once, on every server, and every page using them with them. The key itself keeps working and can mint new ones."
                                )}</p>
                                <form method="post" action=revoke_all_path(&key_id) class="button-row">
                                    <button type="submit" class="button danger">"Revoke all session tokens"</button>
                                    <a class="button secondary" href=key_path(&key_id)>"Cancel"</a>
                                </form>
                            }
                            .into_any()
                        }
                        _ => cannot(
                            "Revoke all session tokens",
                            "This key has no live session tokens, or they are not yours to revoke.".into(),
                            key_path(&key_id),
                        ),
                    }
                })
            }}
        </Suspense>
    }
}
