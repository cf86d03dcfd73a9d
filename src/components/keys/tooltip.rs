//! The Key details button and its tooltip: shown on hover and on keyboard
//! focus (CSS alone), dismissed by Escape (the `Tip` island).
use leptos::prelude::*;

use crate::components::island::mark_hydrated;
use crate::components::local_time::LocalTime;
use crate::models::keys::KeyRow;

/// What a tooltip needs of the browser: Escape hides it until the pointer
/// or focus leaves (WCAG 1.4.13). Its button and text come from the server.
#[island]
pub fn Tip(children: Children) -> impl IntoView {
    let dismissed = RwSignal::new(false);
    let root = NodeRef::<leptos::html::Span>::new();
    mark_hydrated(root);
    view! {
        <span
            class="tip"
            node_ref=root
            class:tip-dismissed=move || dismissed.get()
            on:mouseleave=move |_| dismissed.set(false)
            on:focusout=move |_| dismissed.set(false)
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    dismissed.set(true);
                }
            }
        >
            {children()}
        </span>
    }
}

#[component]
pub fn KeyDetails(row: KeyRow) -> impl IntoView {
    let tip_id = format!("tip-{}", row.id);
    view! {
        <Tip>
            <button type="button" class="icon-button info" aria-label="Key details"
                aria-describedby=tip_id.clone() id=format!("details-{}", row.id)>
                <span aria-hidden="true">"i"</span>
            </button>
            <span role="tooltip" id=tip_id class="tooltip">
                <span class="tip-line">"Created by " {row.created_by.clone()}</span>
                <span class="tip-line">"Created " <LocalTime at=row.created_at with_time=true/></span>
                <span class="tip-line">
                    {match row.expires_at {
                        Some(at) => view! { "Valid till " <LocalTime at with_time=true/> }.into_any(),
                        None => "Never expires".into_any(),
                    }}
                </span>
                <span class="tip-line">"Acting as " {row.acting_as.clone()}</span>
                <span class="tip-line">{rate_limit_text(row.rate_limit)}</span>
                {row.revoked_at.map(|at| view! {
                    <span class="tip-line">
                        "Revoked by " {row.revoked_by.clone().unwrap_or_default()} " on "
                        <LocalTime at with_time=true/>
                    </span>
                })}
            </span>
        </Tip>
    }
}

/// "Rate limit: 100 requests per second", or unlimited.
pub fn rate_limit_text(per_second: i32) -> String {
    match per_second {
        0 => "Rate limit: unlimited".to_owned(),
        1 => "Rate limit: 1 request per second".to_owned(),
        n => format!("Rate limit: {n} requests per second"),
    }
}
