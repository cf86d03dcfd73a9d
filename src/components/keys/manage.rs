//! A row's actions — Rename, Rate limit, Revoke, Remove — each behind its
//! dialog, each done on the server before the dialog closes. One island
//! per row: its buttons and the one `<dialog>` they share.
use leptos::either::EitherOf4;
use leptos::prelude::*;

use crate::components::dialog::{CancelSave, FieldMessage, Modal};
use crate::components::island::{mark_hydrated, reload_focusing};
use crate::models::keys::KeyTarget;
use crate::models::AppError;
use crate::server_fns::keys::{RemoveKey, RenameKey, RevokeKey, SetKeyRateLimit};

/// Which of the row's dialogs is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowDialog {
    Rename,
    RateLimit,
    Revoke,
    Remove,
}

impl RowDialog {
    fn title(self) -> &'static str {
        match self {
            Self::Rename => "Rename API key",
            Self::RateLimit => "Change rate limit",
            Self::Revoke => "Revoke API key?",
            Self::Remove => "Remove API key?",
        }
    }

    /// The id of the button that opens it, in the row of key `id`.
    fn trigger(self, id: &str) -> String {
        match self {
            Self::Rename => format!("rename-{id}"),
            Self::RateLimit => format!("rate-limit-{id}"),
            Self::Revoke => format!("revoke-{id}"),
            Self::Remove => format!("remove-{id}"),
        }
    }

    /// Where focus lands once the page is drawn again after the change:
    /// the same button, or its successor when the change removed it (a
    /// revoked key has no Revoke; a removed key has no row).
    fn focus_after(self, id: &str) -> String {
        match self {
            Self::Rename | Self::RateLimit => self.trigger(id),
            Self::Revoke => Self::Remove.trigger(id),
            Self::Remove => "key-search".to_owned(),
        }
    }
}

/// The row's buttons and their dialog.
#[island]
pub fn KeyRowActions(key: KeyTarget) -> impl IntoView {
    let open = RwSignal::new(None::<RowDialog>);
    let root = NodeRef::<leptos::html::Div>::new();
    mark_hydrated(root);
    let id = key.id.clone();
    let button = move |dialog: RowDialog, label: &'static str, class: &'static str| {
        view! {
            <button type="button" class=class id=dialog.trigger(&id) on:click=move |_| open.set(Some(dialog))>
                {label}
            </button>
        }
    };
    let (key_for_focus, key_for_done) = (key.id.clone(), key.id.clone());
    let return_focus =
        Signal::derive(move || open.get().map(|d| d.trigger(&key_for_focus)).unwrap_or_default());
    let close = Callback::new(move |_| open.set(None));
    let done = Callback::new(move |dialog: RowDialog| reload_focusing(&dialog.focus_after(&key_for_done)));
    let key = StoredValue::new(key);
    view! {
        <div class="row-actions" node_ref=root>
            {button(RowDialog::Rename, "Rename", "button small secondary")}
            {button(RowDialog::RateLimit, "Rate limit", "button small secondary")}
            {key.with_value(|k| k.active).then(|| button(RowDialog::Revoke, "Revoke", "button small secondary"))}
            {button(RowDialog::Remove, "Remove", "button small danger")}
            <Modal id=format!("key-dialog-{}", key.with_value(|k| k.id.clone()))
                open=Signal::derive(move || open.get().is_some())
                title=Signal::derive(move || open.get().map(|d| d.title()).unwrap_or_default().to_owned())
                alert=Signal::derive(move || matches!(open.get(), Some(RowDialog::Revoke | RowDialog::Remove)))
                on_dismiss=close return_focus>
                {move || match open.get() {
                    Some(RowDialog::Rename) => EitherOf4::A(view! {
                        <RenameForm key=key.get_value() close done=Callback::new(move |_| done.run(RowDialog::Rename))/>
                    }),
                    Some(RowDialog::RateLimit) => EitherOf4::B(view! {
                        <RateLimitForm key=key.get_value() close done=Callback::new(move |_| done.run(RowDialog::RateLimit))/>
                    }),
                    Some(dialog @ (RowDialog::Revoke | RowDialog::Remove)) => EitherOf4::C(view! {
                        <Confirm key=key.get_value() revoke=dialog == RowDialog::Revoke close
                            done=Callback::new(move |_| done.run(dialog))/>
                    }),
                    None => EitherOf4::D(()),
                }}
            </Modal>
        </div>
    }
}

/// The first message a refusal carries, for the one field of a dialog.
fn refusal(result: Option<Result<(), AppError>>) -> Option<String> {
    match result {
        Some(Err(AppError::Invalid(issues))) => issues.first().map(|i| i.message.clone()),
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    }
}

#[component]
fn RenameForm(key: KeyTarget, close: Callback<()>, done: Callback<()>) -> impl IntoView {
    let action = ServerAction::<RenameKey>::new();
    let name = RwSignal::new(key.name.clone());
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            done.run(());
        }
    });
    let error = Signal::derive(move || refusal(action.value().get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(RenameKey {
            id: key.id.clone(),
            name: name.get_untracked(),
        });
    };
    view! {
        <form class="stack" novalidate=true on:submit=submit>
            <div class="field" class:field-invalid=move || error.get().is_some()>
                <label for="rename-name">"Key name"</label>
                <input id="rename-name" type="text" maxlength="64" autocomplete="off" autofocus=true
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                    aria-invalid=move || error.get().map(|_| "true")
                    aria-describedby="rename-name-error"/>
                <FieldMessage id="rename-name-error" message=error/>
            </div>
            <CancelSave close pending=action.pending()/>
        </form>
    }
}

/// A key's rate limit: requests per second, 0 for unlimited.
#[component]
fn RateLimitForm(key: KeyTarget, close: Callback<()>, done: Callback<()>) -> impl IntoView {
    let action = ServerAction::<SetKeyRateLimit>::new();
    let value = RwSignal::new(key.rate_limit.to_string());
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            done.run(());
        }
    });
    let error = Signal::derive(move || refusal(action.value().get()));
    let id = key.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetKeyRateLimit {
            id: id.clone(),
            rate_limit: value.get_untracked(),
        });
    };
    view! {
        <form class="stack" novalidate=true on:submit=submit>
            <p>
                "“" <strong>{key.name}</strong> "” (" <code>{key.api_key}</code> "). "
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
                <FieldMessage id="rate-limit-error" message=error/>
            </div>
            <CancelSave close pending=action.pending()/>
        </form>
    }
}

/// Revoke and Remove: an alert dialog that names the key and its consequence.
#[component]
fn Confirm(key: KeyTarget, revoke: bool, close: Callback<()>, done: Callback<()>) -> impl IntoView {
    let revoking = ServerAction::<RevokeKey>::new();
    let removing = ServerAction::<RemoveKey>::new();
    Effect::new(move |_| {
        if matches!(revoking.value().get(), Some(Ok(()))) || matches!(removing.value().get(), Some(Ok(()))) {
            done.run(());
        }
    });
    let error = move || {
        [revoking.value().get(), removing.value().get()]
            .into_iter()
            .find_map(|v| v.and_then(Result::err))
            .map(|e| e.to_string())
    };
    let pending = move || revoking.pending().get() || removing.pending().get();
    let consequence = if revoke {
        "The key stays in the list as Revoked and can no longer be used."
    } else {
        "The key disappears from the list and can no longer be used."
    };
    let id = key.id.clone();
    view! {
        <div class="stack">
            <p>
                "“" <strong>{key.name}</strong> "” (" <code>{key.api_key}</code>
                "): integrations using this key stop working immediately. "
                {consequence} " This cannot be undone."
            </p>
            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="dialog-actions">
                <button type="button" class="button secondary" autofocus=true
                    on:click=move |_| close.run(())>"Cancel"</button>
                <button type="button" class="button danger" disabled=pending
                    on:click=move |_| {
                        if revoke {
                            revoking.dispatch(RevokeKey { id: id.clone() });
                        } else {
                            removing.dispatch(RemoveKey { id: id.clone() });
                        }
                    }>
                    {if revoke { "Revoke key" } else { "Remove key" }}
                </button>
            </div>
        </div>
    }
}
