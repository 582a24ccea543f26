//! Blocking clients for simple programs, each connection with its own small tokio runtime:
//! [`Client`] for QMP, [`GuestAgent`] for the guest agent.
//!
//! A caller drives the runtime itself while it blocks, so an answer reaches it without a
//! hand-over between threads; between calls, a thread of the runtime's own keeps reading
//! events and writing late requests (see `runtime.rs`). Blocking calls must not be made from
//! inside an async runtime (they would block one of its threads); they return
//! [`Error::Runtime`] there instead of panicking.
//!
//! That includes the closures of tokio's `spawn_blocking`, where blocking would be legitimate:
//! tokio offers no way to tell those threads from its worker threads (both run inside the
//! runtime's context). There, drive the async handle on the surrounding runtime instead:
//! `tokio::runtime::Handle::current().block_on(client.as_async().execute(&command))`.
//!
//! ```no_run
//! use qmp_types::blocking::Client;
//! use qmp_types::client::ClientConfig;
//! let client = Client::connect_unix("/tmp/qmp.sock", ClientConfig::default())?;
//! let status = client.execute_raw("query-status", None)?;
//! println!("{status}");
//! # Ok::<(), qmp_types::client::Error>(())
//! ```

use std::fmt::Display;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::ToSocketAddrs;
use tokio_stream::StreamExt;

use crate::client::{self, ClientConfig, EventError, EventStream, Received};
use crate::command::Command;
use crate::error::Error;
use crate::event::EventSet;
use crate::wire::Greeting;
use runtime::OwnedRuntime;

mod agent;
mod capabilities;
mod runtime;

pub use agent::GuestAgent;

/// A blocking handle to one QMP connection; cloneable, usable from many threads.
#[derive(Debug, Clone)]
pub struct Client {
    runtime: Arc<OwnedRuntime>,
    inner: client::Client,
}

impl Client {
    /// Connects to a QMP server on a Unix socket and negotiates (see
    /// [`client::Client::connect_unix`]).
    ///
    /// # Errors
    /// As [`client::Client::connect_unix`], plus [`Error::Runtime`].
    pub fn connect_unix(path: impl AsRef<Path>, config: ClientConfig) -> Result<Client, Error> {
        let runtime = OwnedRuntime::start()?;
        let inner = runtime.block_on(client::Client::connect_unix(path, config))??;
        Ok(Client { runtime, inner })
    }

    /// Connects to a QMP server over TCP and negotiates.
    ///
    /// # Errors
    /// As [`client::Client::connect_tcp`], plus [`Error::Runtime`].
    pub fn connect_tcp<A>(address: A, config: ClientConfig) -> Result<Client, Error>
    where
        A: ToSocketAddrs + Display,
    {
        let runtime = OwnedRuntime::start()?;
        let inner = runtime.block_on(client::Client::connect_tcp(address, config))??;
        Ok(Client { runtime, inner })
    }

    /// The server's greeting.
    pub fn greeting(&self) -> Option<&Greeting> {
        self.inner.greeting()
    }

    /// How many connections were opened again during the handshake (see
    /// [`client::Client::handshake_reconnects`]).
    pub fn handshake_reconnects(&self) -> usize {
        self.inner.handshake_reconnects()
    }

    /// Whether out-of-band execution was negotiated.
    pub fn oob_enabled(&self) -> bool {
        self.inner.oob_enabled()
    }

    /// A handle whose calls time out after `timeout` (`None`: never).
    pub fn with_timeout(&self, timeout: Option<Duration>) -> Client {
        Client {
            runtime: self.runtime.clone(),
            inner: self.inner.with_timeout(timeout),
        }
    }

    /// The async handle of the same connection.
    pub fn as_async(&self) -> &client::Client {
        &self.inner
    }

    /// Executes a typed command and waits for its answer.
    ///
    /// # Errors
    /// As [`client::Client::execute`], plus [`Error::Runtime`].
    pub fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        self.runtime.block_on(self.inner.execute(command))?
    }

    /// Executes a typed command out of band and waits for its answer.
    ///
    /// # Errors
    /// As [`client::Client::execute_oob`], plus [`Error::Runtime`].
    pub fn execute_oob<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        self.runtime.block_on(self.inner.execute_oob(command))?
    }

    /// Executes a command by name with optional JSON arguments and waits for its answer.
    ///
    /// # Errors
    /// As [`client::Client::execute_raw`], plus [`Error::Runtime`].
    pub fn execute_raw(&self, command: &str, arguments: Option<Value>) -> Result<Value, Error> {
        self.runtime
            .block_on(self.inner.execute_raw(command, arguments))?
    }

    /// Executes a typed command with file descriptors attached (see
    /// [`client::Client::execute_with_fds`]).
    ///
    /// # Errors
    /// As [`client::Client::execute_with_fds`], plus [`Error::Runtime`].
    pub fn execute_with_fds<C: Command>(
        &self,
        command: &C,
        fds: Vec<OwnedFd>,
    ) -> Result<C::Output, Error> {
        self.runtime
            .block_on(self.inner.execute_with_fds(command, fds))?
    }

    /// Executes a command by name with file descriptors attached.
    ///
    /// # Errors
    /// As [`client::Client::execute_raw_with_fds`], plus [`Error::Runtime`].
    pub fn execute_raw_with_fds(
        &self,
        command: &str,
        arguments: Option<Value>,
        fds: Vec<OwnedFd>,
    ) -> Result<Value, Error> {
        let call = self.inner.execute_raw_with_fds(command, arguments, fds);
        self.runtime.block_on(call)?
    }

    /// Passes `fd` to QEMU under `name` (see [`client::Client::get_fd`]).
    ///
    /// # Errors
    /// As [`client::Client::get_fd`], plus [`Error::Runtime`].
    pub fn get_fd(&self, name: &str, fd: impl Into<OwnedFd>) -> Result<NamedFd, Error> {
        let guard = self.runtime.block_on(self.inner.get_fd(name, fd))??;
        Ok(NamedFd {
            runtime: self.runtime.clone(),
            guard,
        })
    }

    /// Adds `fd` to an fd set (see [`client::Client::add_fd`]).
    ///
    /// # Errors
    /// As [`client::Client::add_fd`], plus [`Error::Runtime`].
    pub fn add_fd(
        &self,
        fd: impl Into<OwnedFd>,
        fdset_id: Option<u64>,
        opaque: Option<&str>,
    ) -> Result<AddedFd, Error> {
        let guard = self
            .runtime
            .block_on(self.inner.add_fd(fd, fdset_id, opaque))??;
        Ok(AddedFd {
            runtime: self.runtime.clone(),
            guard,
        })
    }

    /// Executes `command` and waits for the first matching event (see
    /// [`client::Client::execute_then_event`]).
    ///
    /// # Errors
    /// As [`client::Client::execute_then_event`], plus [`Error::Runtime`].
    pub fn execute_then_event<C, E, F>(
        &self,
        command: &C,
        timeout: Duration,
        matches: F,
    ) -> Result<(C::Output, Received<E>), Error>
    where
        C: Command,
        E: EventSet,
        F: FnMut(&E) -> bool,
    {
        let call = self.inner.execute_then_event(command, timeout, matches);
        self.runtime.block_on(call)?
    }

    /// Runs a job to its end (see [`client::Client::run_job`]).
    ///
    /// # Errors
    /// As [`client::Client::run_job`], plus [`Error::Runtime`].
    pub fn run_job<C: Command>(
        &self,
        command: &C,
        timeout: Option<Duration>,
    ) -> Result<C::Output, Error> {
        self.runtime
            .block_on(self.inner.run_job(command, timeout))?
    }

    /// Closes the connection for every handle, waiting up to `wait` for the answers due (see
    /// [`client::Client::close`]).
    ///
    /// # Errors
    /// As [`client::Client::close`], plus [`Error::Runtime`].
    pub fn close(&self, wait: Duration) -> Result<(), Error> {
        self.runtime.block_on(self.inner.close(wait))?
    }

    /// Subscribes losslessly to events from now on (see [`client::Client::events`]).
    pub fn events<E: EventSet>(&self) -> Events<E> {
        self.wrap(self.inner.events())
    }

    /// Subscribes to events from now on, losing the oldest when far behind (see
    /// [`client::Client::lagging_events`]).
    pub fn lagging_events<E: EventSet>(&self) -> Events<E> {
        self.wrap(self.inner.lagging_events())
    }

    /// The subscription made at connect time (see [`client::Client::events_since_connect`]).
    pub fn events_since_connect<E: EventSet>(&self) -> Option<Events<E>> {
        self.inner
            .events_since_connect()
            .map(|stream| self.wrap(stream))
    }

    fn wrap<E>(&self, stream: EventStream<E>) -> Events<E> {
        Events {
            runtime: self.runtime.clone(),
            stream,
        }
    }
}

/// A descriptor QEMU holds under a name; see [`client::NamedFd`].
#[derive(Debug)]
pub struct NamedFd {
    runtime: Arc<OwnedRuntime>,
    guard: client::NamedFd,
}

impl NamedFd {
    /// The name QEMU knows the descriptor by.
    pub fn name(&self) -> &str {
        self.guard.name()
    }

    /// Closes the descriptor in QEMU (`closefd`); see [`client::NamedFd::close`].
    ///
    /// # Errors
    /// As [`client::NamedFd::close`], plus [`Error::Runtime`].
    pub fn close(self) -> Result<(), Error> {
        self.runtime.block_on(self.guard.close())?
    }
}

/// A descriptor in one of QEMU's fd sets; see [`client::AddedFd`].
#[derive(Debug)]
pub struct AddedFd {
    runtime: Arc<OwnedRuntime>,
    guard: client::AddedFd,
}

impl AddedFd {
    /// The fd set's id.
    pub fn fdset_id(&self) -> u64 {
        self.guard.fdset_id()
    }

    /// The descriptor's number in QEMU.
    pub fn fd(&self) -> i64 {
        self.guard.fd()
    }

    /// The path that makes QEMU use the set: `/dev/fdset/N`.
    pub fn path(&self) -> String {
        self.guard.path()
    }

    /// Removes the descriptor from its set (`remove-fd`); see [`client::AddedFd::close`].
    ///
    /// # Errors
    /// As [`client::AddedFd::close`], plus [`Error::Runtime`].
    pub fn close(self) -> Result<(), Error> {
        self.runtime.block_on(self.guard.close())?
    }
}

/// A blocking event subscription; iterate it, or wait with a timeout.
#[derive(Debug)]
pub struct Events<E> {
    runtime: Arc<OwnedRuntime>,
    stream: EventStream<E>,
}

impl<E: EventSet> Events<E> {
    /// Waits up to `timeout` for the next event: `Ok(None)` when the time ran out,
    /// `Err(`[`Error::Disconnected`]`)` when the connection has ended.
    ///
    /// # Errors
    /// [`Error::Disconnected`] once the stream has ended, [`Error::Runtime`] inside an async
    /// runtime; a lag or decoding problem is returned as the inner `Err`.
    #[allow(clippy::type_complexity)]
    pub fn recv_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<Result<Received<E>, EventError>>, Error> {
        // The timer must be created inside the runtime, hence the async block.
        let stream = &mut self.stream;
        let next = async move { tokio::time::timeout(timeout, stream.next()).await };
        match self.runtime.block_on(next)? {
            Err(_) => Ok(None),
            Ok(Some(item)) => Ok(Some(item)),
            Ok(None) => Err(Error::Disconnected {
                reason: "the event stream ended".into(),
            }),
        }
    }
}

impl<E: EventSet> Iterator for Events<E> {
    type Item = Result<Received<E>, Error>;

    /// Blocks for the next event; `None` once the connection has ended. A lag or decoding
    /// problem is [`Error::Event`]; a call inside an async runtime, which cannot block, is
    /// [`Error::Runtime`] (not `None`, which would look like a disconnect).
    fn next(&mut self) -> Option<Self::Item> {
        match self.runtime.block_on(self.stream.next()) {
            Err(error) => Some(Err(error)),
            Ok(item) => item.map(|received| received.map_err(Error::Event)),
        }
    }
}
