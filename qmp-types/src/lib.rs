//! `qmp-types`: the thin runtime for QEMU Machine Protocol bindings.
//!
//! This crate owns the traits generated bindings implement ([`Command`], [`Event`],
//! [`EventSet`], [`OpenEnum`]), the introspection model of `query-qmp-schema`
//! ([`introspection`]), and re-exports everything generated code needs, so a crate holding
//! bindings made by `qmp-build-tools` depends on `qmp-types` only.
//!
//! Features: `client` (default) adds the async, blocking and guest-agent clients; `strict`
//! adds `qmp_types::strict`, a check that a typed value keeps everything the server sent.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod __private;
pub mod command;
mod dispatch;
pub mod event;
mod fallback;
pub mod introspection;
mod members;
pub mod names;
pub mod open_enum;
pub mod probe;
#[cfg(feature = "strict")]
pub mod strict;
pub mod wire;

#[cfg(feature = "client")]
pub mod blocking;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod codec;
#[cfg(feature = "client")]
pub mod error;
#[cfg(feature = "client")]
pub mod qga;
#[cfg(feature = "client")]
pub mod qga_exec;
#[cfg(feature = "client")]
pub mod qga_no_answer;

pub use command::{Command, Empty};
pub use event::{Event, EventSet, UnknownEvent};
pub use open_enum::OpenEnum;

/// Derive macros; see the `qmp-derive` crate for the attribute syntax.
pub use qmp_derive::{
    Command, DeserializeAlternate, DeserializeObject, DeserializeUnion, Event, EventSet, OpenEnum,
    SerializeObject,
};

/// Re-exported so generated code and derive output can name `serde` through this crate.
pub use serde;
/// Re-exported so generated code and derive output can name `serde_json` through this crate.
pub use serde_json;
