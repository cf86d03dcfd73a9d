//! The notification center: the header's Notifications button with the
//! unread count, its panel of the latest notices, and the list both it and
//! the Notifications page show. Without JavaScript the button is a plain
//! form that opens the Notifications page; marking read posts a form.
use std::time::Duration;

use leptos::prelude::*;

use crate::components::dialog::focus_by_id;
use crate::components::local_time::LocalTime;
use crate::models::notifications::{unread_label, NotificationItem};
use crate::server_fns::notifications::{
    get_notifications, unread_notifications, MarkAllNotificationsRead, MarkNotificationRead,
};

/// The Notifications page.
pub const NOTIFICATIONS_PATH: &str = "/admin/notifications";
/// How often a hydrated page asks for new notices.
const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// Shared by the header and the Notifications page: bumping `version`
/// reloads the count and every list shown.
#[derive(Clone, Copy)]
pub struct NotificationsState {
    pub version: RwSignal<u32>,
}

impl NotificationsState {
    /// Made once per signed-in page, by the layout.
    pub fn provide() -> Self {
        let version = RwSignal::new(0u32);
        let state = Self { version };
        provide_context(state);
        // Hydrated pages look for new notices now and then.
        Effect::new(move |_| {
            let _ = set_interval_with_handle(move || version.update(|v| *v += 1), REFRESH_EVERY);
        });
        state
    }

    pub fn changed(&self) {
        self.version.update(|v| *v += 1);
    }
}

/// The header button and its panel. `unread` is the count the server
/// rendered; a hydrated page asks again whenever the notices change.
#[component]
pub fn NotificationsButton(unread: u64) -> impl IntoView {
    let state = expect_context::<NotificationsState>();
    let open = RwSignal::new(false);
    let unread = RwSignal::new(unread);
    // Not a resource: reloading one would suspend the layout around the
    // header and render it anew, closing the panel.
    Effect::new(move |first: Option<()>| {
        state.version.track();
        if first.is_some() {
            leptos::task::spawn_local(async move {
                if let Ok(n) = unread_notifications().await {
                    unread.set(n);
                }
            });
        }
    });
    let count = move || unread_label(unread.get());
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        open.update(|o| *o = !*o);
        if open.get_untracked() {
            state.changed();
        }
    };
    let close = move || {
        open.set(false);
        focus_by_id("notifications-button");
    };
    view! {
        <div class="notifications">
            <form method="get" action=NOTIFICATIONS_PATH class="notifications-form">
                <button type="submit" id="notifications-button" class="button secondary notifications-button"
                    aria-haspopup="dialog" aria-expanded=move || open.get().to_string()
                    aria-controls="notifications-panel" on:click=toggle>
                    <span>"Notifications"</span>
                    {move || count().map(|n| view! {
                        <span class="count-badge"><span class="visually-hidden">" "</span>{n}</span>
                        <span class="visually-hidden">" unread"</span>
                    })}
                </button>
            </form>
            <Show when=move || open.get()>
                <NotificationsPanel close=Callback::new(move |_| close())/>
            </Show>
        </div>
    }
}

/// The latest notices, under the button (hydrated only).
#[component]
fn NotificationsPanel(close: Callback<()>) -> impl IntoView {
    let state = expect_context::<NotificationsState>();
    let latest = LocalResource::new(move || {
        state.version.get();
        get_notifications(crate::models::query::PageNumber::FIRST)
    });
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            let _ = panel.focus();
        }
    });
    // Escape closes it wherever focus is; so does a click outside it.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            close.run(());
        }
    });
    let clicks = window_event_listener(leptos::ev::click, move |ev| {
        let inside = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok())
            .zip(document().query_selector(".notifications").ok().flatten())
            .is_some_and(|(target, root)| root.contains(Some(&target)));
        if !inside {
            close.run(());
        }
    });
    on_cleanup(move || {
        keys.remove();
        clicks.remove();
    });
    view! {
        <div id="notifications-panel" class="notifications-panel" role="dialog" aria-labelledby="notifications-panel-title"
            tabindex="-1" node_ref=panel>
            <div class="notifications-panel-head">
                <h2 id="notifications-panel-title">"Notifications"</h2>
                <button type="button" class="button small secondary" on:click=move |_| close.run(())>"Close"</button>
            </div>
            <Transition fallback=|| view! { <p role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match latest.await {
                        Ok(page) => view! {
                            <MarkAllRead unread=page.unread/>
                            <NotificationList items=page.items/>
                            <p class="notifications-more">
                                <a href=NOTIFICATIONS_PATH>"All notifications"</a>
                            </p>
                        }
                        .into_any(),
                        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// "Mark all read", when something is unread.
#[component]
pub fn MarkAllRead(unread: u64) -> impl IntoView {
    let state = expect_context::<NotificationsState>();
    let action = ServerAction::<MarkAllNotificationsRead>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            state.changed();
        }
    });
    (unread > 0).then(|| {
        view! {
            <ActionForm action attr:class="inline-form mark-all">
                <button type="submit" class="button small secondary">"Mark all read"</button>
            </ActionForm>
        }
    })
}

/// Notices, newest first; each links to what it is about.
#[component]
pub fn NotificationList(items: Vec<NotificationItem>) -> impl IntoView {
    let state = expect_context::<NotificationsState>();
    let mark = ServerAction::<MarkNotificationRead>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = mark.value().get() {
            state.changed();
        }
    });
    if items.is_empty() {
        return view! {
            <p class="empty">
                "No notifications. keyward writes here before a key is deleted for inactivity or expires, "
                "and when test data is reset."
            </p>
        }
        .into_any();
    }
    let items = items
        .into_iter()
        .map(|item| {
            let id = item.id.to_string();
            let title = match item.link.clone() {
                Some(href) => {
                    let id = id.clone();
                    // Following a notice reads it.
                    let read = item.read;
                    view! {
                        <a href=href on:click=move |_| if !read {
                            mark.dispatch(MarkNotificationRead { id: id.clone() });
                        }>{item.title.clone()}</a>
                    }
                    .into_any()
                }
                None => view! { <span>{item.title.clone()}</span> }.into_any(),
            };
            view! {
                <li class="notice-item" class:unread=!item.read>
                    <p class="notice-title">
                        {title}
                        {(!item.read).then(|| view! { " "<span class="badge badge-unread">"Unread"</span> })}
                    </p>
                    <p class="notice-body">{item.body}</p>
                    <p class="notice-meta"><LocalTime at=item.created_at with_time=true/></p>
                    {(!item.read).then(|| view! {
                        <ActionForm action=mark attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="button small secondary">
                                "Mark read"<span class="visually-hidden">": "{item.title}</span>
                            </button>
                        </ActionForm>
                    })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="notice-list" aria-label="Notices">{items}</ul> }.into_any()
}
