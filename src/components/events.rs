//! Audit events as a table: the Audit log page (with a Key column) and a
//! key's own page (its trail, without one).
use leptos::prelude::*;

use crate::components::keys::key_path;
use crate::components::local_time::LocalTime;
use crate::models::audit::AuditRow;

#[component]
pub fn EventTable(
    /// The table's accessible name.
    caption: &'static str,
    events: Vec<AuditRow>,
    /// Show which key each event is about (the audit log does; a key's page need not).
    #[prop(optional)]
    with_key: bool,
    /// The actor column's header.
    actor_header: &'static str,
) -> impl IntoView {
    let rows = events
        .into_iter()
        .map(|event| {
            let key = with_key.then(|| match (event.key_id, event.key_name) {
                (Some(id), name) => {
                    let name = name.unwrap_or_else(|| id.clone());
                    view! { <td><a href=key_path(&id)>{name}</a></td> }.into_any()
                }
                (None, _) => view! { <td><span class="muted">"Agency settings"</span></td> }.into_any(),
            });
            view! {
                <tr>
                    <td><LocalTime at=event.at with_time=true/></td>
                    {key}
                    <td>{event.action.label()}</td>
                    <td>{event.actor}</td>
                    <td>{event.details}</td>
                    <td>{event.ip.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label=format!("{caption} table") tabindex="0">
            <table class="records">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        {with_key.then(|| view! { <th scope="col">"Key"</th> })}
                        <th scope="col">"Action"</th>
                        <th scope="col">{actor_header}</th>
                        <th scope="col">"Details"</th>
                        <th scope="col">"IP"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
