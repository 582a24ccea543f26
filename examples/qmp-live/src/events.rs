//! Typed and raw views of one connection's events, side by side, so each decoded event can be
//! strictly checked against the `data` it was decoded from.

use std::time::{Duration, Instant};

use qmp_types::blocking::{Client, Events};
use qmp_types::client::Received;
use qmp_types::{EventSet, UnknownEvent};
use serde_json::Value;

/// A typed event with the raw `data` it was decoded from.
#[derive(Debug)]
pub struct Seen<E> {
    /// The event as the bindings decoded it.
    pub event: E,
    /// The event's raw `data` (`Value::Null` when the server sent none).
    pub data: Value,
}

/// Two subscriptions to the same connection, one decoding with `E`, one raw. Both receive
/// every event in the same order, so they are read in lockstep.
#[derive(Debug)]
pub struct EventLog<E> {
    typed: Events<E>,
    raw: Events<UnknownEvent>,
    /// Every event read so far, in order.
    pub seen: Vec<Seen<E>>,
}

impl<E: EventSet + std::fmt::Debug> EventLog<E> {
    /// Subscribes to `client`'s events from now on.
    pub fn new(client: &Client) -> Self {
        EventLog {
            typed: client.events(),
            raw: client.events(),
            seen: Vec::new(),
        }
    }

    /// Reads events until one satisfies `wanted` (returns its index in [`EventLog::seen`]).
    ///
    /// # Panics
    /// After 20 s without it, when the connection ends first, or when an event does not
    /// decode (test support).
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&E) -> bool) -> usize {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let typed = match self.typed.recv_timeout(left) {
                Ok(Some(Ok(Received { event, .. }))) => event,
                Ok(Some(Err(error))) => panic!("while waiting for {what}: {error}"),
                Ok(None) => panic!("no {what} within 20 s; seen: {:?}", self.seen),
                Err(error) => panic!("while waiting for {what}: {error}; seen: {:?}", self.seen),
            };
            let raw = match self.raw.recv_timeout(Duration::from_secs(5)) {
                Ok(Some(Ok(Received { event, .. }))) => event,
                other => panic!("the raw stream lost {}: {other:?}", typed.name()),
            };
            assert_eq!(typed.name(), raw.name, "the two streams diverged");
            let hit = wanted(&typed);
            self.seen.push(Seen {
                event: typed,
                data: raw.data,
            });
            if hit {
                return self.seen.len() - 1;
            }
        }
    }

    /// The wire names of the events seen, in order.
    pub fn names(&self) -> Vec<String> {
        self.seen
            .iter()
            .map(|s| s.event.name().to_owned())
            .collect()
    }
}
