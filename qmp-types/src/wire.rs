//! The QMP wire model: the server greeting, `qmp_capabilities`, requests (`execute` /
//! `exec-oob`), responses (`return` / `error`) and events, as the QMP specification
//! (`docs/interop/qmp-spec.rst`) defines them.
//!
//! Decoding is liberal, as the specification's compatibility rules ask: unknown keys are
//! ignored everywhere, unknown capabilities and error classes are kept as strings, and an
//! event without `data` gets `Value::Null`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::command::{Command, Empty};
use crate::open_enum::OpenEnum;

/// The greeting a QMP server sends right after a client connects:
/// `{"QMP": {"version": ..., "capabilities": [...]}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    /// The body under the `QMP` key.
    #[serde(rename = "QMP")]
    pub qmp: GreetingBody,
}

/// The body of a [`Greeting`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GreetingBody {
    /// The server's version, in the format of `query-version`.
    pub version: VersionInfo,
    /// The capabilities the server offers, including ones this crate does not know.
    #[serde(default)]
    pub capabilities: Vec<Capability>,
}

impl Greeting {
    /// Whether the server offers `capability`.
    pub fn offers(&self, capability: &Capability) -> bool {
        self.qmp.capabilities.contains(capability)
    }
}

/// A server version as reported by the greeting and by `query-version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// The upstream version triple.
    pub qemu: VersionTriple,
    /// The distribution's package string (may be empty).
    #[serde(default)]
    pub package: String,
}

/// A `major.minor.micro` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VersionTriple {
    /// Major version.
    pub major: i64,
    /// Minor version.
    pub minor: i64,
    /// Micro version.
    pub micro: i64,
}

impl fmt::Display for VersionTriple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.micro)
    }
}

/// Implements an open string enum (known variants plus `Unknown(String)`) by hand: the wire
/// model must not depend on the derive macros, which generated code uses.
macro_rules! open_string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this crate does not know, kept verbatim.
            Unknown(String),
        }

        impl OpenEnum for $name {
            const VALUES: &'static [&'static str] = &[$($wire),*];
            fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown(other) => other,
                }
            }
            fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                if let $name::Unknown(value) = self {
                    crate::__private::note_unknown_value(
                        concat!(stringify!($name), "::Unknown"),
                        value,
                    );
                }
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from_wire(&value))
            }
        }
    };
}

open_string_enum! {
    /// A capability offered in the greeting and enabled with `qmp_capabilities`.
    Capability {
        /// Out-of-band execution (`exec-oob`).
        Oob => "oob",
    }
}

open_string_enum! {
    /// The `class` of an error response. QEMU uses `GenericError` for almost everything; the
    /// other classes are kept for compatibility. An unknown class is kept as a string.
    ErrorClass {
        /// Any error without a more specific class.
        GenericError => "GenericError",
        /// The command does not exist (or is not allowed before negotiation).
        CommandNotFound => "CommandNotFound",
        /// A device has no medium or is not active.
        DeviceNotActive => "DeviceNotActive",
        /// A device does not exist.
        DeviceNotFound => "DeviceNotFound",
        /// The KVM capability required is missing.
        KvmMissingCap => "KVMMissingCap",
    }
}

/// The `qmp_capabilities` command, the only command a server accepts before negotiation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QmpCapabilities {
    /// Capabilities to enable; each must have been offered in the greeting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enable: Vec<Capability>,
}

impl Command for QmpCapabilities {
    const NAME: &'static str = "qmp_capabilities";
    const ALLOW_OOB: bool = false;
    type Output = Empty;
}

/// How a request is executed: in band (`execute`) or out of band (`exec-oob`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecMode {
    /// `execute`: queued and answered in order with other in-band commands.
    InBand,
    /// `exec-oob`: executed as soon as the server reads it (needs the `oob` capability).
    OutOfBand,
}

impl ExecMode {
    /// The request key for this mode: `"execute"` or `"exec-oob"`.
    pub fn key(self) -> &'static str {
        match self {
            ExecMode::InBand => "execute",
            ExecMode::OutOfBand => "exec-oob",
        }
    }
}

/// A request as sent on the wire: `{"execute"|"exec-oob": name, "arguments": {...}, "id": n}`.
///
/// This crate's clients use integer ids; `arguments` is omitted when `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request<'a> {
    /// `execute` or `exec-oob`.
    pub mode: ExecMode,
    /// The command's wire name.
    pub command: &'a str,
    /// The `arguments` object, if any.
    pub arguments: Option<&'a Map<String, Value>>,
    /// The transaction id echoed in the response, if any.
    pub id: Option<u64>,
}

impl Serialize for Request<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 1 + usize::from(self.arguments.is_some()) + usize::from(self.id.is_some());
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry(self.mode.key(), self.command)?;
        if let Some(arguments) = self.arguments {
            map.serialize_entry("arguments", arguments)?;
        }
        if let Some(id) = self.id {
            map.serialize_entry("id", &id)?;
        }
        map.end()
    }
}

/// The body of an error response: `{"class": ..., "desc": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error class (almost always `GenericError`).
    pub class: ErrorClass,
    /// A human-readable message; the specification asks clients not to parse it.
    #[serde(default)]
    pub desc: String,
}

/// A command response: the echoed `id` (absent when the server could not read the request
/// far enough to find it) and the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The echoed transaction id, if any.
    pub id: Option<Value>,
    /// `return` on success, `error` on failure.
    pub result: Result<Value, ErrorBody>,
}

/// An event's timestamp. Both members are -1 when the server could not read the host time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    pub seconds: i64,
    /// Microseconds within the second.
    pub microseconds: i64,
}

impl Timestamp {
    /// The "no time" timestamp the server sends when it could not read the host time.
    pub const UNKNOWN: Timestamp = Timestamp {
        seconds: -1,
        microseconds: -1,
    };

    /// The timestamp as a `SystemTime`, or `None` for [`Timestamp::UNKNOWN`] (or any other
    /// value outside the representable range).
    pub fn to_system_time(self) -> Option<SystemTime> {
        let seconds = u64::try_from(self.seconds).ok()?;
        let micros = u64::try_from(self.microseconds).ok()?;
        UNIX_EPOCH.checked_add(Duration::from_secs(seconds) + Duration::from_micros(micros))
    }
}

/// An asynchronous event as received: name, `data` (`Value::Null` when absent) and timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMessage {
    /// The event's wire name, e.g. `"STOP"`.
    pub event: String,
    /// The event's data; `Value::Null` when the server sent none.
    #[serde(default)]
    pub data: Value,
    /// When the event happened in the server ([`Timestamp::UNKNOWN`] when absent).
    #[serde(default = "unknown_timestamp")]
    pub timestamp: Timestamp,
}

fn unknown_timestamp() -> Timestamp {
    Timestamp::UNKNOWN
}

/// Any message a QMP server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    /// The greeting (first message on a connection).
    Greeting(Greeting),
    /// A command response.
    Response(Response),
    /// An asynchronous event.
    Event(EventMessage),
}

/// Why a JSON value is not a QMP server message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The value is not a JSON object.
    #[error("a QMP server message must be a JSON object, got {found}")]
    NotAnObject {
        /// The JSON type found instead.
        found: &'static str,
    },
    /// The object has none of `QMP`, `return`, `error` or `event`.
    #[error("unrecognised QMP server message with keys {keys:?}")]
    Unrecognized {
        /// The object's keys.
        keys: Vec<String>,
    },
    /// A recognised message whose members have the wrong shape.
    #[error("malformed QMP {kind}: {source}")]
    Malformed {
        /// Which kind of message (`greeting`, `error response`, `event`).
        kind: &'static str,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
}

impl ServerMessage {
    /// Classifies a JSON value received from a server.
    ///
    /// # Errors
    /// [`WireError`] when the value is not an object, has none of the message keys, or a
    /// recognised message has malformed members.
    pub fn from_value(value: Value) -> Result<ServerMessage, WireError> {
        let mut map = match value {
            Value::Object(map) => map,
            other => {
                return Err(WireError::NotAnObject {
                    found: json_type(&other),
                })
            }
        };
        // Responses are by far the most frequent message, so they are checked first.
        if let Some(result) = map.remove("return") {
            return Ok(ServerMessage::Response(Response {
                id: map.remove("id"),
                result: Ok(result),
            }));
        }
        if let Some(error) = map.remove("error") {
            let body = ErrorBody::deserialize(error).map_err(|source| WireError::Malformed {
                kind: "error response",
                source,
            })?;
            return Ok(ServerMessage::Response(Response {
                id: map.remove("id"),
                result: Err(body),
            }));
        }
        if map.contains_key("event") {
            return EventMessage::deserialize(Value::Object(map))
                .map(ServerMessage::Event)
                .map_err(|source| WireError::Malformed {
                    kind: "event",
                    source,
                });
        }
        if map.contains_key("QMP") {
            return Greeting::deserialize(Value::Object(map))
                .map(ServerMessage::Greeting)
                .map_err(|source| WireError::Malformed {
                    kind: "greeting",
                    source,
                });
        }
        Err(WireError::Unrecognized {
            keys: map.keys().cloned().collect(),
        })
    }
}

/// The JSON type of `value`, with its article (`a string`, `null`), for error messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn greeting_keeps_unknown_capabilities_and_ignores_unknown_keys() {
        let value = json!({"QMP": {"version": {"qemu": {"micro": 2, "minor": 0, "major": 10},
            "package": "Debian", "extra": 1}, "capabilities": ["oob", "future-cap"], "new": true}});
        let ServerMessage::Greeting(greeting) = ServerMessage::from_value(value).unwrap() else {
            panic!("not a greeting");
        };
        assert_eq!(greeting.qmp.version.qemu.to_string(), "10.0.2");
        assert!(greeting.offers(&Capability::Oob));
        assert_eq!(
            greeting.qmp.capabilities[1],
            Capability::Unknown("future-cap".into())
        );
    }

    #[test]
    fn error_with_unknown_class_is_kept_as_string() {
        let value = json!({"error": {"class": "NewClass", "desc": "boom", "hint": 1}, "id": 7});
        let ServerMessage::Response(response) = ServerMessage::from_value(value).unwrap() else {
            panic!("not a response");
        };
        assert_eq!(response.id, Some(json!(7)));
        let body = response.result.unwrap_err();
        assert_eq!(body.class, ErrorClass::Unknown("NewClass".into()));
        assert_eq!(body.class.to_string(), "NewClass");
        assert_eq!(body.desc, "boom");
    }

    #[test]
    fn known_error_class_and_idless_error() {
        let value = json!({"error": {"class": "CommandNotFound", "desc": "x"}});
        let ServerMessage::Response(response) = ServerMessage::from_value(value).unwrap() else {
            panic!("not a response");
        };
        assert_eq!(response.id, None);
        assert_eq!(
            response.result.unwrap_err().class,
            ErrorClass::CommandNotFound
        );
    }

    #[test]
    fn event_without_time_or_data() {
        let value = json!({"event": "STOP", "timestamp": {"seconds": -1, "microseconds": -1}});
        let ServerMessage::Event(event) = ServerMessage::from_value(value).unwrap() else {
            panic!("not an event");
        };
        assert_eq!(event.data, Value::Null);
        assert_eq!(event.timestamp, Timestamp::UNKNOWN);
        assert_eq!(event.timestamp.to_system_time(), None);
    }

    #[test]
    fn event_timestamp_converts() {
        let value = json!({"event": "RESUME", "data": {"a": 1},
            "timestamp": {"seconds": 1258551470, "microseconds": 802384}});
        let ServerMessage::Event(event) = ServerMessage::from_value(value).unwrap() else {
            panic!("not an event");
        };
        let since = event
            .timestamp
            .to_system_time()
            .unwrap()
            .duration_since(UNIX_EPOCH)
            .unwrap();
        assert_eq!(since, Duration::new(1258551470, 802384 * 1000));
    }

    #[test]
    fn request_serialises_both_modes() {
        let arguments = json!({"path": "/machine"});
        let request = Request {
            mode: ExecMode::OutOfBand,
            command: "qom-list",
            arguments: arguments.as_object(),
            id: Some(3),
        };
        assert_eq!(
            serde_json::to_value(request).unwrap(),
            json!({"exec-oob": "qom-list", "arguments": {"path": "/machine"}, "id": 3})
        );
        let request = Request {
            mode: ExecMode::InBand,
            command: "stop",
            arguments: None,
            id: None,
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"execute":"stop"}"#
        );
    }

    #[test]
    fn capabilities_command_serialises_enable() {
        let command = QmpCapabilities {
            enable: vec![Capability::Oob],
        };
        assert_eq!(
            serde_json::to_value(&command).unwrap(),
            json!({"enable": ["oob"]})
        );
        assert_eq!(
            serde_json::to_value(QmpCapabilities::default()).unwrap(),
            json!({})
        );
    }

    #[test]
    fn bad_messages_are_errors() {
        assert!(matches!(
            ServerMessage::from_value(json!([1])),
            Err(WireError::NotAnObject { .. })
        ));
        assert!(matches!(
            ServerMessage::from_value(json!({"foo": 1})),
            Err(WireError::Unrecognized { .. })
        ));
        assert!(matches!(
            ServerMessage::from_value(json!({"error": "text"})),
            Err(WireError::Malformed { .. })
        ));
    }
}
