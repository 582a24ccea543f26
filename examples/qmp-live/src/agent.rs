//! A blocking guest-agent connection for sweeps: `qmp_types`' async [`GuestAgent`] driven by
//! a small runtime of its own, behind the sweep's [`Connection`] trait.

use std::path::Path;

use qmp_types::client::{ClientConfig, Error};
use qmp_types::qga::GuestAgent;
use qmp_types::Command;
use serde_json::Value;

use crate::sweep::Connection;

/// A synchronised guest-agent connection with its own runtime.
#[derive(Debug)]
pub struct Agent {
    runtime: tokio::runtime::Runtime,
    agent: GuestAgent,
}

impl Agent {
    /// Connects to an agent listening on the Unix socket `path` and synchronises.
    ///
    /// # Errors
    /// The runtime cannot be built ([`Error::Connect`]), or the errors of
    /// [`GuestAgent::connect_unix`].
    pub fn connect_unix(path: &Path) -> Result<Agent, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| Error::Connect {
                target: path.display().to_string(),
                waited: std::time::Duration::ZERO,
                source,
            })?;
        let agent = runtime.block_on(GuestAgent::connect_unix(path, ClientConfig::default()))?;
        Ok(Agent { runtime, agent })
    }
}

impl Connection for Agent {
    fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        self.runtime.block_on(self.agent.execute(command))
    }

    fn execute_raw(&self, command: &str, arguments: Option<Value>) -> Result<Value, Error> {
        self.runtime
            .block_on(self.agent.execute_raw(command, arguments))
    }
}
