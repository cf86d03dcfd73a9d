//! The pages a one-time link opens, outside the signed-in area:
//! `/invitation?token=…` (an invited person chooses their password) and
//! `/reset-password?token=…` (a new password; every session ends). Each
//! posts to itself (`crate::server::people_forms`) and signs the person in.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::field::PasswordField;
use crate::components::local_time::LocalTime;
use crate::components::query::use_query;
use crate::models::people::forms;
use crate::pages::team::{invitation_path, reset_path};
use crate::server_fns::people::{get_invitation, get_reset, InvitationView};
use crate::server_fns::session::get_form_flash;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invitation,
    Reset,
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    link_page(Kind::Invitation)
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    link_page(Kind::Reset)
}

fn link_page(kind: Kind) -> impl IntoView {
    let query = use_query();
    let token = move || query.read().get("token").unwrap_or_default();
    let found = Resource::new_blocking(token, move |token| async move {
        match kind {
            Kind::Invitation => get_invitation(token).await,
            Kind::Reset => get_reset(token).await,
        }
    });
    let form = match kind {
        Kind::Invitation => forms::ACCEPT_INVITATION,
        Kind::Reset => forms::RESET_PASSWORD,
    };
    let flash = Resource::new_blocking(|| (), move |_| get_form_flash(form.into()));
    let title = match kind {
        Kind::Invitation => "Join keyward",
        Kind::Reset => "Choose a new password",
    };
    view! {
        <Title text=title/>
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="link-title">
                <Suspense>
                    {move || Suspend::new(async move {
                        let Ok(Some(found)) = found.await else {
                            return invalid_link(kind).into_any();
                        };
                        let flash = flash.await.ok().flatten().unwrap_or_default();
                        view! { {form_for(kind, found, token(), flash.error("password"))} }.into_any()
                    })}
                </Suspense>
            </section>
        </main>
    }
}

fn form_for(kind: Kind, found: InvitationView, token: String, error: Option<String>) -> impl IntoView {
    let (heading, lead, action, button) = match kind {
        Kind::Invitation => (
            format!("Join {}", found.agency),
            view! {
                <p>{format!("Hello {} — you were invited to {}'s keyward as {}. Choose a password to sign in.", found.name, found.agency, found.email)}</p>
                <p class="field-hint">"This link works once, until " <LocalTime at=found.expires_at with_time=true/> "."</p>
            }
            .into_any(),
            invitation_path(),
            "Set password and sign in",
        ),
        Kind::Reset => (
            "Choose a new password".to_owned(),
            view! {
                <p>{format!("For {} ({}). Every session signed in with the old password ends.", found.name, found.email)}</p>
            }
            .into_any(),
            reset_path(),
            "Save password and sign in",
        ),
    };
    view! {
        <h1 id="link-title">{heading}</h1>
        {lead}
        <form method="post" action=action class="stack">
            <input type="hidden" name="token" value=token/>
            <div class="field">
                <label for="link-email">"Email"</label>
                <input id="link-email" type="email" value=found.email readonly=true autocomplete="username"/>
            </div>
            <PasswordField error autocomplete="new-password" hint="At least 12 characters."/>
            <button type="submit" class="button primary">{button}</button>
        </form>
    }
}

fn invalid_link(kind: Kind) -> impl IntoView {
    let what = match kind {
        Kind::Invitation => "invitation link",
        Kind::Reset => "password reset link",
    };
    view! {
        <h1 id="link-title">{format!("This {what} no longer works")}</h1>
        <p>
            "It was used already, it expired, it was replaced by a newer one, or it is mistyped. "
            "Ask a super manager of your agency for a new one."
        </p>
        <a class="button primary" href="/login">"Go to sign in"</a>
    }
}
