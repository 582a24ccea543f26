//! The line editor's side of the shell: rustyline's [`Helper`] that completes from the live
//! schema (see [`crate::complete`]), and the history file.

use std::path::PathBuf;
use std::sync::Arc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::complete::complete;
use crate::schema::Schema;

/// Completes from the schema; no hints, highlighting or multi-line validation.
#[derive(Debug, Clone)]
pub struct SchemaHelper {
    schema: Arc<Schema>,
}

impl SchemaHelper {
    /// A helper completing from `schema`.
    pub fn new(schema: Arc<Schema>) -> SchemaHelper {
        SchemaHelper { schema }
    }
}

impl Completer for SchemaHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _context: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let completion = complete(&self.schema, line, pos);
        let pairs = completion
            .candidates
            .into_iter()
            .map(|candidate| Pair {
                display: candidate.display,
                replacement: candidate.replacement,
            })
            .collect();
        Ok((completion.start, pairs))
    }
}

impl Hinter for SchemaHelper {
    type Hint = String;
}

impl Highlighter for SchemaHelper {}

impl Validator for SchemaHelper {}

impl Helper for SchemaHelper {}

/// The default history file: `$HOME/.qmp-rs-shell_history` (`None` without a home).
pub fn default_history() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".qmp-rs-shell_history"))
}
