//! Create New Key and its dialog (an island): the form, then the one-time
//! reveal that cannot be finished until the person confirms they stored the
//! secret; then the page is drawn again with the new key in the table.
use leptos::either::Either;
use leptos::prelude::*;

use super::reveal::{SecretReveal, Stored};
use crate::components::dialog::{FieldMessage, Modal};
use crate::components::island::{mark_hydrated, reload_focusing};
use crate::components::local_time::{in_browser, moment_text, now};
use crate::domain::scopes::Scope;
use crate::domain::validity::{Validity, PRESETS};
use crate::models::keys::{KeySettings, NewKeyForm, RevealedKey};
use crate::models::AppError;
use crate::server_fns::keys::CreateKey;

fn error_for(result: &Option<Result<RevealedKey, AppError>>, field: &str) -> Option<String> {
    match result {
        Some(Err(err)) => err.message_for(field),
        _ => None,
    }
}

/// What the chosen validity period means as a date, in the viewer's zone:
/// "Expires on Feb 28, 2027" for 3 months on Nov 30 (months clamp to their
/// last day), nothing while a custom date is missing or refused (its own
/// message says why).
fn expiry_hint(choice: &str, custom_date: &str, in_browser: bool) -> Option<String> {
    let now = now();
    let validity = Validity::parse(choice, custom_date, now).ok()?;
    match validity.expires_at(now).ok()? {
        None => Some("Never expires: the key works until it is revoked.".to_owned()),
        Some(at) => {
            let with_time = matches!(validity, Validity::Custom(_));
            Some(format!("Expires on {}", moment_text(at, with_time, in_browser)))
        }
    }
}

/// The id of Create New Key: focus returns to it after the dialog.
const TRIGGER: &str = "create-key";

#[island]
pub fn CreateKey(settings: KeySettings) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    mark_hydrated(root);
    let opened = RwSignal::new(false);
    let action = ServerAction::<CreateKey>::new();
    let result = action.value();
    let revealed = Memo::new(move |_| match result.get() {
        Some(Ok(key)) => Some(key),
        _ => None,
    });
    let open = Signal::derive(move || opened.get());

    // The form as typed, kept while the dialog is open so a refusal loses
    // nothing; then the reveal's confirmation.
    let default_workspace = if settings.can_create_agency_wide && !settings.agency_wide_full {
        String::new()
    } else {
        settings
            .workspaces
            .iter()
            .find(|w| !w.full)
            .map(|w| w.id.to_string())
            .unwrap_or_default()
    };
    let blank = NewKeyForm {
        workspace: default_workspace,
        act_as: settings.viewer_id.to_string(),
        validity: "3m".to_owned(),
        environment: "live".to_owned(),
        ..NewKeyForm::default()
    };
    let draft = RwSignal::new(blank.clone());
    let blank = StoredValue::new(blank);
    let stored = RwSignal::new(Stored::No);

    let finish = move || {
        if revealed.get_untracked().is_some() {
            // The server draws the table with the new key; focus comes back here.
            reload_focusing(TRIGGER);
            return;
        }
        result.set(None);
        // Who it acts as stays: the person chosen last is the likeliest next.
        draft.update(|d| {
            *d = NewKeyForm {
                act_as: std::mem::take(&mut d.act_as),
                ..blank.get_value()
            }
        });
        stored.set(Stored::No);
        opened.set(false);
    };
    let dismiss = Callback::new(move |_| {
        if Stored::may_close(stored, revealed.get_untracked().is_some()) {
            finish();
        }
    });
    // One field of the draft, read (tracked) and written.
    let read = move |field: fn(&NewKeyForm) -> &String| move || draft.with(|d| field(d).clone());
    let write = move |field: fn(&mut NewKeyForm) -> &mut String| {
        move |ev: leptos::ev::Event| draft.update(|d| *field(d) = event_target_value(&ev))
    };

    // Act as: only people who may act where the key will live.
    let act_as_choices = settings.act_as.clone();
    let eligible = Memo::new(move |_| {
        let ws = draft.with(|d| d.workspace.parse::<i64>().ok());
        act_as_choices
            .iter()
            .filter(|c| c.may_act_in(ws))
            .cloned()
            .collect::<Vec<_>>()
    });
    Effect::new(move |_| {
        let choices = eligible.get();
        let current = draft.with_untracked(|d| d.act_as.clone());
        if !choices.iter().any(|c| c.user_id.to_string() == current) {
            if let Some(first) = choices.first() {
                draft.update(|d| d.act_as = first.user_id.to_string());
            }
        }
    });

    let admin = Memo::new(move |_| draft.with(|d| d.scopes.iter().any(|s| s == "admin")));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut form = draft.get_untracked();
        if admin.get_untracked() {
            form.scopes = vec!["admin".to_owned()];
        }
        action.dispatch(CreateKey { form });
    };
    let message = move |field: &'static str| Signal::derive(move || result.with(|r| error_for(r, field)));
    let general_error = move || match result.get() {
        Some(Err(AppError::Invalid(_))) | Some(Ok(_)) | None => None,
        Some(Err(err)) => Some(err.to_string()),
    };
    let invalid = move |field: &'static str| move || message(field).get().map(|_| "true");
    let has_room = settings.has_room();
    let workspaces = settings.workspaces.clone();
    let agency_wide = settings.can_create_agency_wide;
    let agency_wide_full = settings.agency_wide_full;
    let (min_date, max_date) = (settings.min_custom_date.clone(), settings.max_custom_date.clone());
    let mounted = in_browser();
    let expiry = move || draft.with(|d| expiry_hint(&d.validity, &d.custom_date, mounted.get()));
    let custom = Memo::new(move |_| draft.with(|d| d.validity == "custom"));

    let form = move || {
        let workspaces = workspaces.clone();
        let (min_date, max_date) = (min_date.clone(), max_date.clone());
        view! {
            <form class="stack" novalidate=true on:submit=submit>
                {move || general_error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="field" class:field-invalid=move || message("name").get().is_some()>
                    <label for="key-name">"Key name"</label>
                    <input id="key-name" type="text" maxlength="64" autocomplete="off" autofocus=true
                        prop:value=read(|d| &d.name)
                        on:input=write(|d| &mut d.name)
                        aria-invalid=invalid("name") aria-describedby="key-name-hint key-name-error"/>
                    <p id="key-name-hint" class="field-hint">"What uses it, for example “Zillow lead sync”."</p>
                    <FieldMessage id="key-name-error" message=message("name")/>
                </div>
                <div class="field-row">
                    <div class="field" class:field-invalid=move || message("workspace").get().is_some()>
                        <label for="key-workspace">"Workspace"</label>
                        <select id="key-workspace" aria-describedby="key-workspace-error"
                            aria-invalid=invalid("workspace")
                            on:change=write(|d| &mut d.workspace)
                            prop:value=read(|d| &d.workspace)>
                            {agency_wide.then(|| view! {
                                <option value="" disabled=agency_wide_full>
                                    {if agency_wide_full { "Agency-wide (limit reached)" } else { "Agency-wide (all workspaces)" }}
                                </option>
                            })}
                            {workspaces.iter().map(|w| view! {
                                <option value=w.id.to_string() disabled=w.full>
                                    {if w.full { format!("{} (limit reached)", w.name) } else { w.name.clone() }}
                                </option>
                            }).collect::<Vec<_>>()}
                        </select>
                        <FieldMessage id="key-workspace-error" message=message("workspace")/>
                    </div>
                    <div class="field" class:field-invalid=move || message("act_as").get().is_some()>
                        <label for="key-act-as">"Act as"</label>
                        <select id="key-act-as" aria-describedby="key-act-as-hint key-act-as-error"
                            aria-invalid=invalid("act_as")
                            on:change=write(|d| &mut d.act_as)
                            prop:value=read(|d| &d.act_as)>
                            {move || eligible.get().into_iter().map(|choice| view! {
                                <option value=choice.user_id.to_string()>
                                    {format!("{} ({})", choice.name, choice.email)}
                                </option>
                            }).collect::<Vec<_>>()}
                        </select>
                        <p id="key-act-as-hint" class="field-hint">"What the key writes is attributed to this person."</p>
                        <FieldMessage id="key-act-as-error" message=message("act_as")/>
                    </div>
                </div>
                <div class="field-row">
                    <div class="field" class:field-invalid=move || message("validity").get().is_some()>
                        <label for="key-validity">"Validity period"</label>
                        <select id="key-validity" aria-describedby="key-validity-hint key-validity-error"
                            on:change=write(|d| &mut d.validity)
                            prop:value=read(|d| &d.validity)>
                            {PRESETS.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect::<Vec<_>>()}
                            <option value="custom">"Custom date"</option>
                        </select>
                        <p id="key-validity-hint" class="field-hint" aria-live="polite">{expiry}</p>
                        <FieldMessage id="key-validity-error" message=message("validity")/>
                    </div>
                    {move || custom.get().then(|| view! {
                        <div class="field" class:field-invalid=move || message("custom_date").get().is_some()>
                            <label for="key-custom-date">"Valid through"</label>
                            <input id="key-custom-date" type="date" min=min_date.clone() max=max_date.clone()
                                prop:value=read(|d| &d.custom_date)
                                on:input=write(|d| &mut d.custom_date)
                                aria-invalid=invalid("custom_date")
                                aria-describedby="key-custom-date-hint key-custom-date-error"/>
                            <p id="key-custom-date-hint" class="field-hint">"The key works until the end of this day (UTC)."</p>
                            <FieldMessage id="key-custom-date-error" message=message("custom_date")/>
                        </div>
                    })}
                </div>
                <fieldset class="field choice-group" aria-describedby="key-environment-error">
                    <legend>"Environment"</legend>
                    {[("live", "Live", "Real leads and properties."), ("test", "Test", "Sandbox data only, reset weekly.")]
                        .into_iter()
                        .map(|(value, label, hint)| view! {
                            <label class="choice">
                                <input type="radio" name="key-environment" value=value
                                    aria-labelledby=format!("env-{value}-label")
                                    aria-describedby=format!("env-{value}-hint")
                                    prop:checked=move || draft.with(|d| d.environment == value)
                                    on:change=move |_| draft.update(|d| d.environment = value.to_owned())/>
                                <span id=format!("env-{value}-label")>{label}</span>
                                <span id=format!("env-{value}-hint") class="field-hint">{hint}</span>
                            </label>
                        })
                        .collect::<Vec<_>>()}
                    <FieldMessage id="key-environment-error" message=message("environment")/>
                </fieldset>
                <fieldset class="field choice-group scopes-group" class:field-invalid=move || message("scopes").get().is_some()
                    aria-describedby="key-scopes-error">
                    <legend>"Scopes"</legend>
                    {Scope::offered().map(|scope| {
                        let value = scope.as_str();
                        let slug = value.replace(':', "-");
                        let hint_id = format!("scope-{slug}-hint");
                        let label_id = format!("scope-{slug}-label");
                        let implied = move || scope != Scope::Admin && admin.get();
                        view! {
                            <label class="choice">
                                <input type="checkbox" value=value aria-labelledby=label_id.clone()
                                    aria-describedby=hint_id.clone()
                                    prop:checked=move || implied() || draft.with(|d| d.scopes.iter().any(|s| s == value))
                                    disabled=implied
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        draft.update(|d| {
                                            d.scopes.retain(|x| x != value);
                                            if on { d.scopes.push(value.to_owned()); }
                                        });
                                    }/>
                                <code id=label_id>{value}</code>
                                <span id=hint_id class="field-hint">{scope.description()}</span>
                            </label>
                        }
                    }).collect::<Vec<_>>()}
                    {move || (admin.get()).then(|| view! {
                        <p class="notice" role="status">"admin includes every other scope, and managing API keys."</p>
                    })}
                    <FieldMessage id="key-scopes-error" message=message("scopes")/>
                </fieldset>
                <div class="dialog-actions">
                    <button type="button" class="button secondary" on:click=move |_| finish()>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "Creating…" } else { "Create key" }}
                    </button>
                </div>
            </form>
        }
    };

    let form = StoredValue::new(form);
    let reveal = move |key: RevealedKey| {
        let message = format!(
            "Key “{}” created. Copy the secret now: it cannot be shown again.",
            key.name
        );
        view! { <SecretReveal key message stored finish=Callback::new(move |_| finish())/> }
    };

    view! {
        <div class="create" node_ref=root>
            <button type="button" class="button primary" id=TRIGGER disabled=!has_room
                aria-describedby=(!has_room).then_some("limit-note")
                on:click=move |_| opened.set(true)>
                "Create New Key"
            </button>
            <Modal id="create-dialog" open title=Signal::derive(|| "Create API key".to_owned()) on_dismiss=dismiss
                return_focus=Signal::derive(|| TRIGGER.to_owned())>
                {move || match revealed.get() {
                    Some(key) => Either::Left(reveal(key)),
                    None => Either::Right(form.with_value(|form| form())),
                }}
            </Modal>
        </div>
    }
}
