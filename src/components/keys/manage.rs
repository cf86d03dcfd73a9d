//! Rename, Revoke and Remove: each behind its own dialog, each done on the
//! server before the dialog closes.
use leptos::prelude::*;

use super::{KeysState, OpenDialog};
use crate::components::dialog::Modal;
use crate::models::keys::KeyRow;
use crate::models::AppError;
use crate::server_fns::keys::{RemoveKey, RenameKey, RevokeKey, SetKeyRateLimit};

fn rename_target(open: &OpenDialog) -> Option<KeyRow> {
    match open {
        OpenDialog::Rename(row) => Some(row.clone()),
        _ => None,
    }
}

#[component]
pub fn RenameDialog() -> impl IntoView {
    let state = expect_context::<KeysState>();
    let action = ServerAction::<RenameKey>::new();
    let target = Memo::new(move |_| state.open.with(rename_target));
    let name = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(row) = target.get() {
            name.set(row.name.clone());
            action.value().set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            action.value().set(None);
            state.close();
            state.changed();
        }
    });
    let error = Signal::derive(move || match action.value().get() {
        Some(Err(AppError::Invalid(issues))) => issues.first().map(|i| i.message.clone()),
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(row) = target.get_untracked() {
            action.dispatch(RenameKey {
                id: row.id,
                name: name.get_untracked(),
            });
        }
    };
    view! {
        <Modal id="rename-dialog" open=Signal::derive(move || target.get().is_some())
            title=Signal::derive(|| "Rename API key".to_owned())
            on_dismiss=Callback::new(move |_| state.close())
            return_focus=state.return_focus>
            <form class="stack" novalidate=true on:submit=submit>
                <div class="field" class:field-invalid=move || error.get().is_some()>
                    <label for="rename-name">"Key name"</label>
                    <input id="rename-name" type="text" maxlength="64" autocomplete="off" autofocus=true
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                        aria-invalid=move || error.get().map(|_| "true")
                        aria-describedby="rename-name-error"/>
                    <Show when=move || error.get().is_some()>
                        <p id="rename-name-error" class="field-error">{move || error.get()}</p>
                    </Show>
                </div>
                <div class="dialog-actions">
                    <button type="button" class="button secondary" on:click=move |_| state.close()>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>"Save"</button>
                </div>
            </form>
        </Modal>
    }
}

/// A key's rate limit: requests per second, 0 for unlimited.
#[component]
pub fn RateLimitDialog() -> impl IntoView {
    let state = expect_context::<KeysState>();
    let action = ServerAction::<SetKeyRateLimit>::new();
    let target = Memo::new(move |_| match state.open.get() {
        OpenDialog::RateLimit(row) => Some(row),
        _ => None,
    });
    let value = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(row) = target.get() {
            value.set(row.rate_limit.to_string());
            action.value().set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            action.value().set(None);
            state.close();
            state.changed();
        }
    });
    let error = Signal::derive(move || match action.value().get() {
        Some(Err(AppError::Invalid(issues))) => issues.first().map(|i| i.message.clone()),
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(row) = target.get_untracked() {
            action.dispatch(SetKeyRateLimit {
                id: row.id,
                rate_limit: value.get_untracked(),
            });
        }
    };
    view! {
        <Modal id="rate-limit-dialog" open=Signal::derive(move || target.get().is_some())
            title=Signal::derive(|| "Change rate limit".to_owned())
            on_dismiss=Callback::new(move |_| state.close())
            return_focus=state.return_focus>
            <form class="stack" novalidate=true on:submit=submit>
                <p>
                    {move || target.get().map(|row| view! {
                        "“" <strong>{row.name.clone()}</strong> "” (" <code>{row.api_key()}</code> "). "
                    })}
                    "Requests over the limit get 429 with Retry-After; bursts of up to twice the limit pass."
                </p>
                <div class="field" class:field-invalid=move || error.get().is_some()>
                    <label for="rate-limit-value">"Requests per second"</label>
                    <input id="rate-limit-value" type="number" min="0" max="1000000" step="1" inputmode="numeric"
                        autocomplete="off" autofocus=true
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))
                        aria-invalid=move || error.get().map(|_| "true")
                        aria-describedby="rate-limit-hint rate-limit-error"/>
                    <p id="rate-limit-hint" class="field-hint">"0 means unlimited. New keys start at 100."</p>
                    <Show when=move || error.get().is_some()>
                        <p id="rate-limit-error" class="field-error">{move || error.get()}</p>
                    </Show>
                </div>
                <div class="dialog-actions">
                    <button type="button" class="button secondary" on:click=move |_| state.close()>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>"Save"</button>
                </div>
            </form>
        </Modal>
    }
}

/// Revoke and Remove: an alert dialog that names the key and its consequence.
#[component]
pub fn ConfirmDialogs() -> impl IntoView {
    let state = expect_context::<KeysState>();
    let revoke = ServerAction::<RevokeKey>::new();
    let remove = ServerAction::<RemoveKey>::new();
    let target = Memo::new(move |_| match state.open.get() {
        OpenDialog::Revoke(row) => Some((true, row)),
        OpenDialog::Remove(row) => Some((false, row)),
        _ => None,
    });
    Effect::new(move |_| {
        if target.get().is_some() {
            revoke.value().set(None);
            remove.value().set(None);
        }
    });
    Effect::new(move |_| {
        let done =
            matches!(revoke.value().get(), Some(Ok(()))) || matches!(remove.value().get(), Some(Ok(())));
        if done {
            revoke.value().set(None);
            remove.value().set(None);
            state.close();
            state.changed();
        }
    });
    let error = move || {
        [revoke.value().get(), remove.value().get()]
            .into_iter()
            .find_map(|v| v.and_then(Result::err))
            .map(|e| e.to_string())
    };
    let pending = move || revoke.pending().get() || remove.pending().get();
    let title = Signal::derive(move || match target.get() {
        Some((true, _)) => "Revoke API key?".to_owned(),
        _ => "Remove API key?".to_owned(),
    });
    view! {
        <Modal id="confirm-dialog" open=Signal::derive(move || target.get().is_some()) title alert=true
            on_dismiss=Callback::new(move |_| state.close())
            return_focus=state.return_focus>
            {move || target.get().map(|(is_revoke, row)| {
                let id = row.id.clone();
                let consequence = if is_revoke {
                    "The key stays in the list as Revoked and can no longer be used."
                } else {
                    "The key disappears from the list and can no longer be used."
                };
                view! {
                    <div class="stack">
                        <p>
                            "“" <strong>{row.name.clone()}</strong> "” ("
                            <code>{row.api_key()}</code>
                            "): integrations using this key stop working immediately. "
                            {consequence} " This cannot be undone."
                        </p>
                        {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                        <div class="dialog-actions">
                            <button type="button" class="button secondary" autofocus=true
                                on:click=move |_| state.close()>"Cancel"</button>
                            <button type="button" class="button danger" disabled=pending
                                on:click=move |_| {
                                    if is_revoke {
                                        revoke.dispatch(RevokeKey { id: id.clone() });
                                    } else {
                                        remove.dispatch(RemoveKey { id: id.clone() });
                                    }
                                }>
                                {if is_revoke { "Revoke key" } else { "Remove key" }}
                            </button>
                        </div>
                    </div>
                }
            })}
        </Modal>
    }
}
