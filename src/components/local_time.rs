//! A timestamp in the viewer's own time zone, and a count in the viewer's
//! own digit grouping: rendered on the server (which knows neither: UTC and
//! `13,897`), then re-written by the browser. Both are islands.
use chrono::{DateTime, Datelike, Timelike, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "Nov 3, 2026" or "Nov 3, 2026, 14:05 UTC" (written out by hand: chrono's
/// format strings would ship their parser to the browser).
fn in_utc(at: DateTime<Utc>, with_time: bool) -> String {
    let month = MONTHS[at.month0() as usize];
    let date = format!("{month} {}, {}", at.day(), at.year());
    if with_time {
        format!("{date}, {:02}:{:02} UTC", at.hour(), at.minute())
    } else {
        date
    }
}

/// A moment as milliseconds since the Unix epoch: how islands receive
/// times (a number to read, where an RFC 3339 string needs a parser).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Millis(pub i64);

impl From<DateTime<Utc>> for Millis {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at.timestamp_millis())
    }
}

impl Millis {
    pub fn moment(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
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

/// `at` in the viewer's zone (an island: `<time datetime=…>` in UTC from
/// the server, the viewer's locale and zone once hydrated).
#[island]
pub fn LocalTime(#[prop(into)] at: Millis, #[prop(optional)] with_time: Option<bool>) -> impl IntoView {
    let with_time = with_time.unwrap_or(false);
    let at = at.moment();
    let mounted = in_browser();
    let root = NodeRef::<leptos::html::Time>::new();
    crate::components::island::mark_hydrated(root);
    view! { <time node_ref=root datetime=at.to_rfc3339()>{move || moment_text(at, with_time, mounted.get())}</time> }
}

/// `n` with its digits grouped: `13,897` from the server, then as the
/// viewer's locale groups them (`13.897`, `13 897`).
pub fn count_text(n: i64, in_browser: bool) -> String {
    if in_browser {
        let locale = window()
            .navigator()
            .language()
            .unwrap_or_else(|| "en-US".to_owned());
        let formatted = js_sys::Number::from(n as f64).to_locale_string(&locale);
        if let Some(text) = formatted.as_string() {
            return text;
        }
    }
    grouped(n)
}

/// `13897` as `13,897` (the server's rendering, English grouping).
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count in the viewer's digit grouping (an island, like [`LocalTime`]);
/// `<data value="13897">` keeps the plain number for machines.
#[island]
pub fn LocalNumber(n: i64) -> impl IntoView {
    let mounted = in_browser();
    let root = NodeRef::<leptos::html::Data>::new();
    crate::components::island::mark_hydrated(root);
    view! { <data node_ref=root value=n.to_string()>{move || count_text(n, mounted.get())}</data> }
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

    #[test]
    fn the_server_groups_digits_in_threes() {
        let cases = [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (13897, "13,897"),
            (1234567, "1,234,567"),
            (-4321, "-4,321"),
            (i64::MIN, "-9,223,372,036,854,775,808"),
        ];
        for (n, text) in cases {
            assert_eq!(grouped(n), text);
        }
    }
}
