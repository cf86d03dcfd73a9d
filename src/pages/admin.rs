//! The signed-in area: its layout (header, main), `/admin` and `/admin/profile`.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::header::Header;
use crate::components::local_time::LocalTime;
use crate::models::people::{forms, SignedInSession};
use crate::models::{AppError, CurrentUser};
use crate::pages::team::{form_errors, input_field};
use crate::server_fns::notifications::unread_notifications;
use crate::server_fns::people::get_sessions;
use crate::server_fns::session::{get_current_user, get_form_flash};

/// The signed-in user, shared by the layout and the pages inside it.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

#[component]
pub fn AdminLayout() -> impl IntoView {
    let user: UserResource = Resource::new_blocking(|| (), |_| get_current_user());
    let unread = Resource::new_blocking(|| (), |_| unread_notifications());
    provide_context(user);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let unread = unread.await.unwrap_or(0);
                user.await.ok().flatten().map(|user| view! { <Header user unread/> })
            })}
        </Suspense>
        <main id="main" class="page">
            <Outlet/>
        </main>
    }
}

#[component]
pub fn AdminHome() -> impl IntoView {
    view! {
        <Title text="Admin"/>
        <Breadcrumb depth=0/>
        <h1>"Admin"</h1>
        <ul class="link-list">
            <li><a href="/admin/leads">"Leads"</a>" — what lead portals and automations imported"</li>
            <li><a href="/admin/properties">"Properties"</a>" — listings kept in sync"</li>
            <li><a href="/admin/profile">"Profile"</a>" — your account"</li>
            <li>
                <a href="/admin/profile/developer-settings">"Developer Settings"</a>
                " — API keys for outside systems"
            </li>
            <li>
                <a href="/admin/profile/authorized-apps">"Authorized apps"</a>
                " — apps you let act in your name, and revoking them"
            </li>
            <li><a href="/admin/team">"Team"</a>" — the people of your agency (super managers)"</li>
            <li><a href="/admin/workspaces">"Workspaces"</a>" — locations and sub-accounts (super managers)"</li>
        </ul>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    view! {
        <Title text="Profile"/>
        <Breadcrumb depth=1/>
        <h1>"Profile"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|user| view! {
                    <dl class="details">
                        <dt>"Name"</dt><dd>{user.name}</dd>
                        <dt>"Email"</dt><dd>{user.email}</dd>
                        <dt>"Role"</dt><dd>{user.role.label()}</dd>
                        <dt>"Agency"</dt><dd>{user.agency_name}</dd>
                    </dl>
                })
            })}
        </Suspense>
        <ul class="link-list">
            <li>
                <a href="/admin/profile/developer-settings">"Developer Settings"</a>
                " — API keys for outside systems"
            </li>
            <li>
                <a href="/admin/profile/authorized-apps">"Authorized apps"</a>
                " — apps you let act in your name, and revoking them"
            </li>
        </ul>
        {crate::pages::team::done_notice()}
        <PasswordSection/>
        <SessionsSection/>
    }
}

/// Change password: the current one, then the new one (the rules of
/// setup); every other session ends.
#[component]
fn PasswordSection() -> impl IntoView {
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::PASSWORD.into()));
    view! {
        <section aria-labelledby="password" class="stack">
            <h2 id="password">"Change password"</h2>
            <Suspense>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    view! {
                        {form_errors(&flash)}
                        <form method="post" action="/admin/profile/password" class="stack narrow-form">
                            {input_field(&flash, "profile", "Current password", "current_password", "password", None, "current-password", String::new())}
                            {input_field(&flash, "profile", "New password", "new_password", "password",
                                Some("At least 12 characters. Every other session of yours is signed out."), "new-password", String::new())}
                            <div class="button-row">
                                <button type="submit" class="button primary">"Change password"</button>
                            </div>
                        </form>
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Sessions: where you are signed in, each with Sign out, and Sign out
/// everywhere else.
#[component]
fn SessionsSection() -> impl IntoView {
    let sessions = Resource::new_blocking(|| (), |_| get_sessions());
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::SESSIONS.into()));
    view! {
        <section aria-labelledby="sessions" class="stack">
            <h2 id="sessions">"Sessions"</h2>
            <p class="field-hint">"Browsers signed in to your account. A session ends after 7 days without use, and 30 days after it signed in."</p>
            <Suspense>
                {move || Suspend::new(async move {
                    let flash = flash.await.ok().flatten().unwrap_or_default();
                    match sessions.await {
                        Ok(sessions) => view! { {form_errors(&flash)}{sessions_table(sessions)} }.into_any(),
                        Err(err) => crate::pages::team::error_message(err.to_string()).into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn sessions_table(sessions: Vec<SignedInSession>) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.current).count();
    let rows = sessions
        .into_iter()
        .map(|s| {
            let when = |at: Option<chrono::DateTime<chrono::Utc>>| match at {
                Some(at) => view! { <LocalTime at with_time=true/> }.into_any(),
                None => "Unknown".into_any(),
            };
            let action = if s.current {
                view! { <span class="badge badge-active">"This session"</span> }.into_any()
            } else {
                let label = format!(
                    "Sign out {} from {}",
                    s.browser,
                    s.ip.clone().unwrap_or_else(|| "an unknown address".into())
                );
                view! {
                    <form method="post" action="/admin/profile/sessions/sign-out">
                        <input type="hidden" name="session" value=s.id.clone()/>
                        <button type="submit" class="button secondary" aria-label=label>"Sign out"</button>
                    </form>
                }
                .into_any()
            };
            view! {
                <tr>
                    <th scope="row">{s.browser.clone()}</th>
                    <td>{s.ip.clone().unwrap_or_else(|| "Unknown".into())}</td>
                    <td class="date">{when(s.signed_in_at)}</td>
                    <td class="date">{when(s.last_seen_at)}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label="Sessions table" tabindex="0">
            <table class="keys">
                <caption class="visually-hidden">"Sessions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last seen"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {(others > 0).then(|| view! {
            <form method="post" action="/admin/profile/sessions/sign-out" class="button-row">
                <input type="hidden" name="session" value="others"/>
                <button type="submit" class="button danger">"Sign out everywhere else"</button>
            </form>
        })}
    }
}
