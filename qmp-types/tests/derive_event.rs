//! Behaviour of `#[derive(Event)]` and `#[derive(EventSet)]`: names, dispatch by literal and
//! by `Event::NAME`, missing `data`, bad data of a known event, unknown events kept whole.

use qmp_types::serde::Deserialize;
use qmp_types::serde_json::{json, Value};
use qmp_types::{Event, EventSet, UnknownEvent};

#[derive(Debug, PartialEq, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "STOP")]
struct Stop {}

#[derive(Debug, PartialEq, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "SHUTDOWN")]
struct Shutdown {
    guest: bool,
    reason: String,
}

#[derive(Debug, PartialEq, Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "__org.example_BANG")]
struct Bang(Shutdown);

#[derive(Debug, PartialEq, qmp_types::EventSet)]
enum Events {
    #[qmp(name = "STOP")]
    Stop(Stop),
    #[qmp(name = "SHUTDOWN")]
    Shutdown(Shutdown),
    /// No literal: dispatched by comparing with `Bang::NAME`.
    Bang(Bang),
    #[qmp(unknown)]
    Unknown(UnknownEvent),
}

/// Only unnamed variants: every dispatch goes through `Event::NAME`.
#[derive(Debug, PartialEq, qmp_types::EventSet)]
enum Compared {
    #[qmp(unknown)]
    Other(UnknownEvent),
    Stop(Stop),
}

#[test]
fn event_names_come_from_the_attribute() {
    assert_eq!(Stop::NAME, "STOP");
    assert_eq!(Shutdown::NAME, "SHUTDOWN");
    assert_eq!(Bang::NAME, "__org.example_BANG");
}

#[test]
fn known_events_decode_into_their_variant() {
    let data = json!({"guest": true, "reason": "guest-shutdown"});
    let event = Events::from_event("SHUTDOWN", data).unwrap();
    let expected = Shutdown {
        guest: true,
        reason: "guest-shutdown".to_owned(),
    };
    assert_eq!(event, Events::Shutdown(expected));
    assert_eq!(event.name(), "SHUTDOWN");
}

#[test]
fn missing_data_decodes_as_an_empty_object() {
    let event = Events::from_event("STOP", Value::Null).unwrap();
    assert_eq!(event, Events::Stop(Stop {}));
    assert_eq!(event.name(), "STOP");
    assert_eq!(
        Compared::from_event("STOP", Value::Null).unwrap(),
        Compared::Stop(Stop {})
    );
}

#[test]
fn variants_without_a_literal_dispatch_by_event_name() {
    let data = json!({"guest": false, "reason": "host-qmp-quit"});
    let event = Events::from_event("__org.example_BANG", data).unwrap();
    assert!(matches!(&event, Events::Bang(Bang(inner)) if inner.reason == "host-qmp-quit"));
    assert_eq!(event.name(), "__org.example_BANG");
}

#[test]
fn bad_data_of_a_known_event_is_an_error() {
    let error = Events::from_event("SHUTDOWN", json!({"guest": "yes"})).unwrap_err();
    assert!(error.to_string().contains("invalid type"), "{error}");
    assert!(Events::from_event("SHUTDOWN", Value::Null).is_err());
    assert!(Events::from_event("__org.example_BANG", json!([1])).is_err());
}

#[test]
fn unknown_events_keep_name_and_data() {
    let data = json!({"device": "disk0", "nested": {"n": 1}});
    let event = Events::from_event("BLOCK_IO_ERROR", data.clone()).unwrap();
    assert_eq!(
        event,
        Events::Unknown(UnknownEvent {
            name: "BLOCK_IO_ERROR".to_owned(),
            data,
        })
    );
    assert_eq!(event.name(), "BLOCK_IO_ERROR");
    let bare = Compared::from_event("RESUME", Value::Null).unwrap();
    assert_eq!(
        bare,
        Compared::Other(UnknownEvent {
            name: "RESUME".to_owned(),
            data: Value::Null,
        })
    );
    assert_eq!(bare.name(), "RESUME");
}

#[test]
fn names_are_case_sensitive() {
    let event = Events::from_event("stop", Value::Null).unwrap();
    assert!(matches!(event, Events::Unknown(_)));
}
