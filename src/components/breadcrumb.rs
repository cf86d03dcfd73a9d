//! The Admin › Profile › Developer Settings trail, or Admin › a page.
use leptos::prelude::*;

/// Every level up to and including `current` (given by its index).
const TRAIL: [(&str, &str); 3] = [
    ("Admin", "/admin"),
    ("Profile", "/admin/profile"),
    ("Developer Settings", "/admin/profile/developer-settings"),
];

/// The trail down to level `depth`, then `current` when given (a page
/// below that level but off the main trail).
#[component]
pub fn Breadcrumb(
    depth: usize,
    /// A level between the trail and `current` (label, address).
    #[prop(optional)]
    between: Option<(String, String)>,
    /// Its label and address.
    #[prop(optional)]
    current: Option<(String, String)>,
) -> impl IntoView {
    let last = depth + usize::from(between.is_some()) + usize::from(current.is_some());
    let items = TRAIL
        .iter()
        .take(depth + 1)
        .map(|(label, href)| ((*label).to_owned(), (*href).to_owned()))
        .chain(between)
        .chain(current)
        .enumerate()
        .map(move |(level, (label, href))| {
            let current = level == last;
            view! {
                <li>
                    <a href=href aria-current=current.then_some("page")>{label}</a>
                </li>
            }
        });
    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>{items.collect_view()}</ol>
        </nav>
    }
}
