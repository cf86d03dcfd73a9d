//! Where log lines go and in what shape.
//!
//! A line is formatted on the thread that logs it and appended to a buffer
//! in memory; one thread of its own ([`LogWriter`]) writes the buffer to
//! stderr every 50 ms, or at once when 256 KiB wait. A request therefore
//! never waits for stderr and never wakes another thread: it copies its line
//! under a lock held for that copy only. (tracing-appender's non-blocking
//! writer, tried first, hands each line through a channel and wakes its
//! thread for it: at 60,000 requests/s that cost more than the rest of the
//! request line — BENCHMARKS.md, "/v1 under load".)
//!
//! Should the writer fall 16 MiB behind (stderr is a stalled pipe), lines
//! are dropped rather than requests slowed, and the next write says how
//! many. The guard [`init`] returns writes what is buffered when dropped:
//! `main` holds it until the process ends.
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer};

/// How long a line may wait in memory.
const WRITE_EVERY: Duration = Duration::from_millis(50);
/// Buffered bytes that make the writer go at once.
const WRITE_AT: usize = 256 * 1024;
/// Buffered bytes beyond which lines are dropped.
const MAX_BUFFERED: usize = 16 * 1024 * 1024;

/// The buffer the request threads append to and the writer empties.
struct Shared {
    buffered: Mutex<Vec<u8>>,
    /// Set when a write is wanted early (or at the end); cleared by the writer.
    wanted: AtomicBool,
    wake: Condvar,
    dropped: AtomicU64,
    closing: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.buffered.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn want_write(&self) {
        if !self.wanted.swap(true, Ordering::AcqRel) {
            self.wake.notify_one();
        }
    }
}

/// The [`MakeWriter`] of the log: each line goes into the shared buffer.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// One line being written: it holds the buffer's lock from its start to its
/// end, so a line written in several pieces is never split by another's
/// (tracing-subscriber writes each line whole, in one `write_all`).
pub struct Line<'a> {
    shared: &'a Shared,
    buffered: Option<MutexGuard<'a, Vec<u8>>>,
    /// Where this line starts in the buffer.
    start: usize,
    /// The buffer had no room for it: taken back out, and counted.
    dropped: bool,
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self.buffered.as_mut() {
            Some(_) if self.dropped => {}
            Some(buffered) if buffered.len() + bytes.len() > MAX_BUFFERED => {
                buffered.truncate(self.start);
                self.dropped = true;
            }
            Some(buffered) => buffered.extend_from_slice(bytes),
            None => {}
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line<'_> {
    fn drop(&mut self) {
        let full = self
            .buffered
            .take()
            .is_some_and(|buffered| buffered.len() >= WRITE_AT);
        if self.dropped {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
        if full {
            self.shared.want_write();
        }
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        let buffered = self.shared.lock();
        Line {
            shared: &self.shared,
            start: buffered.len(),
            buffered: Some(buffered),
            dropped: false,
        }
    }
}

/// Writes what is buffered when dropped, and stops the writer thread.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.closing.store(true, Ordering::Release);
        self.shared.wanted.store(true, Ordering::Release);
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl LogWriter {
    /// A writer into `out`, with the thread that writes to it.
    pub fn new(out: impl Write + Send + 'static) -> (LogWriter, LogGuard) {
        let shared = Arc::new(Shared {
            buffered: Mutex::new(Vec::with_capacity(WRITE_AT)),
            wanted: AtomicBool::new(false),
            wake: Condvar::new(),
            dropped: AtomicU64::new(0),
            closing: AtomicBool::new(false),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("keyward-log".into())
                .spawn(move || write_out(&shared, out))
                .expect("a thread for the log")
        };
        (
            LogWriter {
                shared: shared.clone(),
            },
            LogGuard {
                shared,
                thread: Some(thread),
            },
        )
    }
}

/// The writer thread: every [`WRITE_EVERY`], or when asked, swaps the
/// buffer for an empty one and writes what it held, outside the lock.
fn write_out(shared: &Shared, mut out: impl Write) {
    let mut spare = Vec::with_capacity(WRITE_AT);
    loop {
        let closing = {
            let mut buffered = shared.lock();
            if !shared.wanted.load(Ordering::Acquire) {
                buffered = shared
                    .wake
                    .wait_timeout(buffered, WRITE_EVERY)
                    .map(|(guard, _)| guard)
                    .unwrap_or_else(|e| e.into_inner().0);
            }
            shared.wanted.store(false, Ordering::Release);
            std::mem::swap(&mut *buffered, &mut spare);
            shared.closing.load(Ordering::Acquire)
        };
        let dropped = shared.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let _ = writeln!(
                out,
                "keyward: {dropped} log lines dropped: the log output could not keep up"
            );
        }
        if !spare.is_empty() {
            // Nowhere to report a failed write to: the log is where we would.
            let _ = out.write_all(&spare).and_then(|()| out.flush());
            spare.clear();
            // A burst's buffer is not kept: back to the usual size.
            spare.shrink_to(WRITE_AT);
        }
        if closing && shared.lock().is_empty() {
            return;
        }
    }
}

/// The setting that picks the line format.
pub const FORMAT_VAR: &str = "KEYWARD_LOG_FORMAT";

/// How each line is written (`KEYWARD_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `text` (the default): human-readable, coloured on a terminal.
    Text,
    /// `json`: one JSON object per line for log shippers, the event's
    /// fields at the top level beside `timestamp`, `level`, `target` and
    /// `span` (which carries the request `id`).
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("{FORMAT_VAR} must be `text` or `json`, not `{other}`")),
        }
    }
}

/// The text format when stderr is not a terminal (a service's log): the
/// layout of tracing-subscriber's `Full` format,
/// `2026-12-01T00:38:28.123456Z  INFO request{id=…}: keyward::http: request method=GET path=/v1/me status=200 latency_ms=0.12`,
/// written straight into the line. The stock formatter passes every piece
/// through its colour machinery even with colours off: callgrind counted
/// that as 7.6% of the instructions of a `/v1/me` request (issue 12).
struct PlainText;

impl<S, N> FormatEvent<S, N> for PlainText
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        write_now(&mut writer)?;
        write!(writer, " {:>5} ", meta.level())?;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        write!(writer, "{{{fields}}}")?;
                    }
                }
                writer.write_char(':')?;
            }
            writer.write_char(' ')?;
        }
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// The time as `Full` writes it, `2026-12-01T00:38:28.123456Z` (UTC,
/// microseconds), with the part up to the second rendered once a second
/// per thread rather than for every line.
fn write_now(writer: &mut Writer<'_>) -> std::fmt::Result {
    use std::cell::Cell;
    thread_local! {
        static SECOND: Cell<(u64, [u8; 19])> = const { Cell::new((u64::MAX, [0; 19])) };
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = now.as_secs();
    let prefix = SECOND.with(|cached| {
        let (second, mut text) = cached.get();
        if second != seconds {
            let at = i64::try_from(seconds)
                .ok()
                .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                .unwrap_or_default();
            let mut cursor = std::io::Cursor::new(&mut text[..]);
            let _ = write!(cursor, "{}", at.format("%Y-%m-%dT%H:%M:%S"));
            cached.set((seconds, text));
        }
        text
    });
    writer.write_str(std::str::from_utf8(&prefix).unwrap_or("0000-00-00T00:00:00"))?;
    write!(writer, ".{:06}Z", now.subsec_micros())
}

/// The fields of [`PlainText`]: the message as it is, then `name=value`
/// (strings and `?` values as Rust's `Debug` writes them, `%` values and
/// numbers as `Display` does), space-separated — `DefaultFields` without
/// the colour machinery.
struct PlainFields;

impl<'w> FormatFields<'w> for PlainFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> std::fmt::Result {
        let mut visitor = PlainVisitor {
            writer,
            result: Ok(()),
            first: true,
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct PlainVisitor<'w> {
    writer: Writer<'w>,
    result: std::fmt::Result,
    first: bool,
}

impl PlainVisitor<'_> {
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> std::fmt::Result) {
        if self.result.is_ok() {
            self.result = self.write_field(field, value);
        }
    }

    fn write_field(
        &mut self,
        field: &Field,
        value: impl FnOnce(&mut Writer<'_>) -> std::fmt::Result,
    ) -> std::fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.writer.write_char(' ')?;
        }
        if field.name() != "message" {
            let name = field.name();
            self.writer.write_str(name.strip_prefix("r#").unwrap_or(name))?;
            self.writer.write_char('=')?;
        }
        value(&mut self.writer)
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.field(field, |w| w.write_str(value));
        } else {
            self.field(field, |w| write!(w, "{value:?}"));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.field(field, |w| write!(w, "{value:?}"));
    }
}

/// Which lines are written: `RUST_LOG` as tracing-subscriber reads it.
///
/// Directives of targets and levels only (`info`, `keyward=debug,sqlx=warn`:
/// nearly every setting) make a static [`Targets`] filter. Directives on
/// spans or fields (`[request{id=…}]=trace`) need [`EnvFilter`], which
/// tracks every span it might care about: a lock and a map lookup on each
/// enter and exit of each request's span, paid only when asked for.
#[derive(Debug)]
pub enum LogFilter {
    Targets(Box<Targets>),
    Env(Box<EnvFilter>),
}

impl LogFilter {
    /// The filter for `RUST_LOG`'s value (`None`: not set). Unset, empty or
    /// unreadable: `info`, as before.
    pub fn parse(directives: Option<&str>) -> LogFilter {
        let directives = directives.map(str::trim).filter(|d| !d.is_empty());
        let Some(directives) = directives else {
            return LogFilter::Targets(Box::new(Targets::new().with_default(LevelFilter::INFO)));
        };
        if !directives.contains(['[', '{']) {
            if let Ok(targets) = directives.parse::<Targets>() {
                return LogFilter::Targets(Box::new(targets));
            }
        }
        match EnvFilter::try_new(directives) {
            Ok(filter) => LogFilter::Env(Box::new(filter)),
            Err(_) => LogFilter::Targets(Box::new(Targets::new().with_default(LevelFilter::INFO))),
        }
    }

    fn into_layer<S>(self) -> Box<dyn Layer<S> + Send + Sync>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        match self {
            LogFilter::Targets(targets) => targets,
            LogFilter::Env(filter) => filter,
        }
    }
}

/// Installs the global subscriber: the `RUST_LOG` filter ([`LogFilter`],
/// default `info`), the format from `KEYWARD_LOG_FORMAT`, to stderr through
/// [`LogWriter`].
///
/// Errors: an unknown `KEYWARD_LOG_FORMAT` (the message names the variable
/// and the accepted values); nothing is installed then.
pub fn init() -> Result<LogGuard, String> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let format = match std::env::var(FORMAT_VAR) {
        Ok(value) => value.parse()?,
        Err(std::env::VarError::NotPresent) => LogFormat::Text,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(format!("{FORMAT_VAR} must be `text` or `json`"))
        }
    };
    let filter = LogFilter::parse(std::env::var("RUST_LOG").ok().as_deref());
    let ansi = std::io::stderr().is_terminal();
    let (writer, guard) = LogWriter::new(std::io::stderr());
    let registry = tracing_subscriber::registry().with(filter.into_layer());
    let lines = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Text if ansi => registry.with(lines.with_ansi(true)).init(),
        LogFormat::Text => registry
            .with(
                lines
                    .with_ansi(false)
                    .event_format(PlainText)
                    .fmt_fields(PlainFields),
            )
            .init(),
        LogFormat::Json => registry
            .with(
                lines
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .init(),
    }
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the writer thread wrote, shared with the test.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_reaches_the_output_in_order_by_the_time_the_guard_is_dropped() {
        let sink = Sink::default();
        let (writer, guard) = LogWriter::new(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..5_000 {
                        writeln!(writer.make_writer(), "thread {t} line {i}").unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 20_000);
        for t in 0..4 {
            let mine: Vec<_> = text
                .lines()
                .filter(|l| l.starts_with(&format!("thread {t} ")))
                .collect();
            let expected: Vec<_> = (0..5_000).map(|i| format!("thread {t} line {i}")).collect();
            assert_eq!(mine, expected, "whole lines, in each thread's order");
        }
    }

    #[test]
    fn a_stalled_output_drops_lines_and_says_how_many() {
        /// An output that blocks until told to go on.
        struct Stalled(Arc<(Mutex<bool>, Condvar)>, Sink);
        impl Write for Stalled {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                let (open, go) = &*self.0;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = go.wait(open).unwrap();
                }
                self.1.write(bytes)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let sink = Sink::default();
        let (writer, guard) = LogWriter::new(Stalled(gate.clone(), sink.clone()));
        let line = [b'x'; 1023];
        // The first lines are taken by the writer, which then stalls; the
        // buffer fills to its bound and the rest are dropped.
        let lines = 2 * MAX_BUFFERED / 1024;
        for _ in 0..lines {
            let mut out = writer.make_writer();
            out.write_all(&line).unwrap();
            out.write_all(b"\n").unwrap();
        }
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let written = text.lines().filter(|l| l.starts_with("xxx")).count();
        let notice = text
            .lines()
            .find(|l| l.contains("log lines dropped"))
            .expect("a notice");
        let dropped: usize = notice.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!(
            written < lines && dropped > 0,
            "{written} written, {dropped} dropped"
        );
        assert_eq!(written + dropped, lines, "each line written or counted");
    }

    #[test]
    fn plain_text_lines_have_the_full_formats_layout() {
        let sink = Sink::default();
        let (writer, guard) = LogWriter::new(sink.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .with_ansi(false)
            .event_format(PlainText)
            .fmt_fields(PlainFields)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", id = %"trace-7");
            let _entered = span.enter();
            tracing::info!(target: "keyward::http", method = %"GET", path = %"/v1/me", status = 200u16, latency_ms = 0.12, "request");
            tracing::warn!(
                reason = "a \"quoted\" word",
                count = -3i64,
                ok = false,
                "it said {}",
                42
            );
        });
        drop(guard);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        // 2026-12-01T00:38:28.123456Z: a UTC timestamp first.
        let (time, rest) = lines[0].split_once(' ').unwrap();
        assert!(
            time.len() >= 20 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{time}"
        );
        assert_eq!(
            rest,
            " INFO request{id=trace-7}: keyward::http: request method=GET path=/v1/me status=200 latency_ms=0.12"
        );
        assert!(
            lines[1].ends_with(
                "  WARN request{id=trace-7}: keyward::server::logging::tests: it said 42 reason=\"a \\\"quoted\\\" word\" count=-3 ok=false"
            ),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn plain_directives_filter_statically_and_span_directives_dynamically() {
        let enabled = |filter: &LogFilter, target: &str, level: tracing::Level| match filter {
            LogFilter::Targets(targets) => targets.would_enable(target, &level),
            LogFilter::Env(_) => panic!("expected a static filter"),
        };
        for unset in [None, Some(""), Some("  "), Some("keyward=loud")] {
            let filter = LogFilter::parse(unset);
            assert!(
                enabled(&filter, "keyward::http", tracing::Level::INFO),
                "{unset:?}"
            );
            assert!(
                !enabled(&filter, "keyward::http", tracing::Level::DEBUG),
                "{unset:?}"
            );
        }
        let filter = LogFilter::parse(Some("warn,keyward=debug,sqlx=error"));
        assert!(enabled(&filter, "keyward::server", tracing::Level::DEBUG));
        assert!(!enabled(&filter, "tower_sessions", tracing::Level::INFO));
        assert!(!enabled(&filter, "sqlx::query", tracing::Level::WARN));
        assert!(matches!(
            LogFilter::parse(Some("info,[request{id=abc}]=trace")),
            LogFilter::Env(_)
        ));
    }

    #[test]
    fn formats_by_name_and_a_clear_error_otherwise() {
        assert_eq!("json".parse(), Ok(LogFormat::Json));
        assert_eq!(" JSON ".parse(), Ok(LogFormat::Json));
        assert_eq!("text".parse(), Ok(LogFormat::Text));
        assert_eq!("".parse(), Ok(LogFormat::Text));
        let err = "logfmt".parse::<LogFormat>().unwrap_err();
        assert!(
            err.contains("KEYWARD_LOG_FORMAT") && err.contains("`logfmt`"),
            "{err}"
        );
    }
}
