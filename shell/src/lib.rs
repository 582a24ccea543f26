//! `qmp-shell`: an interactive QMP shell that knows the live server's schema.
//!
//! It connects to a QMP server (Unix socket, TCP, or a QEMU it starts on a private socket),
//! fetches `query-qmp-schema`, and then reads `command key=value ...` lines (or raw JSON),
//! completing command names, argument names (following the union variant already chosen),
//! enum values and booleans, and refusing unknown commands and arguments before sending.
//! Events are printed between prompts.
//!
//! The pipeline, one module each: [`input`] (a line's words) → [`arguments`] (JSON
//! arguments, checked against [`schema`]) → [`session`] (send, render with [`output`], log
//! with [`log`]); [`complete`] and [`help`] are pure functions of the schema; [`editor`] and
//! [`cli`] are the terminal front end; [`launch`] starts QEMU; [`docs`] holds QEMU's text.

#![warn(missing_docs)]

pub mod arguments;
pub mod cli;
pub mod complete;
pub mod docs;
pub mod editor;
pub mod help;
pub mod input;
pub mod launch;
pub mod log;
pub mod manual;
pub mod output;
pub mod schema;
pub mod session;

#[cfg(test)]
mod test_schema;
