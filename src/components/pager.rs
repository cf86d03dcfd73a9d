//! "Showing 21–40 of 57 … · page 2 of 3" with Previous and Next links
//! (plain links: paging works without JavaScript).
use leptos::prelude::*;

/// Where one page of a list starts and ends (1-based, inclusive).
pub fn shown_range(page: u64, per_page: u64, shown: usize) -> (u64, u64) {
    let first = (page.max(1) - 1) * per_page + 1;
    (first, (first + shown as u64).saturating_sub(1))
}

#[component]
pub fn Pager(
    page: u64,
    pages: u64,
    /// The first and last item shown, 1-based.
    range: (u64, u64),
    total: u64,
    noun: &'static str,
    /// The links to the neighbouring pages, where there are some.
    previous: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    let link = |href: Option<String>, label: &'static str| match href {
        Some(href) => view! { <a class="button small secondary" href=href>{label}</a> }.into_any(),
        None => view! { <span class="button small secondary" aria-disabled="true">{label}</span> }.into_any(),
    };
    let (first, last) = range;
    view! {
        <nav class="pager" aria-label=format!("Pages of {noun}")>
            <p class="pager-summary">
                {format!("Showing {first}–{last} of {total} {noun} · page {page} of {pages}")}
            </p>
            <div class="pager-links">
                {link(previous, "Previous page")}
                {link(next, "Next page")}
            </div>
        </nav>
    }
}
