//! A modal dialog on the native `<dialog>` element: the page behind is inert,
//! Tab cycles inside it, Escape asks its owner, and focus goes back to the
//! control that opened it.
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]), select:not([disabled]), \
                         textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

/// Moves focus to the element with `id`, if it is on the page.
pub fn focus_by_id(id: &str) {
    if let Some(element) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// Keeps Tab and Shift+Tab inside `dialog`.
fn trap_tab(dialog: &web_sys::HtmlDialogElement, event: &web_sys::KeyboardEvent) {
    let Ok(nodes) = dialog.query_selector_all(FOCUSABLE) else {
        return;
    };
    let elements: Vec<web_sys::HtmlElement> = (0..nodes.length())
        .filter_map(|i| nodes.get(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        // Hidden controls have no offset parent; they cannot take focus.
        .filter(|element| element.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (elements.first(), elements.last()) else {
        return;
    };
    let active = document().active_element();
    let at = |element: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a.is_same_node(Some(element.unchecked_ref())))
    };
    let inside = active
        .as_ref()
        .is_some_and(|a| dialog.contains(Some(a.unchecked_ref())));
    if event.shift_key() && (at(first) || !inside) {
        event.prevent_default();
        let _ = last.focus();
    } else if !event.shift_key() && (at(last) || !inside) {
        event.prevent_default();
        let _ = first.focus();
    }
}

#[component]
pub fn Modal<C>(
    /// Whether the dialog is showing.
    #[prop(into)]
    open: Signal<bool>,
    /// Its accessible name (the visible heading).
    #[prop(into)]
    title: Signal<String>,
    /// Unique on the page: names the dialog's heading.
    #[prop(into)]
    id: String,
    /// An alert dialog (a confirmation of something that cannot be undone).
    #[prop(into, optional)]
    alert: Signal<bool>,
    /// Escape or the close button: the owner decides whether to close.
    on_dismiss: Callback<()>,
    /// Where focus goes once the dialog closes (an element id).
    #[prop(into)]
    return_focus: Signal<String>,
    children: TypedChildrenFn<C>,
) -> impl IntoView
where
    C: IntoView + 'static,
{
    let children = children.into_inner();
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("{id}-title");
    let heading_id = title_id.clone();
    // The content exists only while the dialog is open, built in the
    // browser when it opens (never hydrated: the server renders an empty
    // dialog), and dropped — unmounted, its reactive parts disposed — when
    // it closes. Only the build code of the dialogs ships, not their
    // hydration code too.
    // A plain `Rc`: only the browser fills it (effects never run on the
    // server, where a thread-bound local value would be dropped on another
    // thread by the render's cleanup and panic).
    let content = std::rc::Rc::new(std::cell::RefCell::new(None::<Box<dyn std::any::Any>>));
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        if let Some(element) = dialog.get() {
            if is_open && !element.open() {
                let children = children.clone();
                let heading_id = heading_id.clone();
                let header = move || {
                    view! {
                        <div class="modal-header">
                            <h2 id=heading_id>{move || title.get()}</h2>
                            <button type="button" class="icon-button" aria-label="Close"
                                on:click=move |_| on_dismiss.run(())>
                                "×"
                            </button>
                        </div>
                        {children()}
                    }
                };
                let parent: web_sys::HtmlElement = element.clone().unchecked_into();
                // Its own root: the effect's next run must not dispose it
                // before the dialog has closed.
                let owner = Owner::new_root(None);
                let mounted = owner.with(|| leptos::mount::mount_to(parent, header));
                *content.borrow_mut() = Some(Box::new((mounted, owner)));
                let _ = element.show_modal();
            } else if !is_open && element.open() {
                element.close();
                content.borrow_mut().take();
            }
        }
        if was_open == Some(true) && !is_open {
            focus_by_id(&return_focus.get_untracked());
        }
        is_open
    });
    view! {
        <dialog
            node_ref=dialog
            id=id
            class="modal"
            role=move || alert.get().then_some("alertdialog")
            aria-labelledby=title_id
            aria-modal="true"
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                on_dismiss.run(());
            }
            on:keydown=move |ev| {
                if ev.key() == "Tab" {
                    if let Some(element) = dialog.get() {
                        trap_tab(&element, &ev);
                    }
                }
            }
        >
        </dialog>
    }
}

/// A refusal's message under a dialog's field, tied to it by id (the
/// field's `aria-describedby` names it).
#[component]
pub fn FieldMessage(id: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        {move || message.get().is_some().then(|| view! {
            <p id=id class="field-error">{move || message.get()}</p>
        })}
    }
}

/// A form dialog's Cancel and Save, Save disabled while the change is on its way.
#[component]
pub fn CancelSave(close: Callback<()>, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    view! {
        <div class="dialog-actions">
            <button type="button" class="button secondary" on:click=move |_| close.run(())>"Cancel"</button>
            <button type="submit" class="button primary" disabled=move || pending.get()>"Save"</button>
        </div>
    }
}
