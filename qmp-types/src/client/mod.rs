//! The async QMP client: handshake, a connection driver task, and a cloneable [`Client`]
//! handle for typed (`execute`), out-of-band (`execute_oob`) and raw (`execute_raw`) calls,
//! calls that pass file descriptors, event subscriptions, and calls that wait for the event
//! a command causes (`execute_then_event`, `run_job`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), qmp_types::client::Error> {
//! use qmp_types::client::{Client, ClientConfig};
//! let client = Client::connect_unix("/tmp/qmp.sock", ClientConfig::default()).await?;
//! let status = client.execute_raw("query-status", None).await?;
//! println!("{status}");
//! # Ok(()) }
//! ```

mod capabilities;
mod config;
mod driver;
mod events;
mod fds;
mod follow;
mod handshake;
mod stream;
mod transport;

use std::borrow::Cow;
use std::os::fd::OwnedFd;
#[cfg(feature = "internals")]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::FramedRead;

pub use crate::error::{Error, EventError, OobUnavailable, ProtocolError};
pub use config::{ClientConfig, MAX_IN_BAND_IN_FLIGHT};
pub use events::{EventStream, Received};
pub use fds::{AddedFd, NamedFd};
pub use handshake::Negotiating;
pub(crate) use handshake::{next_message as next_handshake_message, within as within_handshake};
pub(crate) use stream::Io;
pub(crate) use transport::{tcp_stream, unix_stream, with_reconnect};

use crate::codec::JsonCodec;
use crate::command::Command;
use crate::event::EventSet;
use crate::wire::{json_type, ExecMode, Greeting};
use driver::{Call, Driver, DriverSettings, ToDriver, CLOSED_BY_CLIENT};
use events::{LosslessReceiver, Subscriber, WireEvent};

/// A handle to one QMP (or guest-agent) connection. Cheap to clone; all clones share the
/// connection, and any number of tasks may call through them at once.
///
/// The connection closes when the last handle is dropped (once every written request has been
/// sent; answers still due are not waited for, and event streams then end), or when the server
/// goes away: then every pending and later call fails with [`Error::Disconnected`].
#[derive(Debug, Clone)]
pub struct Client {
    shared: Arc<Shared>,
    timeout: Option<Duration>,
}

#[derive(Debug)]
struct Shared {
    /// Calls, subscriptions and the close request, to the driver. Only handles hold it, so
    /// the driver sees the channel close when the last handle is gone.
    calls: mpsc::UnboundedSender<ToDriver>,
    greeting: Option<Greeting>,
    oob: bool,
    /// Why the connection ended, set by the driver before it fails pending calls.
    closed: Arc<OnceLock<String>>,
    /// Requests the driver holds, published by it (read by `Client::pending_calls`).
    #[cfg(feature = "internals")]
    held: Arc<AtomicUsize>,
    event_buffer: usize,
    event_memory_cap: usize,
    /// The subscription made at connect time, until it is taken.
    since_connect: Mutex<Option<LosslessReceiver>>,
    /// `None` when file descriptors can be passed, or the kind of transport that cannot.
    fd_passing_unsupported: Option<&'static str>,
    /// How many connections were opened again during the handshake.
    handshake_reconnects: usize,
    /// The server's schema, fetched on first use (see [`Client::schema`]).
    schema: tokio::sync::OnceCell<Arc<crate::probe::SchemaIndex>>,
}

impl std::fmt::Debug for ToDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToDriver::Call(call) => f
                .debug_struct("Call")
                .field("command", &call.command)
                .field("fds", &call.fds.len())
                .finish_non_exhaustive(),
            ToDriver::Subscribe(_) => f.write_str("Subscribe"),
            ToDriver::Close { wait, .. } => f.debug_struct("Close").field("wait", wait).finish(),
        }
    }
}

impl Client {
    /// Spawns the driver for a negotiated stream and returns the first handle. `early_events`
    /// (received during the handshake) go to the subscription made at connect time, if the
    /// configuration asks for one.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn spawn(
        reader: FramedRead<Io, JsonCodec>,
        config: &ClientConfig,
        greeting: Option<Greeting>,
        oob: bool,
        fence_command: &'static str,
        release_abandoned: bool,
        next_id: u64,
        early_events: Vec<WireEvent>,
    ) -> Client {
        let (calls, calls_rx) = mpsc::unbounded_channel();
        let closed = Arc::new(OnceLock::new());
        #[cfg(feature = "internals")]
        let held = Arc::new(AtomicUsize::new(0));
        let mut subscribers = Vec::new();
        let since_connect = if config.events_since_connect {
            let (subscriber, receiver) = Subscriber::lossless(config.event_memory_cap);
            subscribers.push(subscriber);
            Some(receiver)
        } else {
            if !early_events.is_empty() {
                tracing::debug!(
                    count = early_events.len(),
                    "dropping events from the handshake: no subscription at connect time"
                );
            }
            None
        };
        let shared = Shared {
            calls,
            greeting,
            oob,
            closed: closed.clone(),
            #[cfg(feature = "internals")]
            held: held.clone(),
            event_buffer: config.event_buffer,
            event_memory_cap: config.event_memory_cap,
            since_connect: Mutex::new(since_connect),
            fd_passing_unsupported: reader.get_ref().fd_passing_unsupported(),
            handshake_reconnects: config.reconnects_before.unwrap_or(0),
            schema: tokio::sync::OnceCell::new(),
        };
        let settings = DriverSettings {
            max_in_flight: config.max_in_flight,
            fence_command,
            #[cfg(feature = "internals")]
            held,
            release_abandoned,
        };
        let driver = Driver::new(
            reader,
            calls_rx,
            subscribers,
            early_events,
            settings,
            next_id,
            closed,
        );
        tokio::spawn(driver.run());
        Client {
            shared: Arc::new(shared),
            timeout: config.command_timeout,
        }
    }

    /// The server's greeting (`None` for the guest agent, which sends none).
    pub fn greeting(&self) -> Option<&Greeting> {
        self.shared.greeting.as_ref()
    }

    /// Whether out-of-band execution was negotiated on this connection.
    pub fn oob_enabled(&self) -> bool {
        self.shared.oob
    }

    /// How many times [`Client::connect_unix`] or [`Client::connect_tcp`] closed a connection
    /// during the handshake and opened a new one (0 normally; see
    /// [`ClientConfig::negotiation_patience`] for why QEMU can need it).
    pub fn handshake_reconnects(&self) -> usize {
        self.shared.handshake_reconnects
    }

    /// A handle to the same connection whose calls time out after `timeout` (`None`: never).
    /// A timed-out call is abandoned like a dropped one: the connection stays usable.
    pub fn with_timeout(&self, timeout: Option<Duration>) -> Client {
        Client {
            shared: self.shared.clone(),
            timeout,
        }
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.calls.is_closed()
    }

    /// How many requests the connection driver holds: written and not answered yet
    /// (including calls abandoned by their callers, until their answer arrives; on a guest
    /// agent connection, until their slot is needed), or queued behind the in-flight limit.
    /// Published whenever the driver goes idle or has just delivered answers; 0 once the
    /// connection has ended. Test support for leak checks (feature `internals`, which this
    /// crate's own tests enable): not a stable API.
    #[cfg(feature = "internals")]
    pub fn pending_calls(&self) -> usize {
        self.shared.held.load(Ordering::Relaxed)
    }

    /// Executes a typed command in band and decodes its answer.
    ///
    /// # Errors
    /// [`Error::Qmp`] for an error response, [`Error::Decode`] when the answer does not match
    /// `C::Output`, [`Error::Arguments`] when `command` does not serialise to an object, and
    /// the connection errors of [`Client::execute_raw`].
    pub async fn execute<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        let arguments = arguments_of(C::NAME, serde_json::to_value(command))?;
        self.execute_serialised::<C>(arguments).await
    }

    /// Executes `C` in band with its `arguments` already serialised (by [`arguments_of`]),
    /// and decodes its answer.
    async fn execute_serialised<C: Command>(
        &self,
        arguments: Option<Map<String, Value>>,
    ) -> Result<C::Output, Error> {
        let value = self
            .call(
                Cow::Borrowed(C::NAME),
                ExecMode::InBand,
                arguments,
                Vec::new(),
            )
            .await?;
        decode_output::<C>(value)
    }

    /// Executes a typed command in band with file descriptors attached to its bytes
    /// (`SCM_RIGHTS`), for the commands that take descriptors from the socket (`getfd`,
    /// `add-fd`, `add_client`, ...). Ours are closed once sent: the server holds duplicates.
    /// Requests carrying descriptors are written one at a time (QEMU keeps only the last
    /// message's descriptors until a command takes them). [`Client::get_fd`] and
    /// [`Client::add_fd`] wrap the usual cases.
    ///
    /// # Errors
    /// [`Error::FdPassing`] (nothing is sent) when the connection is not a Unix socket;
    /// otherwise as [`Client::execute`]. The descriptors are closed in every case.
    pub async fn execute_with_fds<C: Command>(
        &self,
        command: &C,
        fds: Vec<OwnedFd>,
    ) -> Result<C::Output, Error> {
        self.check_fd_passing(C::NAME)?;
        let arguments = arguments_of(C::NAME, serde_json::to_value(command))?;
        let value = self
            .call(Cow::Borrowed(C::NAME), ExecMode::InBand, arguments, fds)
            .await?;
        decode_output::<C>(value)
    }

    /// [`Client::execute_with_fds`] by command name with optional JSON `arguments`.
    ///
    /// # Errors
    /// As [`Client::execute_with_fds`] and [`Client::execute_raw`].
    pub async fn execute_raw_with_fds(
        &self,
        command: &str,
        arguments: Option<Value>,
        fds: Vec<OwnedFd>,
    ) -> Result<Value, Error> {
        self.check_fd_passing(command)?;
        let arguments = arguments_of(command, Ok(arguments.unwrap_or(Value::Null)))?;
        self.call(
            Cow::Owned(command.to_owned()),
            ExecMode::InBand,
            arguments,
            fds,
        )
        .await
    }

    /// Executes a typed command out of band (`exec-oob`): it is not queued behind in-band
    /// commands, neither in the client nor in the server.
    ///
    /// # Errors
    /// [`Error::OobNotAvailable`] (nothing is sent) when OOB was not negotiated or the command
    /// does not allow it; otherwise as [`Client::execute`].
    pub async fn execute_oob<C: Command>(&self, command: &C) -> Result<C::Output, Error> {
        if !C::ALLOW_OOB {
            return Err(Error::OobNotAvailable {
                command: C::NAME.to_owned(),
                reason: OobUnavailable::NotAllowed,
            });
        }
        self.check_oob(C::NAME)?;
        let arguments = arguments_of(C::NAME, serde_json::to_value(command))?;
        let value = self
            .call(
                Cow::Borrowed(C::NAME),
                ExecMode::OutOfBand,
                arguments,
                Vec::new(),
            )
            .await?;
        decode_output::<C>(value)
    }

    /// Executes any command by name with optional JSON `arguments` (an object, or `None`)
    /// and returns its raw `return` value.
    ///
    /// # Errors
    /// [`Error::Qmp`] for an error response, [`Error::Arguments`] when `arguments` is not an
    /// object, [`Error::Timeout`], [`Error::Disconnected`], and
    /// [`ProtocolError::RequestLost`] when the server lost the request to a parse error.
    pub async fn execute_raw(
        &self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<Value, Error> {
        let arguments = arguments_of(command, Ok(arguments.unwrap_or(Value::Null)))?;
        self.call(
            Cow::Owned(command.to_owned()),
            ExecMode::InBand,
            arguments,
            Vec::new(),
        )
        .await
    }

    /// [`Client::execute_raw`] out of band. The client cannot know whether the command allows
    /// OOB; the server answers with an error if it does not.
    ///
    /// # Errors
    /// [`Error::OobNotAvailable`] (nothing is sent) when OOB was not negotiated; otherwise as
    /// [`Client::execute_raw`].
    pub async fn execute_raw_oob(
        &self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<Value, Error> {
        self.check_oob(command)?;
        let arguments = arguments_of(command, Ok(arguments.unwrap_or(Value::Null)))?;
        self.call(
            Cow::Owned(command.to_owned()),
            ExecMode::OutOfBand,
            arguments,
            Vec::new(),
        )
        .await
    }

    /// Subscribes to the events that arrive from now on, decoded as `E` (the generated event
    /// enum, or [`crate::UnknownEvent`] for raw events), losslessly: every event reaches the
    /// stream, in order, unless the subscriber falls behind by more than
    /// [`ClientConfig::event_memory_cap`]; then the stream ends with
    /// [`EventError::Overflow`]. Every command sent after this call is written after the
    /// subscription exists, so the stream sees every event the command causes.
    pub fn events<E: EventSet>(&self) -> EventStream<E> {
        let (subscriber, receiver) = Subscriber::lossless(self.shared.event_memory_cap);
        // When the driver is gone, the subscriber is dropped and the stream ends at once.
        let _ = self.shared.calls.send(ToDriver::Subscribe(subscriber));
        receiver.typed()
    }

    /// Subscribes to the events that arrive from now on, keeping at most
    /// [`ClientConfig::event_buffer`] unread events: a subscriber further behind loses the
    /// oldest ones and is told exactly how many ([`EventError::Lagged`]). For subscribers
    /// that only want recent events and must never hold much memory.
    pub fn lagging_events<E: EventSet>(&self) -> EventStream<E> {
        let (subscriber, stream) = Subscriber::lagging(self.shared.event_buffer);
        let _ = self.shared.calls.send(ToDriver::Subscribe(subscriber));
        stream
    }

    /// The lossless subscription made when the connection was established (with
    /// [`ClientConfig::events_since_connect`]): every event since the greeting, including
    /// any sent before it, nothing lost before the first other subscriber. `None` when the
    /// configuration did not ask for it, or it was already taken.
    pub fn events_since_connect<E: EventSet>(&self) -> Option<EventStream<E>> {
        let mut slot = match self.shared.since_connect.lock() {
            Ok(slot) => slot,
            // Nothing can panic while the lock is held; a poisoned lock still holds the slot.
            Err(poisoned) => poisoned.into_inner(),
        };
        slot.take().map(LosslessReceiver::typed)
    }

    /// Closes the connection for every handle: calls made from now on fail with
    /// [`Error::Disconnected`]; the calls made before are still sent, and their answers are
    /// awaited up to `wait`; then the socket is closed, and callers still waiting get
    /// [`Error::Disconnected`] saying the client closed the connection. Event streams end.
    ///
    /// # Errors
    /// [`Error::Disconnected`] when some callers were still waiting at the deadline (with
    /// their number), or when the connection had already ended for another reason.
    pub async fn close(&self, wait: Duration) -> Result<(), Error> {
        let (done, finished) = oneshot::channel();
        if self
            .shared
            .calls
            .send(ToDriver::Close { wait, done })
            .is_err()
        {
            return match self.shared.closed.get() {
                Some(reason) if reason.starts_with(CLOSED_BY_CLIENT) => Ok(()),
                _ => Err(self.disconnected()),
            };
        }
        match finished.await {
            Ok(0) => Ok(()),
            Ok(unanswered) => Err(Error::Disconnected {
                reason: format!(
                    "{CLOSED_BY_CLIENT} with {unanswered} calls unanswered after waiting \
                     {wait:?}"
                ),
            }),
            Err(_) => Err(self.disconnected()),
        }
    }

    fn check_fd_passing(&self, command: &str) -> Result<(), Error> {
        match self.shared.fd_passing_unsupported {
            None => Ok(()),
            Some(transport) => Err(Error::FdPassing {
                command: command.to_owned(),
                transport,
            }),
        }
    }

    /// Sends a call nobody waits for; it is written even so (unlike an abandoned call). Used
    /// by the fd guards' drop, which cannot wait. Does nothing once the connection is gone.
    fn send_detached(&self, command: &'static str, arguments: Map<String, Value>) {
        let (reply, _) = oneshot::channel();
        let call = Call {
            command: Cow::Borrowed(command),
            mode: ExecMode::InBand,
            arguments: Some(arguments),
            reply,
            fds: Vec::new(),
            detached: true,
            answers_on_success: true,
        };
        let _ = self.shared.calls.send(ToDriver::Call(call));
    }

    fn check_oob(&self, command: &str) -> Result<(), Error> {
        if self.shared.oob {
            Ok(())
        } else {
            Err(Error::OobNotAvailable {
                command: command.to_owned(),
                reason: OobUnavailable::NotNegotiated,
            })
        }
    }

    fn disconnected(&self) -> Error {
        let reason = self
            .shared
            .closed
            .get()
            .cloned()
            .unwrap_or_else(|| "the connection driver stopped".to_owned());
        Error::Disconnected { reason }
    }

    /// Executes a typed command that the server answers only when it fails (the guest
    /// agent's `guest-shutdown`, `guest-suspend-*`): completes with `{}` as `C::Output` as
    /// soon as the request is written. A later error answer is logged (`tracing`).
    pub(crate) async fn execute_unanswered<C: Command>(
        &self,
        command: &C,
    ) -> Result<C::Output, Error> {
        let arguments = arguments_of(C::NAME, serde_json::to_value(command))?;
        let name = Cow::Borrowed(C::NAME);
        let value = self
            .submit(name, ExecMode::InBand, arguments, Vec::new(), false)
            .await?;
        decode_output::<C>(value)
    }

    /// [`Client::execute_unanswered`] by name with optional JSON arguments.
    pub(crate) async fn execute_raw_unanswered(
        &self,
        command: &str,
        arguments: Option<Value>,
    ) -> Result<Value, Error> {
        let arguments = arguments_of(command, Ok(arguments.unwrap_or(Value::Null)))?;
        let name = Cow::Owned(command.to_owned());
        self.submit(name, ExecMode::InBand, arguments, Vec::new(), false)
            .await
    }

    async fn call(
        &self,
        command: Cow<'static, str>,
        mode: ExecMode,
        arguments: Option<Map<String, Value>>,
        fds: Vec<OwnedFd>,
    ) -> Result<Value, Error> {
        self.submit(command, mode, arguments, fds, true).await
    }

    /// Hands a call to the driver and waits for its outcome (its answer, or, without an
    /// answer on success, its request being written), within the handle's timeout.
    async fn submit(
        &self,
        command: Cow<'static, str>,
        mode: ExecMode,
        arguments: Option<Map<String, Value>>,
        fds: Vec<OwnedFd>,
        answers_on_success: bool,
    ) -> Result<Value, Error> {
        let (reply, answer) = oneshot::channel();
        let name = self.timeout.map(|_| command.clone());
        let call = Call {
            command,
            mode,
            arguments,
            reply,
            fds,
            detached: false,
            answers_on_success,
        };
        // A failed send returns the call, whose descriptors are closed when it is dropped.
        if self.shared.calls.send(ToDriver::Call(call)).is_err() {
            return Err(self.disconnected());
        }
        // Dropping `answer` (timeout below, or the caller dropping this future) is how a call
        // is cancelled: the driver skips it if still queued, and discards its late answer.
        let answer = async {
            match answer.await {
                Ok(result) => result,
                Err(_) => Err(self.disconnected()),
            }
        };
        match (self.timeout, name) {
            (Some(after), Some(name)) => {
                tokio::time::timeout(after, answer)
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Timeout {
                            command: name.into_owned(),
                            after,
                        })
                    })
            }
            _ => answer.await,
        }
    }
}

/// Checks that serialised arguments are an object (or nothing) and unwraps them.
fn arguments_of(
    command: &str,
    value: Result<Value, serde_json::Error>,
) -> Result<Option<Map<String, Value>>, Error> {
    match value {
        Ok(Value::Object(map)) if map.is_empty() => Ok(None),
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(Value::Null) => Ok(None),
        Ok(other) => Err(Error::Arguments {
            command: command.to_owned(),
            reason: format!("they must be a JSON object, not {}", json_type(&other)),
        }),
        Err(error) => Err(Error::Arguments {
            command: command.to_owned(),
            reason: error.to_string(),
        }),
    }
}

fn decode_output<C: Command>(value: Value) -> Result<C::Output, Error> {
    serde_json::from_value(value).map_err(|source| Error::Decode {
        command: C::NAME.to_owned(),
        source,
    })
}
