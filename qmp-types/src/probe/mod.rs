//! Runtime capability probing: an index over a `query-qmp-schema` result that answers "does
//! this server have command C" and path queries in the style of libvirt's QAPI schema query
//! strings (`virQEMUQAPISchemaPathGet`).
//!
//! # Query syntax
//!
//! A query is a `/`-separated path. The first component names a schema entry, usually a
//! command or an event; each further component takes one step from where the path stands:
//!
//! | component | meaning |
//! |---|---|
//! | `arg-type`, `ret-type` | after a command: its argument or return type (`arg-type` also after an event) |
//! | `name` | an object member called `name` |
//! | `*name` | an object member called `name` that is optional |
//! | `+case` | the variant of a flat union selected by the tag value `case` |
//! | `^value` | the enum has the value `value` (may be followed by `$feature`: the value has it) |
//! | `!type` | the type has JSON type `type`: `string`, `number`, `int`, `boolean`, `null`, `object`, `array` or `value` (`any`); builtins by their JSON type, enums are `string`, objects `object`, arrays `array` |
//! | `$feature` | the entry reached carries `feature`, or the member, value or command that led to it does |
//!
//! `^value`, `!type` and `$feature` are boolean checks and must come last (only `^value/$feature`
//! combines two). Arrays and alternates are transparent, as in libvirt: a step that does not
//! apply to an array applies to its element type, and one that does not apply to an alternate
//! applies to the first branch it holds for. Names consist of ASCII letters, digits, `-`, `_`
//! and `.` (so downstream `__org.example_name` works without libvirt's leading-space escape).
//!
//! A query holds when every step can be taken. Masked type names never need to appear: the
//! walk follows the schema's own type references.
//!
//! # Examples
//!
//! ```
//! use qmp_types::introspection::SchemaInfo;
//! use qmp_types::probe::SchemaIndex;
//!
//! let entries: Vec<SchemaInfo> = serde_json::from_str(r#"[
//!   {"name": "blockdev-add", "meta-type": "command", "arg-type": "1", "ret-type": "0"},
//!   {"name": "query-status", "meta-type": "command", "arg-type": "0", "ret-type": "2"},
//!   {"name": "STOP", "meta-type": "event", "arg-type": "0", "features": ["example"]},
//!   {"name": "0", "meta-type": "object", "members": []},
//!   {"name": "1", "meta-type": "object", "tag": "driver",
//!    "members": [{"name": "driver", "type": "3"}, {"name": "node-name", "type": "str", "default": null}],
//!    "variants": [{"case": "file", "type": "4"}]},
//!   {"name": "2", "meta-type": "object", "members": [{"name": "running", "type": "bool"}]},
//!   {"name": "3", "meta-type": "enum", "members": [{"name": "file"}, {"name": "vvfat", "features": ["deprecated"]}]},
//!   {"name": "4", "meta-type": "object", "features": ["dynamic-auto-read-only"],
//!    "members": [{"name": "filename", "type": "str"}, {"name": "aio", "type": "5", "default": null}]},
//!   {"name": "5", "meta-type": "enum", "values": ["threads", "native", "io_uring"]},
//!   {"name": "bool", "meta-type": "builtin", "json-type": "boolean"},
//!   {"name": "str", "meta-type": "builtin", "json-type": "string"}
//! ]"#)?;
//! let schema = SchemaIndex::new(entries)?;
//!
//! assert!(schema.query("blockdev-add/arg-type/+file/*aio")?);
//! assert!(schema.query("blockdev-add/arg-type/+file/aio/^io_uring")?);
//! assert!(!schema.query("blockdev-add/arg-type/+file/*filename")?); // not optional
//! assert!(schema.query("blockdev-add/arg-type/+file/$dynamic-auto-read-only")?);
//! assert!(schema.query("blockdev-add/arg-type/driver/^vvfat/$deprecated")?);
//! assert!(schema.query("query-status/ret-type/running/!boolean")?);
//! assert!(schema.query("STOP/$example")?);
//! assert!(!schema.query("query-status/ret-type/singlestep")?);
//! assert!(!schema.query("query-cpus-fast")?);
//!
//! // Malformed queries are errors naming the position.
//! let error = schema.query("query-status/ret-type/!bool").unwrap_err();
//! assert!(error.to_string().contains("at byte 23"), "{error}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod eval;
mod query;

use std::collections::BTreeMap;

pub use query::{Query, QueryError, Step};

use crate::introspection::{validate, SchemaError, SchemaInfo, SchemaInfoKind};
use crate::{Command, Event};

/// The entries of one `query-qmp-schema` result, indexed by name, with every type reference
/// checked to resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaIndex {
    entries: BTreeMap<String, SchemaInfo>,
}

impl SchemaIndex {
    /// Indexes the entries of a `query-qmp-schema` result, after checking them with
    /// [`validate`](crate::introspection::validate).
    ///
    /// # Errors
    /// The [`SchemaError`] of the first entry that breaks a rule (duplicate names, a type
    /// reference that does not resolve, …).
    pub fn new(entries: Vec<SchemaInfo>) -> Result<SchemaIndex, SchemaError> {
        validate(&entries)?;
        let entries = entries
            .into_iter()
            .map(|entry| (entry.name.clone(), entry))
            .collect();
        Ok(SchemaIndex { entries })
    }

    /// The entry called `name` (a command, event, builtin or masked type name).
    pub fn get(&self, name: &str) -> Option<&SchemaInfo> {
        self.entries.get(name)
    }

    /// Every entry, ordered by name.
    pub fn entries(&self) -> impl Iterator<Item = &SchemaInfo> {
        self.entries.values()
    }

    /// Whether the server has the command `C` (by its wire name [`Command::NAME`]).
    pub fn has_command<C: Command>(&self) -> bool {
        self.has_command_named(C::NAME)
    }

    /// Whether the server has a command with wire name `name`.
    pub fn has_command_named(&self, name: &str) -> bool {
        matches!(
            self.get(name),
            Some(SchemaInfo {
                kind: SchemaInfoKind::Command { .. },
                ..
            })
        )
    }

    /// Whether the server has the event `E` (by its wire name [`Event::NAME`]).
    pub fn has_event<E: Event>(&self) -> bool {
        self.has_event_named(E::NAME)
    }

    /// Whether the server has an event with wire name `name`.
    pub fn has_event_named(&self, name: &str) -> bool {
        matches!(
            self.get(name),
            Some(SchemaInfo {
                kind: SchemaInfoKind::Event { .. },
                ..
            })
        )
    }

    /// Parses `query` and tells whether it holds; see the [module documentation](self).
    ///
    /// # Errors
    /// A [`QueryError`] naming the position when `query` does not parse.
    pub fn query(&self, query: &str) -> Result<bool, QueryError> {
        Ok(self.holds(&Query::parse(query)?))
    }

    /// Whether a parsed query holds.
    pub fn holds(&self, query: &Query) -> bool {
        self.resolve(query).is_some()
    }

    /// The entry a query leads to (for a query ending in `^value`, `!type` or `$feature`, the
    /// entry that check held for), or `None` when the query does not hold.
    pub fn resolve(&self, query: &Query) -> Option<&SchemaInfo> {
        eval::resolve(self, query)
    }
}
