//! `/admin/profile/developer-settings`: where super managers manage API keys.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::breadcrumb::Breadcrumb;

#[component]
pub fn DeveloperSettingsPage() -> impl IntoView {
    view! {
        <Title text="Developer Settings"/>
        <Breadcrumb depth=2/>
        <h1>"Developer Settings"</h1>
        <p class="lead">
            "API keys let outside systems — lead portals, listing syncs, automations — import and "
            "update your leads and properties."
        </p>
    }
}
