//! The HTML shell and the routes of the dashboard.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::account_links::{InvitationPage, ResetPasswordPage};
use crate::pages::admin::{AdminHome, AdminLayout, ProfilePage};
use crate::pages::api_reference::ApiReferencePage;
use crate::pages::audit_log::AuditLogPage;
use crate::pages::authorized_apps::{AuthorizedAppsPage, RevokeGrantPage};
use crate::pages::consent::ConsentPage;
use crate::pages::developer_settings::DeveloperSettingsPage;
use crate::pages::key_detail::KeyDetailPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFound;
use crate::pages::notifications::NotificationsPage;
use crate::pages::oauth_apps::{DeleteAppPage, NewAppPage, OAuthAppPage, OAuthAppsPage};
use crate::pages::records::{LeadsPage, PropertiesPage};
use crate::pages::session_tokens::{RevokeAllSessionTokensPage, RevokeSessionTokenPage};
use crate::pages::setup::SetupPage;
use crate::pages::team::{
    DisablePersonPage, InvitePage, PersonPage, RemovePersonPage, RevokeInvitationPage, TeamPage,
};
use crate::pages::webhook_changes::{DeleteWebhookPage, EditWebhookPage, RotateWebhookSecretPage};
use crate::pages::webhook_endpoint::WebhookEndpointPage;
use crate::pages::webhooks::{NewWebhookPage, WebhooksPage};
use crate::pages::workspaces::{WorkspacePage, WorkspacesPage};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy, naming the nonce leptos put on this
/// render's inline scripts.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use axum::http::{header, HeaderValue};
    let nonce = leptos::nonce::use_nonce();
    let response = use_context::<leptos_axum::ResponseOptions>();
    if let (Some(nonce), Some(response)) = (nonce, response) {
        if let Ok(value) = HeaderValue::from_str(&crate::server::security_headers::policy(&nonce)) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// Every page's `<title>`: "{title} · keyward". On the server the text is
/// HTML-escaped here, because leptos_meta 0.8 writes the title into the
/// page as given, and titles carry what people typed (a key's name, an
/// endpoint's description). The browser never runs this (islands render
/// no titles).
fn page_title(title: String) -> String {
    let text = format!("{title} · keyward");
    #[cfg(feature = "ssr")]
    let text = html_escape::encode_text(&text).into_owned();
    text
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/keyward.css"/>
        <Title formatter=page_title/>
        <Router>
            // Async SSR: every page arrives whole, so it works with
            // JavaScript off and its status code is known before sending.
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                <Route path=path!("/oauth/consent") view=ConsentPage ssr=SsrMode::Async/>
                <Route path=path!("/invitation") view=InvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/admin") view=AdminLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=AdminHome ssr=SsrMode::Async/>
                    <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/team") view=TeamPage ssr=SsrMode::Async/>
                    <Route path=path!("/team/invite") view=InvitePage ssr=SsrMode::Async/>
                    <Route path=path!("/team/:id") view=PersonPage ssr=SsrMode::Async/>
                    <Route path=path!("/team/:id/disable") view=DisablePersonPage ssr=SsrMode::Async/>
                    <Route path=path!("/team/:id/remove") view=RemovePersonPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/team/:id/revoke-invitation")
                        view=RevokeInvitationPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/workspaces") view=WorkspacesPage ssr=SsrMode::Async/>
                    <Route path=path!("/workspaces/:id") view=WorkspacePage ssr=SsrMode::Async/>
                    <Route path=path!("/leads") view=LeadsPage ssr=SsrMode::Async/>
                    <Route path=path!("/properties") view=PropertiesPage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/profile/developer-settings")
                        view=DeveloperSettingsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/api-reference")
                        view=ApiReferencePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/audit-log")
                        view=AuditLogPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/keys/:id")
                        view=KeyDetailPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/keys/:id/session-tokens/revoke")
                        view=RevokeAllSessionTokensPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/keys/:id/session-tokens/:token/revoke")
                        view=RevokeSessionTokenPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/oauth-apps")
                        view=OAuthAppsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/oauth-apps/new")
                        view=NewAppPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/oauth-apps/:client_id")
                        view=OAuthAppPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/oauth-apps/:client_id/delete")
                        view=DeleteAppPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/webhooks")
                        view=WebhooksPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/webhooks/new")
                        view=NewWebhookPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/webhooks/:id")
                        view=WebhookEndpointPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/webhooks/:id/edit")
                        view=EditWebhookPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/webhooks/:id/rotate")
                        view=RotateWebhookSecretPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/profile/developer-settings/webhooks/:id/delete")
                        view=DeleteWebhookPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/profile/authorized-apps") view=AuthorizedAppsPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/profile/authorized-apps/:grant_id/revoke")
                        view=RevokeGrantPage
                        ssr=SsrMode::Async
                    />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
