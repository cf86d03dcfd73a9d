//! The Admin › Profile › Developer Settings trail.
use leptos::prelude::*;

/// Every level up to and including `current` (given by its index).
const TRAIL: [(&str, &str); 3] = [
    ("Admin", "/admin"),
    ("Profile", "/admin/profile"),
    ("Developer Settings", "/admin/profile/developer-settings"),
];

#[component]
pub fn Breadcrumb(depth: usize) -> impl IntoView {
    let items = TRAIL
        .iter()
        .take(depth + 1)
        .enumerate()
        .map(|(level, (label, href))| {
            let current = level == depth;
            view! {
                <li>
                    <a href=*href aria-current=current.then_some("page")>{*label}</a>
                </li>
            }
        });
    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>{items.collect_view()}</ol>
        </nav>
    }
}
