//! The dialogs of a key's own page: Roll key (a new secret, revealed once,
//! the old one working for a chosen grace), IP allowlist and Edit scopes.
use leptos::either::Either;
use leptos::prelude::*;

use super::reveal::{SecretReveal, Stored};
use crate::components::dialog::Modal;
use crate::components::island::{mark_hydrated, reload_focusing};
use crate::domain::scopes::Scope;
use crate::models::keys::KeyTarget;
use crate::models::AppError;
use crate::server_fns::keys::{RollKey, SetKeyAllowlist, SetKeyScopes};

/// Roll key, Edit scopes and Edit IP allowlist on a key's page, with their
/// dialogs: one island. After a change the page is drawn again by the
/// server, with focus back on the button that opened the dialog.
#[island]
pub fn KeyPageActions(key: KeyTarget) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    mark_hydrated(root);
    let roll_open = RwSignal::new(false);
    let allowlist_open = RwSignal::new(false);
    let scopes_open = RwSignal::new(false);
    let active = key.active;
    let reload = |focus: &'static str| Callback::new(move |_| reload_focusing(focus));
    view! {
        <div class="toolbar key-actions" node_ref=root>
            {active.then(|| view! {
                <button type="button" class="button primary" id="roll-key" on:click=move |_| roll_open.set(true)>
                    "Roll key"
                </button>
            })}
            <button type="button" class="button secondary" id="edit-scopes"
                on:click=move |_| scopes_open.set(true)>
                "Edit scopes"
            </button>
            <button type="button" class="button secondary" id="edit-allowlist"
                on:click=move |_| allowlist_open.set(true)>
                "Edit IP allowlist"
            </button>
            <RollDialog key=key.clone() open=roll_open on_rolled=reload("roll-key")/>
            <AllowlistDialog key=key.clone() open=allowlist_open on_saved=reload("edit-allowlist")/>
            <ScopesDialog key open=scopes_open on_saved=reload("edit-scopes")/>
        </div>
    }
}

/// The grace choices: (value, label). The default is 24 hours.
const GRACE: [(&str, &str); 4] = [
    ("now", "Stop it now"),
    ("1h", "1 hour"),
    ("24h", "24 hours"),
    ("7d", "7 days"),
];

#[component]
pub fn RollDialog(
    key: KeyTarget,
    open: RwSignal<bool>,
    /// Called once the dialog closes after a roll (the page reloads the key).
    on_rolled: Callback<()>,
) -> impl IntoView {
    let action = ServerAction::<RollKey>::new();
    let grace = RwSignal::new("24h".to_owned());
    let stored = RwSignal::new(Stored::No);
    let revealed = Memo::new(move |_| match action.value().get() {
        Some(Ok(key)) => Some(key),
        _ => None,
    });
    let error = move || match action.value().get() {
        Some(Err(err)) => Some(err.message_for("grace").unwrap_or_else(|| err.to_string())),
        _ => None,
    };
    let finish = move || {
        let rolled = revealed.get_untracked().is_some();
        action.value().set(None);
        stored.set(Stored::No);
        grace.set("24h".to_owned());
        open.set(false);
        if rolled {
            on_rolled.run(());
        }
    };
    let dismiss = Callback::new(move |_| {
        if Stored::may_close(stored, revealed.get_untracked().is_some()) {
            finish();
        }
    });
    let id = key.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(RollKey {
            id: id.clone(),
            grace: grace.get_untracked(),
        });
    };
    let pending_old = key.old_secret_pending;
    let form = move || {
        view! {
            <form class="stack" novalidate=true on:submit=submit.clone()>
                <p>
                    "Rolling issues a new secret for " <strong>{key.name.clone()}</strong>
                    ". The key keeps its id, name, scopes and settings; integrations need the new token."
                </p>
                {pending_old.then(|| view! {
                    <p class="notice warning">"The old secret of the previous roll stops working now."</p>
                })}
                <fieldset class="field choice-group">
                    <legend>"Keep the old secret working for"</legend>
                    {GRACE.into_iter().map(|(value, label)| view! {
                        <label class="choice">
                            <input type="radio" name="grace" value=value
                                prop:checked=move || grace.get() == value
                                on:change=move |_| grace.set(value.to_owned())/>
                            <span>{label}</span>
                        </label>
                    }).collect::<Vec<_>>()}
                </fieldset>
                {move || (error().is_some()).then(|| view! {
                    <p class="form-error" role="alert">{error}</p>
                })}
                <div class="dialog-actions">
                    <button type="button" class="button secondary" on:click=move |_| finish()>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Rolling…" } else { "Roll key" }}
                    </button>
                </div>
            </form>
        }
    };
    let form = StoredValue::new(form);
    view! {
        <Modal id="roll-dialog" open=Signal::derive(move || open.get())
            title=Signal::derive(|| "Roll API key".to_owned()) on_dismiss=dismiss
            return_focus=Signal::derive(|| "roll-key".to_owned())>
            {move || match revealed.get() {
                Some(new) => {
                    let message = format!(
                        "New secret for “{}” issued. Copy it now: it cannot be shown again.",
                        new.name
                    );
                    Either::Left(view! {
                        <SecretReveal key=new message stored finish=Callback::new(move |_| finish())/>
                    })
                }
                None => Either::Right(form.with_value(|form| form())),
            }}
        </Modal>
    }
}

#[component]
pub fn AllowlistDialog(key: KeyTarget, open: RwSignal<bool>, on_saved: Callback<()>) -> impl IntoView {
    let action = ServerAction::<SetKeyAllowlist>::new();
    let initial = key.ip_allowlist.join("\n");
    let text = RwSignal::new(initial.clone());
    Effect::new(move |_| {
        if open.get() {
            text.set(initial.clone());
            action.value().set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            action.value().set(None);
            open.set(false);
            on_saved.run(());
        }
    });
    let errors = Signal::derive(move || match action.value().get() {
        Some(Err(AppError::Invalid(issues))) => issues
            .iter()
            .flat_map(|i| i.message.lines().map(str::to_owned).collect::<Vec<_>>())
            .collect(),
        Some(Err(err)) => vec![err.to_string()],
        _ => Vec::new(),
    });
    let id = key.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetKeyAllowlist {
            id: id.clone(),
            ip_allowlist: text.get_untracked(),
        });
    };
    view! {
        <Modal id="allowlist-dialog" open=Signal::derive(move || open.get())
            title=Signal::derive(|| "IP allowlist".to_owned())
            on_dismiss=Callback::new(move |_| open.set(false))
            return_focus=Signal::derive(|| "edit-allowlist".to_owned())>
            <form class="stack" novalidate=true on:submit=submit.clone()>
                <div class="field" class:field-invalid=move || !errors.get().is_empty()>
                    <label for="allowlist-text">"Allowed addresses"</label>
                    <p id="allowlist-hint" class="field-hint">
                        "One IPv4 or IPv6 address or CIDR range per line, like 203.0.113.7, 10.0.0.0/24 or "
                        "2001:db8::/32. Requests from anywhere else get 403 IP_NOT_ALLOWED. Leave empty to "
                        "allow any address."
                    </p>
                    <textarea id="allowlist-text" rows="6" spellcheck="false" autocomplete="off"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                        aria-invalid=move || (!errors.get().is_empty()).then_some("true")
                        aria-describedby="allowlist-hint allowlist-error"></textarea>
                    {move || (!errors.get().is_empty()).then(|| view! {
                        <ul id="allowlist-error" class="field-error">
                            {move || errors.get().into_iter().map(|e| view! { <li>{e}</li> }).collect::<Vec<_>>()}
                        </ul>
                    })}
                </div>
                <div class="dialog-actions">
                    <button type="button" class="button secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>"Save allowlist"</button>
                </div>
            </form>
        </Modal>
    }
}

/// A key's scopes: one checkbox per scope, at least one; `admin` includes the rest.
#[component]
pub fn ScopesDialog(key: KeyTarget, open: RwSignal<bool>, on_saved: Callback<()>) -> impl IntoView {
    let action = ServerAction::<SetKeyScopes>::new();
    let initial: Vec<String> = key.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    // Scopes not offered any more show only on keys that hold them.
    let held = key.scopes.clone();
    let chosen = RwSignal::new(initial.clone());
    Effect::new(move |_| {
        if open.get() {
            chosen.set(initial.clone());
            action.value().set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            action.value().set(None);
            open.set(false);
            on_saved.run(());
        }
    });
    let error = Signal::derive(move || match action.value().get() {
        Some(Err(err)) => Some(err.message_for("scopes").unwrap_or_else(|| err.to_string())),
        _ => None,
    });
    let admin = move || chosen.with(|s| s.iter().any(|s| s == Scope::Admin.as_str()));
    let id = key.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(SetKeyScopes {
            id: id.clone(),
            scopes: chosen.get_untracked(),
        });
    };
    view! {
        <Modal id="scopes-dialog" open=Signal::derive(move || open.get())
            title=Signal::derive(|| "Edit scopes".to_owned())
            on_dismiss=Callback::new(move |_| open.set(false))
            return_focus=Signal::derive(|| "edit-scopes".to_owned())>
            <form class="stack" novalidate=true on:submit=submit.clone()>
                <fieldset class="field choice-group scopes-group" class:field-invalid=move || error.get().is_some()
                    aria-describedby="edit-scopes-error">
                    <legend>"Scopes"</legend>
                    <p class="field-hint">"The next request with this key is held to the new scopes."</p>
                    {Scope::ALL.into_iter().filter(|scope| scope.is_offered() || held.contains(scope)).map(|scope| {
                        let value = scope.as_str();
                        let slug = value.replace(':', "-");
                        let label_id = format!("edit-scope-{slug}-label");
                        let implied = move || scope != Scope::Admin && admin();
                        view! {
                            <label class="choice">
                                <input type="checkbox" value=value aria-labelledby=label_id.clone()
                                    prop:checked=move || implied() || chosen.with(|s| s.iter().any(|s| s == value))
                                    disabled=implied
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|s| {
                                            s.retain(|x| x != value);
                                            if on { s.push(value.to_owned()); }
                                        });
                                    }/>
                                <code id=label_id>{value}</code>
                                <span class="field-hint">{scope.description()}</span>
                            </label>
                        }
                    }).collect::<Vec<_>>()}
                    {move || (error.get().is_some()).then(|| view! {
                        <p id="edit-scopes-error" class="field-error">{move || error.get()}</p>
                    })}
                </fieldset>
                <div class="dialog-actions">
                    <button type="button" class="button secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>"Save scopes"</button>
                </div>
            </form>
        </Modal>
    }
}
