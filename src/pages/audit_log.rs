//! `/admin/profile/developer-settings/audit-log`: every key event of the
//! agency (or of the keys the viewer can see) — who, when, from where, what
//! changed — filtered by key, actor and action, searched, paged. The
//! filters are a GET form, so the URL holds them and they work without
//! JavaScript.
use crate::components::query::use_query;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::events::EventTable;
use crate::components::keys::AUDIT_LOG_PATH;
use crate::components::pager::{shown_range, Pager};
use crate::domain::audit_action::{AuditAction, AuditCategory};
use crate::models::audit::{AuditPage, AuditQuery, Choice, AUDIT_PER_PAGE};
use crate::server_fns::audit::list_audit_events;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_query();
    let query = Memo::new(move |_| params.with(|p| AuditQuery::from_params(|name| p.get(name))));
    let events = Resource::new(move || query.get(), list_audit_events);
    view! {
        <Title text="Audit log"/>
        <Breadcrumb depth=2 current=("Audit log".to_owned(), AUDIT_LOG_PATH.to_owned())/>
        <h1>"Audit log"</h1>
        <p class="lead">
            "Every change to an API key — created, renamed, rolled, revoked, removed or deleted for "
            "inactivity — to the agency's key settings, OAuth apps and webhooks, and (for super managers) "
            "to the team and its workspaces, with who made it, when and from where."
        </p>
        <Transition fallback=|| view! { <p role="status">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(page) => view! { <Filters page=page.clone()/> <Events page/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn options(choices: &[Choice], selected: &str, any: &'static str) -> impl IntoView {
    let any = Choice {
        value: String::new(),
        label: any.to_owned(),
    };
    std::iter::once(&any)
        .chain(choices)
        .map(|c| view! { <option value=c.value.clone() selected=c.value == selected>{c.label.clone()}</option> })
        .collect::<Vec<_>>()
}

#[component]
fn Filters(page: AuditPage) -> impl IntoView {
    let query = page.query;
    let actions: Vec<Choice> = AuditAction::ALL
        .into_iter()
        .map(|action| Choice {
            value: action.as_str().to_owned(),
            label: action.label().to_owned(),
        })
        .collect();
    let action = query.action.map(AuditAction::as_str).unwrap_or_default();
    let kinds: Vec<Choice> = AuditCategory::ALL
        .into_iter()
        .map(|kind| Choice {
            value: kind.as_str().to_owned(),
            label: kind.label().to_owned(),
        })
        .collect();
    let kind = query.kind.map(AuditCategory::as_str).unwrap_or_default();
    view! {
        <Form method="GET" action=AUDIT_LOG_PATH attr:class="filters" attr:role="search" attr:aria-label="Filter events">
            <div class="field">
                <label for="audit-key">"Key"</label>
                <select id="audit-key" name="key">{options(&page.keys, &query.key, "All keys")}</select>
            </div>
            <div class="field">
                <label for="audit-actor">"Actor"</label>
                <select id="audit-actor" name="actor">{options(&page.actors, &query.actor, "Anyone")}</select>
            </div>
            <div class="field">
                <label for="audit-kind">"Kind"</label>
                <select id="audit-kind" name="kind">{options(&kinds, kind, "Every kind")}</select>
            </div>
            <div class="field">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" name="action">{options(&actions, action, "All actions")}</select>
            </div>
            <div class="field">
                <label for="audit-search">"Search events"</label>
                <input id="audit-search" type="search" name="q" value=query.q.to_string() autocomplete="off"
                    placeholder="Key name, person, details"/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="button secondary">"Filter"</button>
                {query.is_filtered().then(|| view! { <a href=AUDIT_LOG_PATH>"Clear filters"</a> })}
            </div>
        </Form>
    }
}

#[component]
fn Events(page: AuditPage) -> impl IntoView {
    if page.rows.is_empty() {
        let message = if page.query.is_filtered() {
            "No events match these filters."
        } else {
            "No events yet. Creating a key is the first."
        };
        return view! { <div class="empty-state" role="status"><p>{message}</p></div> }.into_any();
    }
    let shown = page.rows.len();
    let current = page.query.page.get();
    let href = |page_no: u64| format!("{AUDIT_LOG_PATH}{}", page.query.with_page(page_no).href());
    view! {
        <EventTable caption="Audit log" events=page.rows.clone() with_key=true actor_header="Actor"/>
        <Pager
            page=current
            pages=page.pages
            range=shown_range(current, AUDIT_PER_PAGE, shown)
            total=page.total
            noun="events"
            previous=(current > 1).then(|| href(current - 1))
            next=(current < page.pages).then(|| href(current + 1))
        />
    }
    .into_any()
}
