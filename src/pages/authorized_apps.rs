//! Admin › Profile › Authorized apps (`/admin/profile/authorized-apps`):
//! the apps a person let act in their name (RFC 6749 grants) — scopes,
//! where, when, last used — each with Revoke, which asks first on its own
//! page (`…/{grant_id}/revoke`). Super managers also see, and revoke, every
//! grant in the agency. Plain links and form posts: no JavaScript needed.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::query::use_query;

use crate::components::breadcrumb::Breadcrumb;
use crate::models::oauth::GrantRow;
use crate::pages::oauth_apps::{app_path, done_notice, revoke_path, GrantTable, AUTHORIZED_APPS_PATH};
use crate::server_fns::oauth::get_authorized_apps;
use crate::server_fns::session::get_form_flash;

fn trail() -> (String, String) {
    ("Authorized apps".to_owned(), AUTHORIZED_APPS_PATH.to_owned())
}

#[component]
pub fn AuthorizedAppsPage() -> impl IntoView {
    let grants = Resource::new_blocking(|| (), |_| get_authorized_apps());
    let flash = Resource::new_blocking(|| (), |_| get_form_flash("revoke-grant".into()));
    view! {
        <Title text="Authorized apps"/>
        <Breadcrumb depth=1 current=trail()/>
        <h1>"Authorized apps"</h1>
        <p class="lead">
            "Apps you let act in your name through OAuth. Revoking one stops every token it holds for you at once; "
            "it must ask you again to reconnect."
        </p>
        {done_notice()}
        <Suspense fallback=|| view! { <p role="status">"Loading apps…"</p> }>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                let failed = flash.error("form").map(|m| view! { <p class="form-error" role="alert">{m}</p> });
                match grants.await {
                    Ok(apps) => view! {
                        {failed}
                        <section aria-labelledby="own-apps">
                            <h2 id="own-apps">"Your authorized apps"</h2>
                            <GrantTable grants=apps.own with_person=false caption="Your authorized apps"/>
                        </section>
                        {apps.others.map(|others| view! {
                            <section aria-labelledby="agency-apps">
                                <h2 id="agency-apps">"Everyone else in your agency"</h2>
                                <p class="muted">"As a super manager you see and may revoke every grant in the agency."</p>
                                <GrantTable grants=others with_person=true caption="Apps authorized by others"/>
                            </section>
                        })}
                    }
                    .into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn RevokeGrantPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query();
    let grant_id = params.with_untracked(|p| p.get("grant_id").unwrap_or_default());
    let from = query.with_untracked(|q| q.get("from").unwrap_or_default());
    let grants = Resource::new_blocking(|| (), |_| get_authorized_apps());
    view! {
        <Suspense>
            {move || {
                let grant_id = grant_id.clone();
                let from = from.clone();
                Suspend::new(async move {
                    let found: Option<GrantRow> = grants.await.ok().and_then(|apps| {
                        apps.own
                            .into_iter()
                            .chain(apps.others.unwrap_or_default())
                            .find(|g| g.id == grant_id)
                    });
                    match found {
                        Some(grant) => confirm(grant, from).into_any(),
                        None => {
                            #[cfg(feature = "ssr")]
                            crate::server::request::set_status(axum::http::StatusCode::NOT_FOUND);
                            view! {
                                <Title text="Revoke access"/>
                                <Breadcrumb depth=1 current=trail()/>
                                <h1>"Revoke access"</h1>
                                <p class="form-error" role="alert">
                                    "This access was revoked already, or is not yours to revoke."
                                </p>
                                <p><a href=AUTHORIZED_APPS_PATH>"Back to Authorized apps"</a></p>
                            }
                            .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

fn confirm(grant: GrantRow, from: String) -> impl IntoView {
    let title = format!("Revoke access for {}?", grant.app_name);
    let whose = if grant.own {
        "you".to_owned()
    } else {
        format!("{} ({})", grant.person_name, grant.person_email)
    };
    let back = if from.is_empty() {
        AUTHORIZED_APPS_PATH.to_owned()
    } else {
        app_path(&from)
    };
    view! {
        <Title text=title.clone()/>
        <Breadcrumb depth=1 current=trail()/>
        <h1>{title}</h1>
        <p>
            {format!(
                "{} will stop acting for {whose} at once, on every server: every access and refresh token it holds for this grant stops working.",
                grant.app_name
            )}
        </p>
        <p>"To connect again, the app must ask for consent again."</p>
        <form method="post" action=revoke_path(&grant.id) class="button-row">
            {(!from.is_empty()).then(|| view! { <input type="hidden" name="from" value=from.clone()/> })}
            <button type="submit" class="button danger">"Revoke access"</button>
            <a class="button secondary" href=back>"Cancel"</a>
        </form>
    }
}
