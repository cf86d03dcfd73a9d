//! A read-only value with a Copy button: the Clipboard API with visible
//! feedback, and select-all when the clipboard is refused.
use leptos::html;
use leptos::prelude::*;

#[component]
pub fn CopyField(
    /// Visible label, also the group's and the field's accessible name.
    label: &'static str,
    /// Element id of the input.
    id: &'static str,
    value: String,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let textarea = NodeRef::<html::Textarea>::new();
    let feedback = RwSignal::new("");
    let copy_value = value.clone();
    let select_all = move || {
        if let Some(el) = input.get() {
            el.select();
        }
        if let Some(el) = textarea.get() {
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
        <div class="copy-field" role="group" aria-labelledby=format!("{id}-label")>
            <label id=format!("{id}-label") for=id>{label}</label>
            <div class="copy-row">
                {if multiline {
                    view! {
                        <textarea id=id node_ref=textarea readonly=true rows="3" spellcheck="false"
                            on:focus=move |_| select_all()>{value}</textarea>
                    }
                    .into_any()
                } else {
                    view! {
                        <input id=id node_ref=input type="text" readonly=true value=value spellcheck="false"
                            autocomplete="off" on:focus=move |_| select_all()/>
                    }
                    .into_any()
                }}
                <button type="button" class="button secondary" aria-describedby=status_id.clone() on:click=copy>
                    "Copy"
                </button>
            </div>
            <p id=status_id class="copy-status" role="status">{move || feedback.get()}</p>
        </div>
    }
}
