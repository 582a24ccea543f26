//! `qmp-build-tools`: generate typed Rust bindings from QEMU's `query-qmp-schema` output.
//!
//! The input is the JSON array a QEMU binary (any target, any release, the storage daemon…)
//! returns for `query-qmp-schema`. The output is one Rust file meant to be `include!`d into a
//! module of a crate that depends on `qmp-types` only: one struct per command (implementing
//! `qmp_types::Command`) and per event (`qmp_types::Event`), one `Event` enum over all events
//! with a fallback for unknown ones, and one type per object, flat union, alternate and enum.
//!
//! # Use from `build.rs`
//!
//! ```no_run
//! // build.rs (with `qmp-build-tools` in [build-dependencies])
//! fn main() -> Result<(), qmp_build_tools::Error> {
//!     qmp_build_tools::Config::new()
//!         .schema("qemu-10.0.2-x86_64.json")
//!         .only_commands(["query-status", "stop", "cont"]) // optional pruning
//!         .write()?; // OUT_DIR/qmp.rs, rewritten only when it changes
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! mod qmp {
//!     include!(concat!(env!("OUT_DIR"), "/qmp.rs"));
//! }
//! ```
//!
//! [`generate_bindings`] is the one-call form for every command and event;
//! [`Config::schemas`] makes one module for several QEMU releases (its docs give the merge
//! rules).
//!
//! # Command line
//!
//! `qmp-codegen generate [SCHEMA...] [-o FILE]` (several schemas: one merged module; no SCHEMA:
//! the newest schema bundled from
//! the repository's `schemas/`), `qmp-codegen names SCHEMA` (the Rust type of every schema
//! entity), `qmp-codegen diff OLD NEW [--json]` (what changed between two schemas; see [`diff`]).
//! The command line is behind the feature `cli` (its argument parser, and the QMP client with
//! its async runtime for `capture`), so a `build.rs` using the library compiles none of it:
//! `cargo run -p qmp-build-tools --features cli -- generate` works anywhere, without QEMU.
//!
//! # What the generated code looks like
//!
//! - `int` → `i128` (every int64 and uint64 value), `number` → `f64`, `str` → `String`,
//!   `bool` → `bool`, `null` → `()`, `any` → `serde_json::Value`, `[X]` → `Vec<X>`, an empty
//!   object → `qmp_types::Empty`; references that close a cycle are boxed.
//! - Optional members are `Option<T>`, omitted when `None`. Types sent to QEMU get
//!   `new(required members...)`; set optional members on the public fields or with struct
//!   update syntax (`QueryFoo { bar: Some(1), ..QueryFoo::new(x) }`).
//! - A flat union is a struct with its base members plus a `#[serde(flatten)]` field, named
//!   after the tag member, holding an enum (`{Union}Variant`) internally tagged by the tag;
//!   its `Unknown` variant keeps every member of a tag value the bindings do not know.
//! - An alternate is an untagged enum; an enum is an open enum whose `Unknown(String)` keeps a
//!   value the bindings do not know.
//! - Only the serde direction a type needs is derived: `Serialize` for what is sent (command
//!   arguments), `Deserialize` for what is received (returns, events);
//!   [`Config::both_directions`] (CLI `--both-directions`) derives both on every type.
//! - An optional member that may be `null` (type `any`, or an alternate with a `null` branch)
//!   keeps a present `null` as `Some(..)`, so decoding and re-encoding loses nothing.
//! - Enums holding generated types (union variants, alternates, `Event`) carry
//!   `#[allow(clippy::large_enum_variant)]`: the file is clippy-clean under `-D warnings`.
//!   Decoding helpers live in `qmp_types::__private`; the file holds only the bindings.
//! - Every item is documented with its wire name, schema path, allow-oob and features;
//!   `deprecated` becomes `#[deprecated]` (the file still compiles with `-D warnings`), and
//!   `unstable` / `x-` items are marked and can be left out ([`Config::exclude_unstable`]).
//!
//! # The naming rule
//!
//! Masked type names (`"17"`, `"[17]"`) are keys, never identifiers. Commands and events are
//! structs named after their wire name (`query-status` → `QueryStatus`,
//! `BLOCK_JOB_COMPLETED` → `BlockJobCompleted`); an object that is the argument type of exactly
//! one command or event *is* that struct. Every other type takes the shortest of the names
//! suggested by its use sites: the user's Rust name followed by `Return` (a command's return
//! type), `Arguments` / `Data` (an argument type shared by several commands / events), the
//! member or variant name in `UpperCamelCase`, or `Object` / `Enum` / `Array` (an alternative),
//! plus `Item` per array level (the element of `query-block`'s return array is
//! `QueryBlockItem`). Ties break by byte order; a name already taken (or reserved: `Event`,
//! prelude and std names) moves on to the next suggestion, then to a number suffix. Only names
//! and use sites enter the rule, so it is deterministic and stable across QEMU releases. The
//! full rule, with collisions and renames, is in the module `naming`.
//!
//! # Pipeline
//!
//! One stage per module, private to the crate: `parse` (JSON → entries, with errors naming the
//! entry) → `model` (options, reachability, serde directions, cycles) → `naming` → `emit`
//! (`quote!`) → `format` (`prettyplease`, `@generated` header). `engine` runs them for both
//! front ends, [`Config`] and the CLI (feature `cli`).

#![warn(missing_docs)]

/// Declares stage modules: public with the feature `internals` (this repository's tests,
/// benchmarks, fuzz targets and shell use them), private otherwise. Private, the parts only
/// the CLI and those tools call are unused, as they were unreported while public.
macro_rules! stages {
    ($($name:ident;)*) => {
        $(
            #[cfg(feature = "internals")]
            pub mod $name;
            #[cfg(not(feature = "internals"))]
            #[allow(dead_code, unused_imports)]
            mod $name;
        )*
    };
}

pub mod diff;
mod ident;

#[cfg(feature = "cli")]
pub mod agent_schema;
#[cfg(feature = "cli")]
pub mod capture;
#[cfg(feature = "cli")]
pub mod cli;
mod config;
mod emit;
mod error;
mod format;
mod merge;
mod model;
mod parse;

stages! {
    bundled;
    engine;
    naming;
    reference;
    type_attributes;
}

pub use config::{generate_bindings, Config};
pub use error::{Error, Result};
pub use naming::NamingError;
