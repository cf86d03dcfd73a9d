//! The signed-in area: its layout (header, main), `/admin` and `/admin/profile`.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Outlet;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::header::Header;
use crate::models::{AppError, CurrentUser};
use crate::server_fns::notifications::unread_notifications;
use crate::server_fns::session::get_current_user;

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
    }
}
