//! Derive output names everything absolutely: it compiles in a crate that depends on
//! `qmp_types` only, imports nothing, and shadows common prelude names.
#![deny(warnings)]

mod shadowing {
    #![allow(dead_code)]
    struct Result;
    struct Ok;
    struct Option;
    struct Box;
    mod serde {}
    mod serde_json {}
    trait Serialize {}
    trait Deserialize {}
    trait Display {}
    trait FromStr {}
    trait From {}
    trait AsRef {}
    trait Command {}
    trait Event {}

    #[derive(Debug, PartialEq, ::qmp_types::OpenEnum)]
    pub enum State {
        #[qmp(rename = "on")]
        On,
        #[qmp(unknown)]
        Unknown(::std::string::String),
    }

    #[derive(::qmp_types::serde::Serialize, ::qmp_types::Command)]
    #[serde(crate = "::qmp_types::serde")]
    #[qmp(name = "set-state", returns = State, allow_oob)]
    pub struct SetState {
        pub state: State,
    }

    #[derive(Debug, PartialEq, ::qmp_types::serde::Deserialize, ::qmp_types::Event)]
    #[serde(crate = "::qmp_types::serde")]
    #[qmp(name = "STATE_CHANGED")]
    pub struct StateChanged {
        pub state: State,
    }

    #[derive(Debug, PartialEq, ::qmp_types::DeserializeUnion)]
    #[qmp(tag = "kind")]
    pub enum Change {
        #[qmp(rename = "state")]
        State(StateChanged),
        #[qmp(rename = "none")]
        Nothing,
        #[qmp(unknown)]
        Unknown(::qmp_types::serde_json::Map<::std::string::String, ::qmp_types::serde_json::Value>),
    }

    #[derive(Debug, PartialEq, ::qmp_types::DeserializeAlternate)]
    pub enum StateOrNull {
        #[qmp(json = "string")]
        State(State),
        #[qmp(json = "null")]
        Null,
    }

    #[derive(Debug, ::qmp_types::EventSet)]
    pub enum Events {
        #[qmp(name = "STATE_CHANGED")]
        StateChanged(StateChanged),
        #[qmp(unknown)]
        Unknown(::qmp_types::UnknownEvent),
    }
}

fn main() {
    use qmp_types::{Command, EventSet};
    use shadowing::{Change, Events, SetState, State, StateOrNull};
    assert_eq!(SetState::NAME, "set-state");
    assert!(SetState::ALLOW_OOB);
    let args = qmp_types::serde_json::to_value(SetState { state: State::On });
    assert_eq!(
        args.ok(),
        Some(qmp_types::serde_json::json!({"state": "on"}))
    );
    let data = qmp_types::serde_json::json!({"state": "off"});
    match Events::from_event("STATE_CHANGED", data) {
        Ok(Events::StateChanged(event)) => {
            assert_eq!(event.state, State::Unknown("off".into()));
        }
        other => panic!("unexpected {other:?}"),
    }
    let change = qmp_types::serde_json::from_value::<Change>(
        qmp_types::serde_json::json!({"kind": "none"}),
    );
    assert_eq!(change.ok(), Some(Change::Nothing));
    let state = qmp_types::serde_json::from_value::<StateOrNull>(qmp_types::serde_json::Value::Null);
    assert_eq!(state.ok(), Some(StateOrNull::Null));
}
