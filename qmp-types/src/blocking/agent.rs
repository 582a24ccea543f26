//! The blocking guest-agent client: the async [`qga::GuestAgent`] driven by a runtime of its
//! own, with the same typed calls (generated agent commands through [`GuestAgent::execute`])
//! and the `guest-exec` helper.
//!
//! ```no_run
//! use qmp_types::blocking::GuestAgent;
//! use qmp_types::client::ClientConfig;
//! let agent = GuestAgent::connect_unix("/tmp/qga.sock", ClientConfig::default())?;
//! let info = agent.execute_raw("guest-info", None)?;
//! println!("{}", info["version"]);
//! # Ok::<(), qmp_types::client::Error>(())
//! ```

use std::fmt::Display;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::ToSocketAddrs;

use super::OwnedRuntime;
use crate::client::ClientConfig;
use crate::command::Command;
use crate::error::Error;
use crate::qga;
use crate::qga_exec::{GuestCommand, GuestOutput};

/// A blocking handle to one synchronised guest-agent connection; cloneable, usable from many
/// threads. See [`qga::GuestAgent`] for the protocol.
#[derive(Debug, Clone)]
pub struct GuestAgent {
    runtime: Arc<OwnedRuntime>,
    inner: qga::GuestAgent,
}

impl GuestAgent {
    /// Connects to an agent listening on a Unix socket and synchronises (see
    /// [`qga::GuestAgent::connect_unix`]).
    ///
    /// # Errors
    /// As [`qga::GuestAgent::connect_unix`], plus [`Error::Runtime`].
    pub fn connect_unix(path: impl AsRef<Path>, config: ClientConfig) -> Result<Self, Error> {
        let runtime = OwnedRuntime::start()?;
        let inner = runtime.block_on(qga::GuestAgent::connect_unix(path, config))??;
        Ok(GuestAgent { runtime, inner })
    }

    /// Connects to an agent reachable over TCP and synchronises.
    ///
    /// # Errors
    /// As [`qga::GuestAgent::connect_tcp`], plus [`Error::Runtime`].
    pub fn connect_tcp<A>(address: A, config: ClientConfig) -> Result<Self, Error>
    where
        A: ToSocketAddrs + Display,
    {
        let runtime = OwnedRuntime::start()?;
        let inner = runtime.block_on(qga::GuestAgent::connect_tcp(address, config))??;
        Ok(GuestAgent { runtime, inner })
    }

    /// The async handle of the same connection.
    pub fn as_async(&self) -> &qga::GuestAgent {
        &self.inner
    }

    /// The random id used for `guest-sync-delimited`.
    pub fn sync_id(&self) -> u64 {
        self.inner.sync_id()
    }

    /// A handle whose calls time out after `timeout` (`None`: never).
    pub fn with_timeout(&self, timeout: Option<Duration>) -> Self {
        GuestAgent {
            runtime: self.runtime.clone(),
            inner: self.inner.with_timeout(timeout),
        }
    }

    /// Whether the agent answers `command` when it succeeds (see
    /// [`qga::GuestAgent::answers_on_success`]); the calls of those that do not return once
    /// the command is written.
    pub fn answers_on_success(&self, command: &str) -> bool {
        self.inner.answers_on_success(command)
    }

    /// Executes a typed agent command (generated from the agent's schema, or derived) and
    /// waits for its answer.
    ///
    /// # Errors
    /// As [`qga::GuestAgent::execute`], plus [`Error::Runtime`].
    pub fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        self.runtime.block_on(self.inner.execute(command))?
    }

    /// Executes an agent command by name with optional JSON arguments.
    ///
    /// # Errors
    /// As [`qga::GuestAgent::execute_raw`], plus [`Error::Runtime`].
    pub fn execute_raw(&self, command: &str, arguments: Option<Value>) -> Result<Value, Error> {
        self.runtime
            .block_on(self.inner.execute_raw(command, arguments))?
    }

    /// Runs a program in the guest and waits up to `timeout` for it to exit (see
    /// [`qga::GuestAgent::exec`]).
    ///
    /// # Errors
    /// As [`qga::GuestAgent::exec`], plus [`Error::Runtime`].
    pub fn exec(&self, command: &GuestCommand, timeout: Duration) -> Result<GuestOutput, Error> {
        self.runtime.block_on(self.inner.exec(command, timeout))?
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}
