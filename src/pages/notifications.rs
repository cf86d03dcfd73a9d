//! `/admin/notifications`: every notice of the signed-in user, newest first,
//! a page at a time, with marking read (works without JavaScript too).
use crate::components::query::use_query;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::notifications::{MarkAllRead, NotificationList, NOTIFICATIONS_PATH};
use crate::components::pager::{shown_range, Pager};
use crate::models::notifications::NOTIFICATIONS_PER_PAGE;
use crate::models::query::PageNumber;
use crate::server_fns::notifications::get_notifications;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let params = use_query();
    let page = Memo::new(move |_| params.with(|p| PageNumber::from_param(p.get("page"))));
    let notices = Resource::new(move || page.get(), get_notifications);
    let href = |page: u64| {
        if page > 1 {
            format!("{NOTIFICATIONS_PATH}?page={page}")
        } else {
            NOTIFICATIONS_PATH.to_owned()
        }
    };
    view! {
        <Title text="Notifications"/>
        <Breadcrumb depth=0 current=("Notifications".to_owned(), NOTIFICATIONS_PATH.to_owned())/>
        <h1>"Notifications"</h1>
        <Transition fallback=|| view! { <p role="status">"Loading notifications…"</p> }>
            {move || Suspend::new(async move {
                match notices.await {
                    Ok(mut page) => {
                        let items = std::mem::take(&mut page.items);
                        let shown = items.len();
                        let summary = match page.unread {
                            0 => "Everything is read.".to_owned(),
                            1 => "1 unread notification.".to_owned(),
                            n => format!("{n} unread notifications."),
                        };
                        view! {
                            <div class="toolbar">
                                <p class="lead">{summary}</p>
                                <MarkAllRead unread=page.unread/>
                            </div>
                            <NotificationList items/>
                            {(page.total > 0).then(|| view! {
                                <Pager
                                    page=page.page
                                    pages=page.pages
                                    range=shown_range(page.page, NOTIFICATIONS_PER_PAGE, shown)
                                    total=page.total
                                    noun="notifications"
                                    previous=page.has_previous().then(|| href(page.page - 1))
                                    next=page.has_next().then(|| href(page.page + 1))
                                />
                            })}
                        }
                        .into_any()
                    }
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
