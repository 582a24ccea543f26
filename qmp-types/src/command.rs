//! The [`Command`] trait: what a typed QMP command is (wire name, OOB permission, return type).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A QMP command: its value serialises to the command's `arguments` object.
///
/// Implemented by generated bindings and by `#[derive(qmp_types::Command)]` for commands a
/// schema lacks (downstream `__org.example_foo` extensions, guest agent commands).
///
/// The value must serialise to a JSON object (a struct with named fields, possibly none, or a
/// newtype around such a struct); the client sends it as `arguments`.
pub trait Command: Serialize {
    /// The command's wire name, e.g. `"query-status"`.
    const NAME: &'static str;
    /// Whether the schema allows the command to be executed out of band (`exec-oob`).
    const ALLOW_OOB: bool;
    /// The type the command's `return` value decodes into.
    type Output: DeserializeOwned;
    /// The releases having this command, for bindings merged from several schemas
    /// (`["7.2.22", "10.0.2"]`, labels as the generator chose them); empty when not recorded
    /// (bindings of one schema). The connected server may still lack it: ask the server.
    const AVAILABLE_IN: &'static [&'static str] = &[];
}

/// An empty JSON object, `{}`: the return type of commands that return nothing, and the type
/// of empty argument or member objects. Unknown keys are ignored when decoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Empty {}
