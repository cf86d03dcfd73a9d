//! A timestamp in the viewer's own time zone: rendered in UTC on the server
//! (which cannot know the zone), then re-written by the browser.
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use wasm_bindgen::JsValue;

fn in_utc(at: DateTime<Utc>, with_time: bool) -> String {
    if with_time {
        at.format("%b %-d, %Y, %H:%M UTC").to_string()
    } else {
        at.format("%b %-d, %Y").to_string()
    }
}

/// The browser's rendering: the viewer's locale and zone.
fn in_browser_zone(at: DateTime<Utc>, with_time: bool) -> Option<String> {
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| js_sys::Reflect::set(&options, &key.into(), &value.into()).is_ok();
    let mut ok = set("year", "numeric") && set("month", "short") && set("day", "numeric");
    if with_time {
        ok = ok && set("hour", "2-digit") && set("minute", "2-digit") && set("timeZoneName", "short");
    }
    let locale = window()
        .navigator()
        .language()
        .unwrap_or_else(|| "en-US".to_owned());
    ok.then(|| String::from(date.to_locale_string(&locale, &options)))
}

/// The current moment: the server's clock, or the browser's.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "ssr")]
    {
        Utc::now()
    }
    #[cfg(not(feature = "ssr"))]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
}

/// `false` while rendering on the server and hydrating, `true` once the
/// browser runs the component: text that depends on the viewer's zone reads it
/// so the server's UTC rendering and hydration agree, then re-renders.
pub fn in_browser() -> ReadSignal<bool> {
    let (mounted, set_mounted) = signal(false);
    Effect::new(move |_| set_mounted.set(true));
    mounted
}

/// `at` as the viewer reads it: in their zone once `in_browser`, in UTC before.
pub fn moment_text(at: DateTime<Utc>, with_time: bool, in_browser: bool) -> String {
    in_browser
        .then(|| in_browser_zone(at, with_time))
        .flatten()
        .unwrap_or_else(|| in_utc(at, with_time))
}

#[component]
pub fn LocalTime(at: DateTime<Utc>, #[prop(optional)] with_time: bool) -> impl IntoView {
    let mounted = in_browser();
    view! { <time datetime=at.to_rfc3339()>{move || moment_text(at, with_time, mounted.get())}</time> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_server_says_utc() {
        let at = Utc.with_ymd_and_hms(2026, 11, 3, 14, 5, 0).unwrap();
        assert_eq!(in_utc(at, false), "Nov 3, 2026");
        assert_eq!(in_utc(at, true), "Nov 3, 2026, 14:05 UTC");
    }
}
