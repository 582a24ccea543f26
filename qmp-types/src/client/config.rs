//! Client settings: message size limit, OOB negotiation, event delivery, timeouts.

use std::time::Duration;

use crate::codec::DEFAULT_MAX_MESSAGE_SIZE;

/// The specification's advice: "the client should have at most eight in-band commands in
/// flight", so that the server keeps reading and out-of-band commands still get through.
pub const MAX_IN_BAND_IN_FLIGHT: usize = 8;

/// Settings for a QMP or guest-agent connection. `ClientConfig::default()` suits most uses.
///
/// ```
/// use std::time::Duration;
/// let config = qmp_types::client::ClientConfig::default()
///     .enable_oob(false)
///     .command_timeout(Some(Duration::from_secs(5)));
/// assert!(!config.oob_enabled());
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub(crate) max_message_size: usize,
    pub(crate) enable_oob: bool,
    pub(crate) event_buffer: usize,
    pub(crate) event_memory_cap: usize,
    pub(crate) events_since_connect: bool,
    pub(crate) command_timeout: Option<Duration>,
    pub(crate) handshake_timeout: Option<Duration>,
    pub(crate) negotiation_patience: Option<Duration>,
    pub(crate) max_in_flight: usize,
    /// Set by the connect loop for each connection it opens: how many it opened before
    /// (reported by [`crate::client::Client::handshake_reconnects`]). `None` for a stream
    /// given by the caller, which cannot be opened again.
    pub(crate) reconnects_before: Option<usize>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            enable_oob: true,
            event_buffer: 128,
            event_memory_cap: 16 << 20,
            events_since_connect: false,
            command_timeout: None,
            handshake_timeout: Some(Duration::from_secs(10)),
            negotiation_patience: Some(Duration::from_secs(2)),
            max_in_flight: MAX_IN_BAND_IN_FLIGHT,
            reconnects_before: None,
        }
    }
}

impl ClientConfig {
    /// The largest message accepted from the server (default 16 MiB); a bigger one ends the
    /// connection with a clear error instead of using unbounded memory.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Whether to enable the `oob` capability when the server offers it (default `true`).
    pub fn enable_oob(mut self, enable: bool) -> Self {
        self.enable_oob = enable;
        self
    }

    /// Whether OOB is enabled when offered.
    pub fn oob_enabled(&self) -> bool {
        self.enable_oob
    }

    /// How many events a lagging subscriber ([`Client::lagging_events`]) may fall behind
    /// before it loses the oldest ones (default 128; at least 1).
    ///
    /// [`Client::lagging_events`]: crate::client::Client::lagging_events
    pub fn event_buffer(mut self, events: usize) -> Self {
        self.event_buffer = events.max(1);
        self
    }

    /// How far a lossless subscriber ([`Client::events`]) may fall behind, in bytes of unread
    /// events as received (default 16 MiB; decoded events take a few times more memory).
    /// Beyond it, its stream ends with [`EventError::Overflow`] instead of growing further.
    ///
    /// [`Client::events`]: crate::client::Client::events
    /// [`EventError::Overflow`]: crate::client::EventError::Overflow
    pub fn event_memory_cap(mut self, bytes: usize) -> Self {
        self.event_memory_cap = bytes;
        self
    }

    /// Whether to subscribe losslessly when the connection is made (default `false`), so
    /// that no event is lost between the handshake and the first subscriber, including
    /// events sent before the greeting. Take it with [`Client::events_since_connect`]; until
    /// then its events are kept (up to [`ClientConfig::event_memory_cap`]).
    ///
    /// [`Client::events_since_connect`]: crate::client::Client::events_since_connect
    pub fn events_since_connect(mut self, enable: bool) -> Self {
        self.events_since_connect = enable;
        self
    }

    /// The default timeout of every call (default: none). Per handle:
    /// [`crate::client::Client::with_timeout`].
    pub fn command_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// How long the greeting, negotiation or guest-agent sync may take (default 10 s), so that
    /// connecting to a socket that never speaks QMP fails instead of hanging.
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long [`Client::connect_unix`] and [`Client::connect_tcp`] wait for the answer to
    /// `qmp_capabilities` on one connection before closing it and connecting again (default
    /// 2 s; `None`: one connection for the whole handshake timeout). The handshake timeout
    /// still bounds the whole handshake. Each reconnect is logged (`tracing` warning) and
    /// counted by [`Client::handshake_reconnects`].
    ///
    /// Why: QEMU 7.2 can send its greeting to a client that connects while it starts and
    /// then never answer, because its main thread is left blocked in `accept()` on the QMP
    /// socket (the monitor thread accepted the connection first) and in-band commands run in
    /// the main thread. A new connection is what that `accept()` waits for; after it, QEMU
    /// answers normally. Only the handshake was sent on the abandoned connection, so nothing
    /// runs twice.
    ///
    /// [`Client::connect_unix`]: crate::client::Client::connect_unix
    /// [`Client::connect_tcp`]: crate::client::Client::connect_tcp
    /// [`Client::handshake_reconnects`]: crate::client::Client::handshake_reconnects
    pub fn negotiation_patience(mut self, patience: Option<Duration>) -> Self {
        self.negotiation_patience = patience;
        self
    }

    /// The most in-band commands in flight at the server (default and maximum recommended:
    /// [`MAX_IN_BAND_IN_FLIGHT`]; at least 1). The rest wait in the client.
    pub fn max_in_flight(mut self, commands: usize) -> Self {
        self.max_in_flight = commands.max(1);
        self
    }
}
