//! The top bar of every signed-in page: the main navigation, the
//! notification center, who you are, and Sign out.
use leptos::prelude::*;

use crate::components::notifications::NotificationsButton;
use crate::models::CurrentUser;

#[component]
pub fn Header(user: CurrentUser, unread: u64) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <a class="brand" href="/admin/profile/developer-settings">"keyward"</a>
            <span class="agency">{user.agency_name}</span>
            <nav class="main-nav" aria-label="Main">
                <a href="/admin/leads">"Leads"</a>
                <a href="/admin/properties">"Properties"</a>
                <a href="/admin/profile/developer-settings">"Developer Settings"</a>
                {(user.role == crate::domain::role::Role::SuperManager).then(|| view! {
                    <a href="/admin/team">"Team"</a>
                    <a href="/admin/workspaces">"Workspaces"</a>
                })}
            </nav>
            <NotificationsButton unread/>
            <div class="account">
                <span class="account-name">{user.name}</span>
                <span class="account-role">{user.role.label()}</span>
                <form method="post" action="/logout">
                    <button type="submit" class="button secondary">"Sign out"</button>
                </form>
            </div>
        </header>
    }
}
