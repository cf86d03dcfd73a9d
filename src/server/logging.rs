//! Where log lines go and in what shape.
//!
//! Lines are formatted on the thread that logs them and handed to one
//! writer thread (tracing-appender's non-blocking writer), so a request
//! never waits for stderr. When that thread falls 128,000 lines behind (a
//! stalled pipe), further lines are dropped rather than slowing requests.
//! The returned guard flushes what is queued when dropped: `main` holds it
//! until the process ends.
use std::io::IsTerminal;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

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

/// Installs the global subscriber: the `RUST_LOG` filter (default `info`),
/// the format from `KEYWARD_LOG_FORMAT`, to stderr through the
/// non-blocking writer.
///
/// Errors: an unknown `KEYWARD_LOG_FORMAT` (the message names the variable
/// and the accepted values); nothing is installed then.
pub fn init() -> Result<WorkerGuard, String> {
    let format = match std::env::var(FORMAT_VAR) {
        Ok(value) => value.parse()?,
        Err(std::env::VarError::NotPresent) => LogFormat::Text,
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(format!("{FORMAT_VAR} must be `text` or `json`"))
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::stderr().is_terminal();
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => builder.with_ansi(ansi).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::LogFormat;

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
