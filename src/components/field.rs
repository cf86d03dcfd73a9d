//! Labelled form fields with their error message right below them.
use leptos::prelude::*;

/// A text input with a visible label and, when refused, a message tied to
/// it with `aria-describedby`.
#[component]
pub fn TextField(
    /// Visible label, also the accessible name.
    label: &'static str,
    /// Form field name; also the element id.
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(into, optional)] value: String,
    #[prop(optional_no_strip)] error: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = [
        error.as_ref().map(|_| error_id.clone()),
        hint.map(|_| hint_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type=kind
                value=value
                required=true
                autocomplete=autocomplete
                autofocus=autofocus
                aria-invalid=invalid.then_some("true")
                aria-describedby=(!described_by.is_empty()).then_some(described_by)
            />
            {hint.map(|hint| view! { <p id=hint_id class="field-hint">{hint}</p> })}
            {error.map(|error| view! { <p id=error_id class="field-error">{error}</p> })}
        </div>
    }
}

/// A password input with a "Show password" toggle that appears once the
/// page is interactive (it needs JavaScript to do anything). An island: the
/// toggle is the only part of the sign-in and setup pages the browser runs.
#[island]
pub fn PasswordField(
    #[prop(optional_no_strip)] error: Option<String>,
    #[prop(into)] autocomplete: String,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let interactive = RwSignal::new(false);
    let root = NodeRef::<leptos::html::Div>::new();
    crate::components::island::mark_hydrated(root);
    Effect::new(move |_| interactive.set(true));
    let described_by = [
        error.as_ref().map(|_| "password-error"),
        hint.as_ref().map(|_| "password-hint"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid node_ref=root>
            <label for="password">"Password"</label>
            <div class="password-row">
                <input
                    id="password"
                    name="password"
                    type=move || if shown.get() { "text" } else { "password" }
                    required=true
                    autocomplete=autocomplete
                    aria-invalid=invalid.then_some("true")
                    aria-describedby=(!described_by.is_empty()).then_some(described_by)
                />
                <button
                    type="button"
                    class="button secondary"
                    hidden=move || !interactive.get()
                    aria-pressed=move || if shown.get() { "true" } else { "false" }
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    "Show password"
                </button>
            </div>
            {hint.map(|hint| view! { <p id="password-hint" class="field-hint">{hint}</p> })}
            {error.map(|error| view! { <p id="password-error" class="field-error">{error}</p> })}
        </div>
    }
}
