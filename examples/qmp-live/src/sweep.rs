//! Calling every no-argument query through its typed `Command`, and tallying the outcomes.
//!
//! Each command is called twice: once with [`Client::execute`] (the typed path a user takes:
//! its `Serialize` arguments, its wire name, its `Output` decoding), and once raw, so the same
//! answer can be strictly checked ([`qmp_types::strict`]) against `Output`. An error answer
//! counts as *refused* with its error class; a decoding error (on either call) as a *failure*.

use std::collections::BTreeMap;
use std::fmt;

use qmp_types::blocking::{Client, GuestAgent};
use qmp_types::client::Error;
use qmp_types::strict::{self, Finding, FindingKind};
use qmp_types::Command;
use serde::Serialize;
use serde_json::Value;

/// A connection a sweep can call commands on, typed and raw: the blocking QMP client, or a
/// guest agent ([`GuestAgent`]).
pub trait Connection {
    /// Executes a typed command.
    ///
    /// # Errors
    /// The client's errors.
    fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error>;

    /// Executes a command by name with JSON arguments.
    ///
    /// # Errors
    /// The client's errors.
    fn execute_raw(&self, command: &str, arguments: Option<Value>) -> Result<Value, Error>;
}

impl Connection for Client {
    fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        Client::execute(self, command)
    }

    fn execute_raw(&self, command: &str, arguments: Option<Value>) -> Result<Value, Error> {
        Client::execute_raw(self, command, arguments)
    }
}

impl Connection for GuestAgent {
    fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        GuestAgent::execute(self, command)
    }

    fn execute_raw(&self, command: &str, arguments: Option<Value>) -> Result<Value, Error> {
        GuestAgent::execute_raw(self, command, arguments)
    }
}

/// Receives the typed value of each command of a generated `queries::visit_all`.
pub trait QueryVisitor {
    /// Called once per command, with the command's value (every member unset).
    fn visit<C>(&mut self, command: C)
    where
        C: Command + fmt::Debug,
        C::Output: Serialize + fmt::Debug;
}

/// What happened to one command.
#[derive(Debug)]
pub enum Outcome {
    /// The answer decoded into the command's `Output`; `findings` is the strict check.
    Decoded {
        /// What the typed value does not reproduce of the answer.
        findings: Vec<Finding>,
    },
    /// The server answered with an error.
    Refused {
        /// The error class.
        class: String,
        /// The server's message.
        desc: String,
    },
    /// The call or its decoding failed.
    Failed {
        /// The error.
        error: String,
    },
}

/// Calls commands on one connection and records each outcome by wire name.
#[derive(Debug)]
pub struct Sweep<'a, T = Client> {
    client: &'a T,
    /// The outcomes, in call order.
    pub outcomes: Vec<(&'static str, Outcome)>,
}

impl<'a, T: Connection> Sweep<'a, T> {
    /// A sweep over `client`.
    pub fn new(client: &'a T) -> Self {
        Sweep {
            client,
            outcomes: Vec::new(),
        }
    }

    /// The tallies.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for (name, outcome) in &self.outcomes {
            summary.called += 1;
            match outcome {
                Outcome::Decoded { findings } => {
                    summary.decoded += 1;
                    for finding in findings {
                        if finding.kind == FindingKind::NullAsAbsent {
                            let nulls = summary.null_as_absent.entry(name).or_default();
                            nulls.0 += 1;
                            nulls.1.get_or_insert_with(|| finding.path.clone());
                        } else {
                            summary.findings.push(format!("{name}: {finding}"));
                        }
                    }
                }
                Outcome::Refused { class, .. } => {
                    summary.refused.entry(class.clone()).or_default().push(name);
                }
                Outcome::Failed { error } => summary.failures.push(format!("{name}: {error}")),
            }
        }
        summary
    }

    /// The outcome recorded for `name`.
    pub fn outcome(&self, name: &str) -> Option<&Outcome> {
        self.outcomes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, outcome)| outcome)
    }
}

impl<T: Connection> QueryVisitor for Sweep<'_, T> {
    fn visit<C>(&mut self, command: C)
    where
        C: Command + fmt::Debug,
        C::Output: Serialize + fmt::Debug,
    {
        let outcome = match self.client.execute(&command) {
            Ok(_typed) => self.strictly(&command),
            Err(Error::Qmp { class, desc, .. }) => Outcome::Refused {
                class: class.to_string(),
                desc,
            },
            Err(error) => Outcome::Failed {
                error: error.to_string(),
            },
        };
        self.outcomes.push((C::NAME, outcome));
    }
}

impl<T: Connection> Sweep<'_, T> {
    /// Calls `command` raw (same name, same serialised arguments) and checks the answer
    /// strictly against `C::Output`.
    fn strictly<C>(&self, command: &C) -> Outcome
    where
        C: Command,
        C::Output: Serialize + fmt::Debug,
    {
        let arguments = match serde_json::to_value(command) {
            Ok(arguments) => arguments,
            Err(error) => {
                return Outcome::Failed {
                    error: format!("arguments: {error}"),
                }
            }
        };
        let raw = match self.client.execute_raw(C::NAME, Some(arguments)) {
            Ok(raw) => raw,
            Err(error) => {
                return Outcome::Failed {
                    error: format!("second (raw) call: {error}"),
                }
            }
        };
        match strict::check::<C::Output>(&raw) {
            Ok((_, findings)) => Outcome::Decoded { findings },
            Err(error) => Outcome::Failed {
                error: error.to_string(),
            },
        }
    }
}

/// Tallies of a sweep.
#[derive(Debug, Default)]
pub struct Summary {
    /// Commands called.
    pub called: usize,
    /// Answers decoded into their typed `Output`.
    pub decoded: usize,
    /// Commands refused, by error class.
    pub refused: BTreeMap<String, Vec<&'static str>>,
    /// Calls that failed (decoding or connection), one line each.
    pub failures: Vec<String>,
    /// Strict findings of decoded answers except [`FindingKind::NullAsAbsent`], one line each.
    pub findings: Vec<String>,
    /// [`FindingKind::NullAsAbsent`] findings per command: how many, and the first path.
    pub null_as_absent: BTreeMap<&'static str, (usize, Option<String>)>,
}

impl Summary {
    /// How many commands were refused.
    pub fn refused_count(&self) -> usize {
        self.refused.values().map(Vec::len).sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "called {}, decoded {}, refused {}, failed {}, strict findings {}",
            self.called,
            self.decoded,
            self.refused_count(),
            self.failures.len(),
            self.findings.len()
        )?;
        for (class, names) in &self.refused {
            write!(
                f,
                "\n  refused ({class}, {}): {}",
                names.len(),
                names.join(", ")
            )?;
        }
        for failure in &self.failures {
            write!(f, "\n  FAILED {failure}")?;
        }
        for finding in &self.findings {
            write!(f, "\n  strict: {finding}")?;
        }
        for (name, (count, first)) in &self.null_as_absent {
            let first = first.as_deref().unwrap_or("$");
            write!(f, "\n  null kept as absent: {name}: {count} (e.g. {first})")?;
        }
        Ok(())
    }
}
