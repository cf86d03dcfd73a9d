//! What every island shares: the mark that proves it hydrated, reloading
//! the page after a change with focus kept where the person was, and
//! swapping one region of the page for its fresh server rendering.
//!
//! Pages render on the server; islands (`#[island]`) are the only code the
//! browser runs. An island changes what the server stored, then asks for
//! the page again: the server is the one place a page is drawn.
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Where the id of the element to focus waits across a reload.
const FOCUS_KEY: &str = "keyward-focus";

/// Marks the `<leptos-island>` around `root` with `data-hydrated` once the
/// island runs in the browser (effects never run on the server), and gives
/// focus to the element a reload asked for, if it is on the page.
///
/// End-to-end tests wait for every island of a page to carry the mark.
pub fn mark_hydrated<E>(root: NodeRef<E>)
where
    E: leptos::html::ElementType,
    E::Output: JsCast + Clone + 'static,
{
    Effect::new(move |_| {
        let Some(element) = root.get() else {
            return;
        };
        let element: &web_sys::Element = element.unchecked_ref();
        if let Ok(Some(island)) = element.closest("leptos-island") {
            let _ = island.set_attribute("data-hydrated", "");
        }
        restore_focus();
    });
}

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// Focuses the element a previous page asked for (see [`reload_focusing`]).
/// The first island to run asks; the page is whole by then (islands hydrate
/// after it has loaded), so an id not found is dropped, never kept for later.
fn restore_focus() {
    let Some(storage) = session_storage() else {
        return;
    };
    let Ok(Some(id)) = storage.get_item(FOCUS_KEY) else {
        return;
    };
    let _ = storage.remove_item(FOCUS_KEY);
    if let Some(element) = document()
        .get_element_by_id(&id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// After a change the server stored: loads the page again (the server draws
/// it anew) and puts focus on the element with id `focus` once it is back.
pub fn reload_focusing(focus: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(FOCUS_KEY, focus);
    }
    let _ = window().location().reload();
}

/// Fetches `url` (a page of this site), replaces the element with id
/// `region` by the same element of the answer, hydrates the islands in it,
/// and puts `url` in the address bar without a new history entry. Focus
/// and whatever the person is typing elsewhere on the page stay as they are.
///
/// `still_wanted` is asked once the answer is in: a newer request makes an
/// older answer moot. Falls back to loading `url` as a page when anything
/// goes wrong.
pub async fn swap_region(url: String, region: &'static str, still_wanted: impl Fn() -> bool) {
    if swap(&url, region, still_wanted).await.is_none() {
        let _ = window().location().assign(&url);
    }
}

async fn swap(url: &str, region: &str, still_wanted: impl Fn() -> bool) -> Option<()> {
    use wasm_bindgen_futures::JsFuture;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    let headers = web_sys::Headers::new().ok()?;
    headers.set("Accept", "text/html").ok()?;
    init.set_headers(&headers);
    let response: web_sys::Response = JsFuture::from(window().fetch_with_str_and_init(url, &init))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() || response.redirected() {
        return None;
    }
    let html = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    if !still_wanted() {
        return Some(());
    }
    let parsed = web_sys::DomParser::new()
        .ok()?
        .parse_from_string(&html, web_sys::SupportedType::TextHtml)
        .ok()?;
    let fresh = parsed.get_element_by_id(region)?;
    let current = document().get_element_by_id(region)?;
    let fresh = document().import_node_with_deep(&fresh, true).ok()?;
    current.replace_with_with_node_1(&fresh).ok()?;
    hydrate_islands_in(fresh.unchecked_ref());
    let history = window().history().ok()?;
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url))
        .ok()?;
    Some(())
}

/// Hydrates every island under `root`, in document order, through the
/// function leptos' island script leaves on `window`.
fn hydrate_islands_in(root: &web_sys::Element) {
    let Ok(hydrate) = js_sys::Reflect::get(&window(), &"__hydrateIsland".into()) else {
        return;
    };
    let Ok(hydrate) = hydrate.dyn_into::<js_sys::Function>() else {
        return;
    };
    let Ok(islands) = root.query_selector_all("leptos-island") else {
        return;
    };
    for island in (0..islands.length()).filter_map(|i| islands.get(i)) {
        let Ok(element) = island.dyn_into::<web_sys::HtmlElement>() else {
            continue;
        };
        let component = element.dataset().get("component").unwrap_or_default();
        let _ = hydrate.call2(&wasm_bindgen::JsValue::NULL, &element, &component.into());
    }
}

/// Sends the form around its children when one of its controls changes
/// (a switch that applies at once). Without JavaScript the form's own
/// submit button does the same.
#[island]
pub fn SubmitOnChange(children: Children) -> impl IntoView {
    let root = NodeRef::<leptos::html::Span>::new();
    mark_hydrated(root);
    let submit = |ev: leptos::ev::Event| {
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.form());
        if let Some(form) = form {
            let _ = form.request_submit();
        }
    };
    view! { <span class="submit-on-change" node_ref=root on:change=submit>{children()}</span> }
}
