//! The consent page of `/oauth/authorize` (RFC 6749 §4.1.1): heading
//! **Authorize {app}**, who is asking to act as whom, each scope in plain
//! words, where the app may act, and the buttons **Approve** and **Deny**.
//! Rendered by the server for one request (never reached by a link of its
//! own) and working without JavaScript: a plain form that posts back.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::models::oauth::ConsentView;
use crate::server_fns::oauth::get_consent_view;

#[component]
pub fn ConsentPage() -> impl IntoView {
    let view = Resource::new_blocking(|| (), |_| get_consent_view());
    view! {
        <main id="main" class="auth-page">
            <Suspense>
                {move || Suspend::new(async move {
                    match view.await.ok().flatten() {
                        None => stopped(
                            "There is nothing to authorize here: an app sends you to this page when it \
                             asks to connect to keyward."
                                .into(),
                        ),
                        Some(ConsentView { error: Some(error), .. }) => stopped(error),
                        Some(view) => consent(view).into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

fn stopped(message: String) -> AnyView {
    view! {
        <Title text="Cannot authorize this app"/>
        <section class="auth-card" aria-labelledby="consent-title">
            <h1 id="consent-title">"Cannot authorize this app"</h1>
            <p role="alert">{message}</p>
            <p>"Nothing was shared with the app. You can close this page."</p>
        </section>
    }
    .into_any()
}

fn consent(view: ConsentView) -> impl IntoView {
    let title = format!("Authorize {}", view.app_name);
    let single_reach = view.reaches.len() == 1;
    let reach_label = view
        .reaches
        .first()
        .map(|(_, label)| label.clone())
        .unwrap_or_default();
    let invalid = view.reach_error.is_some();
    view! {
        <Title text=title.clone()/>
        <section class="auth-card consent" aria-labelledby="consent-title">
            <h1 id="consent-title">{title}</h1>
            <p>
                <strong>{view.app_name.clone()}</strong>
                " wants to act as you, "
                <strong>{view.user_name.clone()}</strong>
                {format!(" ({}), in {}.", view.user_email, view.agency_name)}
                {(view.environment == "Test").then_some(" It is a test app: it sees test data only.")}
            </p>
            {(!view.app_description.is_empty()).then(|| view! { <p class="muted">{view.app_description.clone()}</p> })}
            {(!view.app_homepage.is_empty()).then(|| {
                let (href, text) = (view.app_homepage.clone(), view.app_homepage.clone());
                view! { <p>"About the app: " <a href=href rel="noopener noreferrer">{text}</a></p> }
            })}
            {view.approved_before.then_some(view! { <p>"You authorized this app before; it now asks for the following."</p> })}
            <h2 id="consent-scopes">"It will be able to"</h2>
            <ul aria-labelledby="consent-scopes" class="consent-scopes">
                {view
                    .scopes
                    .iter()
                    .map(|(name, description)| view! { <li>{description.clone()} " " <code>{name.clone()}</code></li> })
                    .collect_view()}
            </ul>
            {(!view.withheld.is_empty()).then(|| view! {
                <h2 id="consent-withheld">"Also asked for, which your role cannot give"</h2>
                <ul aria-labelledby="consent-withheld" class="consent-scopes muted">
                    {view
                        .withheld
                        .iter()
                        .map(|(name, description)| view! { <li>{description.clone()} " " <code>{name.clone()}</code></li> })
                        .collect_view()}
                </ul>
                <p class="muted">"The app gets only what is listed above it; it is told so."</p>
            })}
            <form method="post" action="/oauth/authorize" class="stack">
                {view
                    .hidden
                    .iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name.clone() value=value.clone()/> })
                    .collect_view()}
                {if single_reach {
                    let value = view.reaches[0].0.clone();
                    view! {
                        <input type="hidden" name="workspace" value=value/>
                        <p>"Where: " <strong>{reach_label}</strong></p>
                    }
                    .into_any()
                } else {
                    let selected = view.selected_reach.clone();
                    view! {
                        <div class="field" class:field-invalid=invalid>
                            <label for="workspace">"Workspace"</label>
                            <select
                                id="workspace"
                                name="workspace"
                                aria-invalid=invalid.then_some("true")
                                aria-describedby=invalid.then_some("workspace-error")
                            >
                                {view
                                    .reaches
                                    .iter()
                                    .map(|(value, label)| {
                                        let chosen = *value == selected;
                                        view! { <option value=value.clone() selected=chosen>{label.clone()}</option> }
                                    })
                                    .collect_view()}
                            </select>
                            {view.reach_error.clone().map(|message| view! {
                                <p id="workspace-error" class="field-error">{message}</p>
                            })}
                        </div>
                    }
                    .into_any()
                }}
                <div class="button-row">
                    <button type="submit" name="decision" value="approve" class="button primary">"Approve"</button>
                    <button type="submit" name="decision" value="deny" class="button">"Deny"</button>
                </div>
            </form>
            <p class="muted">
                "You can revoke this at any time under Admin › Profile › Authorized apps."
            </p>
        </section>
    }
}
