//! `/setup?token=…`: the first-run form that creates the agency, its first
//! workspace and its first super manager.
use crate::components::query::use_query;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::field::{PasswordField, TextField};
use crate::server_fns::session::{check_setup_token, get_form_flash};

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query();
    let token = move || query.read().get("token").unwrap_or_default();
    let valid = Resource::new_blocking(token, check_setup_token);
    let flash = Resource::new_blocking(|| (), |_| get_form_flash("setup".into()));
    view! {
        <Title text="Set up keyward"/>
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="setup-title">
                <Suspense>
                    {move || Suspend::new(async move {
                        if !valid.await.unwrap_or(false) {
                            return view! { <InvalidLink/> }.into_any();
                        }
                        let flash = flash.await.ok().flatten().unwrap_or_default();
                        let workspace = Some(flash.value("workspace"))
                            .filter(|w| !w.is_empty())
                            .unwrap_or_else(|| "Main office".to_owned());
                        view! {
                            <h1 id="setup-title">"Set up keyward"</h1>
                            <p>"Create your agency, its first workspace and your super manager account."</p>
                            <form method="post" action="/setup" class="stack">
                                <input type="hidden" name="token" value=token/>
                                <TextField label="Agency name" name="agency" value=flash.value("agency")
                                    error=flash.error("agency") autocomplete="organization"
                                    autofocus=true/>
                                <TextField label="First workspace" name="workspace" value=workspace
                                    error=flash.error("workspace")
                                    hint="A location or sub-account; you can add more later."/>
                                <TextField label="Your name" name="name" value=flash.value("name")
                                    error=flash.error("name") autocomplete="name"/>
                                <TextField label="Email" name="email" kind="email" value=flash.value("email")
                                    error=flash.error("email") autocomplete="username"/>
                                <PasswordField error=flash.error("password")
                                    autocomplete="new-password" hint="At least 12 characters."/>
                                <button type="submit" class="button primary">"Create agency"</button>
                            </form>
                        }
                        .into_any()
                    })}
                </Suspense>
            </section>
        </main>
    }
}

#[component]
fn InvalidLink() -> impl IntoView {
    view! {
        <h1 id="setup-title">"This setup link is not valid"</h1>
        <p>
            "It is wrong, or setup is already done. Sign in with your account; a new link is "
            "printed by " <code>"keyward serve"</code> " only while the database has no user."
        </p>
        <a class="button primary" href="/login">"Go to sign in"</a>
    }
}
