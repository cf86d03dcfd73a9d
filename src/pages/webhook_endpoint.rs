//! One webhook endpoint's page (`…/developer-settings/webhooks/{id}`): its
//! details, Send test event, Edit, Disable or Enable, Reveal secret,
//! Rotate secret and Delete (both ask first, on pages of their own in
//! [`crate::pages::webhook_changes`]), and its delivery log with filters,
//! Resend per message, older pages and "Recover failed messages since…".
//!
//! Every button is a form post to this page's address
//! (`crate::server::webhook_forms::act`), answered with this page and what
//! the post did shown on top (a test event's result, a secret), so all of
//! it works without JavaScript.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::copy_field::CopyFieldIsland;
use crate::components::local_time::{now, LocalTime};
use crate::components::query::use_query;
use crate::domain::webhook_event::EventType;
use crate::models::webhook_pages::{
    AttemptSummary, EndpointPage, LogQuery, WebhookOutcome, ACTION_FORM, RECOVER_FORM,
};
use crate::models::webhooks::DeliveryAttempt;
use crate::models::FormFlash;
use crate::pages::webhook_changes::{delete_path, edit_path, rotate_path};
use crate::pages::webhooks::{done_notice, endpoint_path, error_message, event_list, status_cell, trail};
use crate::server_fns::session::get_form_flash;
use crate::server_fns::webhooks::{get_webhook_endpoint, get_webhook_outcome};

#[component]
pub fn WebhookEndpointPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let query = use_query().with_untracked(|q| LogQuery::from_params(|name| q.get(name)));
    let page = Resource::new_blocking(
        move || (id.clone(), query.clone()),
        |(id, query)| get_webhook_endpoint(id, query),
    );
    let outcome = Resource::new_blocking(|| (), |_| get_webhook_outcome());
    let action_flash = Resource::new_blocking(|| (), |_| get_form_flash(ACTION_FORM.into()));
    let recover_flash = Resource::new_blocking(|| (), |_| get_form_flash(RECOVER_FORM.into()));
    view! {
        <Suspense fallback=|| view! { <p role="status">"Loading the endpoint…"</p> }>
            {move || Suspend::new(async move {
                let outcome = outcome.await.ok().flatten();
                let action_flash = action_flash.await.ok().flatten().unwrap_or_default();
                let recover_flash = recover_flash.await.ok().flatten().unwrap_or_default();
                match page.await {
                    Ok(page) => view! { <EndpointView page outcome action_flash recover_flash/> }.into_any(),
                    Err(err) => view! {
                        <Title text="Webhook endpoint"/>
                        <Breadcrumb depth=2 current=trail()/>
                        <h1>"Webhook endpoint"</h1>
                        {action_flash.error("form").map(error_message)}
                        {error_message(err.to_string())}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// A post's button: a form of its own with the action's name.
fn action_button(
    path: &str,
    action: &'static str,
    label: &'static str,
    class: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=path.to_owned()>
            <input type="hidden" name="action" value=action/>
            <button type="submit" class=class>{label}</button>
        </form>
    }
}

#[component]
fn EndpointView(
    page: EndpointPage,
    outcome: Option<WebhookOutcome>,
    action_flash: FormFlash,
    recover_flash: FormFlash,
) -> impl IntoView {
    let row = page.row.clone();
    let endpoint = row.endpoint.clone();
    let path = endpoint_path(&endpoint.id);
    let enabled = endpoint.enabled;
    let rotation = endpoint.previous_secret_until.map(|until| {
        view! { <p class="field-hint">"The previous secret also signs until " <LocalTime at=until with_time=true/> "."</p> }
    });
    let test = if enabled {
        action_button(&path, "test", "Send test event", "button primary").into_any()
    } else {
        view! { <span class="field-hint">"Enable the endpoint to send a test event."</span> }.into_any()
    };
    let toggle = if enabled {
        action_button(&path, "disable", "Disable", "button secondary")
    } else {
        action_button(&path, "enable", "Enable", "button secondary")
    };
    view! {
        <Title text=format!("Webhook endpoint {}", row.title())/>
        <Breadcrumb depth=2 between=trail() current=("Endpoint".to_owned(), path.clone())/>
        <h1 class="endpoint-url">{endpoint.url.clone()}</h1>
        {outcome.map(|o| outcome_view(o, &path))}
        {done_notice()}
        {action_flash.error("form").map(error_message)}
        <dl class="details">
            <dt>"Description"</dt>
            <dd>{if endpoint.description.is_empty() { "—".to_owned() } else { endpoint.description.clone() }}</dd>
            <dt>"Workspace"</dt><dd>{row.reach()}</dd>
            <dt>"Mode"</dt><dd>{endpoint.environment.label()}</dd>
            <dt>"Event types"</dt><dd>{event_list(&endpoint.event_types)}</dd>
            <dt>"Status"</dt><dd>{status_cell(&row)}</dd>
            <dt>"Signing secret"</dt>
            <dd>
                <div class="webhook-actions">
                    <span>"Hidden"</span>
                    {action_button(&path, "reveal", "Reveal secret", "button secondary small")}
                </div>
                {rotation}
            </dd>
            <dt>"Created"</dt><dd><LocalTime at=endpoint.created_at with_time=true/></dd>
        </dl>
        <div class="webhook-actions">
            {test}
            <a class="button secondary" href=edit_path(&endpoint.id)>"Edit endpoint"</a>
            {toggle}
            <a class="button secondary" href=rotate_path(&endpoint.id)>"Rotate secret…"</a>
            <a class="button danger" href=delete_path(&endpoint.id)>"Delete endpoint…"</a>
        </div>
        <DeliveryLog page=page.clone()/>
        {recover_form(&path, enabled, &recover_flash)}
    }
}

/// What the post did, on top of the page.
fn outcome_view(outcome: WebhookOutcome, path: &str) -> AnyView {
    match outcome {
        WebhookOutcome::Tested(summary) => attempt_result(
            summary,
            ("Test event delivered", "Test event failed"),
            "A failed test event is retried on the schedule, like any other message.",
        ),
        WebhookOutcome::Resent(summary) => attempt_result(
            summary,
            ("Message resent", "Resending failed"),
            "The message is retried on the schedule from the start, with the same webhook-id.",
        ),
        WebhookOutcome::Recovered(count) => {
            let text = match count {
                0 => "No failed messages since then: nothing to send again.".to_owned(),
                1 => "1 failed message queued to be sent again.".to_owned(),
                n => format!("{n} failed messages queued to be sent again."),
            };
            view! { <p class="notice success" role="status">{text}</p> }.into_any()
        }
        WebhookOutcome::Revealed { secret } => view! {
            <section class="reveal notice" aria-labelledby="secret-heading">
                <h2 id="secret-heading">"Signing secret"</h2>
                <p>"Keep it in your receiver's configuration only. Revealing it was recorded in the audit log."</p>
                <CopyFieldIsland label="Signing secret".to_owned() id="signing-secret".to_owned() value=secret/>
                <p><a href=path.to_owned()>"Hide the secret"</a></p>
            </section>
        }
        .into_any(),
        WebhookOutcome::Rotated { secret, until } => view! {
            <section class="reveal notice" aria-labelledby="secret-heading">
                <h2 id="secret-heading">"New signing secret"</h2>
                <p>
                    "Copy it to your receiver now: it is shown in full only this once (it can be revealed again later, audited). "
                    "The previous secret keeps signing every message beside the new one for 24 hours, until "
                    <LocalTime at=until with_time=true/> ", so the receiver can switch without missing a message."
                </p>
                <CopyFieldIsland label="Signing secret".to_owned() id="signing-secret".to_owned() value=secret/>
                <p><a href=path.to_owned()>"Done"</a></p>
            </section>
        }
        .into_any(),
        // Shown by Add endpoint's page, never here.
        WebhookOutcome::Created { .. } => ().into_any(),
    }
}

fn attempt_result(
    summary: AttemptSummary,
    headings: (&'static str, &'static str),
    retry: &'static str,
) -> AnyView {
    let (heading, class) = if summary.succeeded {
        (headings.0, "notice success")
    } else {
        (headings.1, "notice warning")
    };
    view! {
        <section class=class aria-labelledby="result-heading">
            <h2 id="result-heading">{heading}</h2>
            <p role="status">{summary.text()}</p>
            <p class="field-hint">"Message " <code>{summary.message_id.clone()}</code></p>
            {(!summary.succeeded).then_some(view! { <p>{retry}</p> })}
        </section>
    }
    .into_any()
}

fn recover_form(path: &str, enabled: bool, flash: &FormFlash) -> impl IntoView {
    let error = flash.error("since");
    let invalid = error.is_some();
    let default_since = (now() - chrono::TimeDelta::hours(24))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let value = Some(flash.value("since"))
        .filter(|v| !v.is_empty())
        .unwrap_or(default_since);
    let described = if invalid {
        "recover-since-hint recover-since-error"
    } else {
        "recover-since-hint"
    };
    view! {
        <section aria-labelledby="recover-heading">
            <h2 id="recover-heading">"Recover failed messages"</h2>
            <p>
                "Sends again every message to this endpoint that failed since the moment you choose, oldest first "
                "(at most 10,000; messages are kept 30 days)."
            </p>
            {flash.error("form").map(error_message)}
            {if enabled {
                view! {
                    <form method="post" action=path.to_owned() class="inline-form stack">
                        <input type="hidden" name="action" value="recover"/>
                        <div class="field" class:field-invalid=invalid>
                            <label for="recover-since">"Failed since (UTC)"</label>
                            <input id="recover-since" name="since" type="datetime-local" value=value required=true
                                aria-invalid=invalid.then_some("true") aria-describedby=described/>
                            <p id="recover-since-hint" class="field-hint">"A moment in the last 30 days, in UTC."</p>
                            {error.map(|e| view! { <p id="recover-since-error" class="field-error">{e}</p> })}
                        </div>
                        <div><button type="submit" class="button secondary">"Recover"</button></div>
                    </form>
                }
                .into_any()
            } else {
                view! { <p class="field-hint">"Enable the endpoint to recover its failed messages."</p> }.into_any()
            }}
        </section>
    }
}

#[component]
fn DeliveryLog(page: EndpointPage) -> impl IntoView {
    let path = endpoint_path(&page.row.endpoint.id);
    let query = page.query.clone();
    let chosen_event = query.event_type.map(EventType::as_str).unwrap_or("");
    let events = std::iter::once(("", "All event types"))
        .chain(EventType::ALL.into_iter().map(|e| (e.as_str(), e.as_str())))
        .map(|(value, label)| view! { <option value=value selected=chosen_event == value>{label}</option> })
        .collect::<Vec<_>>();
    let outcome = query.outcome_param();
    let outcomes = [
        ("", "Any outcome"),
        ("succeeded", "Succeeded"),
        ("failed", "Failed"),
    ]
    .into_iter()
    .map(|(value, label)| view! { <option value=value selected=outcome == value>{label}</option> })
    .collect::<Vec<_>>();
    let filtered = query.is_filtered() || query.before.is_some();
    let table = if page.attempts.is_empty() {
        let text = if query.is_filtered() {
            "No attempts match these filters."
        } else {
            "Nothing sent yet. Send a test event to see the first attempt here."
        };
        view! { <div class="empty-state" role="status"><p>{text}</p></div> }.into_any()
    } else {
        attempt_table(&page.attempts, &path, page.row.endpoint.enabled).into_any()
    };
    let older = page.older.map(|id| {
        let href = format!("{path}?{}", query.older_than(id));
        view! { <a class="button secondary small" href=href>"Older attempts"</a> }
    });
    let newest = query.before.map(|_| {
        let rest = query.newest();
        let href = if rest.is_empty() {
            path.clone()
        } else {
            format!("{path}?{rest}")
        };
        view! { <a class="button secondary small" href=href>"Newest attempts"</a> }
    });
    view! {
        <section aria-labelledby="log-heading" class="delivery-log">
            <h2 id="log-heading">"Delivery log"</h2>
            <p class="field-hint">"Every attempt of the last 30 days, newest first. A message keeps its webhook-id on every attempt and resend."</p>
            <form method="get" action=path.clone() class="filters" role="search" aria-label="Filter attempts">
                <div class="field">
                    <label for="log-event-type">"Event type"</label>
                    <select id="log-event-type" name="event_type">{events}</select>
                </div>
                <div class="field">
                    <label for="log-outcome">"Outcome"</label>
                    <select id="log-outcome" name="outcome">{outcomes}</select>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="button secondary">"Filter"</button>
                    {filtered.then(|| view! { <a href=path.clone()>"Clear filters"</a> })}
                </div>
            </form>
            {table}
            <p class="pager-links">{newest}{older}</p>
        </section>
    }
}

fn attempt_table(attempts: &[DeliveryAttempt], path: &str, enabled: bool) -> impl IntoView {
    let rows = attempts
        .iter()
        .map(|a| {
            let message_id = format!("attempt-{}-message", a.id);
            let outcome = if a.succeeded {
                view! { <span class="badge badge-active">"Succeeded"</span> }.into_any()
            } else {
                view! { <span class="badge badge-revoked">"Failed"</span> }.into_any()
            };
            let next = match (a.delivery_state.as_str(), a.next_attempt_at) {
                ("pending", Some(at)) => view! { <LocalTime at with_time=true/> }.into_any(),
                _ => "—".into_any(),
            };
            let error = a.error_kind.clone().map(|kind| {
                view! { <code>{kind}</code><span class="status-note">{a.error.clone()}</span> }
            });
            let body = if a.response_body.is_empty() {
                "—".into_any()
            } else {
                view! {
                    <details>
                        <summary>"Response body"</summary>
                        <pre>{a.response_body.clone()}</pre>
                    </details>
                }
                .into_any()
            };
            let resend = enabled.then(|| {
                view! {
                    <form method="post" action=path.to_owned()>
                        <input type="hidden" name="action" value="resend"/>
                        <input type="hidden" name="message_id" value=a.message_id.clone()/>
                        <button type="submit" class="button secondary small" aria-describedby=message_id.clone()>"Resend"</button>
                    </form>
                }
            });
            view! {
                <tr>
                    <td class="date"><LocalTime at=a.attempted_at with_time=true/></td>
                    <td class="workspace">
                        <code>{a.event_type.clone()}</code>
                        <span class="status-note" id=message_id.clone()>{a.message_id.clone()}</span>
                    </td>
                    <td>{outcome}</td>
                    <td class="number">{a.status_code.map_or_else(|| "—".to_owned(), |c| c.to_string())}</td>
                    <td class="number">{format!("{} ms", a.latency_ms)}</td>
                    <td class="workspace">{error}</td>
                    <td class="date">{next}</td>
                    <td class="response">{body}</td>
                    <td>{resend}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label="Delivery attempts table" tabindex="0">
            <table class="keys">
                <caption class="visually-hidden">"Delivery attempts"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col" class="number">"HTTP status"</th>
                        <th scope="col" class="number">"Latency"</th>
                        <th scope="col">"Error"</th>
                        <th scope="col">"Next attempt"</th>
                        <th scope="col">"Response"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
