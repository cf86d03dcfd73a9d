//! A read-only value with a Copy button: the Clipboard API with visible
//! feedback, and select-all when the clipboard is refused.
use leptos::html;
use leptos::prelude::*;

use crate::components::island::mark_hydrated;

#[component]
pub fn CopyField(
    /// Visible label: the field's accessible name, and the Copy button's
    /// ("Copy Token"). Only the field is labelled by it, so
    /// `getByLabel("Token")` finds exactly one element.
    #[prop(into)]
    label: String,
    /// Element id of the input.
    #[prop(into)]
    id: String,
    value: String,
    /// On a page the server draws: the Copy button stays hidden until the
    /// page's script runs (without it the button could do nothing).
    #[prop(optional)]
    until_interactive: bool,
) -> impl IntoView {
    let interactive = RwSignal::new(!until_interactive);
    Effect::new(move |_| interactive.set(true));
    let input = NodeRef::<html::Input>::new();
    let feedback = RwSignal::new("");
    let copy_value = value.clone();
    let select_all = move || {
        if let Some(el) = input.get() {
            el.select();
        }
    };
    let copy = move |_| {
        let text = copy_value.clone();
        leptos::task::spawn_local(async move {
            let clipboard = window().navigator().clipboard();
            let copied = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok();
            if copied {
                feedback.set("Copied");
            } else {
                select_all();
                feedback.set("Selected: press Ctrl+C (⌘C on a Mac) to copy");
            }
        });
    };
    let status_id = format!("{id}-status");
    view! {
        <div class="copy-field">
            <label for=id.clone()>{label.clone()}</label>
            <div class="copy-row">
                <input id=id node_ref=input type="text" readonly=true value=value spellcheck="false"
                    autocomplete="off" on:focus=move |_| select_all()/>
                // Named by its text ("Copy" and the hidden field name), not by a label.
                <button type="button" class="button secondary" aria-describedby=status_id.clone() on:click=copy
                    hidden=move || !interactive.get()>
                    "Copy"<span class="visually-hidden">" "{label}</span>
                </button>
            </div>
            <p id=status_id class="copy-status" role="status">{move || feedback.get()}</p>
        </div>
    }
}

/// A [`CopyField`] on a page the server draws (the secret a webhook form
/// post reveals): an island of its own, so its Copy button works there.
#[island]
pub fn CopyFieldIsland(label: String, id: String, value: String) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    mark_hydrated(root);
    view! {
        <div node_ref=root>
            <CopyField label id value until_interactive=true/>
        </div>
    }
}
