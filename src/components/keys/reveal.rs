//! The one-time reveal of a new secret (after Create and after Roll): the
//! API key, Secret and Token with Copy buttons, and a Done button that
//! stays disabled until the person confirms they stored the secret.
use leptos::prelude::*;

use crate::components::copy_field::CopyField;
use crate::models::keys::RevealedKey;

/// Whether the person confirmed they stored a revealed secret: the one
/// state of the reveal's checkbox and of its "close without confirming?"
/// question.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stored {
    /// Not confirmed (the start).
    #[default]
    No,
    /// Not confirmed, and the person tried to close: asked first.
    Asking,
    /// Confirmed: Done works, closing asks nothing.
    Yes,
}

impl Stored {
    /// A close asked for while a secret is shown (`revealing`): whether the
    /// dialog may close now. When not, `stored` becomes [`Stored::Asking`].
    pub fn may_close(stored: RwSignal<Stored>, revealing: bool) -> bool {
        if revealing && stored.get_untracked() != Stored::Yes {
            stored.set(Stored::Asking);
            false
        } else {
            true
        }
    }
}

#[component]
pub fn SecretReveal(
    key: RevealedKey,
    /// What just happened, said first.
    message: String,
    /// The confirmation box, and the question asked when the person tries
    /// to close before ticking it (see [`Stored::may_close`]).
    stored: RwSignal<Stored>,
    /// Closes the dialog.
    finish: Callback<()>,
) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let curl = format!("curl -H \"Authorization: Bearer {}\" {origin}/v1/me", key.token);
    view! {
        <div class="stack reveal">
            <p class="notice success" role="status">{message}</p>
            <CopyField label="API key" id="reveal-api-key" value=key.api_key.clone()/>
            <CopyField label="Secret" id="reveal-secret" value=key.secret.clone()/>
            <CopyField label="Token" id="reveal-token" value=key.token.clone()/>
            <div class="field">
                <p class="field-hint">"Try it:"</p>
                <pre class="code-sample" tabindex="0" aria-label="Example request with curl"><code>{curl}</code></pre>
            </div>
            <label class="choice confirm">
                <input type="checkbox" prop:checked=move || stored.get() == Stored::Yes
                    on:change=move |ev| stored.set(if event_target_checked(&ev) { Stored::Yes } else { Stored::No })/>
                <span>"I have copied and securely stored the secret"</span>
            </label>
            {move || (stored.get() == Stored::Asking).then(|| view! {
                <div class="notice warning" role="alert">
                    <p>"Close without confirming? The secret cannot be shown again."</p>
                    <div class="dialog-actions">
                        <button type="button" class="button secondary" on:click=move |_| stored.set(Stored::No)>"Keep open"</button>
                        <button type="button" class="button danger" on:click=move |_| finish.run(())>"Close without confirming"</button>
                    </div>
                </div>
            })}
            <div class="dialog-actions">
                <button type="button" class="button primary" disabled=move || stored.get() != Stored::Yes
                    on:click=move |_| finish.run(())>"Done"</button>
            </div>
        </div>
    }
}
