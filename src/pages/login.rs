//! `/login`: Email, Password, Sign in.
use crate::components::query::use_query;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::field::{PasswordField, TextField};
use crate::server_fns::session::get_form_flash;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query();
    let next = move || query.read().get("next").unwrap_or_default();
    let flash = Resource::new_blocking(|| (), |_| get_form_flash("login".into()));
    view! {
        <Title text="Sign in"/>
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="login-title">
                <h1 id="login-title">"Sign in to keyward"</h1>
                <Suspense>
                    {move || Suspend::new(async move {
                        let flash = flash.await.ok().flatten().unwrap_or_default();
                        view! {
                            {flash.error("form").map(|message| view! {
                                <p class="form-error" role="alert">{message}</p>
                            })}
                            <form method="post" action="/login" class="stack">
                                <input type="hidden" name="next" value=next/>
                                <TextField
                                    label="Email"
                                    name="email"
                                    kind="email"
                                    value=flash.value("email")
                                    error=flash.error("email")
                                    autocomplete="username"
                                    autofocus=true
                                />
                                <PasswordField
                                    error=flash.error("password")
                                    autocomplete="current-password"
                                />
                                <button type="submit" class="button primary">"Sign in"</button>
                            </form>
                        }
                    })}
                </Suspense>
            </section>
        </main>
    }
}
