//! The async QMP client: handshake, a connection driver task, and a cloneable [`Client`]
//! handle for typed (`execute`), out-of-band (`execute_oob`) and raw (`execute_raw`) calls and
//! event subscriptions.
//!
//! ```no_run
//! # async fn demo() -> Result<(), qmp_types::client::Error> {
//! use qmp_types::client::{Client, ClientConfig};
//! let client = Client::connect_unix("/tmp/qmp.sock", ClientConfig::default()).await?;
//! let status = client.execute_raw("query-status", None).await?;
//! println!("{status}");
//! # Ok(()) }
//! ```

mod config;
mod driver;
mod events;
mod handshake;
mod transport;

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::codec::FramedRead;

pub use crate::error::{Error, OobUnavailable, ProtocolError};
pub use config::{ClientConfig, MAX_IN_BAND_IN_FLIGHT};
pub use events::{EventError, EventStream, Received};
pub use handshake::Negotiating;
pub(crate) use handshake::{next_message as next_handshake_message, within as within_handshake};
pub(crate) use transport::{tcp_stream, unix_stream};

use crate::codec::JsonCodec;
use crate::command::Command;
use crate::event::EventSet;
use crate::wire::{json_type, EventMessage, ExecMode, Greeting};
use driver::{Call, Driver, DriverSettings};

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
    calls: mpsc::UnboundedSender<Call>,
    /// Weak so that the driver's sender is the only strong one: when the driver ends, every
    /// event stream ends too, even while handles live.
    events: broadcast::WeakSender<Arc<EventMessage>>,
    greeting: Option<Greeting>,
    oob: bool,
    /// Why the connection ended, set by the driver before it fails pending calls.
    closed: Arc<OnceLock<String>>,
    /// Requests the driver holds, published by it (see [`Client::pending_calls`]).
    held: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("command", &self.command)
            .finish()
    }
}

impl Client {
    /// Spawns the driver for a negotiated stream and returns the first handle.
    pub(crate) fn spawn<T>(
        reader: FramedRead<T, JsonCodec>,
        config: &ClientConfig,
        greeting: Option<Greeting>,
        oob: bool,
        fence_command: &'static str,
        release_abandoned: bool,
        next_id: u64,
    ) -> Client
    where
        T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (calls, calls_rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(config.event_buffer);
        let closed = Arc::new(OnceLock::new());
        let held = Arc::new(AtomicUsize::new(0));
        let shared = Shared {
            calls,
            events: events.downgrade(),
            greeting,
            oob,
            closed: closed.clone(),
            held: held.clone(),
        };
        let settings = DriverSettings {
            max_in_flight: config.max_in_flight,
            fence_command,
            held,
            release_abandoned,
        };
        let driver = Driver::new(reader, calls_rx, events, settings, next_id, closed);
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
    /// connection has ended. Test support for leak checks, hidden from the documentation:
    /// not a stable API.
    #[doc(hidden)]
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
        let value = self
            .call(Cow::Borrowed(C::NAME), ExecMode::InBand, arguments)
            .await?;
        decode_output::<C>(value)
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
            .call(Cow::Borrowed(C::NAME), ExecMode::OutOfBand, arguments)
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
        self.call(Cow::Owned(command.to_owned()), ExecMode::InBand, arguments)
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
        )
        .await
    }

    /// Subscribes to the events that arrive from now on, decoded as `E` (the generated event
    /// enum, or [`crate::UnknownEvent`] for raw events). Each subscriber gets every event; see
    /// [`EventStream`] for what happens when one falls behind.
    pub fn events<E: EventSet>(&self) -> EventStream<E> {
        let receiver = match self.shared.events.upgrade() {
            Some(sender) => sender.subscribe(),
            // The connection is gone: a receiver whose sender is dropped ends at once.
            None => broadcast::channel(1).1,
        };
        EventStream::new(receiver)
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

    async fn call(
        &self,
        command: Cow<'static, str>,
        mode: ExecMode,
        arguments: Option<Map<String, Value>>,
    ) -> Result<Value, Error> {
        let (reply, answer) = oneshot::channel();
        let name = self.timeout.map(|_| command.clone());
        let call = Call {
            command,
            mode,
            arguments,
            reply,
        };
        if self.shared.calls.send(call).is_err() {
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
