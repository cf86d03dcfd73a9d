//! The one-time reveal of a new secret (after Create and after Roll): the
//! API key, Secret and Token with Copy buttons, and a Done button that
//! stays disabled until the person confirms they stored the secret.
use leptos::prelude::*;

use crate::components::copy_field::CopyField;
use crate::models::keys::RevealedKey;

#[component]
pub fn SecretReveal(
    key: RevealedKey,
    /// What just happened, said first.
    message: String,
    /// The confirmation box.
    confirmed: RwSignal<bool>,
    /// Set by the owner when the person tried to close before confirming.
    asking: RwSignal<bool>,
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
                <input type="checkbox" prop:checked=move || confirmed.get()
                    on:change=move |ev| { confirmed.set(event_target_checked(&ev)); asking.set(false); }/>
                <span>"I have copied and securely stored the secret"</span>
            </label>
            {move || (asking.get()).then(|| view! {
                <div class="notice warning" role="alert">
                    <p>"Close without confirming? The secret cannot be shown again."</p>
                    <div class="dialog-actions">
                        <button type="button" class="button secondary" on:click=move |_| asking.set(false)>"Keep open"</button>
                        <button type="button" class="button danger" on:click=move |_| finish.run(())>"Close without confirming"</button>
                    </div>
                </div>
            })}
            <div class="dialog-actions">
                <button type="button" class="button primary" disabled=move || !confirmed.get()
                    on:click=move |_| finish.run(())>"Done"</button>
            </div>
        </div>
    }
}
