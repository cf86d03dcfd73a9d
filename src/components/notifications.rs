//! The notification center: the header's Notifications button with the
//! unread count, its panel of the latest notices, and the list both it and
//! the Notifications page show. The button and its panel are an island;
//! without JavaScript the button is a plain form that opens the
//! Notifications page, where marking read posts a form.
use std::time::Duration;

use leptos::either::EitherOf3;
use leptos::prelude::*;

use crate::components::dialog::focus_by_id;
use crate::components::local_time::LocalTime;
use crate::models::notifications::{unread_label, NotificationItem, NotificationPage};
use crate::models::AppError;
use crate::server_fns::notifications::{
    get_notifications, mark_all_notifications_read, mark_notification_read, unread_notifications,
    MarkAllNotificationsRead, MarkNotificationRead,
};

/// The Notifications page.
pub const NOTIFICATIONS_PATH: &str = "/admin/notifications";
/// Where following notice `id` goes: it is marked read, then the server
/// redirects to what it is about.
pub fn open_path(id: i64) -> String {
    format!("{NOTIFICATIONS_PATH}/{id}/open")
}

/// How often a hydrated page asks for new notices.
const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// The header button and its panel: an island, self-contained. `unread`
/// is the count the server rendered; hydrated, the island asks again every
/// 30 s and after every change made in its panel.
#[island]
pub fn NotificationsButton(unread: u64) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let open = RwSignal::new(false);
    let unread = RwSignal::new(unread);
    let root = NodeRef::<leptos::html::Div>::new();
    crate::components::island::mark_hydrated(root);
    Effect::new(move |_| {
        let _ = set_interval_with_handle(move || version.update(|v| *v += 1), REFRESH_EVERY);
    });
    // Not a resource: reloading one would render the button anew and close the panel.
    Effect::new(move |first: Option<()>| {
        version.track();
        if first.is_some() {
            leptos::task::spawn_local(async move {
                if let Ok(n) = unread_notifications().await {
                    unread.set(n);
                }
            });
        }
    });
    let changed = Callback::new(move |_| version.update(|v| *v += 1));
    let count = move || unread_label(unread.get());
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        open.update(|o| *o = !*o);
        if open.get_untracked() {
            changed.run(());
        }
    };
    let close = move || {
        open.set(false);
        focus_by_id("notifications-button");
    };
    view! {
        <div class="notifications" node_ref=root>
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
                <NotificationsPanel version changed close=Callback::new(move |_| close()) within=root/>
            </Show>
        </div>
    }
}

/// The latest notices, under the button (hydrated only). Loaded and
/// changed with plain calls to the server functions: no suspense, no forms
/// to decode, so the island stays small.
#[component]
fn NotificationsPanel(
    version: RwSignal<u32>,
    changed: Callback<()>,
    close: Callback<()>,
    /// The island's root: a click outside it closes the panel.
    within: NodeRef<leptos::html::Div>,
) -> impl IntoView {
    let latest = RwSignal::new(None::<Result<NotificationPage, AppError>>);
    Effect::new(move |_| {
        version.track();
        leptos::task::spawn_local(async move {
            latest.set(Some(
                get_notifications(crate::models::query::PageNumber::FIRST).await,
            ));
        });
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
            .zip(within.get_untracked())
            .is_some_and(|(target, root)| root.contains(Some(&target)));
        if !inside {
            close.run(());
        }
    });
    on_cleanup(move || {
        keys.remove();
        clicks.remove();
    });
    let mark_all = move |_| {
        leptos::task::spawn_local(async move {
            if mark_all_notifications_read().await.is_ok() {
                changed.run(());
            }
        });
    };
    let content = move || match latest.get() {
        None => EitherOf3::A(view! { <p role="status">"Loading…"</p> }),
        Some(Err(err)) => EitherOf3::B(view! { <p class="form-error" role="alert">{err.to_string()}</p> }),
        Some(Ok(page)) => EitherOf3::C({
            let items = page
                .items
                .into_iter()
                .map(|item| {
                    let (id, read) = (item.id, item.read);
                    let title = item.title.clone();
                    let mark = move |_| {
                        leptos::task::spawn_local(async move {
                            if mark_notification_read(id.to_string()).await.is_ok() {
                                changed.run(());
                            }
                        });
                    };
                    view! {
                        <li class="notice-item" class:unread=!read>
                            <NoticeText item/>
                            {(!read).then(|| view! {
                                <button type="button" class="button small secondary" on:click=mark>
                                    "Mark read"<span class="visually-hidden">": "{title}</span>
                                </button>
                            })}
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            let empty = items.is_empty();
            view! {
                {(page.unread > 0).then(|| view! {
                    <p class="mark-all">
                        <button type="button" class="button small secondary" on:click=mark_all>"Mark all read"</button>
                    </p>
                })}
                {empty.then(|| view! { <p class="empty">{NO_NOTICES}</p> })}
                {(!empty).then(|| view! { <ul class="notice-list" aria-label="Notices">{items}</ul> })}
                <p class="notifications-more">
                    <a href=NOTIFICATIONS_PATH>"All notifications"</a>
                </p>
            }
        }),
    };
    view! {
        <div id="notifications-panel" class="notifications-panel" role="dialog" aria-labelledby="notifications-panel-title"
            tabindex="-1" node_ref=panel>
            <div class="notifications-panel-head">
                <h2 id="notifications-panel-title">"Notifications"</h2>
                <button type="button" class="button small secondary" on:click=move |_| close.run(())>"Close"</button>
            </div>
            {content}
        </div>
    }
}

const NO_NOTICES: &str =
    "No notifications. keyward writes here before a key is deleted for inactivity or expires, \
                          and when test data is reset.";

/// A notice's title (a link: following it reads it — the server marks it,
/// then redirects to what it is about), its Unread badge, text and time.
#[component]
fn NoticeText(item: NotificationItem) -> impl IntoView {
    view! {
        <p class="notice-title">
            <a href=open_path(item.id)>{item.title}</a>
            {(!item.read).then(|| view! { " "<span class="badge badge-unread">"Unread"</span> })}
        </p>
        <p class="notice-body">{item.body}</p>
        <p class="notice-meta"><LocalTime at=item.created_at with_time=true/></p>
    }
}

/// "Mark all read" on the Notifications page, when something is unread: a
/// form that posts; the server redirects back to the page, drawn anew.
#[component]
pub fn MarkAllRead(unread: u64) -> impl IntoView {
    let action = ServerAction::<MarkAllNotificationsRead>::new();
    (unread > 0).then(|| {
        view! {
            <ActionForm action attr:class="inline-form mark-all">
                <button type="submit" class="button small secondary">"Mark all read"</button>
            </ActionForm>
        }
    })
}

/// The Notifications page's list, newest first; Mark read is a form.
#[component]
pub fn NotificationList(items: Vec<NotificationItem>) -> impl IntoView {
    let mark = ServerAction::<MarkNotificationRead>::new();
    if items.is_empty() {
        return view! { <p class="empty">{NO_NOTICES}</p> }.into_any();
    }
    let items = items
        .into_iter()
        .map(|item| {
            let (id, read, title) = (item.id.to_string(), item.read, item.title.clone());
            view! {
                <li class="notice-item" class:unread=!read>
                    <NoticeText item/>
                    {(!read).then(|| view! {
                        <ActionForm action=mark attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="button small secondary">
                                "Mark read"<span class="visually-hidden">": "{title}</span>
                            </button>
                        </ActionForm>
                    })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="notice-list" aria-label="Notices">{items}</ul> }.into_any()
}
