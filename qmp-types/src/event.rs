//! Events: the [`Event`] trait for one event's data, and [`EventSet`] for an enum over many
//! events with a fallback that keeps events the bindings do not know.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One QMP event's `data` payload, identified by its wire name.
pub trait Event: DeserializeOwned {
    /// The event's wire name, e.g. `"STOP"`.
    const NAME: &'static str;
    /// The releases having this event, for bindings merged from several schemas
    /// (`["7.2.22", "10.0.2"]`, labels as the generator chose them); empty when not recorded
    /// (bindings of one schema). The connected server may still lack it: ask the server.
    const AVAILABLE_IN: &'static [&'static str] = &[];
}

/// An enum over a set of events (the generated `Event` enum, or one derived by hand with
/// `#[derive(qmp_types::EventSet)]`), with a fallback for events it does not know.
pub trait EventSet: Sized {
    /// Decodes the event called `name` with payload `data` (`Value::Null` when the server sent
    /// no `data`, which QEMU does for events without members; a known event then decodes from
    /// `{}`). An unknown name yields the fallback variant, keeping `name` and `data` as given;
    /// an error is returned only when a known event's data does not decode.
    ///
    /// # Errors
    /// The `serde_json` error for a known event whose data does not match its type.
    fn from_event(name: &str, data: serde_json::Value) -> Result<Self, serde_json::Error>;

    /// The wire name of the event this value holds.
    fn name(&self) -> &str;
}

/// An event the bindings do not know: its wire name and raw `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnknownEvent {
    /// The event's wire name.
    pub name: String,
    /// The event's raw `data` (`Value::Null` when the server sent none).
    pub data: serde_json::Value,
}
