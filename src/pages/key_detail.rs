//! `/admin/profile/developer-settings/keys/{id}`: one key — everything
//! known about it, its requests per day for the last 30 days (an SVG chart
//! drawn on the server, and the same numbers as a table), its activity,
//! and the Roll key, Edit scopes and IP allowlist dialogs (an island) for
//! those who manage it.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::events::EventTable;
use crate::components::keys::lifecycle::KeyPageActions;
use crate::components::keys::{key_path, AUDIT_LOG_PATH};
use crate::components::local_time::{LocalNumber, LocalTime};
use crate::domain::refusal::RefusalReason;
use crate::models::audit::{AuditRow, DayCount, KeyDetail};
use crate::models::keys::{KeyStatus, KeyTarget};
use crate::pages::session_tokens::{SessionTokenDone, SessionTokenList};
use crate::server_fns::audit::get_key_detail;

#[component]
pub fn KeyDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let detail = Resource::new(move || id.get(), get_key_detail);
    view! {
        <Suspense fallback=|| view! { <p role="status">"Loading the key…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <KeyView detail/> }.into_any(),
                    Err(err) => view! {
                        <Title text="API key"/>
                        <Breadcrumb depth=2/>
                        <h1>"API key"</h1>
                        <p class="form-error" role="alert">{err.to_string()}</p>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn KeyView(detail: KeyDetail) -> impl IntoView {
    let row = detail.row.clone();
    let href = key_path(&row.id);
    let status_class = match row.status {
        KeyStatus::Active => "badge badge-active",
        KeyStatus::Expired => "badge badge-expired",
        KeyStatus::Revoked => "badge badge-revoked",
    };
    let manage = row.can_manage.then(|| {
        view! {
            <KeyPageActions key=KeyTarget::from(&row)/>
            <noscript><p class="field-hint">"Rolling a key and editing it need JavaScript."</p></noscript>
        }
    });
    let scopes = row
        .scopes
        .iter()
        .map(|s| view! { <li><code>{s.as_str()}</code></li> })
        .collect::<Vec<_>>();
    let allowlist = if row.ip_allowlist.is_empty() {
        view! { <span>"Any address"</span> }.into_any()
    } else {
        let items = row
            .ip_allowlist
            .iter()
            .map(|e| view! { <li><code>{e.clone()}</code></li> })
            .collect::<Vec<_>>();
        view! { <ul class="plain-list">{items}</ul> }.into_any()
    };
    let rate_limit = match row.rate_limit {
        0 => "Unlimited".to_owned(),
        n => format!("{n} requests per second"),
    };
    view! {
        <Title text=row.name.clone()/>
        <Breadcrumb depth=2 current=(row.name.clone(), href)/>
        <h1>{row.name.clone()}</h1>
        <p class="lead">
            <span class=status_class>{row.status.label()}</span>" "
            <code class="api-key">{row.api_key()}"…"{row.last4.clone()}</code>
        </p>
        {row.suspended.clone().map(|why| {
            let remedy = if why == "Workspace archived" {
                "until a super manager restores the workspace (Admin › Workspaces)."
            } else {
                "until it is reassigned to someone active (Admin › Team) or revoked."
            };
            view! {
                <p class="notice form-error" role="alert">{why}": requests with this key are refused (401) "{remedy}</p>
            }
        })}
        <SessionTokenDone/>
        {manage}
        <section aria-labelledby="key-details-heading">
            <h2 id="key-details-heading">"Details"</h2>
            <dl class="details">
                <dt>"Environment"</dt><dd>{row.environment.label()}</dd>
                <dt>"Workspace"</dt><dd>{row.workspace.clone().unwrap_or_else(|| "All workspaces (agency-wide)".to_owned())}</dd>
                <dt>"Acting as"</dt><dd>{row.acting_as.clone()}</dd>
                <dt>"Created by"</dt><dd>{row.created_by.clone()}</dd>
                <dt>"Created"</dt><dd><LocalTime at=row.created_at with_time=true/></dd>
                <dt>"Expires"</dt><dd>{match row.expires_at {
                    Some(at) => view! { <LocalTime at with_time=true/> }.into_any(),
                    None => "Never".into_any(),
                }}</dd>
                {row.revoked_at.map(|at| view! {
                    <dt>"Revoked"</dt>
                    <dd><LocalTime at with_time=true/>{row.revoked_by.clone().map(|by| format!(" by {by}"))}</dd>
                })}
                <dt>"Last used"</dt><dd>{match row.last_used_at {
                    Some(at) => view! {
                        <LocalTime at with_time=true/>
                        {detail.last_used_ip.clone().map(|ip| view! { " from "<code>{ip}</code> })}
                    }.into_any(),
                    None => "Never".into_any(),
                }}</dd>
                <dt>"Requests"</dt><dd><LocalNumber n=row.usage_count/>" in all"</dd>
                <dt>"Rate limit"</dt><dd>{rate_limit}</dd>
                <dt>"Scopes"</dt><dd><ul class="plain-list">{scopes}</ul></dd>
                <dt>"IP allowlist"</dt><dd>{allowlist}</dd>
                {row.old_secret_until.map(|at| view! {
                    <dt>"Old secret"</dt>
                    <dd>"Still works until " <LocalTime at with_time=true/>" (after a roll)"</dd>
                })}
            </dl>
        </section>
        <SessionTokenList key_id=row.id.clone() tokens=detail.session_tokens.clone()
            live=row.live_session_tokens can_manage=row.can_manage/>
        <UsageChart usage=detail.usage.clone()/>
        <Refusals refusals=detail.refusals.clone()/>
        <Trail id=row.id.clone() trail=detail.trail.clone() total=detail.trail_total/>
    }
}

/// Bars of requests per day, with the same numbers as a table.
#[component]
fn UsageChart(usage: Vec<DayCount>) -> impl IntoView {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 180.0;
    const LEFT: f64 = 48.0;
    const BOTTOM: f64 = 24.0;
    let peak = usage.iter().map(|d| d.requests).max().unwrap_or(0).max(1);
    let total: i64 = usage.iter().map(|d| d.requests).sum();
    let slot = (WIDTH - LEFT) / usage.len().max(1) as f64;
    let plot = HEIGHT - BOTTOM - 8.0;
    let bars = usage
        .iter()
        .enumerate()
        .map(|(n, d)| {
            let h = (d.requests as f64 / peak as f64 * plot).max(if d.requests > 0 { 1.0 } else { 0.0 });
            let x = LEFT + n as f64 * slot + slot * 0.15;
            view! {
                <rect class="chart-bar" x=format!("{x:.1}") y=format!("{:.1}", HEIGHT - BOTTOM - h)
                    width=format!("{:.1}", slot * 0.7) height=format!("{h:.1}")>
                    <title>{format!("{}: {} requests", d.day.format("%b %-d"), d.requests)}</title>
                </rect>
            }
        })
        .collect::<Vec<_>>();
    let first = usage
        .first()
        .map(|d| d.day.format("%b %-d").to_string())
        .unwrap_or_default();
    let last = usage
        .last()
        .map(|d| d.day.format("%b %-d").to_string())
        .unwrap_or_default();
    let summary =
        format!("Requests per day from {first} to {last}: {total} in all, at most {peak} in a day.");
    let rows = usage
        .iter()
        .rev()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row"><time datetime=d.day.to_string()>{d.day.format("%a %b %-d").to_string()}</time></th>
                    <td class="number"><LocalNumber n=d.requests/></td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <section aria-labelledby="usage-heading">
            <h2 id="usage-heading">"Requests, last 30 days"</h2>
            <figure class="usage-chart">
                <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary.clone()
                    preserveAspectRatio="xMidYMid meet">
                    <line class="chart-axis" x1=LEFT y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM/>
                    <text class="chart-label" x=LEFT - 6.0 y=12.0 text-anchor="end">{peak.to_string()}</text>
                    <text class="chart-label" x=LEFT - 6.0 y=HEIGHT - BOTTOM text-anchor="end">"0"</text>
                    <text class="chart-label" x=LEFT y=HEIGHT - 6.0>{first}</text>
                    <text class="chart-label" x=WIDTH y=HEIGHT - 6.0 text-anchor="end">{last}</text>
                    {bars}
                </svg>
                <figcaption>{summary}</figcaption>
            </figure>
            <div class="table-scroll usage-table" tabindex="0" role="region" aria-labelledby="usage-table-caption">
                <table class="records">
                    <caption id="usage-table-caption">"Requests per day, last 30 days"</caption>
                    <thead>
                        <tr><th scope="col">"Day (UTC)"</th><th scope="col">"Requests"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// Requests the key made and was refused over the same 30 days, by reason:
/// not uses (they keep no key alive), and what integrators debug with.
#[component]
fn Refusals(refusals: Vec<(RefusalReason, i64)>) -> impl IntoView {
    let parts = refusals
        .iter()
        // "Not permitted" (another key's lead) only when it happened.
        .filter(|(reason, n)| *reason != RefusalReason::Forbidden || *n > 0)
        .map(|(reason, n)| format!("{n} {}", reason.label()))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <section aria-labelledby="refusals-heading" class="refusals">
            <h2 id="refusals-heading">"Refused requests, last 30 days"</h2>
            <p>{format!("Refused: {parts}.")}</p>
            <p class="field-hint">"Refused requests are not uses: they do not count as usage, set Last used or keep the key from the inactivity sweep."</p>
        </section>
    }
}

/// The key's latest events, and a link to all of them in the audit log.
#[component]
fn Trail(id: String, trail: Vec<AuditRow>, total: u64) -> impl IntoView {
    let more = (total > trail.len() as u64).then(|| format!("All {total} events in the audit log"));
    let link = format!("{AUDIT_LOG_PATH}?key={id}");
    view! {
        <section aria-labelledby="trail-heading">
            <h2 id="trail-heading">"Activity"</h2>
            <EventTable caption="Key activity" events=trail actor_header="By"/>
            <p><a href=link>{more.unwrap_or_else(|| "See this key in the audit log".to_owned())}</a></p>
        </section>
    }
}
