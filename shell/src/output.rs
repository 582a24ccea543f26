//! How answers, errors and events look on the screen: JSON pretty-printed or compact, QEMU's
//! error class and text, one line per event with the server's time of day (UTC).

use serde_json::Value;

use qmp_types::client::Error;
use qmp_types::wire::Timestamp;

/// Pretty-printed (indented) or compact (one line) JSON answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Indented, one member per line.
    Pretty,
    /// One line.
    Compact,
}

impl Layout {
    /// `value` as JSON in this layout.
    pub fn render(self, value: &Value) -> String {
        let rendered = match self {
            Layout::Pretty => serde_json::to_string_pretty(value),
            Layout::Compact => serde_json::to_string(value),
        };
        // Serialising a `Value` cannot fail (string keys, no I/O).
        rendered.unwrap_or_else(|_| value.to_string())
    }
}

/// The one-line message of a failed call: `CLASS: text` for QEMU's errors, the client's
/// message for the rest (connection lost, timeout, …).
pub fn call_error(error: &Error) -> String {
    match error {
        Error::Qmp { class, desc, .. } => format!("{class}: {desc}"),
        other => other.to_string(),
    }
}

/// `[HH:MM:SS.micro] EVENT {data}` (the data only when there is some).
pub fn event_line(name: &str, data: &Value, timestamp: Timestamp) -> String {
    let time = if timestamp.seconds < 0 {
        "--:--:--.------".to_owned()
    } else {
        let of_day = timestamp.seconds % 86_400;
        format!(
            "{:02}:{:02}:{:02}.{:06}",
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60,
            timestamp.microseconds
        )
    };
    match data {
        Value::Null => format!("[{time}] {name}"),
        Value::Object(object) if object.is_empty() => format!("[{time}] {name}"),
        data => format!("[{time}] {name} {data}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layouts_keep_the_servers_member_order() {
        // The shell builds `serde_json` with `preserve_order` (through qmp-build-tools):
        // answers show members in QEMU's order.
        let value = json!({"status": "running", "running": true});
        assert_eq!(
            Layout::Compact.render(&value),
            r#"{"status":"running","running":true}"#
        );
        assert_eq!(
            Layout::Pretty.render(&value),
            "{\n  \"status\": \"running\",\n  \"running\": true\n}"
        );
    }

    #[test]
    fn events_show_time_of_day_and_data() {
        let at = Timestamp {
            seconds: 86_400 * 20_000 + 3600 + 62,
            microseconds: 5,
        };
        assert_eq!(event_line("STOP", &json!({}), at), "[01:01:02.000005] STOP");
        assert_eq!(
            event_line("RESUME", &json!({"x": 1}), Timestamp::UNKNOWN),
            "[--:--:--.------] RESUME {\"x\":1}"
        );
    }

    #[test]
    fn qemu_errors_show_class_and_text() {
        let error = Error::Qmp {
            command: "query-x".into(),
            class: qmp_types::wire::ErrorClass::CommandNotFound,
            desc: "The command query-x has not been found".into(),
        };
        assert_eq!(
            call_error(&error),
            "CommandNotFound: The command query-x has not been found"
        );
    }
}
